/* Rom_session client (corescope/rom_session.h). */
#include <corescope/rom_session.h>
#include <corescope/rpc.h>

int rom_dataspace(unsigned rom, unsigned *ds_out, unsigned *size_out)
{
	rpc_begin(RPC_ROM_SESSION_DATASPACE);
	int r = rpc_call(rom);
	*ds_out = r == RPC_OK ? rpc_reply_cap(0) : SEL_INVALID;
	*size_out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	return r;
}

int rom_update(unsigned rom, unsigned *same_out)
{
	rpc_begin(RPC_ROM_SESSION_UPDATE);
	int r = rpc_call(rom);
	*same_out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	return r;
}

int rom_sigh(unsigned rom, unsigned context)
{
	rpc_begin(RPC_ROM_SESSION_SIGH);
	rpc_cap(context);
	return rpc_call(rom);
}
