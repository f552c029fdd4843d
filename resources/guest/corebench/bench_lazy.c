/* bench_lazy -- lazy RAM mapping: each first touch of a page of a fresh dataspace is a page
 * fault that core's pager resolves by installing one page-table entry. */
#include <corescope/component.h>

#define PAGES 4096u /* 16 MiB */
#define ROUNDS 12u

void component_construct(struct env *env)
{
	unsigned ds, addr;
	unsigned sum = 0;
	log("lazy: start");
	for (unsigned round = 0; round < ROUNDS; round++) {
		if (pd_alloc_ram(SEL_PD, PAGES * 4096u, &ds) != RPC_OK || rm_attach(env->rm, ds, 0, &addr) != RPC_OK) {
			log("lazy: out of memory");
			parent_exit(1);
			return;
		}
		volatile unsigned *p = (volatile unsigned *)addr;
		for (unsigned i = 0; i < PAGES; i++) sum += p[i * 1024u];
		rm_detach(env->rm, addr);
		pd_free_ram(SEL_PD, ds);
	}
	log("lazy: done %u", PAGES * ROUNDS);
	log("lazy: sum %u", sum);
	parent_exit(0);
}
