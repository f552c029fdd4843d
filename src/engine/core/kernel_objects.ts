/**
 * Kernel objects: protection domains, threads, RPC objects, signal sources and contexts, and
 * the dataspaces and region maps core builds address spaces from.
 *
 * A capability names a {@link KObject}. Each PD has a capability space mapping selectors to
 * objects; an object's `refs` counts the slots (in all PDs) that name it, and `holders` says
 * which PD holds it under which selector. A guest only ever passes selectors, which are looked
 * up in its own space, so a capability cannot be forged.
 */
import type { RpcInterface } from './abi';

// ---------------------------------------------------------------- objects --

export type ObjectKind = 'rpc' | 'signal_source' | 'signal_context';

export abstract class KObject {
  abstract readonly kind: ObjectKind;
  /** Slots naming this object, over all PDs. */
  refs = 0;
  /** PDs holding this object, with the selector it has there. */
  readonly holders = new Map<Pd, number>();
  dead = false;
  constructor(readonly id: number) {}
}

/** What a core-served RPC object does with a request. */
export interface CoreServer {
  readonly iface: RpcInterface;
  /** What the object is, for the debugger ("RAM dataspace 16 KiB", "LOG session counter"). */
  describe(): string;
  /** The thread, for Cpu_thread objects (the kernel's restart call needs it). */
  readonly thread?: Thread;
  /** Handles one request. */
  dispatch(call: CoreCall): CoreReply | 'defer';
}

export interface CoreCall {
  op: string;
  args: Record<string, number | string | null>;
  /** Capability arguments, by name (null when the client passed none or an invalid one). */
  caps: Record<string, KObject | null>;
  /** Payload words after the declared arguments (e.g. registers for set_state). */
  rest: number[];
  /** The calling thread (null when core itself calls). */
  caller: Thread | null;
  /** For 'defer': completes the call later. */
  complete(reply: CoreReply): void;
}

export interface CoreReply {
  result: number;
  words?: (number | string)[];
  caps?: (KObject | null)[];
}

/** An RPC object: served either by a guest entrypoint thread or by core. */
export class RpcObject extends KObject {
  readonly kind = 'rpc';
  constructor(
    id: number,
    /** Value the server gets with each request (the object id, like base-hw). */
    readonly badge: number,
    readonly ep: Thread | null,
    readonly core: CoreServer | null,
    /** The PD that allocated it (null for core's objects). */
    readonly owner: Pd | null,
  ) {
    super(id);
  }
}

export class SignalSource extends KObject {
  readonly kind = 'signal_source';
  /** Contexts with undelivered signals, in submission order. */
  readonly pending: SignalContext[] = [];
  /** Threads blocked waiting on this source. */
  readonly waiters: Thread[] = [];
  constructor(
    id: number,
    readonly owner: Pd | null,
  ) {
    super(id);
  }
}

export class SignalContext extends KObject {
  readonly kind = 'signal_context';
  /** Submissions since the last delivery. */
  count = 0;
  /** Count handed out with the last delivery. */
  lastCount = 0;
  /** Delivered and not yet acknowledged: held back until ack. */
  delivered = false;
  queued = false;
  constructor(
    id: number,
    readonly source: SignalSource,
    readonly imprint: number,
    readonly owner: Pd | null,
  ) {
    super(id);
  }
}

// ---------------------------------------------------------------- threads --

/** Why a thread does not run. */
export type BlockReason =
  | { kind: 'call'; target: RpcObject }
  | { kind: 'receive'; source: SignalSource | null }
  | { kind: 'signal'; source: SignalSource }
  | { kind: 'page_fault'; addr: number; access: FaultType; rm: RegionMap }
  | { kind: 'stopped' };

export const enum FaultType {
  NONE = 0,
  READ = 1,
  WRITE = 2,
  EXEC = 3,
}
export const FAULT_NAME = ['NONE', 'READ', 'WRITE', 'EXEC'] as const;

