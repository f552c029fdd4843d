/**
 * Taking a checkpoint of a component that runs under the runtime: its session records with
 * their state, each RAM dataspace's contents, each region map's attachments, each thread's
 * registers, pc, block state and UTCB, its signal sources and contexts with the signals
 * pending, and its capability space as references into all of that.
 *
 * The sessions' meaning comes from the runtime's records; what only the kernel holds at this
 * moment (registers, why a thread is blocked, signal counts, how long a timer has left) is read
 * from the kernel's objects, as a runtime would ask core for a thread's state. Taking a
 * checkpoint changes nothing in the system.
 */
import { RAM_BASE } from '../../cpu/bus';
import { UTCB } from '../abi';
import type { Child, Init } from '../init/init';
import {
  RpcObject,
  SignalContext,
  SignalSource,
  type Dataspace,
  type KObject,
  type RegionMap,
} from '../kernel_objects';
import { CpuThreadComponent } from '../cpu_session_component';
import { DataspaceComponent } from '../region_map_component';
import type { System } from '../system';
import type { CapRef, ComponentCheckpoint, DataspaceCheckpoint, SessionCheckpoint } from './checkpoint_format';
import { CHECKPOINT_VERSION } from './checkpoint_format';
import type { ComponentRuntime } from './component_runtime';
import { VirtualCpuSession } from './virtual_cpu_session';
import { VirtualIrqSession } from './virtual_irq_session';
import { VirtualParent } from './virtual_parent';
import { VirtualPdSession } from './virtual_pd_session';
import { VirtualRegionMap } from './virtual_region_map';
import { VirtualRomSession } from './virtual_rom_session';
import { VirtualSession } from './virtual_session';
import { VirtualTimerSession } from './virtual_timer_session';

/** The child a label names: its start name ("counter") or init's label for it ("init -> counter"). */
export function childByLabel(init: Init, label: string): Child | string {
  const name = label.startsWith('init -> ') ? label.slice('init -> '.length) : label;
  const child = init.children.get(name);
  if (!child) {
    const names = [...init.children.keys()].map((n) => `"${n}"`).join(', ');
    return `no component "${label}" is running (running: ${names || 'none'})`;
  }
  return child;
}

/**
 * A checkpoint of the component `label` names, or why there can be none: no such component,
 * it does not run under the runtime, or it holds something the runtime cannot carry (a
 * capability it did not get through the runtime, a session another component serves).
 */
export function checkpointComponent(sys: System, label: string): ComponentCheckpoint | string {
  const child = childByLabel(sys.init, label);
  if (typeof child === 'string') return child;
  if (!child.runtime)
    return `"${child.name}" does not run under the checkpointing runtime (its <start> node needs checkpoint="yes")`;
  const r = new CheckpointTaker(child.runtime).take();
  return typeof r === 'string' ? `cannot checkpoint "${child.name}": ${r}` : r;
}

/** Numbers the runtime's records and writes them out. Used once, then dropped. */
class CheckpointTaker {
  private next = 1;
  private readonly ids = new Map<object, number>();
  private readonly dataspaces: DataspaceCheckpoint[] = [];

  constructor(private readonly rt: ComponentRuntime) {}

  private id(o: object): number {
    let n = this.ids.get(o);
    if (n === undefined) {
      n = this.next++;
      this.ids.set(o, n);
    }
    return n;
  }

  /** The number of a record, or null if `o` has none (checked by the caller). */
  private known(o: object | null): number | null {
    return o === null ? null : (this.ids.get(o) ?? null);
  }

