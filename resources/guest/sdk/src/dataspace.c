/* Dataspace client (corescope/dataspace.h). */
#include <corescope/dataspace.h>
#include <corescope/rpc.h>

static int get_u32(unsigned ds, unsigned op, unsigned *out)
{
	rpc_begin(op);
	int r = rpc_call(ds);
	*out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	return r;
}

int ds_size(unsigned ds, unsigned *size_out) { return get_u32(ds, RPC_DATASPACE_SIZE, size_out); }

int ds_writeable(unsigned ds, unsigned *writeable_out) { return get_u32(ds, RPC_DATASPACE_WRITEABLE, writeable_out); }
