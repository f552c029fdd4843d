/* Rm_session client (corescope/rm_session.h). */
#include <corescope/rm_session.h>
#include <corescope/rpc.h>

int rm_session_create(unsigned rm_session, unsigned size, unsigned *region_map_out)
{
	rpc_begin(RPC_RM_SESSION_CREATE);
	rpc_u32(size);
	int r = rpc_call(rm_session);
	*region_map_out = r == RPC_OK ? rpc_reply_cap(0) : SEL_INVALID;
	return r;
}

int rm_session_destroy(unsigned rm_session, unsigned region_map)
{
	rpc_begin(RPC_RM_SESSION_DESTROY);
	rpc_cap(region_map);
	return rpc_call(rm_session);
}
