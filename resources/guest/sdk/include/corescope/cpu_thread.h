/* corescope/cpu_thread.h -- Cpu_thread client (SEL_MAIN_THREAD is the main thread).
 * Results: RPC code or negative SYS_* error. */
#ifndef CORESCOPE_CPU_THREAD_H
#define CORESCOPE_CPU_THREAD_H

struct cpu_thread_state {
	unsigned state; /* THREAD_STATE_* */
	unsigned pc;
	unsigned cause;
	unsigned tval;
	unsigned x[32]; /* x[1]..x[31]; x[0] is 0 */
};

int cpu_thread_start(unsigned thread, unsigned ip, unsigned sp);
int cpu_thread_pause(unsigned thread);
int cpu_thread_resume(unsigned thread);
int cpu_thread_state(unsigned thread, struct cpu_thread_state *state_out);
/* Sets pc and x1..x31 (state, cause, tval ignored); only while paused, DENIED otherwise. */
int cpu_thread_set_state(unsigned thread, struct cpu_thread_state const *state);
int cpu_thread_single_step(unsigned thread, unsigned enable);
int cpu_thread_exception_sigh(unsigned thread, unsigned context);
int cpu_thread_affinity(unsigned thread, unsigned x, unsigned y);
/* UTCB address; the thread's stack grows down from here. */
int cpu_thread_utcb(unsigned thread, unsigned *addr_out);
/* Kernel thread id (as reported in faults). */
int cpu_thread_id(unsigned thread, unsigned *id_out);

#endif /* CORESCOPE_CPU_THREAD_H */
