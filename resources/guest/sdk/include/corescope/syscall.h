/* corescope/syscall.h -- the kernel's system calls as inline ecall stubs.
 *
 * `ecall` with the number in a7 and arguments in a0..a5; the kernel answers in a0 (SYS_OK, or a
 * positive status such as SYS_RECEIVED_RPC, or a negative SYS_* error) and, for some calls,
 * a1..a2. The stubs treat a0..a5 as clobbered and memory as changed (the kernel reads and writes
 * the UTCB). */
#ifndef CORESCOPE_SYSCALL_H
#define CORESCOPE_SYSCALL_H

#include <corescope/abi.h>

static inline int sys_ecall(unsigned nr, unsigned x0, unsigned x1, unsigned x2, unsigned *r1, unsigned *r2)
{
	register unsigned long a0 __asm__("a0") = x0;
	register unsigned long a1 __asm__("a1") = x1;
	register unsigned long a2 __asm__("a2") = x2;
	register unsigned long a3 __asm__("a3") = 0;
	register unsigned long a4 __asm__("a4") = 0;
	register unsigned long a5 __asm__("a5") = 0;
	register unsigned long a7 __asm__("a7") = nr;
	__asm__ volatile("ecall"
	                 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5)
	                 : "r"(a7)
	                 : "memory");
	if (r1)
		*r1 = a1;
	if (r2)
		*r2 = a2;
	return (int)a0;
}

/* Sends the UTCB message to the object `sel` and blocks for the reply (which replaces it). */
static inline int sys_call(unsigned sel) { return sys_ecall(SYS_CALL, sel, 0, 0, 0, 0); }

/* Answers the request this thread received last with the UTCB message. */
static inline int sys_reply(void) { return sys_ecall(SYS_REPLY, 0, 0, 0, 0, 0); }

/* Replies first if `reply_first`, then waits for an RPC request to any object this thread serves
 * (returns SYS_RECEIVED_RPC, badge in the UTCB) or, if `source_sel` is not 0, for a signal of
 * that source (returns SYS_RECEIVED_SIGNAL with *imprint and *count set). */
static inline int sys_reply_wait(int reply_first, unsigned source_sel, unsigned *imprint, unsigned *count)
{
	return sys_ecall(SYS_REPLY_WAIT, reply_first ? 1u : 0u, source_sel, 0, imprint, count);
}

static inline int sys_signal_submit(unsigned context_sel, unsigned count)
{
	return sys_ecall(SYS_SIGNAL_SUBMIT, context_sel, count, 0, 0, 0);
}

/* Blocks until the source has a signal: *imprint identifies the context, *count the submits. */
static inline int sys_signal_wait(unsigned source_sel, unsigned *imprint, unsigned *count)
{
	return sys_ecall(SYS_SIGNAL_WAIT, source_sel, 0, 0, imprint, count);
}

/* Like sys_signal_wait, but returns SYS_WOULD_BLOCK instead of blocking. */
static inline int sys_signal_pending(unsigned source_sel, unsigned *imprint, unsigned *count)
{
	return sys_ecall(SYS_SIGNAL_PENDING, source_sel, 0, 0, imprint, count);
}

/* Allows the context to be delivered again. */
static inline int sys_signal_ack(unsigned context_sel) { return sys_ecall(SYS_SIGNAL_ACK, context_sel, 0, 0, 0, 0); }

static inline int sys_yield(void) { return sys_ecall(SYS_YIELD, 0, 0, 0, 0, 0); }

/* Stops the calling thread until someone restarts or resumes it. */
static inline int sys_stop(void) { return sys_ecall(SYS_STOP, 0, 0, 0, 0, 0); }

static inline int sys_restart(unsigned thread_sel) { return sys_ecall(SYS_RESTART, thread_sel, 0, 0, 0, 0); }

static inline int sys_delete_cap(unsigned sel) { return sys_ecall(SYS_DELETE_CAP, sel, 0, 0, 0, 0); }

/* Submits the context once after `us` microseconds of virtual time; 0 cancels. */
static inline int sys_timeout(unsigned context_sel, unsigned us)
{
	return sys_ecall(SYS_TIMEOUT, context_sel, us, 0, 0, 0);
}

/* Virtual time in microseconds. */
static inline unsigned long long sys_time_us(void)
{
	unsigned lo = 0, hi = 0;
	sys_ecall(SYS_TIME, 0, 0, 0, &lo, &hi);
	return ((unsigned long long)hi << 32) | lo;
}

#endif /* CORESCOPE_SYSCALL_H */
