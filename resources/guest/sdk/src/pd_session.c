/* Pd_session client (corescope/pd_session.h). */
#include <corescope/pd_session.h>
#include <corescope/rpc.h>

/* An op whose only argument is one capability. */
static int cap_op(unsigned pd, unsigned op, unsigned cap)
{
	rpc_begin(op);
	rpc_cap(cap);
	return rpc_call(pd);
}

/* An op without arguments returning one capability. */
static int get_cap(unsigned pd, unsigned op, unsigned *cap_out)
{
	rpc_begin(op);
	int r = rpc_call(pd);
	*cap_out = r == RPC_OK ? rpc_reply_cap(0) : SEL_INVALID;
	return r;
}

static int quota(unsigned pd, unsigned op, unsigned *limit_out, unsigned *used_out)
{
	rpc_begin(op);
	int r = rpc_call(pd);
	*limit_out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	*used_out = r == RPC_OK ? rpc_reply_u32(1) : 0;
	return r;
}

static int transfer(unsigned pd, unsigned op, unsigned to, unsigned amount)
{
	rpc_begin(op);
	rpc_cap(to);
	rpc_u32(amount);
	return rpc_call(pd);
}

int pd_assign_parent(unsigned pd, unsigned parent) { return cap_op(pd, RPC_PD_SESSION_ASSIGN_PARENT, parent); }

int pd_alloc_signal_source(unsigned pd, unsigned *source_out)
{
	return get_cap(pd, RPC_PD_SESSION_ALLOC_SIGNAL_SOURCE, source_out);
}

int pd_free_signal_source(unsigned pd, unsigned source)
{
	return cap_op(pd, RPC_PD_SESSION_FREE_SIGNAL_SOURCE, source);
}

int pd_alloc_context(unsigned pd, unsigned source, unsigned imprint, unsigned *context_out)
{
	rpc_begin(RPC_PD_SESSION_ALLOC_CONTEXT);
	rpc_cap(source);
	rpc_u32(imprint);
	int r = rpc_call(pd);
	*context_out = r == RPC_OK ? rpc_reply_cap(0) : SEL_INVALID;
	return r;
}

int pd_free_context(unsigned pd, unsigned context) { return cap_op(pd, RPC_PD_SESSION_FREE_CONTEXT, context); }

int pd_submit(unsigned pd, unsigned context, unsigned count)
{
	rpc_begin(RPC_PD_SESSION_SUBMIT);
	rpc_cap(context);
	rpc_u32(count);
	return rpc_call(pd);
}

int pd_alloc_rpc_cap(unsigned pd, unsigned entrypoint, unsigned *object_out, unsigned *badge_out)
{
	rpc_begin(RPC_PD_SESSION_ALLOC_RPC_CAP);
	rpc_cap(entrypoint);
	int r = rpc_call(pd);
	*object_out = r == RPC_OK ? rpc_reply_cap(0) : SEL_INVALID;
	*badge_out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	return r;
}

int pd_free_rpc_cap(unsigned pd, unsigned object) { return cap_op(pd, RPC_PD_SESSION_FREE_RPC_CAP, object); }

int pd_address_space(unsigned pd, unsigned *region_map_out)
{
	return get_cap(pd, RPC_PD_SESSION_ADDRESS_SPACE, region_map_out);
}

int pd_stack_area(unsigned pd, unsigned *region_map_out)
{
	return get_cap(pd, RPC_PD_SESSION_STACK_AREA, region_map_out);
}

int pd_linker_area(unsigned pd, unsigned *region_map_out)
{
	return get_cap(pd, RPC_PD_SESSION_LINKER_AREA, region_map_out);
}

int pd_ref_account(unsigned pd, unsigned ref_pd) { return cap_op(pd, RPC_PD_SESSION_REF_ACCOUNT, ref_pd); }

int pd_transfer_ram_quota(unsigned pd, unsigned to, unsigned amount)
{
	return transfer(pd, RPC_PD_SESSION_TRANSFER_RAM_QUOTA, to, amount);
}

int pd_transfer_cap_quota(unsigned pd, unsigned to, unsigned amount)
{
	return transfer(pd, RPC_PD_SESSION_TRANSFER_CAP_QUOTA, to, amount);
}

int pd_ram_quota(unsigned pd, unsigned *limit_out, unsigned *used_out)
{
	return quota(pd, RPC_PD_SESSION_RAM_QUOTA, limit_out, used_out);
}

int pd_cap_quota(unsigned pd, unsigned *limit_out, unsigned *used_out)
{
	return quota(pd, RPC_PD_SESSION_CAP_QUOTA, limit_out, used_out);
}

int pd_alloc_ram_cached(unsigned pd, unsigned size, unsigned cached, unsigned *ds_out)
{
	rpc_begin(RPC_PD_SESSION_ALLOC_RAM);
	rpc_u32(size);
	rpc_u32(cached);
	int r = rpc_call(pd);
	*ds_out = r == RPC_OK ? rpc_reply_cap(0) : SEL_INVALID;
	return r;
}

int pd_alloc_ram(unsigned pd, unsigned size, unsigned *ds_out) { return pd_alloc_ram_cached(pd, size, 1, ds_out); }

int pd_free_ram(unsigned pd, unsigned ds) { return cap_op(pd, RPC_PD_SESSION_FREE_RAM, ds); }

int pd_dma_addr(unsigned pd, unsigned ds, unsigned *addr_out)
{
	rpc_begin(RPC_PD_SESSION_DMA_ADDR);
	rpc_cap(ds);
	int r = rpc_call(pd);
	*addr_out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	return r;
}
