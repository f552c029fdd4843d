/* deadlock_server -- an RPC to a service on the caller's own entrypoint deadlocks.
 *
 * "If you call a core-service itself within the execution context that provides these
 * services you fall into a deadlock." (Genode mailing list, 2016.) This server's entrypoint is
 * its only thread. Its "Selfcall" sessions have two operations: PING answers at once; CALL_SELF
 * makes the entrypoint call PING on the session object it serves itself, synchronously. The
 * call can only be served by the entrypoint, which is now blocked in the call: the thread waits
 * for itself, forever, and so does the client waiting for its reply. */
#include <corescope/component.h>

#define SELFCALL_PING      1
#define SELFCALL_CALL_SELF 2

struct session {
	unsigned cap;
	unsigned pings;
};

static struct session the_session;

static void session_dispatch(void *obj, unsigned op)
{
	struct session *s = obj;
	switch (op) {
	case SELFCALL_PING:
		s->pings++;
		rpc_reply_begin(RPC_OK);
		rpc_u32(s->pings);
		return;
	case SELFCALL_CALL_SELF: {
		log("call_self: calling PING on my own session object from my entrypoint...");
		rpc_begin(SELFCALL_PING);
		int r = rpc_call(s->cap); /* never returns: only this thread could answer */
		log("call_self: PING returned %s (cannot happen)", rpc_result_name(r));
		rpc_reply_begin(r);
		return;
	}
	}
}

static int open_session(void *obj, char const *args, unsigned ax, unsigned ay, unsigned *cap_out)
{
	(void)obj;
	(void)args;
	(void)ax;
	(void)ay;
	if (the_session.cap != SEL_INVALID)
		return RPC_DENIED;
	int r = ep_manage(env_get(), session_dispatch, &the_session, &the_session.cap);
	*cap_out = the_session.cap;
	return r;
}

static struct root_ops const ops = { open_session, 0, 0 };
static struct root selfcall_root = { &ops, 0 };

void component_construct(struct env *env)
{
	int r = ep_announce(env, "Selfcall", root_dispatch, &selfcall_root);
	if (r != RPC_OK) {
		log("cannot announce \"Selfcall\": %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	log("announced \"Selfcall\"");
}
