/* bench_rpc_client -- RPC round trips to basics/hello_server's "Hello" service (HELLO_ADD). */
#include <corescope/component.h>
#include "bench.h"

#define CALLS 200000u

void component_construct(struct env *env)
{
	(void)env;
	unsigned s;
	int r = parent_session("Hello", "ram_quota=16K, cap_quota=4, label=\"\"", &s);
	if (r != RPC_OK) {
		log("rpc: no Hello session: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	unsigned wrong = 0;
	log("rpc: start");
	for (unsigned i = 0; i < CALLS; i++) {
		rpc_begin(HELLO_ADD);
		rpc_u32(i);
		rpc_u32(1);
		if (rpc_call(s) != RPC_OK || rpc_reply_u32(0) != i + 1) wrong++;
	}
	log("rpc: done %u", CALLS);
	log("rpc: %u wrong", wrong);
	parent_exit(wrong ? 1 : 0);
}
