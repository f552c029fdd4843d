/* Region_map client (corescope/region_map.h). */
#include <corescope/region_map.h>
#include <corescope/rpc.h>

int rm_attach(unsigned rm, unsigned ds, struct attach_args const *a, unsigned *addr_out)
{
	static struct attach_args const whole = { .writeable = 1 };
	if (!a)
		a = &whole;
	rpc_begin(RPC_REGION_MAP_ATTACH);
	rpc_cap(ds);
	rpc_u32(a->size);
	rpc_u32(a->offset);
	rpc_u32(a->use_at);
	rpc_u32(a->at);
	rpc_u32(a->executable);
	rpc_u32(a->writeable);
	int r = rpc_call(rm);
	*addr_out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	return r;
}

int rm_detach(unsigned rm, unsigned addr)
{
	rpc_begin(RPC_REGION_MAP_DETACH);
	rpc_u32(addr);
	return rpc_call(rm);
}

int rm_fault_handler(unsigned rm, unsigned context)
{
	rpc_begin(RPC_REGION_MAP_FAULT_HANDLER);
	rpc_cap(context);
	return rpc_call(rm);
}

int rm_fault(unsigned rm, struct rm_fault *fault_out)
{
	rpc_begin(RPC_REGION_MAP_FAULT);
	int r = rpc_call(rm);
	fault_out->type = r == RPC_OK ? rpc_reply_u32(0) : RM_FAULT_NONE;
	fault_out->addr = r == RPC_OK ? rpc_reply_u32(1) : 0;
	fault_out->thread = r == RPC_OK ? rpc_reply_u32(2) : 0;
	return r;
}

int rm_dataspace(unsigned rm, unsigned *ds_out)
{
	rpc_begin(RPC_REGION_MAP_DATASPACE);
	int r = rpc_call(rm);
	*ds_out = r == RPC_OK ? rpc_reply_cap(0) : SEL_INVALID;
	return r;
}
