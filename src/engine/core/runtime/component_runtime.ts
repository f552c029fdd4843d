/**
 * The checkpointing runtime of one child (seeds 001 and 002): it sits between the child and its
 * services and knows what every capability in the child's space means.
 *
 * Not in core, as seed 001 advises: core stays as it is, and the runtime is a client of it
 * like any other. Init puts it in place for a start node with `checkpoint="yes"`: the child's
 * capability space then holds the runtime's objects (its parent, its environment PD, CPU and
 * LOG sessions, every session it opens, the region maps of its PDs), each forwarding to the
 * real one and noting what the answer means:
 *
 * - per session: service, labels, arguments, quota (with upgrades), whether init opened it;
 * - PD: the RAM dataspaces allocated and freed, signal sources and contexts, RPC objects;
 * - region maps: what is attached where (offset, size, rights) and the fault handler;
 * - CPU: the threads created (name, location, weight, PD); ROM: the module; Timer: the timer
 *   the child set up; IRQ: the signal context; LOG: nothing but the label.
 *
 * Kernel objects the child uses by system call (signal sources and contexts, its own RPC
 * objects, thread and dataspace capabilities) cannot be stood in for; the runtime knows them
 * by identity from the replies it forwarded. What init did before the child ran (loading the
 * ELF into RAM dataspaces, the main stack and thread) the runtime adopts when it is put in
 * place, as if it had done it itself.
 *
 * Checkpoints are taken from these records ({@link checkpointComponent}) and replayed through a
 * fresh runtime to restore ({@link restoreComponent}).
 */
import type { Core, CoreSession } from '../core';
import { CpuSessionComponent, type CpuThreadComponent } from '../cpu_session_component';
import type { Child, Init } from '../init/init';
import type { Kernel } from '../kernel';
import {
  RpcObject,
  type Dataspace,
  type KObject,
  type Pd,
  type Region,
  type RegionMap,
  type SignalContext,
  type SignalSource,
  type Thread,
} from '../kernel_objects';
import { IrqSessionComponent } from '../irq_session_component';
import { LogSessionComponent } from '../log_session_component';
import { PdSessionComponent } from '../pd_session_component';
import { RmSessionComponent } from '../rm_session_component';
import { RomSessionComponent } from '../rom_session_component';
import { formatSessionArgs } from '../session_args';
import { TimerSessionComponent } from '../timer_session_component';
import { VirtualCpuSession } from './virtual_cpu_session';
import { VirtualIrqSession } from './virtual_irq_session';
import { VirtualParent } from './virtual_parent';
import { VirtualPdSession, type RegionMapOrigin } from './virtual_pd_session';
import { VirtualRegionMap } from './virtual_region_map';
import { VirtualRmSession } from './virtual_rm_session';
import { VirtualRomSession } from './virtual_rom_session';
import { VirtualLogSession, VirtualSession } from './virtual_session';
import { VirtualTimerSession } from './virtual_timer_session';

// ---------------------------------------------------------------- records --

/** A session another child serves: known (and refused by checkpoints), not stood in for. */
export interface ServedSessionRecord {
  id: number;
  obj: RpcObject;
  service: string;
  label: string;
  args: string;
  ram: number;
  caps: number;
  server: string;
}

export type SessionRecord = VirtualSession | ServedSessionRecord;

/** A dataspace the child got from one of its sessions. */
export interface DataspaceRecord {
  id: number;
  ds: Dataspace;
  /** 'ram': allocated from `session` (PD); 'session': the one `session` hands out (ROM, IO_MEM). */
  kind: 'ram' | 'session';
  session: VirtualSession;
}

export interface ThreadRecord {
  id: number;
  comp: CpuThreadComponent;
  session: VirtualCpuSession;
  /** The PD session of the PD it runs in (null: a PD the runtime does not know). */
  pd: VirtualPdSession | null;
  /** Location within the session's affinity space, as created. */
  x: number;
  y: number;
}

export interface SignalSourceRecord {
  id: number;
  source: SignalSource;
  session: VirtualPdSession;
}

export interface SignalContextRecord {
  id: number;
  context: SignalContext;
  session: VirtualPdSession;
}

export interface RpcObjectRecord {
  id: number;
  obj: RpcObject;
  session: VirtualPdSession;
}

// ---------------------------------------------------------------- runtime --

