/*
 * rtc -- a driver for the PC-style CMOS real-time clock behind I/O ports 0x70 (index) and 0x71
 * (data), through core's IO_PORT service.
 *
 * RISC-V has no port I/O instructions: each inb/outb is an RPC to core, which performs it on
 * the emulated port bus, but only for ports inside the session's range (0x70..0x71 here).
 * The driver reads the date and time (BCD or binary, 12 or 24 hours, as status B says), reads
 * it again two seconds later by the Timer, round-trips a byte of battery-backed NVRAM, and
 * shows that ports outside its range are DENIED and that port ranges are exclusive.
 */
#include <corescope/component.h>

#define RTC_INDEX 0x70
#define RTC_DATA  0x71

/* CMOS register indices (src/engine/core/cmos_rtc.ts). */
enum {
	REG_SECONDS = 0x00,
	REG_MINUTES = 0x02,
	REG_HOURS = 0x04,
	REG_WEEKDAY = 0x06,
	REG_DAY = 0x07,
	REG_MONTH = 0x08,
	REG_YEAR = 0x09,
	REG_STATUS_A = 0x0a,
	REG_STATUS_B = 0x0b,
	REG_CENTURY = 0x32,
	REG_NVRAM_TEST = 0x40, /* an NVRAM byte nobody else uses */
};
#define STATUS_A_UIP 0x80
#define STATUS_B_DM 0x04  /* 1: binary, 0: BCD */
#define STATUS_B_24H 0x02 /* 1: 24-hour mode */

static unsigned io_port; /* IO_PORT session for 0x70..0x71 */

static unsigned cmos_read(unsigned index)
{
	unsigned v = 0xff;
	io_port_outb(io_port, RTC_INDEX, index & 0x7f); /* bit 7 clear: NMI stays enabled */
	io_port_inb(io_port, RTC_DATA, &v);
	return v;
}

static void cmos_write(unsigned index, unsigned value)
{
	io_port_outb(io_port, RTC_INDEX, index & 0x7f);
	io_port_outb(io_port, RTC_DATA, value);
}

struct rtc_time {
	unsigned year, month, day, hour, minute, second, weekday;
};

static unsigned from_bcd(unsigned v) { return (v & 0x0f) + (v >> 4) * 10; }

/* Reads the clock: after the update-in-progress window, twice, until both reads agree. */
static void rtc_read(struct rtc_time *t, unsigned *status_b)
{
	static unsigned char const regs[] = { REG_SECONDS, REG_MINUTES, REG_HOURS, REG_WEEKDAY,
		                              REG_DAY,     REG_MONTH,   REG_YEAR,  REG_CENTURY };
	unsigned char a[sizeof regs], b[sizeof regs];
	do {
		while (cmos_read(REG_STATUS_A) & STATUS_A_UIP)
			;
		for (unsigned i = 0; i < sizeof regs; i++)
			a[i] = (unsigned char)cmos_read(regs[i]);
		for (unsigned i = 0; i < sizeof regs; i++)
			b[i] = (unsigned char)cmos_read(regs[i]);
	} while (memcmp(a, b, sizeof a) != 0);

	unsigned sb = cmos_read(REG_STATUS_B);
	*status_b = sb;
	unsigned pm = a[2] & 0x80;
	a[2] &= 0x7f;
	if (!(sb & STATUS_B_DM))
		for (unsigned i = 0; i < sizeof a; i++)
			a[i] = (unsigned char)from_bcd(a[i]);
	t->second = a[0];
	t->minute = a[1];
	t->hour = a[2];
	if (!(sb & STATUS_B_24H)) /* 12-hour mode: 12 AM is 0 h, 12 PM is 12 h */
		t->hour = (t->hour % 12) + (pm ? 12 : 0);
	t->weekday = a[3];
	t->day = a[4];
	t->month = a[5];
	t->year = a[7] * 100u + a[6];
}

/* Seconds since 1970-01-01 (Howard Hinnant's days_from_civil, for years after 1970). */
static unsigned long long unix_time(struct rtc_time const *t)
{
	unsigned y = t->month <= 2 ? t->year - 1 : t->year;
	unsigned era = y / 400;
	unsigned yoe = y - era * 400;
	unsigned mp = (t->month + 9) % 12;
	unsigned doy = (153 * mp + 2) / 5 + t->day - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	unsigned long long days = (unsigned long long)era * 146097 + doe - 719468;
	return days * 86400 + t->hour * 3600u + t->minute * 60u + t->second;
}

