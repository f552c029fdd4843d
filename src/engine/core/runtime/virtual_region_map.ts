/**
 * The runtime's region map: stands for one of the child's region maps (a PD's address space,
 * stack area or linker area, or one its RM session created) and notes what is attached where
 * and which signal context handles its faults.
 */
import { REGION_MAP, RPC } from '../abi';
import {
  SignalContext,
  type CoreCall,
  type CoreReply,
  type Dataspace,
  type Region,
  type RegionMap,
  type RpcObject,
} from '../kernel_objects';
import type { ComponentRuntime } from './component_runtime';
import type { RegionMapOrigin } from './virtual_pd_session';
import { RuntimeObject, unwrapCaps, type VirtualSession } from './virtual_session';

/** One attachment, as the region map holds it (rights after core's checks). */
export interface AttachmentRecord {
  at: number;
  size: number;
  offset: number;
  writeable: boolean;
  executable: boolean;
  ds: Dataspace;
}

export class VirtualRegionMap extends RuntimeObject {
  readonly iface = REGION_MAP;
  /** What is attached, by address. */
  readonly attachments: AttachmentRecord[] = [];
  faultHandler: SignalContext | null = null;

  constructor(
    readonly rt: ComponentRuntime,
    readonly id: number,
    readonly rm: RegionMap,
    readonly origin: RegionMapOrigin,
    /** The PD session whose map it is, or the RM session that created it. */
    readonly session: VirtualSession,
  ) {
    super();
  }

  target(): RpcObject {
    return this.rm.cap!;
  }

  describe(): string {
    return `region map ${this.rm.name} (through the runtime)`;
  }

  dispatch(call: CoreCall): CoreReply | 'defer' {
    unwrapCaps(call);
    const server = this.rm.cap!.core!;
    switch (call.op) {
      case 'attach': {
        const r = server.dispatch(call) as CoreReply;
        const region = r.result === RPC.OK ? this.rm.find(r.words![0] as number) : null;
        if (region) this.note(region);
        return r;
      }
      case 'detach': {
        const region = this.rm.find((call.args.addr as number) >>> 0);
        const r = server.dispatch(call) as CoreReply;
        if (r.result === RPC.OK && region) this.forgetAt(region.base);
        return r;
      }
      case 'fault_handler': {
        const r = server.dispatch(call) as CoreReply;
        if (r.result === RPC.OK)
          this.faultHandler = call.caps.context instanceof SignalContext ? call.caps.context : null;
        return r;
      }
    }
    return server.dispatch(call);
  }

  /** Notes a region of the real map. */
  note(r: Region): void {
    const a: AttachmentRecord = {
      at: r.base,
      size: r.size,
      offset: r.offset,
      writeable: r.writeable,
      executable: r.executable,
      ds: r.ds,
    };
    let i = 0;
    while (i < this.attachments.length && this.attachments[i].at < a.at) i++;
    this.attachments.splice(i, 0, a);
  }

  private forgetAt(at: number): void {
    const i = this.attachments.findIndex((a) => a.at === at);
    if (i >= 0) this.attachments.splice(i, 1);
  }

  /** Drops the attachments of a dataspace that is gone (core detached it everywhere). */
  forgetDataspace(ds: Dataspace): void {
    for (let i = this.attachments.length - 1; i >= 0; i--)
      if (this.attachments[i].ds === ds) this.attachments.splice(i, 1);
  }
}