/** The stand-in for each kind of core session (any other gets the plain pass-through). */
const STAND_INS: readonly (readonly [abstract new (...a: never[]) => CoreSession, typeof VirtualSession])[] = [
  [PdSessionComponent, VirtualPdSession],
  [CpuSessionComponent, VirtualCpuSession],
  [RmSessionComponent, VirtualRmSession],
  [RomSessionComponent, VirtualRomSession],
  [TimerSessionComponent, VirtualTimerSession],
  [IrqSessionComponent, VirtualIrqSession],
  [LogSessionComponent, VirtualLogSession],
];

export class ComponentRuntime {
  /** Sessions by the capability the child holds for them, in the order they were opened. */
  readonly sessions = new Map<RpcObject, SessionRecord>();
  readonly regionMaps = new Map<RegionMap, VirtualRegionMap>();
  readonly dataspaces = new Map<Dataspace, DataspaceRecord>();
  readonly threads = new Map<Thread, ThreadRecord>();
  readonly signalSources = new Map<SignalSource, SignalSourceRecord>();
  readonly signalContexts = new Map<SignalContext, SignalContextRecord>();
  readonly rpcObjects = new Map<RpcObject, RpcObjectRecord>();
  /** Services the child announced, with their root objects. */
  readonly announced = new Map<string, RpcObject>();
  parent!: VirtualParent;
  envPd!: VirtualPdSession;
  envCpu!: VirtualCpuSession;
  envLog!: VirtualSession;
  private nextId = 1;

  private constructor(
    readonly init: Init,
    readonly child: Child,
  ) {}

  get core(): Core {
    return this.init.core;
  }

  get kernel(): Kernel {
    return this.init.core.kernel;
  }

  /**
   * Puts a runtime between `child` (whose environment init has opened) and its services: wraps
   * the environment sessions and the parent interface, and adopts what init built in the PD
   * (its region maps, the RAM dataspaces and their attachments, the main thread).
   */
  static adopt(init: Init, child: Child): ComponentRuntime {
    const rt = new ComponentRuntime(init, child);
    const k = rt.kernel;
    rt.parent = new VirtualParent(rt);
    rt.parent.obj = k.newRpcObject(null, rt.parent, null);
    const envArgs = (s: CoreSession): string => formatSessionArgs(s.args);
    rt.envPd = rt.wrap(child.pdSession, envArgs(child.pdSession), [0, 0], true) as VirtualPdSession;
    rt.envCpu = rt.wrap(child.cpuSession, envArgs(child.cpuSession), [0, 0], true) as VirtualCpuSession;
    rt.envLog = rt.wrap(child.logSession, envArgs(child.logSession), [0, 0], true);
    const pd = child.pd;
    const origins = ['address_space', 'stack_area', 'linker_area'] as const;
    const maps = origins.map((o) => rt.regionMapOf(rt.envPd.regionMap(o), o, rt.envPd));
    for (const ds of pd.dataspaces) rt.noteRam(rt.envPd, ds);
    for (const v of maps) for (const r of v.rm.regions) if (!intrinsic(pd, r)) v.note(r);
    if (child.main) rt.noteThread(rt.envCpu, rt.envPd, child.main, 0, 0);
    child.runtime = rt;
    return rt;
  }

  newId(): number {
    return this.nextId++;
  }

  // -------------------------------------------------------------- sessions --

  /** Stands in for a core session: the record and the object the child gets. */
  private wrap(s: CoreSession, args: string, affinity: readonly [number, number], env: boolean): VirtualSession {
    const id = this.newId();
    const Kind = STAND_INS.find(([real]) => s instanceof real)?.[1] ?? VirtualSession;
    const v = new Kind(this, id, s, args, affinity, s.ram.limit, s.caps.limit, env);
    v.obj = this.kernel.newRpcObject(null, v, null);
    this.sessions.set(v.obj, v);
    return v;
  }

  /**
   * Init granted the child's request for `service`: notes the session and returns what the
   * child gets for it (the runtime's stand-in if core serves it, else the server's object).
   */
  sessionOpened(service: string, args: string, affinity: readonly [number, number], obj: RpcObject): RpcObject {
    const cs = this.child.sessions.get(obj);
    if (!cs) return obj;
    if (cs.core) {
      const v = this.wrap(cs.core, args, affinity, false);
      // The donated quota as init booked it (core's own record includes later upgrades too).
      v.ram = cs.ram;
      v.caps = cs.caps;
      return v.obj;
    }
    const rec: ServedSessionRecord = {
      id: this.newId(),
      obj,
      service,
      label: cs.label,
      args,
      ram: cs.ram,
      caps: cs.caps,
      server: cs.server?.name ?? '?',
    };
    this.sessions.set(obj, rec);
    return obj;
  }

