/* bench.h -- shared by the core benchmark components (bench/core_bench.ts parses their LOG lines:
 * "<name>: start" marks the beginning of the timed phase, "<name>: done <count>" its end). */
#ifndef COREBENCH_BENCH_H
#define COREBENCH_BENCH_H

#define HELLO_ADD 2 /* the "Hello" service of basics/hello_server (see basics/hello_session.h) */

/* Starts a second thread of this component at fn, with a stack of 16 KiB. */
int bench_thread(char const *name, void (*entry)(void));

#define BENCH_THREAD_ENTRY(entry, fn)                    \
	__asm__(".globl " #entry "\n" #entry ":\n"          \
	        ".option push\n.option norelax\n"            \
	        "la gp, __global_pointer$\n.option pop\n"    \
	        "call " #fn "\n1: j 1b\n");                  \
	void entry(void)

#endif
