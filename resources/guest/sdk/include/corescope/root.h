/* corescope/root.h -- the Root interface: client calls (for parents) and a server helper.
 *
 * A server announces a service with a root object that creates sessions:
 *
 *     static int open(void *obj, char const *args, unsigned ax, unsigned ay, unsigned *cap_out)
 *     { ...create a session object with ep_manage(env, session_dispatch, s, cap_out)... }
 *     static struct root_ops const ops = { open, 0, close };
 *     static struct root root = { &ops, &state };
 *     ep_announce(env, "Hello", root_dispatch, &root);
 *
 * The session capability of upgrade/close arrives as a selector in the server's space; with
 * ep_lookup(session_cap) the server finds its session object (if the kernel hands back the
 * selector the server already holds for that object). */
#ifndef CORESCOPE_ROOT_H
#define CORESCOPE_ROOT_H

/* Longest session-argument string root_dispatch accepts (longer: RPC_INVALID_ARGS). */
#define ROOT_ARGS_MAX 256

struct root_ops {
	/* Creates a session; returns an RPC result code; on RPC_OK *session_cap_out is sent. */
	int (*session)(void *obj, char const *args, unsigned affinity_x, unsigned affinity_y,
	               unsigned *session_cap_out);
	/* Adds quota to a session (0: accept and ignore). */
	int (*upgrade)(void *obj, unsigned session_cap, char const *args);
	/* Destroys a session (0: answer RPC_OK). */
	int (*close)(void *obj, unsigned session_cap);
};

struct root {
	struct root_ops const *ops;
	void *obj;
};

/* ep_dispatch_fn for a struct root *. */
void root_dispatch(void *root, unsigned op);

/* Client side (a parent talking to a server's root object). */
int root_session(unsigned root, char const *args, unsigned affinity_x, unsigned affinity_y, unsigned *session_out);
int root_upgrade(unsigned root, unsigned session, char const *args);
int root_close(unsigned root, unsigned session);

/* The value of `key` in a session-argument string such as `ram_quota=8K, cap_quota=4,
 * label="x"` (copied into buf without quotes; returns 0 if absent), and a numeric value with
 * K/M/G suffix (returns dflt if absent). */
int session_arg(char const *args, char const *key, char *buf, unsigned size);
unsigned session_arg_ulong(char const *args, char const *key, unsigned dflt);

#endif /* CORESCOPE_ROOT_H */
