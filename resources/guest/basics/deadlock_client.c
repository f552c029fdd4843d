/* deadlock_client -- calls deadlock_server's CALL_SELF operation and waits forever for the
 * reply: the server's entrypoint is blocked calling itself (see deadlock_server.c). */
#include <corescope/component.h>

#define SELFCALL_PING      1
#define SELFCALL_CALL_SELF 2

void component_construct(struct env *env)
{
	(void)env;
	unsigned session;
	int r = parent_session("Selfcall", "ram_quota=8K, cap_quota=4, label=\"\"", &session);
	if (r != RPC_OK) {
		log("Selfcall session denied: %s", rpc_result_name(r));
		parent_exit(2);
		return;
	}
	rpc_begin(SELFCALL_PING);
	r = rpc_call(session);
	log("ping -> %s %u", rpc_result_name(r), rpc_reply_u32(0));

	log("calling call_self...");
	rpc_begin(SELFCALL_CALL_SELF);
	r = rpc_call(session);
	log("call_self -> %s (cannot happen)", rpc_result_name(r));
	parent_exit(1);
}
