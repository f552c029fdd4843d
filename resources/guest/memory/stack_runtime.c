/* stack_runtime -- "threads" whose stacks are isolated from each other (seed 000).
 *
 * A custom runtime creates a new PD for each worker "thread" and builds its address space by
 * hand, with core's PD, CPU and ROM services:
 *
 *   - code: the runtime's own binary (ROM module "stack_runtime", served by core): its
 *     read-only/executable ELF segments are attached as windows of the one ROM dataspace at
 *     the same virtual addresses in every worker -- all workers share those physical pages;
 *   - data: each worker gets a private RAM copy of the writable segment (so each has its own
 *     globals, at the same addresses);
 *   - heap: ONE RAM dataspace, attached at the same address in every worker (and the runtime);
 *   - stack: each worker gets its own RAM dataspace in its own stack area, worker N in stack
 *     slot N; no other PD has it attached.
 *
 * Then a thread starts in each PD at `worker_entry`. Workers hold no capabilities at all (not
 * even LOG); they report through the shared heap. Worker 1 publishes the address of a local
 * variable on its stack; worker 2 tries to read it -- nothing is attached there in worker 2's
 * PD, so core stops worker 2 with an unresolved page fault. The runtime polls the heap and the
 * threads' states with its timer and reports. */
#include <corescope/component.h>

#define NWORKERS     2
#define PAGE         0x1000u
#define HEAP_SIZE    0x4000u
#define STACK_SIZE   0x4000u
#define WORKER_RAM   (64 * 1024)
#define WORKER_CAPS  8

/* ---- what workers and runtime share -------------------------------------------------------- */

/* Lives in the shared heap; index 0 is unused so that worker N uses slot N. */
struct shared_heap {
	volatile unsigned ready[NWORKERS + 1];     /* worker N has reported */
	volatile unsigned checksum[NWORKERS + 1];  /* computed with the shared code */
	volatile unsigned private_value[NWORKERS + 1]; /* its private global after its update */
	volatile unsigned stack_var[NWORKERS + 1]; /* address of a local variable on its stack */
	volatile unsigned stack_value[NWORKERS + 1];
	volatile unsigned visits;                  /* incremented by every worker */
	volatile unsigned w2_trying;               /* worker 2 is about to read worker 1's stack */
	volatile unsigned w2_read_done;            /* ... and survived it (must not happen) */
	volatile unsigned w2_read_value;
};

/* Set by the runtime in each worker's private copy of the data segment. */
struct worker_boot {
	unsigned index;
	struct shared_heap *heap;
};
volatile struct worker_boot worker_boot;

/* An initialised global: each worker has its own copy (the runtime's stays 100). */
volatile unsigned private_counter = 100;

/* ---- worker code (runs in the worker PDs; no capabilities, no SDK calls but plain syscalls) -- */

void worker_entry(void);
void worker_main(void) __attribute__((noreturn, used));

/* The kernel starts the thread with sp at the top of its stack; set gp (the data segment is at
 * the same address as in the runtime), end the frame chain and call worker_main. */
__asm__(".section .text\n"
        ".globl worker_entry\n"
        ".type worker_entry, @function\n"
        "worker_entry:\n"
        ".option push\n"
        ".option norelax\n"
        "	la gp, __global_pointer$\n"
        ".option pop\n"
        "	li s0, 0\n"
        "	li ra, 0\n"
        "	call worker_main\n"
        "1:	li a7, 9\n" /* SYS_STOP */
        "	ecall\n"
        "	j 1b\n"
        ".size worker_entry, . - worker_entry\n");

/* Shared code: both workers run these very instructions (the same physical pages). */
static unsigned __attribute__((noinline)) sum_of_squares(unsigned n)
{
	unsigned s = 0;
	for (unsigned i = 1; i <= n; i++)
		s += i * i;
	return s;
}

void worker_main(void)
{
	unsigned const idx = worker_boot.index;
	struct shared_heap *h = worker_boot.heap;
	volatile unsigned local = 0x57ac0000u | idx; /* on this worker's own stack */

	private_counter += 10 * idx;
	h->private_value[idx] = private_counter;
	h->checksum[idx] = sum_of_squares(10 * idx);
	h->stack_var[idx] = (unsigned)&local;
	h->stack_value[idx] = local;
	__atomic_fetch_add(&h->visits, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&h->ready[idx], 1, __ATOMIC_SEQ_CST);

	if (idx == 2) {
		while (!__atomic_load_n(&h->ready[1], __ATOMIC_SEQ_CST))
			sys_yield();
		h->w2_trying = 1;
		/* Worker 1's stack is not attached in this PD: core stops us right here. */
		h->w2_read_value = *(volatile unsigned *)h->stack_var[1];
		h->w2_read_done = 1;
	}
	/* Worker 1 stops with its frame (and `local`) alive. */
	for (;;)
		sys_stop();
}

