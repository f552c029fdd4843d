/* Timer_session client and blocking timer connection (corescope/timer_session.h). */
#include <corescope/timer_session.h>
#include <corescope/parent.h>
#include <corescope/pd_session.h>
#include <corescope/rpc.h>
#include <corescope/syscall.h>

static int us_op(unsigned timer, unsigned op, unsigned us)
{
	rpc_begin(op);
	rpc_u32(us);
	return rpc_call(timer);
}

int timer_trigger_once(unsigned timer, unsigned us) { return us_op(timer, RPC_TIMER_SESSION_TRIGGER_ONCE, us); }

int timer_trigger_periodic(unsigned timer, unsigned us)
{
	return us_op(timer, RPC_TIMER_SESSION_TRIGGER_PERIODIC, us);
}

int timer_sigh(unsigned timer, unsigned context)
{
	rpc_begin(RPC_TIMER_SESSION_SIGH);
	rpc_cap(context);
	return rpc_call(timer);
}

int timer_elapsed_us(unsigned timer, unsigned long long *us_out)
{
	rpc_begin(RPC_TIMER_SESSION_ELAPSED_US);
	int r = rpc_call(timer);
	*us_out = r == RPC_OK ? ((unsigned long long)rpc_reply_u32(1) << 32) | rpc_reply_u32(0) : 0;
	return r;
}

int timer_elapsed_ms(unsigned timer, unsigned *ms_out)
{
	rpc_begin(RPC_TIMER_SESSION_ELAPSED_MS);
	int r = rpc_call(timer);
	*ms_out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	return r;
}

int timer_open(struct env *env, struct timer_connection *t)
{
	t->session = t->source = t->context = SEL_INVALID;
	int r = parent_session("Timer", "ram_quota=8K, cap_quota=4, label=\"\"", &t->session);
	if (r == RPC_OK)
		r = pd_alloc_signal_source(env->pd, &t->source);
	if (r == RPC_OK)
		r = pd_alloc_context(env->pd, t->source, 0, &t->context);
	if (r == RPC_OK)
		r = timer_sigh(t->session, t->context);
	if (r != RPC_OK)
		timer_close(env, t);
	return r;
}

int timer_close(struct env *env, struct timer_connection *t)
{
	int r = RPC_OK;
	if (t->session != SEL_INVALID)
		r = parent_close(t->session);
	if (t->context != SEL_INVALID)
		pd_free_context(env->pd, t->context);
	if (t->source != SEL_INVALID)
		pd_free_signal_source(env->pd, t->source);
	t->session = t->source = t->context = SEL_INVALID;
	return r;
}

int timer_usleep(struct timer_connection *t, unsigned us)
{
	int r = timer_trigger_once(t->session, us);
	if (r != RPC_OK)
		return r;
	unsigned imprint, count;
	r = sys_signal_wait(t->source, &imprint, &count);
	if (r < 0)
		return r;
	r = sys_signal_ack(t->context);
	return r < 0 ? r : RPC_OK;
}

int timer_msleep(struct timer_connection *t, unsigned ms) { return timer_usleep(t, ms * 1000); }

unsigned timer_now_ms(struct timer_connection *t)
{
	unsigned ms;
	timer_elapsed_ms(t->session, &ms);
	return ms;
}
