/* Cpu_thread client (corescope/cpu_thread.h). */
#include <corescope/cpu_thread.h>
#include <corescope/rpc.h>

static int simple(unsigned thread, unsigned op)
{
	rpc_begin(op);
	return rpc_call(thread);
}

static int one_arg(unsigned thread, unsigned op, unsigned v)
{
	rpc_begin(op);
	rpc_u32(v);
	return rpc_call(thread);
}

static int get_u32(unsigned thread, unsigned op, unsigned *out)
{
	rpc_begin(op);
	int r = rpc_call(thread);
	*out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	return r;
}

int cpu_thread_start(unsigned thread, unsigned ip, unsigned sp)
{
	rpc_begin(RPC_CPU_THREAD_START);
	rpc_u32(ip);
	rpc_u32(sp);
	return rpc_call(thread);
}

int cpu_thread_pause(unsigned thread) { return simple(thread, RPC_CPU_THREAD_PAUSE); }

int cpu_thread_resume(unsigned thread) { return simple(thread, RPC_CPU_THREAD_RESUME); }

int cpu_thread_state(unsigned thread, struct cpu_thread_state *state_out)
{
	rpc_begin(RPC_CPU_THREAD_STATE);
	int r = rpc_call(thread);
	int ok = r == RPC_OK;
	/* state, pc, cause, tval, then x1..x31 */
	state_out->state = ok ? rpc_reply_u32(0) : THREAD_STATE_UNAVAILABLE;
	state_out->pc = ok ? rpc_reply_u32(1) : 0;
	state_out->cause = ok ? rpc_reply_u32(2) : 0;
	state_out->tval = ok ? rpc_reply_u32(3) : 0;
	state_out->x[0] = 0;
	for (unsigned i = 1; i < 32; i++)
		state_out->x[i] = ok ? rpc_reply_u32(3 + i) : 0;
	return r;
}

int cpu_thread_set_state(unsigned thread, struct cpu_thread_state const *state)
{
	rpc_begin(RPC_CPU_THREAD_SET_STATE);
	rpc_u32(state->pc);
	for (unsigned i = 1; i < 32; i++)
		rpc_u32(state->x[i]);
	return rpc_call(thread);
}

int cpu_thread_single_step(unsigned thread, unsigned enable)
{
	return one_arg(thread, RPC_CPU_THREAD_SINGLE_STEP, enable);
}

int cpu_thread_exception_sigh(unsigned thread, unsigned context)
{
	rpc_begin(RPC_CPU_THREAD_EXCEPTION_SIGH);
	rpc_cap(context);
	return rpc_call(thread);
}

int cpu_thread_affinity(unsigned thread, unsigned x, unsigned y)
{
	rpc_begin(RPC_CPU_THREAD_AFFINITY);
	rpc_u32(x);
	rpc_u32(y);
	return rpc_call(thread);
}

int cpu_thread_utcb(unsigned thread, unsigned *addr_out) { return get_u32(thread, RPC_CPU_THREAD_UTCB, addr_out); }

int cpu_thread_id(unsigned thread, unsigned *id_out) { return get_u32(thread, RPC_CPU_THREAD_ID, id_out); }
