/* corescope/pd_session.h -- Pd_session client (a component's own PD is SEL_PD).
 * All functions return an RPC result code (RPC_OK = 0) or a negative SYS_* error. */
#ifndef CORESCOPE_PD_SESSION_H
#define CORESCOPE_PD_SESSION_H

int pd_assign_parent(unsigned pd, unsigned parent);
int pd_alloc_signal_source(unsigned pd, unsigned *source_out);
int pd_free_signal_source(unsigned pd, unsigned source);
/* A signal context delivering `imprint` to `source`. */
int pd_alloc_context(unsigned pd, unsigned source, unsigned imprint, unsigned *context_out);
int pd_free_context(unsigned pd, unsigned context);
int pd_submit(unsigned pd, unsigned context, unsigned count);
/* A new RPC object served by thread `entrypoint`; requests to it carry *badge_out. */
int pd_alloc_rpc_cap(unsigned pd, unsigned entrypoint, unsigned *object_out, unsigned *badge_out);
int pd_free_rpc_cap(unsigned pd, unsigned object);
int pd_address_space(unsigned pd, unsigned *region_map_out);
int pd_stack_area(unsigned pd, unsigned *region_map_out);
int pd_linker_area(unsigned pd, unsigned *region_map_out);
int pd_ref_account(unsigned pd, unsigned ref_pd);
int pd_transfer_ram_quota(unsigned pd, unsigned to, unsigned amount);
int pd_transfer_cap_quota(unsigned pd, unsigned to, unsigned amount);
int pd_ram_quota(unsigned pd, unsigned *limit_out, unsigned *used_out);
int pd_cap_quota(unsigned pd, unsigned *limit_out, unsigned *used_out);
/* A zeroed RAM dataspace of `size` bytes (cached). OUT_OF_RAM, OUT_OF_CAPS, DENIED (size 0). */
int pd_alloc_ram(unsigned pd, unsigned size, unsigned *ds_out);
int pd_alloc_ram_cached(unsigned pd, unsigned size, unsigned cached, unsigned *ds_out);
int pd_free_ram(unsigned pd, unsigned ds);
int pd_dma_addr(unsigned pd, unsigned ds, unsigned *addr_out);

#endif /* CORESCOPE_PD_SESSION_H */
