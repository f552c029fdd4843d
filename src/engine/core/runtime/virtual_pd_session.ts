/**
 * The runtime's PD session: notes the RAM dataspaces allocated and freed, the signal sources
 * and contexts, and the RPC objects of the child, and hands out the runtime's region maps in
 * place of the PD's own (address space, stack area, linker area), so that attachments are
 * noted too.
 */
import { RPC } from '../abi';
import {
  RpcObject,
  SignalContext,
  SignalSource,
  type CoreCall,
  type CoreReply,
  type Pd,
  type RegionMap,
} from '../kernel_objects';
import type { PdSessionComponent } from '../pd_session_component';
import { VirtualSession, unwrapCaps } from './virtual_session';

/** Which of a PD's region maps (or one an RM session made). */
export type RegionMapOrigin = 'address_space' | 'stack_area' | 'linker_area' | 'rm';

export class VirtualPdSession extends VirtualSession {
  /** The protection domain behind the session. */
  get pd(): Pd {
    return (this.session as PdSessionComponent).pd;
  }

  /** One of the PD's own region maps. */
  regionMap(origin: Exclude<RegionMapOrigin, 'rm'>): RegionMap {
    const pd = this.pd;
    return origin === 'address_space' ? pd.addressSpace : origin === 'stack_area' ? pd.stackArea : pd.linkerArea;
  }

  override dispatch(call: CoreCall): CoreReply {
    unwrapCaps(call);
    const rt = this.rt;
    // What a free names must be looked up while it still exists.
    const freed = call.op === 'free_ram' ? rt.core.dataspaceOf(call.caps.dataspace) : null;
    const r = this.session.dispatch(call) as CoreReply;
    if (r.result !== RPC.OK) return r;
    const out = r.caps?.[0] ?? null;
    switch (call.op) {
      case 'alloc_ram': {
        const ds = rt.core.dataspaceOf(out);
        if (ds) rt.noteRam(this, ds);
        break;
      }
      case 'free_ram':
        if (freed) rt.forgetRam(freed);
        break;
      case 'alloc_signal_source':
        if (out instanceof SignalSource) rt.noteSource(this, out);
        break;
      case 'free_signal_source':
        if (call.caps.source instanceof SignalSource) rt.signalSources.delete(call.caps.source);
        break;
      case 'alloc_context':
        if (out instanceof SignalContext) rt.noteContext(this, out);
        break;
      case 'free_context':
        if (call.caps.context instanceof SignalContext) rt.signalContexts.delete(call.caps.context);
        break;
      case 'alloc_rpc_cap':
        if (out instanceof RpcObject) rt.noteRpcObject(this, out);
        break;
      case 'free_rpc_cap':
        if (call.caps.object instanceof RpcObject) rt.rpcObjects.delete(call.caps.object);
        break;
      case 'address_space':
      case 'stack_area':
      case 'linker_area':
        return { result: RPC.OK, caps: [rt.regionMapOf(this.regionMap(call.op), call.op, this).obj] };
    }
    return r;
  }
}
