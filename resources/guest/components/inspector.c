/* inspector -- the debugging-related core interfaces from a component's side: a periodic
 * Timer, an exception handler for a crashing thread (CPU session), single-stepping a thread,
 * and the TRACE service. */
#include <corescope/component.h>

static void crasher(void) { __asm__ volatile("ebreak"); }

static volatile unsigned stepped;

/* Three instructions (la is two), a store, then a breakpoint. */
static void __attribute__((naked)) stepper(void)
{
	/* norelax: started without the thread entry, gp is not set up for gp-relative addressing */
	__asm__ volatile(".option push\n"
	                 ".option norelax\n"
	                 "la t0, stepped\n"
	                 ".option pop\n"
	                 "li t1, 6\n"
	                 "sw t1, 0(t0)\n"
	                 "ebreak\n");
}

void component_construct(struct env *env)
{
	unsigned imprint, count;

	/* 1. A periodic timer: three signals 10 ms apart. */
	struct timer_connection t;
	if (timer_open(env, &t) != RPC_OK) { log("inspector: no timer"); parent_exit(1); return; }
	unsigned start = timer_now_ms(&t);
	timer_trigger_periodic(t.session, 10000);
	for (int i = 1; i <= 3; i++) {
		sys_signal_wait(t.source, &imprint, &count);
		sys_signal_ack(t.context);
		log("inspector: periodic tick %d at +%u ms", i, timer_now_ms(&t) - start);
	}
	timer_trigger_periodic(t.session, 0);

	/* 2. A thread that hits ebreak: its exception handler is signalled, the thread is stopped. */
	unsigned src, ctx;
	pd_alloc_signal_source(SEL_PD, &src);
	pd_alloc_context(SEL_PD, src, 7, &ctx);
	unsigned th;
	thread_create("crasher", crasher, 8192, &th);
	cpu_thread_exception_sigh(th, ctx);
	thread_start(th);
	sys_signal_wait(src, &imprint, &count);
	struct cpu_thread_state st;
	cpu_thread_state(th, &st);
	log("inspector: exception signal (imprint %u): thread state %u, cause %u, pc %s crasher", imprint, st.state, st.cause,
	    st.pc >= (unsigned)crasher && st.pc < (unsigned)crasher + 16 ? "in" : "outside");

	/* 3. Single-stepping: each step stops the thread and signals its exception handler; the
	 * state shows where it is. Stepping off again, it runs on to its ebreak. */
	unsigned step_ctx, th2;
	int r = pd_alloc_context(SEL_PD, src, 8, &step_ctx);
	if (r == RPC_OK)
		r = thread_create("stepper", stepper, 8192, &th2);
	if (r != RPC_OK) {
		log("inspector: cannot create the stepper: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	cpu_thread_exception_sigh(th2, step_ctx);
	cpu_thread_single_step(th2, 1);
	unsigned utcb2;
	cpu_thread_utcb(th2, &utcb2);
	cpu_thread_start(th2, (unsigned)stepper, utcb2 - 16); /* straight into stepper, no thread entry */
	unsigned last_pc = 0, advanced = 0, steps;
	for (steps = 0; steps < 3; steps++) {
		if (steps)
			cpu_thread_resume(th2);
		sys_signal_wait(src, &imprint, &count);
		sys_signal_ack(step_ctx);
		cpu_thread_state(th2, &st);
		if (st.pc > (unsigned)stepper && st.pc > last_pc && st.pc < (unsigned)stepper + 16 && st.state == THREAD_STATE_VALID)
			advanced++;
		last_pc = st.pc;
	}
	log("inspector: single-stepped %u instructions of stepper, pc advanced %u times, stored %u", steps, advanced,
	    stepped);
	cpu_thread_single_step(th2, 0);
	cpu_thread_resume(th2);
	sys_signal_wait(src, &imprint, &count);
	sys_signal_ack(step_ctx);
	cpu_thread_state(th2, &st);
	log("inspector: after stepping, stepper ran on: imprint %u, state %u, cause %u, stored %u", imprint, st.state,
	    st.cause, stepped);

	/* 4. TRACE: find this component's threads among the subjects. */
	unsigned trace, ids[64], n = 0, me = 0;
	if (parent_session("TRACE", "ram_quota=64K, cap_quota=4, label=\"\"", &trace) != RPC_OK) {
		log("inspector: no TRACE session");
		parent_exit(1);
		return;
	}
	cpu_thread_id(SEL_MAIN_THREAD, &me);
	trace_subjects(trace, 0, ids, 64, &n);
	for (unsigned i = 0; i < n; i++) {
		struct trace_subject_info info;
		if (trace_subject_info(trace, ids[i], &info) != RPC_OK) continue;
		if (ids[i] == me) log("inspector: TRACE subject %u: label \"%s\" thread \"%s\" (this thread)", ids[i], info.label, info.thread);
		else if (!strcmp(info.thread, "crasher")) log("inspector: TRACE subject %u: thread \"crasher\" state %u", ids[i], info.state);
	}
	trace_trace(trace, me, 1u << TRACE_KIND_LOG, 4096);
	log("inspector: traced line");
	struct trace_event ev[8];
	unsigned got = 0;
	trace_read(trace, me, ev, 8, &got);
	log("inspector: read %u TRACE event(s) of kind %u", got, got ? ev[0].kind : 99);
	parent_exit(0);
}
