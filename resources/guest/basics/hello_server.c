/* hello_server -- serves the custom "Hello" service (hello_session.h).
 *
 * The component announces a root object to its parent (ep_announce). Init calls the root when
 * a client that is routed here asks for a "Hello" session: the session arguments carry the
 * label init gives the client ("hello_client") and the quota the client donates. Each session
 * is an RPC object of this component's entrypoint. */
#include <corescope/component.h>
#include "hello_session.h"

#define MAX_SESSIONS 4

struct hello_session {
	int used;
	unsigned cap;       /* the session object (our selector) */
	unsigned greetings; /* say_hello calls so far */
	unsigned adds;
	char label[64];
};

static struct hello_session sessions[MAX_SESSIONS];

static void session_dispatch(void *obj, unsigned op)
{
	struct hello_session *s = obj;
	struct rpc_reader rd;
	rpc_reader_init(&rd);

	switch (op) {
	case HELLO_SAY_HELLO: {
		char name[HELLO_NAME_MAX + 1];
		rpc_read_str(&rd, name, sizeof name);
		if (!rpc_reader_ok(&rd)) {
			rpc_reply_begin(RPC_INVALID_ARGS);
			return;
		}
		char greeting[HELLO_NAME_MAX + 16];
		snprintf(greeting, sizeof greeting, "Hello, %s!", name);
		s->greetings++;
		log("%s", greeting);
		rpc_reply_begin(RPC_OK);
		rpc_str(greeting);
		rpc_u32(s->greetings);
		return;
	}
	case HELLO_ADD: {
		unsigned a = rpc_read_u32(&rd);
		unsigned b = rpc_read_u32(&rd);
		if (!rpc_reader_ok(&rd)) {
			rpc_reply_begin(RPC_INVALID_ARGS);
			return;
		}
		s->adds++;
		rpc_reply_begin(RPC_OK);
		rpc_u32(a + b);
		return;
	}
	}
	/* no reply written: the entrypoint answers RPC_UNKNOWN_OP */
}

static int open_session(void *obj, char const *args, unsigned ax, unsigned ay, unsigned *cap_out)
{
	(void)obj;
	(void)ax;
	(void)ay;
	unsigned ram = session_arg_ulong(args, "ram_quota", 0);
	char label[64] = "";
	session_arg(args, "label", label, sizeof label);
	if (ram < 4096) {
		log("refusing session for \"%s\": ram_quota %u is too small", label, ram);
		return RPC_INSUFFICIENT_RAM;
	}
	for (unsigned i = 0; i < MAX_SESSIONS; i++) {
		struct hello_session *s = &sessions[i];
		if (s->used)
			continue;
		int r = ep_manage(env_get(), session_dispatch, s, &s->cap);
		if (r != RPC_OK) {
			log("cannot create a session object: %s", rpc_result_name(r));
			return r;
		}
		s->used = 1;
		s->greetings = s->adds = 0;
		strcpy(s->label, label);
		log("new session for \"%s\" (ram_quota=%u)", s->label, ram);
		*cap_out = s->cap;
		return RPC_OK;
	}
	log("refusing session for \"%s\": all %u sessions in use", label, MAX_SESSIONS);
	return RPC_DENIED;
}

static int close_session(void *obj, unsigned session_cap)
{
	(void)obj;
	struct hello_session *s = ep_lookup(session_cap);
	if (!s) {
		log("close: unknown session");
		return RPC_INVALID_ARGS;
	}
	log("closed session of \"%s\" after %u greetings and %u additions", s->label, s->greetings, s->adds);
	ep_dissolve(env_get(), s->cap);
	s->used = 0;
	return RPC_OK;
}

static struct root_ops const ops = { open_session, 0, close_session };
static struct root hello_root = { &ops, 0 };

void component_construct(struct env *env)
{
	int r = ep_announce(env, "Hello", root_dispatch, &hello_root);
	if (r != RPC_OK) {
		log("cannot announce \"Hello\": %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	log("announced \"Hello\"");
	/* returning starts the entrypoint loop, which serves the root and the sessions */
}
