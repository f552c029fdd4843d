/* hello_client -- uses the "Hello" service of hello_server (hello_session.h).
 *
 * Asks its parent for a "Hello" session; init routes the request to the server child named in
 * the client's <route> and the client donates the session quota (HELLO_SESSION_ARGS) to the
 * server. The client then calls both operations many times, closes the session (the quota comes
 * back) and exits 0. Without a route for "Hello" init denies the session: exit value 2. */
#include <corescope/component.h>
#include "hello_session.h"

#define ADDS 50

static char const *const names[] = { "Alice", "Bob", "Carol", "Dave", "Eve", "Mallory" };
#define NAMES (sizeof names / sizeof names[0])

/* HELLO_SAY_HELLO: the greeting into buf and the server's greeting count; an RPC result. */
static int say_hello(unsigned session, char const *name, char *buf, unsigned size, unsigned *count)
{
	rpc_begin(HELLO_SAY_HELLO);
	rpc_str(name);
	int r = rpc_call(session);
	if (r != RPC_OK)
		return r;
	struct rpc_reader rd;
	rpc_reader_init(&rd);
	rpc_read_str(&rd, buf, size);
	*count = rpc_read_u32(&rd);
	return rpc_reader_ok(&rd) ? RPC_OK : RPC_INVALID_ARGS;
}

/* HELLO_ADD: a + b into *sum; an RPC result. */
static int add(unsigned session, unsigned a, unsigned b, unsigned *sum)
{
	rpc_begin(HELLO_ADD);
	rpc_u32(a);
	rpc_u32(b);
	int r = rpc_call(session);
	*sum = rpc_reply_u32(0);
	return r;
}

static unsigned ram_limit(struct env *env)
{
	unsigned limit = 0, used = 0;
	pd_ram_quota(env->pd, &limit, &used);
	return limit;
}

void component_construct(struct env *env)
{
	/* The timer only paces the client, so that the open session can be looked at. */
	struct timer_connection timer;
	int r = timer_open(env, &timer);
	if (r != RPC_OK) {
		log("no Timer session: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}

	unsigned before = ram_limit(env);
	unsigned session;
	r = parent_session("Hello", HELLO_SESSION_ARGS, &session);
	if (r != RPC_OK) {
		log("Hello session denied: %s", rpc_result_name(r));
		parent_exit(2);
		return;
	}
	unsigned open = ram_limit(env);
	log("Hello session open: RAM quota %u -> %u bytes (donated %u)", before, open, before - open);
	timer_msleep(&timer, 100);

	unsigned wrong = 0;
	for (unsigned i = 0; i < NAMES; i++) {
		char greeting[HELLO_NAME_MAX + 16];
		unsigned count = 0;
		r = say_hello(session, names[i], greeting, sizeof greeting, &count);
		log("say_hello(\"%s\") -> %s \"%s\" (greeting %u)", names[i], rpc_result_name(r), greeting, count);
		if (r != RPC_OK || count != i + 1)
			wrong++;
	}
	for (unsigned i = 0; i < ADDS; i++) {
		unsigned a = i * 1000 + 7, b = i * i, sum = 0;
		r = add(session, a, b, &sum);
		if (i % 10 == 0 || i == ADDS - 1)
			log("add(%u, %u) -> %s %u", a, b, rpc_result_name(r), sum);
		if (r != RPC_OK || sum != a + b)
			wrong++;
	}
	/* an unknown operation is answered, not fatal */
	rpc_begin(99);
	r = rpc_call(session);
	log("op 99 -> %s", rpc_result_name(r));
	if (r != RPC_UNKNOWN_OP)
		wrong++;
	log("%u calls, %u wrong", (unsigned)NAMES + ADDS + 1, wrong);

	r = parent_close(session);
	unsigned after = ram_limit(env);
	log("Hello session closed (%s): RAM quota %u bytes", rpc_result_name(r), after);
	if (after != before)
		wrong++;
	parent_exit(wrong ? 3 : 0);
}
