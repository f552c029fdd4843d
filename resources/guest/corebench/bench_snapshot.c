/* bench_snapshot -- a component with about 20 MiB of live data, for bench/snapshot_bench.ts.
 *
 * A snapshot's size and speed depend on what RAM holds, so this component holds what real ones
 * do. It allocates DATASPACES RAM dataspaces of 1 MiB, attaches them and fills each with one of
 * four kinds of data, in turn:
 *   0 random bytes (a PRNG stream: keys, hashes, compressed media -- incompressible);
 *   1 an array of 32-byte records (ids, sequence numbers, timestamps, flags, short names);
 *   2 text (log-like lines of words from a small vocabulary);
 *   3 a sparse table (mostly zero runs, a few words set in every page).
 * Every page ends up non-zero. It logs "snapshot: ready <KiB>" and keeps running: every 10 ms
 * it updates a few records, random words and a line of text, as a live component would. */
#include <corescope/component.h>

#define DATASPACES 20
#define DS_SIZE    (1024u * 1024)
#define PAGE       4096u
#define TICK_MS    10

struct record {
	unsigned id;
	unsigned seq;
	unsigned timestamp; /* microseconds */
	unsigned short kind;
	unsigned short flags;
	int balance;
	unsigned hash;
	char name[8];
};

static unsigned char *area[DATASPACES];
static unsigned rng = 0x2545f491u;

/* xorshift32: fast and good enough to be incompressible */
static unsigned next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void fill_random(unsigned char *p)
{
	unsigned *w = (unsigned *)p;
	for (unsigned i = 0; i < DS_SIZE / 4; i++)
		w[i] = next_random();
}

static void set_record(struct record *r, unsigned id)
{
	r->id = id;
	r->seq = id * 7u;
	r->timestamp = 1000000u + id * 1250u + (next_random() & 0xff);
	r->kind = (unsigned short)(id % 5);
	r->flags = (unsigned short)((next_random() & 0x3) == 0 ? 0x8001 : 0x0001);
	r->balance = (int)(next_random() % 20000u) - 10000;
	r->hash = next_random();
	r->name[0] = 'u';
	r->name[1] = 's';
	r->name[2] = 'e';
	r->name[3] = 'r';
	unsigned n = id % 10000u;
	for (int d = 7; d >= 4; d--) {
		r->name[d] = (char)('0' + n % 10);
		n /= 10;
	}
}

static void fill_records(unsigned char *p, unsigned first_id)
{
	struct record *r = (struct record *)p;
	for (unsigned i = 0; i < DS_SIZE / sizeof *r; i++)
		set_record(&r[i], first_id + i);
}

static char const *const words[] = {
	"the",     "request", "session", "reply",   "from",    "client",  "server",   "page",
	"fault",   "resolved", "at",     "address", "quota",   "exceeded", "signal",  "received",
	"thread",  "blocked", "on",      "ipc",     "with",    "timeout", "ok",       "error",
	"buffer",  "queue",   "packet",  "length",  "ready",   "done",    "retrying", "mapped",
};
#define NWORDS (sizeof words / sizeof words[0])

/* Appends one line of text at p (at most `room` bytes); returns its length. */
static unsigned text_line(char *p, unsigned room, unsigned lineno)
{
	unsigned n = 0;
	char num[12];
	int k = 0;
	unsigned v = lineno;
	do {
		num[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && k < 11);
	if (room < 128) /* the longest line is 112 bytes */
		return 0;
	p[n++] = '[';
	while (k)
		p[n++] = num[--k];
	p[n++] = ']';
	unsigned count = 4 + (next_random() & 7);
	for (unsigned i = 0; i < count; i++) {
		char const *w = words[next_random() % NWORDS];
		p[n++] = ' ';
		while (*w)
			p[n++] = *w++;
	}
	p[n++] = '\n';
	return n;
}

static void fill_text(unsigned char *p, unsigned *lineno)
{
	unsigned at = 0;
	for (;;) {
		unsigned n = text_line((char *)p + at, DS_SIZE - at, (*lineno)++);
		if (!n)
			break;
		at += n;
	}
	memset(p + at, ' ', DS_SIZE - at);
}

static void fill_sparse(unsigned char *p)
{
	unsigned *w = (unsigned *)p;
	for (unsigned page = 0; page < DS_SIZE / PAGE; page++) {
		unsigned *pw = w + page * (PAGE / 4);
		for (unsigned j = 0; j < 4; j++)
			pw[next_random() % (PAGE / 4)] = next_random() | 1;
	}
}

void component_construct(struct env *env)
{
	struct timer_connection timer;
	if (timer_open(env, &timer) != RPC_OK) {
		log("snapshot: no Timer session");
		parent_exit(1);
		return;
	}
	unsigned lineno = 1;
	for (unsigned i = 0; i < DATASPACES; i++) {
		unsigned ds, addr;
		int r = pd_alloc_ram(SEL_PD, DS_SIZE, &ds);
		if (r == RPC_OK)
			r = rm_attach(env->rm, ds, 0, &addr);
		if (r != RPC_OK) {
			log("snapshot: dataspace %u: %s", i, rpc_result_name(r));
			parent_exit(1);
			return;
		}
		area[i] = (unsigned char *)addr;
		switch (i % 4) {
		case 0: fill_random(area[i]); break;
		case 1: fill_records(area[i], i * (DS_SIZE / sizeof(struct record))); break;
		case 2: fill_text(area[i], &lineno); break;
		default: fill_sparse(area[i]); break;
		}
	}
	log("snapshot: ready %u", DATASPACES * (DS_SIZE / 1024));

	/* Live: a little of everything changes every tick. */
	for (unsigned tick = 0;; tick++) {
		timer_msleep(&timer, TICK_MS);
		unsigned now = (unsigned)sys_time_us();
		for (unsigned j = 0; j < 8; j++) {
			unsigned i = (next_random() % (DATASPACES / 4)) * 4;
			struct record *r = (struct record *)area[i + 1];
			struct record *x = &r[next_random() % (DS_SIZE / sizeof *r)];
			x->seq++;
			x->timestamp = now;
			x->balance += (int)(next_random() & 0xff) - 128;
			((unsigned *)area[i])[next_random() % (DS_SIZE / 4)] = next_random();
		}
		unsigned i = (tick % (DATASPACES / 4)) * 4 + 2;
		text_line((char *)area[i] + (next_random() % (DS_SIZE - 128)), 128, lineno++);
	}
}
