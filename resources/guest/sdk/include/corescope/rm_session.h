/* corescope/rm_session.h -- Rm_session client (creates region maps usable as managed
 * dataspaces). Results: RPC code or negative SYS_* error. */
#ifndef CORESCOPE_RM_SESSION_H
#define CORESCOPE_RM_SESSION_H

int rm_session_create(unsigned rm_session, unsigned size, unsigned *region_map_out);
int rm_session_destroy(unsigned rm_session, unsigned region_map);

#endif /* CORESCOPE_RM_SESSION_H */
