/* corescope/env.h -- a component's environment and its entry function.
 *
 * A component defines
 *
 *     void component_construct(struct env *env);
 *
 * The SDK's startup code fills in *env, calls it once on the main thread, and then runs the
 * entrypoint loop (ep_run) on that thread forever, serving the RPC objects and signal handlers
 * the component registered. If the loop fails, the component exits via its parent. */
#ifndef CORESCOPE_ENV_H
#define CORESCOPE_ENV_H

#include <corescope/abi.h>

struct env {
	unsigned parent;      /* SEL_PARENT: Parent interface */
	unsigned pd;          /* SEL_PD: own Pd_session (RAM, signals, RPC objects) */
	unsigned cpu;         /* SEL_CPU: own Cpu_session */
	unsigned log;         /* SEL_LOG: LOG session */
	unsigned main_thread; /* SEL_MAIN_THREAD: Cpu_thread of the main thread (the entrypoint) */
	unsigned rm;          /* address-space region map (Pd_session address_space), fetched at start */
	unsigned utcb;        /* address of the main thread's UTCB */
};

/* Implemented by the component. */
void component_construct(struct env *env);

/* The environment (valid from before component_construct on). */
struct env *env_get(void);

#endif /* CORESCOPE_ENV_H */