  take(): ComponentCheckpoint | string {
    const rt = this.rt;
    const k = rt.kernel;
    const child = rt.child;
    // Every record gets its number first, so that references can be written in any order.
    for (const s of rt.sessions.values()) {
      if (!(s instanceof VirtualSession))
        return `its ${s.service} session "${s.label}" is served by component "${s.server}"; the runtime re-creates only sessions its parent provides`;
      this.id(s);
    }
    for (const v of rt.regionMaps.values()) this.id(v);
    for (const r of rt.dataspaces.values()) this.id(r.ds);
    for (const r of rt.threads.values()) this.id(r.comp.thread);
    for (const r of rt.signalSources.values()) this.id(r.source);
    for (const r of rt.signalContexts.values()) this.id(r.context);
    for (const r of rt.rpcObjects.values()) this.id(r.obj);

    const ctx = (c: SignalContext | null, what: string): number | null | string => {
      if (c === null) return null;
      return this.known(c) ?? `${what} is signal context ${c.id}, which the component did not allocate`;
    };

    // ---- sessions
    const sessions: SessionCheckpoint[] = [];
    for (const s of rt.sessions.values()) {
      const v = s as VirtualSession;
      const out: SessionCheckpoint = {
        id: this.id(v),
        service: v.service,
        label: v.label,
        args: v.args,
        affinity: [v.affinity[0], v.affinity[1]],
        ram: v.ram,
        caps: v.caps,
        env: v.env,
      };
      if (v instanceof VirtualPdSession) {
        const pd = v.pd;
        let refAccount: number | null = null;
        if (!v.env && pd.refAccount) {
          const acct = [...rt.sessions.values()].find((x) => x instanceof VirtualPdSession && x.pd === pd.refAccount);
          if (!acct) return `the reference account of PD "${pd.label}" is not one of the component's PDs`;
          refAccount = this.id(acct);
        }
        if (!v.env && pd.caps.size > 0)
          return `PD "${pd.label}", which the component created, holds capabilities; the runtime carries only the component's own`;
        out.pd = {
          ram: { ...pd.ram },
          caps: { ...pd.capQuota },
          refAccount,
          nextSlot: pd.nextSlot,
          freeSlots: [...pd.freeSlots],
        };
      } else if (v instanceof VirtualCpuSession) {
        const e = ctx(v.exceptionSigh, `the exception handler of CPU session "${v.label}"`);
        if (typeof e === 'string') return e;
        out.cpu = { exceptionSigh: e };
      } else if (v instanceof VirtualRomSession) {
        const e = ctx(v.sigh, `the signal handler of ROM session "${v.label}"`);
        if (typeof e === 'string') return e;
        out.rom = { module: v.module, handed: v.handed, sigh: e };
      } else if (v instanceof VirtualIrqSession) {
        const e = ctx(v.sigh, `the signal handler of IRQ session "${v.label}"`);
        if (typeof e === 'string') return e;
        out.irq = { sigh: e, enabled: v.enabled };
      } else if (v instanceof VirtualTimerSession) {
        const e = ctx(v.sigh, `the signal handler of Timer session "${v.label}"`);
        if (typeof e === 'string') return e;
        const t = k.timeoutOf(v.session);
        out.timer = {
          sigh: e,
          mode: v.mode,
          periodUs: v.periodUs,
          pending: t && t.ctx === v.sigh ? { remainingUs: t.remainingUs, periodUs: t.periodUs } : null,
        };
      }
      sessions.push(out);
    }

    // ---- RAM dataspaces (all of them: each holds quota even when nothing refers to it)
    for (const s of rt.sessions.values()) {
      if (!(s instanceof VirtualPdSession)) continue;
      for (const ds of s.pd.dataspaces)
        if (!rt.dataspaces.has(ds))
          return `RAM dataspace "${ds.name}" of ${s.pd.label} was not allocated through the runtime`;
    }
    const bus = k.m.bus;
    for (const r of rt.dataspaces.values()) {
      if (r.kind !== 'ram') continue;
      const off = r.ds.phys - RAM_BASE;
      this.dataspaces.push({
        id: this.id(r.ds),
        kind: 'ram',
        session: this.id(r.session),
        size: r.ds.size,
        cached: r.ds.cached,
        contents: bus.u8.slice(off, off + r.ds.size),
      });
    }

    // ---- region maps
    const regionMaps: ComponentCheckpoint['regionMaps'] = [];
    for (const v of rt.regionMaps.values()) {
      const fh = ctx(v.faultHandler, `the fault handler of ${v.rm.name}`);
      if (typeof fh === 'string') return fh;
      const attachments: ComponentCheckpoint['regionMaps'][number]['attachments'] = [];
      for (const a of v.attachments) {
        const ds = this.dataspace(a.ds, `what is attached at 0x${a.at.toString(16)} of ${v.rm.name}`);
        if (typeof ds === 'string') return ds;
        attachments.push({
          at: a.at,
          size: a.size,
          offset: a.offset,
          writeable: a.writeable,
          executable: a.executable,
          dataspace: ds,
        });
      }
      regionMaps.push({
        id: this.id(v),
        origin: v.origin,
        session: this.id(v.session),
        size: v.rm.size,
        faultHandler: fh,
        attachments,
      });
    }

    // ---- threads (every thread of every PD the component has must be known)
    for (const s of rt.sessions.values()) {
      if (!(s instanceof VirtualPdSession)) continue;
      for (const t of s.pd.threads)
        if (!rt.threads.has(t)) return `thread "${t.name}" of ${t.pd.label} was not created through the runtime`;
    }
    const threads: ComponentCheckpoint['threads'] = [];
    for (const r of rt.threads.values()) {
      const t = r.comp.thread;
      if (!r.pd) return `thread "${t.name}" runs in a PD the runtime does not know`;
      const regs: number[] = [0];
      for (let i = 1; i < 32; i++) regs.push(k.reg(t, i) >>> 0);
      const b = t.block;
      let source: number | null = null;
      if (b && (b.kind === 'signal' || b.kind === 'receive') && b.source) {
        source = this.known(b.source);
        if (source === null)
          return `thread "${t.name}" waits on signal source ${b.source.id}, which is not the component's`;
      }
      const sigh = r.comp.ownSigh ? ctx(t.exceptionSigh, `the exception handler of thread "${t.name}"`) : null;
      if (typeof sigh === 'string') return sigh;
      const to = k.timeoutOf(t);
      let timeout: ComponentCheckpoint['threads'][number]['timeout'] = null;
      if (to) {
        const c = ctx(to.ctx, `the timeout of thread "${t.name}"`);
        if (typeof c === 'string') return c;
        timeout = { context: c!, remainingUs: to.remainingUs, periodUs: to.periodUs };
      }
      const u = t.utcbPhys - RAM_BASE;
      threads.push({
        id: this.id(t),
        session: this.id(r.session),
        pd: this.id(r.pd),
        name: t.name,
        weight: r.comp.weight,
        affinity: [r.x, r.y],
        slot: t.slot,
        started: t.started,
        paused: t.paused,
        singleStep: t.singleStep,
        exceptionSigh: sigh,
        stopState: t.stopState >>> 0,
        stopCause: t.stopCause >>> 0,
        stopTval: t.stopTval >>> 0,
        pc: k.pcOf(t) >>> 0,
        regs,
        block: { kind: b ? b.kind : 'none', source },
        timeout,
        utcb: bus.u8.slice(u, u + UTCB.SIZE),
      });
    }

    // ---- signals
    const signalSources: ComponentCheckpoint['signalSources'] = [];
    for (const r of rt.signalSources.values()) {
      const pending: number[] = [];
      for (const c of r.source.pending) {
        const n = this.known(c);
        if (n === null)
          return `signal source ${r.source.id} has a signal pending for a context that is not the component's`;
        pending.push(n);
      }
      signalSources.push({ id: this.id(r.source), session: this.id(r.session), pending });
    }
    const signalContexts: ComponentCheckpoint['signalContexts'] = [];
    for (const r of rt.signalContexts.values()) {
      const c = r.context;
      const source = this.known(c.source);
      if (source === null) return `signal context ${c.id} belongs to a signal source that is not the component's`;
      signalContexts.push({
        id: this.id(c),
        session: this.id(r.session),
        source,
        imprint: c.imprint >>> 0,
        count: c.count >>> 0,
        lastCount: c.lastCount >>> 0,
        delivered: c.delivered,
      });
    }
    const rpcObjects: ComponentCheckpoint['rpcObjects'] = [];
    for (const r of rt.rpcObjects.values()) {
      const ep = r.obj.ep;
      const thread = ep ? this.known(ep) : null;
      if (thread === null) return `RPC object ${r.obj.id} is served by a thread the runtime does not know`;
      rpcObjects.push({ id: this.id(r.obj), session: this.id(r.session), thread, badge: r.obj.badge >>> 0 });
    }
    const announced: ComponentCheckpoint['announced'] = [];
    for (const [service, obj] of rt.announced) {
      const n = this.known(obj);
      if (n !== null && !obj.dead) announced.push({ service, object: n });
    }

    // ---- the capability space
    const caps: ComponentCheckpoint['caps'] = [];
    for (const [sel, obj] of [...child.pd.caps].sort((a, b) => a[0] - b[0])) {
      const ref = this.capRef(obj);
      if (typeof ref === 'string') return `selector ${sel} names ${ref}`;
      caps.push({ sel, ref });
    }

    return {
      version: CHECKPOINT_VERSION,
      name: child.name,
      binary: child.start.binary,
      takenAtUs: k.nowUs(),
      exitCode: child.exitCode,
      start: { ram: child.start.ram, caps: child.start.caps },
      sessions,
      dataspaces: this.dataspaces,
      regionMaps,
      threads,
      signalSources,
      signalContexts,
      rpcObjects,
      announced,
      caps,
    };
  }