/* ---- the runtime ---------------------------------------------------------------------------- */

struct elf32_ehdr {
	unsigned char ident[16];
	unsigned short type, machine;
	unsigned version, entry, phoff, shoff, flags;
	unsigned short ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
	unsigned type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define PT_LOAD 1
#define PF_X    1
#define PF_W    2
#define PF_R    4
#define MAX_SEGS 4

static unsigned page_down(unsigned a) { return a & ~(PAGE - 1); }
static unsigned page_up(unsigned a) { return (a + PAGE - 1) & ~(PAGE - 1); }

static struct {
	struct env *env;
	struct timer_connection timer;
	unsigned rom, rom_ds, rom_size, rom_local;
	struct elf32_phdr segs[MAX_SEGS];
	unsigned nsegs;
	unsigned heap_ds, heap_addr;
	struct shared_heap *heap;
	unsigned cpu;
	struct {
		unsigned pd, as, stack_area, thread, id, utcb, stack_lo, stack_hi;
	} w[NWORKERS + 1];
} rt;

static char const *rights(unsigned f)
{
	static char s[4];
	s[0] = f & PF_R ? 'R' : '-';
	s[1] = f & PF_W ? 'W' : '-';
	s[2] = f & PF_X ? 'X' : '-';
	s[3] = 0;
	return s;
}

/* Finds the PT_LOAD segments of our own binary (the ROM module). */
static int parse_elf(void)
{
	struct elf32_ehdr const *eh = (struct elf32_ehdr const *)rt.rom_local;
	if (rt.rom_size < sizeof *eh || memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != 1 || eh->machine != 243 ||
	    eh->phentsize != sizeof(struct elf32_phdr) || eh->phoff + eh->phnum * sizeof(struct elf32_phdr) > rt.rom_size) {
		log("stack_runtime: ROM module is not an RV32 ELF");
		return 0;
	}
	struct elf32_phdr const *ph = (struct elf32_phdr const *)(rt.rom_local + eh->phoff);
	for (unsigned i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
			continue;
		if (rt.nsegs == MAX_SEGS || ph[i].offset + ph[i].filesz > rt.rom_size) {
			log("stack_runtime: unexpected program header %u", i);
			return 0;
		}
		rt.segs[rt.nsegs++] = ph[i];
	}
	log("stack_runtime: own binary: ROM module of %u bytes, entry 0x%08x, %u loadable segments", rt.rom_size,
	    eh->entry, rt.nsegs);
	for (unsigned i = 0; i < rt.nsegs; i++) {
		struct elf32_phdr const *s = &rt.segs[i];
		log("stack_runtime:   segment %u: 0x%08x-0x%08x %s -> %s", i, s->vaddr, s->vaddr + s->memsz, rights(s->flags),
		    s->flags & PF_W ? "private copy per worker" : "shared window of the ROM dataspace");
	}
	return 1;
}

/* Attaches segment `s` in worker `n`'s address space. */
static int load_segment(unsigned n, struct elf32_phdr const *s)
{
	struct env *env = rt.env;
	unsigned first = page_down(s->vaddr), size = page_up(s->vaddr + s->memsz) - first, at;
	if (!(s->flags & PF_W)) {
		/* Code and read-only data: a window of the ROM dataspace, shared by all workers. */
		if ((s->offset & (PAGE - 1)) != (s->vaddr & (PAGE - 1)) || s->memsz != s->filesz) {
			log("stack_runtime: segment at 0x%08x cannot be mapped from the ROM", s->vaddr);
			return RPC_INVALID_ARGS;
		}
		struct attach_args a = { .size = size, .offset = page_down(s->offset), .use_at = 1, .at = first,
		                         .executable = !!(s->flags & PF_X), .writeable = 0 };
		return rm_attach(rt.w[n].as, rt.rom_ds, &a, &at);
	}
	/* Writable data: a private copy, paid by the worker's PD. */
	unsigned ds, local;
	int r = pd_alloc_ram(rt.w[n].pd, size, &ds);
	if (r != RPC_OK)
		return r;
	r = rm_attach(env->rm, ds, 0, &local);
	if (r != RPC_OK)
		return r;
	memcpy((void *)(local + (s->vaddr - first)), (void const *)(rt.rom_local + s->offset), s->filesz);
	unsigned boot = (unsigned)&worker_boot;
	if (boot >= s->vaddr && boot + sizeof worker_boot <= s->vaddr + s->memsz) {
		struct worker_boot *b = (struct worker_boot *)(local + (boot - first));
		b->index = n;
		b->heap = rt.heap;
	}
	rm_detach(env->rm, local);
	struct attach_args a = { .size = size, .use_at = 1, .at = first, .writeable = 1 };
	return rm_attach(rt.w[n].as, ds, &a, &at);
}

static int create_worker(unsigned n)
{
	struct env *env = rt.env;
	char args[96], name[16];
	snprintf(name, sizeof name, "worker%u", n);
	snprintf(args, sizeof args, "ram_quota=8K, cap_quota=4, label=\"%s\"", name);
	int r = parent_session("PD", args, &rt.w[n].pd);
	if (r == RPC_OK)
		r = pd_ref_account(rt.w[n].pd, env->pd);
	if (r == RPC_OK)
		r = pd_transfer_ram_quota(env->pd, rt.w[n].pd, WORKER_RAM);
	if (r == RPC_OK)
		r = pd_transfer_cap_quota(env->pd, rt.w[n].pd, WORKER_CAPS);
	if (r == RPC_OK)
		r = pd_address_space(rt.w[n].pd, &rt.w[n].as);
	if (r == RPC_OK)
		r = pd_stack_area(rt.w[n].pd, &rt.w[n].stack_area);
	if (r != RPC_OK) {
		log("stack_runtime: %s: no PD: %s", name, rpc_result_name(r));
		return r;
	}

	for (unsigned i = 0; i < rt.nsegs && r == RPC_OK; i++)
		r = load_segment(n, &rt.segs[i]);
	if (r != RPC_OK) {
		log("stack_runtime: %s: loading failed: %s", name, rpc_result_name(r));
		return r;
	}

	/* The common heap, at the same address as here. */
	unsigned at;
	struct attach_args ha = { .use_at = 1, .at = rt.heap_addr, .writeable = 1 };
	r = rm_attach(rt.w[n].as, rt.heap_ds, &ha, &at);
	if (r != RPC_OK) {
		log("stack_runtime: %s: heap attach failed: %s", name, rpc_result_name(r));
		return r;
	}

	/* A private stack in stack slot n of the worker's stack area (below the slot's last page). */
	unsigned stack_ds, top = (n + 1) * LAYOUT_STACK_SLOT_SIZE - PAGE;
	r = pd_alloc_ram(rt.w[n].pd, STACK_SIZE, &stack_ds);
	if (r == RPC_OK) {
		struct attach_args sa = { .size = STACK_SIZE, .use_at = 1, .at = top - STACK_SIZE, .writeable = 1 };
		r = rm_attach(rt.w[n].stack_area, stack_ds, &sa, &at);
	}
	if (r != RPC_OK) {
		log("stack_runtime: %s: stack failed: %s", name, rpc_result_name(r));
		return r;
	}
	rt.w[n].stack_lo = LAYOUT_STACK_AREA_BASE + top - STACK_SIZE;
	rt.w[n].stack_hi = LAYOUT_STACK_AREA_BASE + top;

	r = cpu_create_thread(rt.cpu, rt.w[n].pd, name, 0, 0, 0, &rt.w[n].thread);
	if (r == RPC_OK)
		r = cpu_thread_utcb(rt.w[n].thread, &rt.w[n].utcb);
	if (r == RPC_OK)
		r = cpu_thread_id(rt.w[n].thread, &rt.w[n].id);
	if (r != RPC_OK) {
		log("stack_runtime: %s: no thread: %s", name, rpc_result_name(r));
		return r;
	}
	log("stack_runtime: %s: PD with %u KiB and %u caps; thread %u (UTCB 0x%08x), stack 0x%08x-0x%08x", name,
	    WORKER_RAM / 1024, WORKER_CAPS, rt.w[n].id, rt.w[n].utcb, rt.w[n].stack_lo, rt.w[n].stack_hi);
	return RPC_OK;
}

static void fail(char const *what, int r)
{
	log("stack_runtime: %s: %s", what, rpc_result_name(r));
	parent_exit(1);
}

void component_construct(struct env *env)
{
	rt.env = env;
	int r = timer_open(env, &rt.timer);
	if (r != RPC_OK)
		return fail("no timer", r);

	/* Our own binary, from core's ROM service. */
	r = parent_session("ROM", "ram_quota=8K, cap_quota=4, label=\"stack_runtime\"", &rt.rom);
	if (r == RPC_OK)
		r = rom_dataspace(rt.rom, &rt.rom_ds, &rt.rom_size);
	if (r == RPC_OK) {
		struct attach_args a = { .writeable = 0 };
		r = rm_attach(env->rm, rt.rom_ds, &a, &rt.rom_local);
	}
	if (r != RPC_OK)
		return fail("no ROM module of our own binary", r);
	if (!parse_elf()) {
		parent_exit(1);
		return;
	}

	/* The heap all workers share. */
	r = pd_alloc_ram(env->pd, HEAP_SIZE, &rt.heap_ds);
	if (r == RPC_OK)
		r = rm_attach(env->rm, rt.heap_ds, 0, &rt.heap_addr);
	if (r != RPC_OK)
		return fail("no shared heap", r);
	rt.heap = (struct shared_heap *)rt.heap_addr;
	log("stack_runtime: shared heap: %u KiB RAM dataspace at 0x%08x in every worker", HEAP_SIZE / 1024,
	    rt.heap_addr);

	r = parent_session("CPU", "ram_quota=8K, cap_quota=8, label=\"workers\"", &rt.cpu);
	if (r != RPC_OK)
		return fail("no CPU session", r);

	for (unsigned n = 1; n <= NWORKERS; n++)
		if (create_worker(n) != RPC_OK) {
			parent_exit(2);
			return;
		}
	for (unsigned n = 1; n <= NWORKERS; n++) {
		unsigned sp = rt.w[n].stack_hi;
		r = cpu_thread_start(rt.w[n].thread, (unsigned)worker_entry, sp);
		if (r != RPC_OK)
			return fail("thread start failed", r);
	}
	log("stack_runtime: workers started at 0x%08x", (unsigned)worker_entry);

	/* Poll until both workers reported and worker 2 has stopped. */
	struct shared_heap *h = rt.heap;
	struct cpu_thread_state st2;
	unsigned polls = 0;
	for (;; polls++) {
		st2.state = THREAD_STATE_VALID;
		cpu_thread_state(rt.w[2].thread, &st2);
		if ((h->ready[1] && h->ready[2] && st2.state != THREAD_STATE_VALID) || h->w2_read_done || polls == 100)
			break;
		timer_msleep(&rt.timer, 1);
	}
	for (unsigned n = 1; n <= NWORKERS; n++) {
		if (!h->ready[n]) {
			log("stack_runtime: worker%u did not report", n);
			continue;
		}
		log("stack_runtime: worker%u: sum of squares 1..%u = %u (shared code), private counter %u, "
		    "local variable at 0x%08x = 0x%08x",
		    n, 10 * n, h->checksum[n], h->private_value[n], h->stack_var[n], h->stack_value[n]);
	}
	log("stack_runtime: shared heap: %u visits; the runtime's own private counter is still %u", h->visits,
	    private_counter);

	struct cpu_thread_state st1;
	cpu_thread_state(rt.w[1].thread, &st1);
	log("stack_runtime: worker1: state %s, stopped itself (its stack frame stays alive)",
	    st1.state == THREAD_STATE_VALID ? "VALID" : "not VALID");
	if (h->w2_read_done) {
		log("stack_runtime: worker2 READ worker1's stack: 0x%08x -- stacks are not isolated!", h->w2_read_value);
		parent_exit(3);
		return;
	}
	if (h->w2_trying && st2.state == THREAD_STATE_PAGE_FAULT && st2.tval == h->stack_var[1]) {
		log("stack_runtime: worker2 cannot touch worker1's stack: page fault at 0x%08x (pc 0x%08x)", st2.tval,
		    st2.pc);
		log("stack_runtime: done after %u polls", polls);
		parent_exit(0);
		return;
	}
	log("stack_runtime: unexpected: worker2 state %u tval 0x%08x (trying %u)", st2.state, st2.tval, h->w2_trying);
	parent_exit(4);
}
