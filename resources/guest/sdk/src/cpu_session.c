/* Cpu_session client (corescope/cpu_session.h). */
#include <corescope/cpu_session.h>
#include <corescope/rpc.h>

int cpu_create_thread(unsigned cpu, unsigned pd, char const *name, unsigned affinity_x, unsigned affinity_y,
                      unsigned weight, unsigned *thread_out)
{
	rpc_begin(RPC_CPU_SESSION_CREATE_THREAD);
	rpc_cap(pd);
	rpc_str(name);
	rpc_u32(affinity_x);
	rpc_u32(affinity_y);
	rpc_u32(weight);
	int r = rpc_call(cpu);
	*thread_out = r == RPC_OK ? rpc_reply_cap(0) : SEL_INVALID;
	return r;
}

int cpu_kill_thread(unsigned cpu, unsigned thread)
{
	rpc_begin(RPC_CPU_SESSION_KILL_THREAD);
	rpc_cap(thread);
	return rpc_call(cpu);
}

int cpu_exception_sigh(unsigned cpu, unsigned context)
{
	rpc_begin(RPC_CPU_SESSION_EXCEPTION_SIGH);
	rpc_cap(context);
	return rpc_call(cpu);
}

int cpu_affinity_space(unsigned cpu, unsigned *width_out, unsigned *height_out)
{
	rpc_begin(RPC_CPU_SESSION_AFFINITY_SPACE);
	int r = rpc_call(cpu);
	*width_out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	*height_out = r == RPC_OK ? rpc_reply_u32(1) : 0;
	return r;
}