/** Whoever waits for the answer to a request: a thread, or core/init continuing in TypeScript. */
export type Caller = Thread | { onReply(result: number, data: Uint8Array, caps: (KObject | null)[]): void };

export interface PendingCall {
  caller: Caller;
  target: RpcObject;
  data: Uint8Array;
  caps: (KObject | null)[];
  /** TRACE call id (RPC_CALL, RPC_DISPATCH and RPC_REPLY of one call carry the same). */
  call: number;
}

export class Thread {
  /** x0..x31 while not on a hart. */
  readonly regs = new Int32Array(32);
  pc = 0;
  /** Index into the kernel's CPU list. */
  cpu = 0;
  /** Scheduling priority: larger runs first (init's 0 is the highest level). */
  priority = 0;
  /**
   * CPU quota in mtime ticks per super period (base-hw's claim), Infinity if none was given.
   * While `claimLeft` > 0 the thread is scheduled by priority; once it is used up, only in the
   * round-robin fill until the next super period refills it.
   */
  quota = Infinity;
  claimLeft = Infinity;
  /** mtime when the thread last went onto a hart (claim accounting). */
  claimSince = 0;
  started = false;
  dead = false;
  paused = false;
  block: BlockReason | null = null;
  /** The request this thread must answer next. */
  replyTo: Caller | null = null;
  /** TRACE call id of that request. */
  replyCall = 0;
  /** Callers waiting for this thread to receive. */
  readonly sendQueue: PendingCall[] = [];
  exceptionSigh: SignalContext | null = null;
  singleStep = false;
  /** Held by the debugger (invisible to the guest: not `paused`, which its CPU session sets). */
  debugPaused = false;
  /** The debugger steps this thread by one instruction that began at `debugStepPc`. */
  debugStep = false;
  debugStepPc = 0;
  /** Kind of the last stop: VALID, PAGE_FAULT or EXCEPTION (abi THREAD_STATE). */
  stopState = 0;
  stopCause = 0;
  stopTval = 0;
  /** Cycles spent running (for TRACE and stats). */
  execCycles = 0;
  /** Where the last run on a hart began (cycle), for accounting. */
  runSince = 0;
  /** Stack slot index in the PD's stack area. */
  slot = 0;
  utcbPhys = 0;
  utcbVa = 0;
  /** The Cpu_thread object naming this thread. */
  cap: RpcObject | null = null;
  /** Session label of the CPU session that created it (for TRACE). */
  sessionLabel = '';
  affinityX = 0;
  affinityY = 0;

  constructor(
    readonly id: number,
    readonly pd: Pd,
    readonly name: string,
  ) {}

  get runnable(): boolean {
    return this.started && !this.dead && !this.paused && !this.debugPaused && this.block === null;
  }
}

// ---------------------------------------------------- memory: dataspaces --

export type DataspaceKind = 'ram' | 'rom' | 'io_mem' | 'managed' | 'utcb';

export class Dataspace {
  /** Regions this dataspace is attached at. */
  readonly regions = new Set<Region>();
  dead = false;
  /** The RPC object naming it (created on first hand-out). */
  cap: RpcObject | null = null;
  writeCombined = false;
  cached = true;

  constructor(
    readonly id: number,
    readonly kind: DataspaceKind,
    /** Physical base (0 for managed). */
    readonly phys: number,
    readonly size: number,
    readonly writeable: boolean,
    /** PD whose quota pays for it (null: core's). */
    readonly owner: Pd | null,
    /** For managed dataspaces: the region map behind it. */
    readonly rm: RegionMap | null,
    readonly name: string,
  ) {}
}

export class Region {
  /** Page-table entries installed through this region: (pd, virtual page). */
  readonly mappings = new Set<Mapping>();
  /** The quota charged for this region's metadata (given back when it is detached). */
  payer: { used: number } | null = null;
  constructor(
    readonly rm: RegionMap,
    readonly base: number,
    readonly size: number,
    readonly ds: Dataspace,
    readonly offset: number,
    readonly writeable: boolean,
    readonly executable: boolean,
  ) {}
}

