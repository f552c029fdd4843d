/* corescope/parent.h -- the Parent interface (SEL_PARENT), served by init for each child.
 * All functions return an RPC result code (RPC_OK = 0) or a negative SYS_* error. */
#ifndef CORESCOPE_PARENT_H
#define CORESCOPE_PARENT_H

/* Opens a session of `service`; args name the donated quota and a label, e.g.
 * `ram_quota=8K, cap_quota=4, label=""`. DENIED, INSUFFICIENT_RAM, INSUFFICIENT_CAPS. */
int parent_session(char const *service, char const *args, unsigned *cap_out);
int parent_session_affinity(char const *service, char const *args, unsigned affinity_x, unsigned affinity_y,
                            unsigned *cap_out);
/* Donates more quota (ram_quota, cap_quota in args) to a session. */
int parent_upgrade(unsigned session, char const *args);
/* Closes a session; its quota returns to the client. */
int parent_close(unsigned session);
/* Announces a service served through the root object `root`. */
int parent_announce(char const *service, unsigned root);
/* Tells the parent the component is done. */
int parent_exit(unsigned code);

#endif /* CORESCOPE_PARENT_H */