static char const *weekday_name(unsigned d)
{
	static char const *const names[] = { "?",        "Sunday",   "Monday", "Tuesday",
		                             "Wednesday", "Thursday", "Friday", "Saturday" };
	return d <= 7 ? names[d] : "?";
}

static void log_time(char const *what, struct rtc_time const *t)
{
	log("rtc: %s%04u-%02u-%02u %02u:%02u:%02u (%s) = %llu s since 1970", what, t->year, t->month, t->day, t->hour,
	    t->minute, t->second, weekday_name(t->weekday), unix_time(t));
}

void component_construct(struct env *env)
{
	int r = parent_session("IO_PORT", "ram_quota=8K, cap_quota=4, io_port_base=0x70, io_port_size=2", &io_port);
	if (r != RPC_OK) {
		log("rtc: IO_PORT session for ports 0x70..0x71: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	struct timer_connection timer;
	r = timer_open(env, &timer);
	if (r != RPC_OK) {
		log("rtc: no Timer session: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	log("rtc: IO_PORT session for ports 0x70..0x71 (index, data)");

	struct rtc_time t1, t2;
	unsigned sb;
	rtc_read(&t1, &sb);
	log("rtc: status B 0x%02x: %s, %s", sb, (sb & STATUS_B_DM) ? "binary" : "BCD",
	    (sb & STATUS_B_24H) ? "24-hour" : "12-hour");
	log_time("", &t1);

	unsigned ms0 = timer_now_ms(&timer);
	timer_msleep(&timer, 2000);
	unsigned ms = timer_now_ms(&timer) - ms0;
	rtc_read(&t2, &sb);
	log_time("", &t2);
	log("rtc: the Timer says %u ms passed, the RTC advanced %llu s", ms, unix_time(&t2) - unix_time(&t1));

	/* The same clock in binary format (status B DM), then back to what it was. */
	cmos_write(REG_STATUS_B, sb | STATUS_B_DM);
	struct rtc_time tb;
	unsigned sb_bin;
	rtc_read(&tb, &sb_bin);
	cmos_write(REG_STATUS_B, sb);
	log_time("binary mode: ", &tb);

	/* Battery-backed NVRAM: plain bytes behind the same two ports. */
	unsigned before = cmos_read(REG_NVRAM_TEST);
	cmos_write(REG_NVRAM_TEST, 0x5a);
	unsigned back = cmos_read(REG_NVRAM_TEST);
	log("rtc: NVRAM[0x%02x]: was 0x%02x, wrote 0x5a, read back 0x%02x (%s)", REG_NVRAM_TEST, before, back,
	    back == 0x5a ? "ok" : "MISMATCH");

	/* Ports outside the session's range: core refuses to touch them. */
	unsigned v = 0;
	r = io_port_inb(io_port, 0x80, &v);
	log("rtc: inb 0x80 through the 0x70..0x71 session: %s", rpc_result_name(r));
	r = io_port_outb(io_port, 0x72, 0);
	log("rtc: outb 0x72 through the 0x70..0x71 session: %s", rpc_result_name(r));

	/* Port ranges are exclusive: port 0x71 belongs to our first session already. */
	unsigned second;
	r = parent_session("IO_PORT", "ram_quota=8K, cap_quota=4, io_port_base=0x71, io_port_size=1", &second);
	log("rtc: second IO_PORT session for port 0x71: %s", rpc_result_name(r));
	if (r == RPC_OK)
		parent_close(second);

	/* A free port is granted; with no device behind it, it reads as all ones. */
	unsigned post;
	r = parent_session("IO_PORT", "ram_quota=8K, cap_quota=4, io_port_base=0x80, io_port_size=1", &post);
	if (r == RPC_OK) {
		v = 0;
		int ri = io_port_inb(post, 0x80, &v);
		log("rtc: IO_PORT session for port 0x80: OK, inb 0x80 -> 0x%02x (%s, no device)", v, rpc_result_name(ri));
		parent_close(post);
	} else {
		log("rtc: IO_PORT session for port 0x80: %s", rpc_result_name(r));
	}

	log("rtc: done");
	timer_close(env, &timer);
	parent_exit(0);
}
