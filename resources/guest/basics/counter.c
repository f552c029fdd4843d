/* counter -- counts once a second, forever (the test component of a Genode mailing-list
 * question about checkpointing: "The component counts an integer every second").
 *
 *     unsigned int n = 0;
 *     Timer::Connection timer(env);
 *     while (1) { Genode::log(n); n++; timer.msleep(1000); }
 *
 * Between two lines the entrypoint thread is blocked on its timer's signal source. */
#include <corescope/component.h>

void component_construct(struct env *env)
{
	unsigned n = 0;
	struct timer_connection timer;
	int r = timer_open(env, &timer);
	if (r != RPC_OK) {
		log("counter: no Timer session: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}

	for (;;) {
		log("%u", n);
		n++;
		timer_msleep(&timer, 1000);
	}
}