export interface Mapping {
  pd: Pd;
  vpage: number;
  phys: number;
  /** Regions the resolution went through (outermost first). */
  via: Region[];
}

/**
 * An installed page-table entry (what the kernel creates; see {@link Mapping}). A class, so
 * that snapshots know it and save it compactly: a system has one per mapped page.
 */
export class PageMapping implements Mapping {
  constructor(
    readonly pd: Pd,
    readonly vpage: number,
    readonly phys: number,
    readonly via: Region[],
  ) {}
}

export interface PendingFault {
  thread: Thread;
  addr: number;
  type: FaultType;
}

export class RegionMap {
  /** Sorted by base. */
  readonly regions: Region[] = [];
  faultHandler: SignalContext | null = null;
  /** Unresolved faults in this region map (oldest first). */
  readonly faults: PendingFault[] = [];
  /** This region map as a managed dataspace. */
  ds: Dataspace | null = null;
  /** The RPC object naming the region map. */
  cap: RpcObject | null = null;
  /** A PD's address space (attaches without use_at go to the attach area). */
  isAddressSpace = false;
  dead = false;

  constructor(
    readonly id: number,
    readonly size: number,
    /** PD paying for its metadata (null: core). */
    readonly owner: Pd | null,
    readonly name: string,
  ) {}

  /** The region containing `addr`, or null. */
  find(addr: number): Region | null {
    let lo = 0;
    let hi = this.regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.regions[mid];
      if (addr < r.base) hi = mid - 1;
      else if (addr >= r.base + r.size) lo = mid + 1;
      else return r;
    }
    return null;
  }

  /** True if [base, base + size) overlaps no region. */
  isFree(base: number, size: number): boolean {
    return !this.regions.some((r) => base < r.base + r.size && r.base < base + size);
  }

  insert(r: Region): void {
    let i = 0;
    while (i < this.regions.length && this.regions[i].base < r.base) i++;
    this.regions.splice(i, 0, r);
  }

  remove(r: Region): void {
    const i = this.regions.indexOf(r);
    if (i >= 0) this.regions.splice(i, 1);
  }
}

// ------------------------------------------------------ protection domains --

export interface Quota {
  limit: number;
  used: number;
}

export class Pd {
  /** Capability space: selector → object. */
  readonly caps = new Map<number, KObject>();
  readonly threads = new Set<Thread>();
  /** Installed page-table entries by virtual page number. */
  readonly mappings = new Map<number, Mapping>();
  /** Page-table frames (root first). */
  readonly tableFrames: number[] = [];
  /** Second-level table frame for each first-level index. */
  readonly l0Tables = new Map<number, number>();
  /** RAM dataspaces allocated from this PD. */
  readonly dataspaces = new Set<Dataspace>();
  readonly ram: Quota = { limit: 0, used: 0 };
  readonly capQuota: Quota = { limit: 0, used: 0 };
  refAccount: Pd | null = null;
  dead = false;
  /** Next stack-area slot. */
  nextSlot = 0;
  readonly freeSlots: number[] = [];
  /** The PD-session object naming this PD. */
  cap: RpcObject | null = null;
  /** The parent-assigned name chain, e.g. "init -> counter". */
  constructor(
    readonly id: number,
    readonly label: string,
    readonly asid: number,
    readonly root: number,
    readonly addressSpace: RegionMap,
    readonly stackArea: RegionMap,
    readonly linkerArea: RegionMap,
  ) {}

  /** Lowest free selector at or above `from`, or null if the space is full. */
  freeSelector(from: number, limit: number): number | null {
    for (let s = from; s < limit; s++) if (!this.caps.has(s)) return s;
    return null;
  }
}
