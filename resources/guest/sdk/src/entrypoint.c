/* The main thread as entrypoint (corescope/entrypoint.h). */
#include <corescope/entrypoint.h>
#include <corescope/parent.h>
#include <corescope/pd_session.h>
#include <corescope/rpc.h>
#include <corescope/syscall.h>

struct ep_object {
	ep_dispatch_fn fn; /* 0: free slot */
	void *obj;
	unsigned cap;
	unsigned badge;
};

struct ep_signal {
	ep_signal_fn fn; /* 0: free slot */
	void *arg;
	unsigned context;
};

static struct {
	unsigned source;
	struct ep_object objects[EP_MAX_OBJECTS];
	struct ep_signal signals[EP_MAX_SIGNALS];
} ep;


int ep_init(struct env *env)
{
	if (ep.source != SEL_INVALID)
		return RPC_OK;
	return pd_alloc_signal_source(env->pd, &ep.source);
}

unsigned ep_signal_source(void) { return ep.source; }

int ep_manage(struct env *env, ep_dispatch_fn fn, void *obj, unsigned *cap_out)
{
	*cap_out = SEL_INVALID;
	for (unsigned i = 0; i < EP_MAX_OBJECTS; i++) {
		struct ep_object *o = &ep.objects[i];
		if (o->fn)
			continue;
		unsigned cap, badge;
		int r = pd_alloc_rpc_cap(env->pd, env->main_thread, &cap, &badge);
		if (r != RPC_OK)
			return r;
		o->fn = fn;
		o->obj = obj;
		o->cap = cap;
		o->badge = badge;
		*cap_out = cap;
		return RPC_OK;
	}
	return RPC_OUT_OF_CAPS;
}

int ep_dissolve(struct env *env, unsigned cap)
{
	for (unsigned i = 0; i < EP_MAX_OBJECTS; i++) {
		struct ep_object *o = &ep.objects[i];
		if (o->fn && o->cap == cap) {
			o->fn = 0;
			return pd_free_rpc_cap(env->pd, cap);
		}
	}
	return RPC_NOT_FOUND;
}

void *ep_lookup(unsigned cap)
{
	for (unsigned i = 0; i < EP_MAX_OBJECTS; i++)
		if (ep.objects[i].fn && ep.objects[i].cap == cap)
			return ep.objects[i].obj;
	return 0;
}

int ep_signal_handler(struct env *env, ep_signal_fn fn, void *arg, unsigned *context_cap_out)
{
	*context_cap_out = SEL_INVALID;
	int r = ep_init(env);
	if (r != RPC_OK)
		return r;
	for (unsigned i = 0; i < EP_MAX_SIGNALS; i++) {
		struct ep_signal *s = &ep.signals[i];
		if (s->fn)
			continue;
		/* the imprint is the slot index */
		r = pd_alloc_context(env->pd, ep.source, i, &s->context);
		if (r != RPC_OK)
			return r;
		s->fn = fn;
		s->arg = arg;
		*context_cap_out = s->context;
		return RPC_OK;
	}
	return RPC_OUT_OF_CAPS;
}

int ep_signal_dissolve(struct env *env, unsigned context_cap)
{
	for (unsigned i = 0; i < EP_MAX_SIGNALS; i++) {
		struct ep_signal *s = &ep.signals[i];
		if (s->fn && s->context == context_cap) {
			s->fn = 0;
			return pd_free_context(env->pd, context_cap);
		}
	}
	return RPC_NOT_FOUND;
}

int ep_announce(struct env *env, char const *service, ep_dispatch_fn root_dispatch, void *obj)
{
	unsigned cap;
	int r = ep_manage(env, root_dispatch, obj, &cap);
	if (r != RPC_OK)
		return r;
	return parent_announce(service, cap);
}

/* Handles the request in the UTCB; leaves the reply there. */
static void dispatch(void)
{
	unsigned badge = rpc_request_badge();
	for (unsigned i = 0; i < EP_MAX_OBJECTS; i++) {
		struct ep_object const *o = &ep.objects[i];
		if (o->fn && o->badge == badge) {
			unsigned serial = _rpc_reply_serial;
			o->fn(o->obj, rpc_request_op());
			if (serial == _rpc_reply_serial)
				rpc_reply_begin(RPC_UNKNOWN_OP); /* the dispatch function wrote no reply */
			else if (!rpc_message_ok())
				rpc_reply_begin(RPC_INVALID_ARGS); /* the reply overflowed */
			return;
		}
	}
	rpc_reply_begin(RPC_UNKNOWN_OP);
}

int ep_run(void)
{
	int reply = 0;
	for (;;) {
		unsigned imprint = 0, count = 0;
		int r = sys_reply_wait(reply, ep.source, &imprint, &count);
		if (r < 0 && reply) {
			/* the caller may have gone away meanwhile: wait without replying */
			reply = 0;
			continue;
		}
		reply = 0;
		if (r == SYS_RECEIVED_RPC) {
			dispatch();
			reply = 1;
		} else if (r == SYS_RECEIVED_SIGNAL) {
			if (imprint < EP_MAX_SIGNALS && ep.signals[imprint].fn) {
				struct ep_signal const *s = &ep.signals[imprint];
				unsigned context = s->context;
				s->fn(s->arg, count);
				sys_signal_ack(context);
			}
		} else if (r < 0) {
			return r;
		}
	}
}
