/* bench_signal -- signal ping-pong between two threads: each round trip delivers two signals. */
#include <corescope/component.h>
#include "bench.h"

#define ROUNDS 100000u

static unsigned src_a, ctx_a, src_b, ctx_b, pong_thread;

static void pong(void)
{
	unsigned imprint, count;
	for (;;) {
		sys_signal_wait(src_a, &imprint, &count);
		sys_signal_ack(ctx_a);
		sys_signal_submit(ctx_b, 1);
	}
}

void component_construct(struct env *env)
{
	(void)env;
	if (pd_alloc_signal_source(SEL_PD, &src_a) != RPC_OK || pd_alloc_context(SEL_PD, src_a, 1, &ctx_a) != RPC_OK ||
	    pd_alloc_signal_source(SEL_PD, &src_b) != RPC_OK || pd_alloc_context(SEL_PD, src_b, 2, &ctx_b) != RPC_OK ||
	    thread_create("pong", pong, 16384, &pong_thread) != RPC_OK || thread_start(pong_thread) != RPC_OK) {
		log("signal: setup failed");
		parent_exit(1);
		return;
	}
	unsigned imprint, count;
	log("signal: start");
	for (unsigned i = 0; i < ROUNDS; i++) {
		sys_signal_submit(ctx_a, 1);
		sys_signal_wait(src_b, &imprint, &count);
		sys_signal_ack(ctx_b);
	}
	log("signal: done %u", 2 * ROUNDS);
	parent_exit(0);
}
