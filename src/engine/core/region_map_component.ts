/**
 * Region maps and dataspaces as core serves them: attach/detach with Genode's errors, managed
 * dataspaces (a region map used as a dataspace), fault state for dataspace managers, and the
 * Dataspace and Region_map RPC objects.
 *
 * Region maps are the truth about address spaces; the page tables are a cache that core's
 * pager fills on faults (`Core.pageFault`). Detaching flushes every mapping that was made
 * through the region, on every hart.
 */
import { DATASPACE, LAYOUT, REGION_MAP, RPC } from './abi';
import type { Core } from './core';
import {
  Dataspace,
  FaultType,
  Region,
  RegionMap,
  SignalContext,
  type CoreCall,
  type CoreReply,
  type CoreServer,
  type DataspaceKind,
  type Pd,
  type Quota,
} from './kernel_objects';

/** RAM quota each attached region costs its payer (region metadata, as Genode's AVL nodes do). */
export const REGION_META_BYTES = 64;
const PAGE = 0x1000;
const pageUp = (n: number): number => Math.ceil(n / PAGE) * PAGE;

export interface AttachArgs {
  size: number;
  offset: number;
  useAt: boolean;
  at: number;
  executable: boolean;
  writeable: boolean;
}

/** Serves a Dataspace object (size, writeable). */
export class DataspaceComponent implements CoreServer {
  readonly iface = DATASPACE;
  constructor(readonly ds: Dataspace) {}
  describe(): string {
    return `${this.ds.kind} dataspace ${this.ds.name} (${this.ds.size} bytes)`;
  }
  dispatch(call: CoreCall): CoreReply {
    if (call.op === 'size') return { result: RPC.OK, words: [this.ds.size] };
    return { result: RPC.OK, words: [this.ds.writeable ? 1 : 0] };
  }
}

/** Serves a Region_map object. */
export class RegionMapComponent implements CoreServer {
  readonly iface = REGION_MAP;
  constructor(
    private readonly core: Core,
    readonly rm: RegionMap,
    /** Quota paying for region metadata. */
    readonly payer: Quota,
  ) {}

  describe(): string {
    return `region map ${this.rm.name}`;
  }

  dispatch(call: CoreCall): CoreReply {
    const a = call.args;
    const rm = this.rm;
    if (rm.dead) return { result: RPC.CLOSED };
    switch (call.op) {
      case 'attach': {
        const ds = this.core.dataspaceOf(call.caps.dataspace);
        if (ds === null) return { result: RPC.INVALID_DATASPACE };
        const r = this.core.attach(rm, ds, this.payer, {
          size: a.size as number,
          offset: a.offset as number,
          useAt: a.use_at !== 0,
          at: a.at as number,
          executable: a.executable !== 0,
          writeable: a.writeable !== 0,
        });
        return typeof r === 'number' ? { result: r } : { result: RPC.OK, words: [r.addr] };
      }
      case 'detach': {
        // A thread's UTCB belongs to the kernel: its region goes only with the thread.
        if (rm.find((a.addr as number) >>> 0)?.ds.kind === 'utcb') return { result: RPC.DENIED };
        return { result: this.core.detach(rm, a.addr as number) ? RPC.OK : RPC.NOT_FOUND };
      }
      case 'fault_handler': {
        const ctx = call.caps.context;
        if (ctx !== null && !(ctx instanceof SignalContext)) return { result: RPC.INVALID_ARGS };
        rm.faultHandler = ctx;
        // Faults that happened before a handler existed are reported now.
        if (ctx && rm.faults.length) this.core.kernel.submit(ctx, 1);
        return { result: RPC.OK };
      }
      case 'fault': {
        const f = rm.faults[0];
        if (!f) return { result: RPC.OK, words: [FaultType.NONE, 0, 0] };
        return { result: RPC.OK, words: [f.type, f.addr, f.thread.id] };
      }
      case 'dataspace': {
        const ds = this.core.managedDataspace(rm);
        return { result: RPC.OK, caps: [this.core.dsCap(ds)] };
      }
    }
    return { result: RPC.UNKNOWN_OP };
  }
}

/** Finds a free, page-aligned range of `size` bytes in `rm` within [lo, hi). */
export function findFree(rm: RegionMap, size: number, lo: number, hi: number): number | null {
  let at = lo;
  for (const r of rm.regions) {
    if (r.base + r.size <= at) continue;
    if (r.base >= at + size) break;
    at = pageUp(r.base + r.size);
  }
  return at + size <= hi ? at : null;
}

/** The search window for attaches without `use_at`: core picks addresses in the attach area of address spaces. */
export function attachWindow(rm: RegionMap, isAddressSpace: boolean): [number, number] {
  return isAddressSpace ? [LAYOUT.ATTACH_BASE, LAYOUT.ATTACH_END] : [0, rm.size];
}

/** True if `inner` is `outer` or nested (attached, transitively) inside it. */
export function nestedIn(inner: RegionMap, outer: RegionMap, depth = 0): boolean {
  if (inner === outer) return true;
  if (depth > 16) return true;
  return outer.regions.some((r) => r.ds.rm !== null && nestedIn(inner, r.ds.rm, depth + 1));
}

export function makeRegion(rm: RegionMap, base: number, size: number, ds: Dataspace, a: AttachArgs): Region {
  return new Region(rm, base, size, ds, a.offset, a.writeable && ds.writeable, a.executable);
}

export type { DataspaceKind, Pd };