  /** The number of a dataspace (handed-out and managed ones are written when first referred to). */
  private dataspace(ds: Dataspace, what: string): number | string {
    const n = this.known(ds);
    if (n !== null) {
      const rec = this.rt.dataspaces.get(ds);
      if (rec?.kind === 'session' && !this.dataspaces.some((d) => d.id === n))
        this.dataspaces.push({ id: n, kind: 'session', session: this.id(rec.session) });
      return n;
    }
    const rm: RegionMap | null = ds.rm;
    const v = rm ? this.rt.regionMaps.get(rm) : undefined;
    if (v) {
      const m = this.id(ds);
      this.dataspaces.push({ id: m, kind: 'managed', regionMap: this.id(v) });
      return m;
    }
    return `${what}: ${ds.kind} dataspace "${ds.name}", which the component did not get through the runtime`;
  }

  /** What an object in the child's capability space is, as a reference into the checkpoint. */
  private capRef(obj: KObject): CapRef | string {
    const rt = this.rt;
    if (obj instanceof SignalSource) {
      const n = this.known(obj);
      return n === null ? `signal source ${obj.id}, which is not the component's` : { kind: 'signal_source', id: n };
    }
    if (obj instanceof SignalContext) {
      const n = this.known(obj);
      return n === null ? `signal context ${obj.id}, which is not the component's` : { kind: 'signal_context', id: n };
    }
    if (!(obj instanceof RpcObject)) return `object ${obj.id}`;
    const core = obj.core;
    if (core instanceof VirtualParent && core.rt === rt) return { kind: 'parent' };
    if (core instanceof VirtualSession && core.rt === rt) return { kind: 'session', id: this.id(core) };
    if (core instanceof VirtualRegionMap && core.rt === rt) return { kind: 'region_map', id: this.id(core) };
    if (core instanceof CpuThreadComponent) {
      const t = core.thread;
      const n = this.known(t);
      return n === null
        ? `thread "${t.name}" of ${t.pd.label}, which the runtime does not know`
        : { kind: 'thread', id: n };
    }
    if (core instanceof DataspaceComponent) {
      const n = this.dataspace(core.ds, 'a dataspace capability');
      return typeof n === 'string' ? n : { kind: 'dataspace', id: n };
    }
    const n = this.known(obj);
    if (n !== null && rt.rpcObjects.has(obj)) return { kind: 'rpc_object', id: n };
    return core
      ? `${core.describe()}, which the component did not get through the runtime`
      : `RPC object ${obj.id} of ${obj.ep?.pd.label ?? 'nobody'}, which the component did not get through the runtime`;
  }
}