  /** The session a capability of the child names, if the runtime knows it. */
  sessionOf(obj: KObject | null): SessionRecord | null {
    return obj instanceof RpcObject ? (this.sessions.get(obj) ?? null) : null;
  }

  /** The child closed a session: its stand-ins go, and so does everything that belonged to it. */
  sessionClosed(rec: SessionRecord): void {
    if (!(rec instanceof VirtualSession)) {
      this.sessions.delete(rec.obj);
      return;
    }
    this.sessions.delete(rec.obj);
    this.kernel.revoke(rec.obj);
    for (const [ds, r] of [...this.dataspaces]) if (r.session === rec) this.forgetRam(ds);
    for (const [rm, v] of [...this.regionMaps]) if (v.session === rec) this.forgetRegionMap(rm);
    for (const [t, r] of [...this.threads]) if (r.session === rec || r.pd === rec) this.threads.delete(t);
    for (const [s, r] of [...this.signalSources]) if (r.session === rec) this.signalSources.delete(s);
    for (const [c, r] of [...this.signalContexts]) if (r.session === rec) this.signalContexts.delete(c);
    for (const [o, r] of [...this.rpcObjects]) if (r.session === rec) this.rpcObjects.delete(o);
  }

  // ---------------------------------------------------------------- memory --

  /** The runtime's stand-in for region map `rm` (made once). */
  regionMapOf(rm: RegionMap, origin: RegionMapOrigin, session: VirtualSession): VirtualRegionMap {
    let v = this.regionMaps.get(rm);
    if (!v) {
      v = new VirtualRegionMap(this, this.newId(), rm, origin, session);
      v.obj = this.kernel.newRpcObject(null, v, null);
      this.regionMaps.set(rm, v);
    }
    return v;
  }

  /** A region map is gone: its stand-in, and its attachments as a managed dataspace elsewhere. */
  forgetRegionMap(rm: RegionMap): void {
    const v = this.regionMaps.get(rm);
    if (!v) return;
    this.regionMaps.delete(rm);
    this.kernel.revoke(v.obj);
    if (rm.ds) for (const other of this.regionMaps.values()) other.forgetDataspace(rm.ds);
  }

  noteRam(session: VirtualPdSession, ds: Dataspace): void {
    this.dataspaces.set(ds, { id: this.newId(), ds, kind: 'ram', session });
  }

  /** `session` handed out its dataspace (a ROM module, I/O memory). */
  noteHanded(session: VirtualSession, ds: Dataspace): void {
    if (!this.dataspaces.has(ds)) this.dataspaces.set(ds, { id: this.newId(), ds, kind: 'session', session });
  }

  /** A RAM dataspace is gone (core detached it everywhere). */
  forgetRam(ds: Dataspace): void {
    this.dataspaces.delete(ds);
    for (const v of this.regionMaps.values()) v.forgetDataspace(ds);
  }

  // ------------------------------------------------ threads, signals, objects --

  noteThread(
    session: VirtualCpuSession,
    pd: VirtualPdSession | null,
    comp: CpuThreadComponent,
    x: number,
    y: number,
  ): ThreadRecord {
    const rec: ThreadRecord = { id: this.newId(), comp, session, pd, x, y };
    this.threads.set(comp.thread, rec);
    return rec;
  }

  noteSource(session: VirtualPdSession, source: SignalSource): void {
    this.signalSources.set(source, { id: this.newId(), source, session });
  }

  noteContext(session: VirtualPdSession, context: SignalContext): void {
    this.signalContexts.set(context, { id: this.newId(), context, session });
  }

  noteRpcObject(session: VirtualPdSession, obj: RpcObject): void {
    this.rpcObjects.set(obj, { id: this.newId(), obj, session });
  }

  // --------------------------------------------------------------- the end --

  /** Revokes the runtime's objects (the child is being destroyed). */
  dissolve(): void {
    const k = this.kernel;
    k.revoke(this.parent.obj);
    for (const s of this.sessions.values()) if (s instanceof VirtualSession) k.revoke(s.obj);
    for (const v of this.regionMaps.values()) k.revoke(v.obj);
  }
}

/**
 * A region core puts into every PD by itself: the stack and linker areas in the address
 * space, and each thread's UTCB in the stack area. They come with the PD and its threads.
 */
export function intrinsic(pd: Pd, r: Region): boolean {
  if (r.ds.kind === 'utcb') return true;
  return r.rm === pd.addressSpace && (r.ds.rm === pd.stackArea || r.ds.rm === pd.linkerArea);
}
