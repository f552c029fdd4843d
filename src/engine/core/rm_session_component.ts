/** Core's RM service: creates and destroys region maps (managed dataspaces), paid from the session quota. */
import { RM_SESSION, RPC } from './abi';
import { CoreSession, type SessionFactory } from './core';
import { RegionMapComponent } from './region_map_component';
import type { CoreCall, CoreReply, RegionMap } from './kernel_objects';

/** RAM each region map costs the session. */
export const RM_META_BYTES = 1024;

export class RmSessionComponent extends CoreSession {
  readonly iface = RM_SESSION;
  readonly maps = new Set<RegionMap>();

  dispatch(call: CoreCall): CoreReply {
    if (call.op === 'create') {
      const size = Math.ceil((call.args.size as number) / 0x1000) * 0x1000;
      if (size === 0) return { result: RPC.INVALID_ARGS };
      if (this.ram.limit - this.ram.used < RM_META_BYTES) return { result: RPC.OUT_OF_RAM };
      if (this.caps.limit - this.caps.used < 1) return { result: RPC.OUT_OF_CAPS };
      this.ram.used += RM_META_BYTES;
      this.caps.used += 1;
      const rm = this.core.createRegionMap(
        size,
        this.payer,
        `${this.label}: region map ${this.maps.size + 1}`,
        this.ram,
      );
      this.maps.add(rm);
      return { result: RPC.OK, caps: [rm.cap] };
    }
    const o = call.caps.region_map;
    const rm = o && 'core' in o && o.core instanceof RegionMapComponent ? o.core.rm : null;
    if (!rm || !this.maps.has(rm)) return { result: RPC.INVALID_ARGS };
    this.destroy(rm);
    return { result: RPC.OK };
  }

  private destroy(rm: RegionMap): void {
    this.core.destroyRegionMap(rm);
    this.maps.delete(rm);
    this.ram.used -= RM_META_BYTES;
    this.caps.used -= 1;
  }

  protected release(): void {
    for (const rm of [...this.maps]) this.destroy(rm);
  }
}

export const createRmSession: SessionFactory = (core, label, args, payer) =>
  new RmSessionComponent(core, 'RM', label, args, payer);
