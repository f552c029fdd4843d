/* bench_pf_client -- touches every page of bench_pf_manager's managed dataspace: each first
 * touch blocks on a fault that the manager resolves asynchronously. */
#include <corescope/component.h>

#define PAGES 1024u
#define ROUNDS 8u

void component_construct(struct env *env)
{
	unsigned s, ds, addr;
	if (parent_session("Paged", "ram_quota=8K, cap_quota=4, label=\"\"", &s) != RPC_OK) {
		log("managed: no session");
		parent_exit(1);
		return;
	}
	rpc_begin(1);
	if (rpc_call(s) != RPC_OK || (ds = rpc_reply_cap(0)) == SEL_INVALID || rm_attach(env->rm, ds, 0, &addr) != RPC_OK) {
		log("managed: no dataspace");
		parent_exit(1);
		return;
	}
	unsigned sum = 0;
	log("managed: start");
	for (unsigned round = 0; round < ROUNDS; round++) {
		volatile unsigned *p = (volatile unsigned *)addr;
		for (unsigned i = 0; i < PAGES; i++) sum += p[i * 1024u];
		rpc_begin(2); /* the manager detaches all pages: the next round faults again */
		rpc_call(s);
	}
	log("managed: done %u", PAGES * ROUNDS);
	log("managed: sum %u", sum);
	parent_exit(0);
}
