/* Component startup: called by crt0.S on the main thread (corescope/env.h). */
#include <corescope/env.h>
#include <corescope/entrypoint.h>
#include <corescope/log.h>
#include <corescope/parent.h>
#include <corescope/pd_session.h>
#include <corescope/rpc.h>
#include <corescope/syscall.h>

/* crt0.S uses these numbers literally. */
_Static_assert(SYS_STOP == 9, "crt0.S: SYS_STOP");

static struct env env;

struct env *env_get(void) { return &env; }

void _sdk_start(unsigned utcb_addr) __attribute__((noreturn));

void _sdk_start(unsigned utcb_addr)
{
	env.parent = SEL_PARENT;
	env.pd = SEL_PD;
	env.cpu = SEL_CPU;
	env.log = SEL_LOG;
	env.main_thread = SEL_MAIN_THREAD;
	env.utcb = utcb_addr;
	int r = pd_address_space(env.pd, &env.rm);
	if (r != RPC_OK)
		log("sdk: no address space region map (%s); the heap will not work", rpc_result_name(r));

	component_construct(&env);

	r = ep_run();
	log("sdk: entrypoint failed (%s)", rpc_result_name(r));
	parent_exit(1);
	for (;;)
		sys_stop();
}
