/* ram_hog -- allocates RAM until its PD's quota is exhausted.
 *
 * Core charges every RAM dataspace to the PD that allocates it; the PD cannot take more than
 * the RAM quota its parent gave it (<start ram="...">), and running out affects nobody else.
 * ram_hog allocates 64 KiB dataspaces until pd_alloc_ram answers OUT_OF_RAM, frees one and
 * allocates again, shows malloc failing the same way (heap_last_error() == OUT_OF_RAM), frees
 * two dataspaces so that malloc works again, and then idles. Timer sleeps between the phases
 * leave time to look at the quota. */
#include <corescope/component.h>

#define DS_SIZE (64u * 1024)
#define MAX_DS  256
#define HOLD_MS 500

static unsigned ds[MAX_DS];

static void show_quota(struct env *env, char const *when)
{
	unsigned limit = 0, used = 0;
	pd_ram_quota(env->pd, &limit, &used);
	log("%s: RAM quota limit %u, used %u, free %u bytes", when, limit, used, limit - used);
}

void component_construct(struct env *env)
{
	struct timer_connection timer;
	int r = timer_open(env, &timer);
	if (r != RPC_OK) {
		log("no Timer session: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	show_quota(env, "start");

	/* 1. take everything */
	unsigned n = 0;
	for (;;) {
		if (n == MAX_DS) {
			r = RPC_OK;
			break;
		}
		r = pd_alloc_ram(env->pd, DS_SIZE, &ds[n]);
		if (r != RPC_OK)
			break;
		n++;
	}
	log("allocated %u dataspaces of %u KiB (%u KiB), then %s", n, DS_SIZE / 1024, n * (DS_SIZE / 1024),
	    rpc_result_name(r));
	show_quota(env, "exhausted");
	timer_msleep(&timer, HOLD_MS);

	/* 2. one freed dataspace can be allocated again */
	if (n == 0) {
		parent_exit(2);
		return;
	}
	r = pd_free_ram(env->pd, ds[--n]);
	log("freed one dataspace: %s", rpc_result_name(r));
	r = pd_alloc_ram(env->pd, DS_SIZE, &ds[n]);
	log("allocating %u KiB again: %s", DS_SIZE / 1024, rpc_result_name(r));
	if (r == RPC_OK)
		n++;
	unsigned dummy;
	r = pd_alloc_ram(env->pd, DS_SIZE, &dummy);
	log("and one more: %s", rpc_result_name(r));

	/* 3. the heap gets its memory the same way */
	void *p = malloc(1000);
	log("malloc(1000) -> %p, heap_last_error %s", p, rpc_result_name(heap_last_error()));
	timer_msleep(&timer, HOLD_MS);

	for (int i = 0; i < 2 && n > 0; i++)
		pd_free_ram(env->pd, ds[--n]);
	p = malloc(1000);
	log("after freeing two dataspaces: malloc(1000) -> %s", p ? "ok" : "0");
	if (p)
		memset(p, 0xab, 1000);
	show_quota(env, "done");
	log("holding %u dataspaces and a heap chunk; idle", n);
	/* returning leaves the entrypoint waiting for requests: idle */
}
