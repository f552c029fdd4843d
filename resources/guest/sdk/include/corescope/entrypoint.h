/* corescope/entrypoint.h -- the main thread as RPC entrypoint and signal handler.
 *
 * The entrypoint serves RPC objects and dispatches signals, one at a time, in ep_run (started
 * automatically after component_construct returns). Up to EP_MAX_OBJECTS objects and
 * EP_MAX_SIGNALS signal handlers.
 *
 * A dispatch function reads the request with the rpc_reader functions (rpc.h), then writes the
 * reply with rpc_reply_begin(result) and rpc_u32/rpc_str/rpc_cap; the entrypoint sends it when
 * the function returns. A dispatch function that writes no reply answers RPC_UNKNOWN_OP.
 *
 *     static void dispatch(void *obj, unsigned op)
 *     {
 *         struct counter *c = obj;
 *         if (op != 1) { rpc_reply_begin(RPC_UNKNOWN_OP); return; }
 *         rpc_reply_begin(RPC_OK); rpc_u32(++c->value);
 *     }
 *     ...  ep_manage(env, dispatch, &counter, &cap);
 */
#ifndef CORESCOPE_ENTRYPOINT_H
#define CORESCOPE_ENTRYPOINT_H

#include <corescope/env.h>

#define EP_MAX_OBJECTS 64
#define EP_MAX_SIGNALS 32

typedef void (*ep_dispatch_fn)(void *obj, unsigned op);
typedef void (*ep_signal_fn)(void *arg, unsigned count);

/* Allocates the entrypoint's signal source if not done yet (done lazily by the functions below). */
int ep_init(struct env *env);

/* The entrypoint's signal source (0 until ep_init). */
unsigned ep_signal_source(void);

/* A new RPC object served by the entrypoint: requests to *cap_out go to fn(obj, op). */
int ep_manage(struct env *env, ep_dispatch_fn fn, void *obj, unsigned *cap_out);

/* Frees an object created by ep_manage. */
int ep_dissolve(struct env *env, unsigned cap);

/* The object (obj pointer given to ep_manage) a capability selector of ours refers to, or 0. */
void *ep_lookup(unsigned cap);

/* A signal context whose signals call fn(arg, count) on the entrypoint (then acknowledged). */
int ep_signal_handler(struct env *env, ep_signal_fn fn, void *arg, unsigned *context_cap_out);

/* Frees a context created by ep_signal_handler. */
int ep_signal_dissolve(struct env *env, unsigned context_cap);

/* Manages a root object (dispatch fn for the Root interface, see root.h) and announces it to
 * the parent as `service`. */
int ep_announce(struct env *env, char const *service, ep_dispatch_fn root_dispatch, void *obj);

/* Serves requests and signals forever; returns only on a system-call error (the result). */
int ep_run(void);

#endif /* CORESCOPE_ENTRYPOINT_H */
