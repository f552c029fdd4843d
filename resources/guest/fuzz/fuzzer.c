/*
 * fuzzer -- issues random system calls and RPCs with random arguments, for the kernel fuzz
 * test (test/core/fuzz.test.ts), which checks the kernel's invariants after every call.
 *
 * The main thread calls; a second thread serves the RPC objects the fuzzer allocates (and
 * answers with random payloads and capabilities). A few combinations would only end the
 * fuzzer itself (exit, killing or stopping its own main thread, deleting its environment
 * capabilities) and are skipped, so the run keeps going.
 */
#include <corescope/component.h>

#define ITERATIONS 40000u

static unsigned state;

static unsigned rnd(void)
{
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

/* Selectors the fuzzer knows to be (or to have been) valid: its environment and every
 * capability it received, so most calls reach real objects instead of failing at lookup. */
static unsigned known[128];
static unsigned known_count;

static void remember(unsigned sel)
{
	if (sel == SEL_INVALID) return;
	known[known_count % 128] = sel;
	known_count++;
}

/* The server thread's selector: pausing or killing it would only make the fuzzer wait forever. */
static unsigned server_sel = SEL_INVALID;
static unsigned pick_any_sel(void);

static unsigned pick_sel(void)
{
	unsigned s = pick_any_sel();
	return s == server_sel && s != SEL_INVALID ? SEL_LOG : s;
}

static unsigned pick_any_sel(void)
{
	unsigned k = rnd() % 10;
	if (k < 7 && known_count) return known[rnd() % (known_count < 128 ? known_count : 128)];
	if (k < 8) return rnd() % 64;
	if (k < 9) return rnd() % 4096;
	return rnd();
}

static unsigned pick_word_any(void);

/* Words that address the fuzzer's own program (from 0x10000) or its stack area are avoided:
 * detaching those regions from its address space would only stop the fuzzer itself. */
static unsigned pick_word(void)
{
	unsigned w = pick_word_any();
	int own = (w >= LAYOUT_USER_BASE && w < 0x100000u) ||
	          (w >= LAYOUT_STACK_AREA_BASE && w < LAYOUT_STACK_AREA_BASE + LAYOUT_STACK_AREA_SIZE);
	return own ? LAYOUT_ATTACH_BASE : w;
}

static unsigned pick_word_any(void)
{
	switch (rnd() % 6) {
	case 0: return rnd() % 64;
	case 1: return 0x60000000u + (rnd() % 256) * 4096u;
	case 2: return 4096u * (1 + rnd() % 16);
	case 3: return rnd() % 4 == 0 ? 0xffffffffu : 1;
	case 4: return 0x10000000u + (rnd() % 4) * 0x100u;
	default: return rnd();
	}
}

static char const *const services[] = { "LOG", "ROM", "RM", "PD", "CPU", "Timer", "IO_MEM", "IO_PORT", "IRQ", "TRACE", "Nope" };
static char const *const args[] = {
	"ram_quota=8K, cap_quota=4, label=\"x\"",
	"ram_quota=100M, cap_quota=4",
	"ram_quota=8K, cap_quota=4, base=0x10000000, size=0x100",
	"ram_quota=8K, cap_quota=4, io_port_base=0x70, io_port_size=2",
	"ram_quota=8K, cap_quota=4, irq_number=10",
	"garbage,,=\"",
	"ram_quota=0",
};

static void random_string(void)
{
	switch (rnd() % 4) {
	case 0: rpc_str(services[rnd() % (sizeof(services) / sizeof(services[0]))]); break;
	case 1: rpc_str(args[rnd() % (sizeof(args) / sizeof(args[0]))]); break;
	case 2: {
		char buf[300];
		unsigned n = rnd() % sizeof(buf);
		for (unsigned i = 0; i < n; i++) buf[i] = (char)(32 + rnd() % 95);
		rpc_bytes(buf, n);
		break;
	}
	default: rpc_u32(rnd()); /* a length word with nothing behind it */
	}
}

/* The server thread: answers every request with a random result, words and capabilities. */
static void server_main(void)
{
	unsigned imprint, count;
	int reply = 0;
	for (;;) {
		sys_reply_wait(reply, 0, &imprint, &count);
		rpc_reply_begin((int)(rnd() % 4));
		unsigned n = rnd() % 6;
		for (unsigned i = 0; i < n; i++) rpc_u32(pick_word());
		if (rnd() % 3 == 0) rpc_cap(pick_sel());
		reply = 1;
	}
}

static void start_server(void)
{
	unsigned th;
	if (thread_create("server", server_main, 16384, &th) != RPC_OK) return;
	server_sel = th;
	/* Objects served by the server thread, so calls to them get answers. */
	for (int i = 0; i < 4; i++) {
		unsigned obj, badge;
		pd_alloc_rpc_cap(SEL_PD, th, &obj, &badge);
	}
	thread_start(th);
}

static void one_call(void)
{
	struct utcb *u = utcb();
	unsigned k = rnd() % 20;
	unsigned imprint, count;
	if (k < 11) {
		unsigned dst = pick_sel();
		unsigned op = rnd() % 24;
		if (dst == SEL_PARENT && op == RPC_PARENT_EXIT) return;
		if (dst == SEL_MAIN_THREAD && op != RPC_CPU_THREAD_STATE && op != RPC_CPU_THREAD_UTCB) return;
		rpc_begin(op);
		unsigned n = rnd() % 8;
		for (unsigned i = 0; i < n; i++) {
			if (rnd() % 4 == 0) random_string();
			else rpc_u32(pick_word());
		}
		unsigned caps = rnd() % 3;
		for (unsigned i = 0; i < caps; i++) {
			unsigned c = pick_sel();
			if (c == SEL_MAIN_THREAD) c = SEL_LOG;
			rpc_cap(c);
		}
		if (rnd() % 50 == 0) u->data_len = rnd(); /* oversized */
		if (rnd() % 50 == 0) u->cap_count = rnd() % 9;
		int r = rpc_call(dst);
		if (r >= 0)
			for (unsigned i = 0; i < u->cap_count && i < UTCB_MAX_CAPS; i++) remember(u->caps[i]);
		return;
	}
	switch (k) {
	case 11: sys_signal_submit(pick_sel(), rnd() % 5); break;
	case 12: sys_signal_pending(pick_sel(), &imprint, &count); break;
	case 13: sys_signal_ack(pick_sel()); break;
	case 14: sys_yield(); break;
	case 15: { unsigned s = pick_sel(); if (s != SEL_MAIN_THREAD) sys_restart(s); break; }
	case 16: { unsigned s = pick_sel(); if (s > SEL_MAIN_THREAD && rnd() % 8 == 0) sys_delete_cap(s); break; }
	case 17: sys_timeout(pick_sel(), rnd() % 2000); break;
	case 18: sys_ecall(14 + rnd() % 1000, rnd(), rnd(), rnd(), 0, 0); break;
	default: sys_reply(); break;
	}
}

void component_construct(struct env *env)
{
	(void)env;
	unsigned id = 0;
	cpu_thread_id(SEL_MAIN_THREAD, &id);
	state = 0x9e3779b9u ^ (id * 2654435761u);
	for (unsigned s = SEL_PARENT; s <= SEL_MAIN_THREAD; s++) remember(s);
	start_server();
	log("fuzz: seed %x, %u calls", state, ITERATIONS);
	for (unsigned i = 0; i < ITERATIONS; i++) one_call();
	log("fuzz: done");
	parent_exit(0);
}
