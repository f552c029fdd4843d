/* Io_mem_session client (corescope/io_mem_session.h). */
#include <corescope/io_mem_session.h>
#include <corescope/rpc.h>

int io_mem_dataspace(unsigned io_mem, unsigned *ds_out, unsigned *offset_out)
{
	rpc_begin(RPC_IO_MEM_SESSION_DATASPACE);
	int r = rpc_call(io_mem);
	*ds_out = r == RPC_OK ? rpc_reply_cap(0) : SEL_INVALID;
	*offset_out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	return r;
}
