/* Parent client (corescope/parent.h). */
#include <corescope/parent.h>
#include <corescope/rpc.h>

int parent_session_affinity(char const *service, char const *args, unsigned affinity_x, unsigned affinity_y,
                            unsigned *cap_out)
{
	rpc_begin(RPC_PARENT_SESSION);
	rpc_str(service);
	rpc_str(args);
	rpc_u32(affinity_x);
	rpc_u32(affinity_y);
	int r = rpc_call(SEL_PARENT);
	*cap_out = r == RPC_OK ? rpc_reply_cap(0) : SEL_INVALID;
	return r;
}

int parent_session(char const *service, char const *args, unsigned *cap_out)
{
	return parent_session_affinity(service, args, 0, 0, cap_out);
}

int parent_upgrade(unsigned session, char const *args)
{
	rpc_begin(RPC_PARENT_UPGRADE);
	rpc_cap(session);
	rpc_str(args);
	return rpc_call(SEL_PARENT);
}

int parent_close(unsigned session)
{
	rpc_begin(RPC_PARENT_CLOSE);
	rpc_cap(session);
	return rpc_call(SEL_PARENT);
}

int parent_announce(char const *service, unsigned root)
{
	rpc_begin(RPC_PARENT_ANNOUNCE);
	rpc_str(service);
	rpc_cap(root);
	return rpc_call(SEL_PARENT);
}

int parent_exit(unsigned code)
{
	rpc_begin(RPC_PARENT_EXIT);
	rpc_u32(code);
	return rpc_call(SEL_PARENT);
}
