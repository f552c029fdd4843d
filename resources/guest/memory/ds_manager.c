/* ds_manager -- a dataspace manager that populates a managed dataspace on demand (seed 003).
 *
 * It creates a region map of 1 MiB with core's RM service and hands it out as a managed
 * dataspace through its "Ondemand" service. The region map starts empty: when a client touches
 * a page of it, core blocks the client thread and sends the fault handler's signal (a
 * fire-and-forget notification -- core does not wait for the manager). The manager then asks
 * core for the fault (type, address, faulting thread), "fetches the page from backing store"
 * (1 ms), fills a fresh RAM page with a recognisable pattern and attaches it at the fault
 * address; core resumes the client, which finds the page populated. */
#include <corescope/component.h>

#define MANAGED_SIZE (1024 * 1024)
#define PAGE         0x1000u
/* Every word of page n reads ONDEMAND_PATTERN(n). */
#define ONDEMAND_PATTERN(n) (0x0dd50000u | (n))
/* Ondemand session interface: dataspace() -> (cap dataspace). */
#define ONDEMAND_DATASPACE 1

static char const *const fault_name[] = { "NONE", "READ", "WRITE", "EXEC" };

static struct {
	struct env *env;
	unsigned rm_session;
	unsigned rm; /* the managed region map */
	unsigned ds; /* the same, as a dataspace */
	unsigned sigh;
	struct timer_connection timer;
	unsigned resolved;
} mgr;

static void handle_faults(void *arg, unsigned count)
{
	(void)arg;
	(void)count;
	for (;;) {
		struct rm_fault f;
		int r = rm_fault(mgr.rm, &f);
		if (r != RPC_OK) {
			log("ds_manager: fault() failed: %s", rpc_result_name(r));
			return;
		}
		if (f.type == RM_FAULT_NONE)
			return; /* all faults resolved */
		char const *type = f.type < 4 ? fault_name[f.type] : "?";
		unsigned page_addr = f.addr & ~(PAGE - 1);
		unsigned n = page_addr / PAGE;
		log("ds_manager: fault signal: %s fault at 0x%08x by thread %u, fetching page %u", type, f.addr,
		    f.thread, n);

		/* The client stays blocked meanwhile; core does not depend on us. */
		timer_msleep(&mgr.timer, 1);

		unsigned ds, local;
		r = pd_alloc_ram(mgr.env->pd, PAGE, &ds);
		if (r == RPC_OK)
			r = rm_attach(mgr.env->rm, ds, 0, &local);
		if (r != RPC_OK) {
			log("ds_manager: no page for the fault: %s", rpc_result_name(r));
			return;
		}
		unsigned *words = (unsigned *)local;
		for (unsigned i = 0; i < PAGE / 4; i++)
			words[i] = ONDEMAND_PATTERN(n);
		rm_detach(mgr.env->rm, local);

		struct attach_args a = { .size = PAGE, .offset = 0, .use_at = 1, .at = page_addr, .writeable = 1 };
		unsigned at;
		r = rm_attach(mgr.rm, ds, &a, &at);
		if (r != RPC_OK) {
			log("ds_manager: attach at 0x%08x failed: %s", page_addr, rpc_result_name(r));
			return;
		}
		mgr.resolved++;
		log("ds_manager: resolved %s fault at 0x%08x by thread %u (page %u filled with 0x%08x, %u faults so far)",
		    type, f.addr, f.thread, n, ONDEMAND_PATTERN(n), mgr.resolved);
	}
}

static void session_dispatch(void *obj, unsigned op)
{
	(void)obj;
	if (op != ONDEMAND_DATASPACE) {
		rpc_reply_begin(RPC_UNKNOWN_OP);
		return;
	}
	rpc_reply_begin(RPC_OK);
	rpc_cap(mgr.ds);
}

static int session_open(void *obj, char const *args, unsigned ax, unsigned ay, unsigned *cap_out)
{
	(void)obj;
	(void)ax;
	(void)ay;
	char label[64];
	if (!session_arg(args, "label", label, sizeof label))
		strcpy(label, "?");
	int r = ep_manage(mgr.env, session_dispatch, 0, cap_out);
	log("ds_manager: Ondemand session for \"%s\": %s", label, rpc_result_name(r));
	return r;
}

static struct root_ops const root_ops = { session_open, 0, 0 };
static struct root root = { &root_ops, 0 };

void component_construct(struct env *env)
{
	mgr.env = env;
	int r = timer_open(env, &mgr.timer);
	if (r == RPC_OK)
		r = parent_session("RM", "ram_quota=8K, cap_quota=4, label=\"managed\"", &mgr.rm_session);
	if (r == RPC_OK)
		r = rm_session_create(mgr.rm_session, MANAGED_SIZE, &mgr.rm);
	if (r == RPC_OK)
		r = ep_signal_handler(env, handle_faults, 0, &mgr.sigh);
	if (r == RPC_OK)
		r = rm_fault_handler(mgr.rm, mgr.sigh);
	if (r == RPC_OK)
		r = rm_dataspace(mgr.rm, &mgr.ds);
	if (r != RPC_OK) {
		log("ds_manager: setup failed: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	log("ds_manager: managed dataspace of %u KiB, empty; pages are attached when clients fault",
	    MANAGED_SIZE / 1024);
	r = ep_announce(env, "Ondemand", root_dispatch, &root);
	if (r != RPC_OK) {
		log("ds_manager: announce failed: %s", rpc_result_name(r));
		parent_exit(2);
	}
}
