/* shm_server -- shares part of an address space between PDs (seed 000).
 *
 * It creates a region map with core's RM service (a managed dataspace of SHM_SIZE bytes) and
 * attaches one RAM page at its start. Every client of its "Shm" service gets the same managed
 * dataspace: wherever a client attaches it, core resolves its page faults through the region
 * map to the same physical page, so the clients share that memory. */
#include <corescope/component.h>
#include "shm.h"

static struct {
	struct env *env;
	unsigned rm_session;
	unsigned rm;  /* the region map */
	unsigned ds;  /* it as a managed dataspace */
	unsigned ram; /* the RAM page backing its first page */
	unsigned clients;
} shm;

static void session_dispatch(void *obj, unsigned op)
{
	(void)obj;
	if (op != SHM_DATASPACE) {
		rpc_reply_begin(RPC_UNKNOWN_OP);
		return;
	}
	rpc_reply_begin(RPC_OK);
	rpc_cap(shm.ds);
}

static int session_open(void *obj, char const *args, unsigned ax, unsigned ay, unsigned *cap_out)
{
	(void)obj;
	(void)ax;
	(void)ay;
	char label[64];
	if (!session_arg(args, "label", label, sizeof label))
		strcpy(label, "?");
	int r = ep_manage(shm.env, session_dispatch, 0, cap_out);
	if (r == RPC_OK)
		shm.clients++;
	log("shm_server: Shm session %u for \"%s\": %s", shm.clients, label, rpc_result_name(r));
	return r;
}

static struct root_ops const root_ops = { session_open, 0, 0 };
static struct root root = { &root_ops, 0 };

void component_construct(struct env *env)
{
	shm.env = env;
	unsigned at = 0;
	int r = parent_session("RM", "ram_quota=8K, cap_quota=4, label=\"shared\"", &shm.rm_session);
	if (r == RPC_OK)
		r = rm_session_create(shm.rm_session, SHM_SIZE, &shm.rm);
	if (r == RPC_OK)
		r = pd_alloc_ram(env->pd, SHM_BACKED, &shm.ram);
	if (r == RPC_OK) {
		struct attach_args a = { .size = SHM_BACKED, .use_at = 1, .at = 0, .writeable = 1 };
		r = rm_attach(shm.rm, shm.ram, &a, &at);
	}
	if (r == RPC_OK)
		r = rm_dataspace(shm.rm, &shm.ds);
	if (r != RPC_OK) {
		log("shm_server: setup failed: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	unsigned phys = 0;
	pd_dma_addr(env->pd, shm.ram, &phys);
	log("shm_server: managed dataspace of %u KiB; RAM page (phys 0x%08x) attached at offset 0x%x", SHM_SIZE / 1024,
	    phys, at);
	r = ep_announce(env, "Shm", root_dispatch, &root);
	if (r != RPC_OK) {
		log("shm_server: announce failed: %s", rpc_result_name(r));
		parent_exit(2);
	}
}
