/* bench.h -- shared by the core benchmark components (bench/core_bench.ts parses their LOG lines:
 * "<name>: start" marks the beginning of the timed phase, "<name>: done <count>" its end). */
#ifndef COREBENCH_BENCH_H
#define COREBENCH_BENCH_H

#define HELLO_ADD 2 /* the "Hello" service of basics/hello_server (see basics/hello_session.h) */

/* Starts a second thread of this component at entry, with a stack of 16 KiB. */
static inline int bench_thread(char const *name, void (*entry)(void))
{
	unsigned th, utcb_addr, ds, stack_rm, at;
	int r = cpu_create_thread(SEL_CPU, SEL_PD, name, 0, 0, 0, &th);
	if (r != RPC_OK) return r;
	if ((r = cpu_thread_utcb(th, &utcb_addr)) != RPC_OK) return r;
	if ((r = pd_alloc_ram(SEL_PD, 16384, &ds)) != RPC_OK) return r;
	if ((r = pd_stack_area(SEL_PD, &stack_rm)) != RPC_OK) return r;
	struct attach_args a = { .size = 16384, .offset = 0, .use_at = 1,
	                         .at = utcb_addr - LAYOUT_STACK_AREA_BASE - 16384, .executable = 0, .writeable = 1 };
	if ((r = rm_attach(stack_rm, ds, &a, &at)) != RPC_OK) return r;
	return cpu_thread_start(th, (unsigned)entry, utcb_addr);
}

#define BENCH_THREAD_ENTRY(entry, fn)                    \
	__asm__(".globl " #entry "\n" #entry ":\n"          \
	        ".option push\n.option norelax\n"            \
	        "la gp, __global_pointer$\n.option pop\n"    \
	        "call " #fn "\n1: j 1b\n");                  \
	void entry(void)

#endif
