/* bench_pf_manager -- serves a managed dataspace whose pages it backs on demand (seed 003): on a
 * fault signal it asks core for the fault and attaches a page of one big RAM dataspace there.
 * Service "Paged": op 1 returns the managed dataspace; op 2 (round) detaches every page again. */
#include <corescope/component.h>

#define SIZE (4u << 20)

static unsigned rm, backing;

static void on_fault(void *arg, unsigned count)
{
	(void)arg;
	(void)count;
	for (;;) {
		struct rm_fault f;
		if (rm_fault(rm, &f) != RPC_OK || f.type == RM_FAULT_NONE) return;
		unsigned page = f.addr & ~0xfffu;
		struct attach_args a = { .size = 4096, .offset = page, .use_at = 1, .at = page, .executable = 0, .writeable = 1 };
		unsigned at;
		if (rm_attach(rm, backing, &a, &at) != RPC_OK) return;
	}
}

static void session_dispatch(void *obj, unsigned op)
{
	(void)obj;
	if (op == 1) {
		unsigned ds;
		rpc_reply_begin(rm_dataspace(rm, &ds));
		rpc_cap(ds);
		return;
	}
	if (op == 2) {
		for (unsigned off = 0; off < SIZE; off += 4096) rm_detach(rm, off);
		rpc_reply_begin(RPC_OK);
	}
}

static unsigned session_cap;

static int open_session(void *obj, char const *args, unsigned ax, unsigned ay, unsigned *cap_out)
{
	(void)obj; (void)args; (void)ax; (void)ay;
	if (!session_cap && ep_manage(env_get(), session_dispatch, 0, &session_cap) != RPC_OK) return RPC_DENIED;
	*cap_out = session_cap;
	return RPC_OK;
}

static struct root_ops const ops = { open_session, 0, 0 };
static struct root paged_root = { &ops, 0 };

void component_construct(struct env *env)
{
	unsigned rms, ctx;
	if (parent_session("RM", "ram_quota=128K, cap_quota=8, label=\"\"", &rms) != RPC_OK ||
	    rm_session_create(rms, SIZE, &rm) != RPC_OK || pd_alloc_ram(SEL_PD, SIZE, &backing) != RPC_OK ||
	    ep_signal_handler(env, on_fault, 0, &ctx) != RPC_OK || rm_fault_handler(rm, ctx) != RPC_OK ||
	    ep_announce(env, "Paged", root_dispatch, &paged_root) != RPC_OK) {
		log("manager: setup failed");
		parent_exit(1);
	}
}
