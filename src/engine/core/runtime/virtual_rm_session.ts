/** The runtime's RM session: the region maps it creates are handed out as the runtime's. */
import { RPC } from '../abi';
import { RpcObject, type CoreCall, type CoreReply } from '../kernel_objects';
import { RegionMapComponent } from '../region_map_component';
import { VirtualSession, unwrapCaps } from './virtual_session';

export class VirtualRmSession extends VirtualSession {
  override dispatch(call: CoreCall): CoreReply {
    unwrapCaps(call);
    const gone = call.op === 'destroy' ? regionMapOf(call.caps.region_map) : null;
    const r = this.session.dispatch(call) as CoreReply;
    if (r.result !== RPC.OK) return r;
    if (call.op === 'create') {
      const rm = regionMapOf(r.caps?.[0] ?? null);
      if (rm) return { result: RPC.OK, caps: [this.rt.regionMapOf(rm, 'rm', this).obj] };
    } else if (call.op === 'destroy' && gone) {
      this.rt.forgetRegionMap(gone);
    }
    return r;
  }
}

function regionMapOf(obj: unknown): RegionMapComponent['rm'] | null {
  return obj instanceof RpcObject && obj.core instanceof RegionMapComponent ? obj.core.rm : null;
}
