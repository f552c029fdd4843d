/**
 * Core's CPU service: threads of execution with affinity and priority; each thread is a
 * Cpu_thread object (start, pause, resume, state get/set, single step, exception handler,
 * affinity). The session's affinity (a location in the affinity space) and priority come
 * from its arguments, which init derives from its configuration.
 */
import { CPU_SESSION, CPU_THREAD, LAYOUT, RPC, THREAD_STATE } from './abi';
import { CoreSession, type SessionFactory } from './core';
import {
  SignalContext,
  type CoreCall,
  type CoreReply,
  type CoreServer,
  type Dataspace,
  type Thread,
} from './kernel_objects';
import { argNumber } from './session_args';

/** Genode's default thread weight (Cpu_session::Weight::DEFAULT_WEIGHT). */
const DEFAULT_WEIGHT = 10;

export class CpuSessionComponent extends CoreSession {
  readonly iface = CPU_SESSION;
  readonly threads = new Set<CpuThreadComponent>();
  exceptionSigh: SignalContext | null = null;

  /** Affinity space (width x height) and this session's location in it. */
  get space(): { width: number; height: number } {
    return {
      width: Math.max(1, argNumber(this.args, 'space_width', 1)),
      height: Math.max(1, argNumber(this.args, 'space_height', 1)),
    };
  }

  get location(): { x: number; y: number; width: number; height: number } {
    const s = this.space;
    return {
      x: argNumber(this.args, 'affinity_x', 0),
      y: argNumber(this.args, 'affinity_y', 0),
      width: Math.max(1, argNumber(this.args, 'affinity_width', s.width)),
      height: Math.max(1, argNumber(this.args, 'affinity_height', s.height)),
    };
  }

  /** Kernel priority: init's config priority (0 highest, negative lower). */
  get priority(): number {
    const v = this.args.get('priority');
    const n = v === undefined ? 0 : Number(v);
    return Number.isInteger(n) ? n : 0;
  }

  /** CPU quota of the session in percent of each super period (0: none); init passes its `<resource name="CPU" quantum>`. */
  get quotaPercent(): number {
    return Math.min(100, Math.max(0, argNumber(this.args, 'cpu_quota', 0)));
  }

  /** Splits the session's CPU quota among its threads by weight, as Genode's CPU session does. */
  distributeQuota(): void {
    let total = 0;
    for (const t of this.threads) total += t.weight;
    const pct = this.quotaPercent;
    for (const t of this.threads) {
      this.core.kernel.setQuota(t.thread, pct > 0 && total > 0 ? (pct * t.weight) / total : 0);
    }
  }

  /** The CPU (hart) a location maps to: cells of the affinity space are numbered row by row. */
  cpuOf(x: number, y: number): number {
    const s = this.space;
    return (y * s.width + x) % this.core.kernel.cpus.length;
  }

  dispatch(call: CoreCall): CoreReply {
    const a = call.args;
    switch (call.op) {
      case 'create_thread': {
        const pd = this.core.pdOf(call.caps.pd);
        if (!pd) return { result: RPC.INVALID_ARGS };
        const loc = this.location;
        const x = a.affinity_x as number;
        const y = a.affinity_y as number;
        if (x >= loc.width || y >= loc.height) return { result: RPC.INVALID_ARGS };
        if (this.caps.limit - this.caps.used < 1) return { result: RPC.OUT_OF_CAPS };
        const name = String(a.name).slice(0, 64) || 'thread';
        const weight = (a.weight as number) || DEFAULT_WEIGHT;
        const r = createThread(this, pd, name, this.cpuOf(loc.x + x, loc.y + y), weight);
        if (typeof r === 'number') return { result: r };
        this.caps.used++;
        return { result: RPC.OK, caps: [r.obj] };
      }
      case 'kill_thread': {
        const t = call.caps.thread;
        const c = t && 'core' in t ? (t.core as CoreServer | null) : null;
        if (!(c instanceof CpuThreadComponent) || c.session !== this) return { result: RPC.INVALID_ARGS };
        c.kill();
        this.caps.used--;
        return { result: RPC.OK };
      }
      case 'exception_sigh': {
        const c = call.caps.context;
        if (c !== null && !(c instanceof SignalContext)) return { result: RPC.INVALID_ARGS };
        this.exceptionSigh = c;
        for (const t of this.threads) if (!t.ownSigh) t.thread.exceptionSigh = c;
        return { result: RPC.OK };
      }
      case 'affinity_space': {
        const s = this.space;
        return { result: RPC.OK, words: [s.width, s.height] };
      }
    }
    return { result: RPC.UNKNOWN_OP };
  }

  protected release(): void {
    for (const t of [...this.threads]) t.kill();
  }
}

/** Creates a thread in `pd` with a stack-area slot whose last page is its UTCB. */
export function createThread(
  session: CpuSessionComponent,
  pd: import('./kernel_objects').Pd,
  name: string,
  cpu: number,
  weight = DEFAULT_WEIGHT,
): CpuThreadComponent | number {
  const core = session['core'];
  const k = core.kernel;
  const slot = pd.freeSlots.length ? pd.freeSlots.shift()! : pd.nextSlot;
  if (slot >= LAYOUT.STACK_AREA_SIZE / LAYOUT.STACK_SLOT_SIZE) return RPC.OUT_OF_RAM;
  const t = k.createThread(pd, name, cpu, session.priority);
  if (!t) return RPC.OUT_OF_RAM;
  if (slot === pd.nextSlot) pd.nextSlot++;
  t.slot = slot;
  const utcbOff = (slot + 1) * LAYOUT.STACK_SLOT_SIZE - 0x1000;
  t.utcbVa = LAYOUT.STACK_AREA_BASE + utcbOff;
  const ds = core.newDataspace('utcb', t.utcbPhys, 0x1000, true, null, null, `utcb:${name}`);
  const r = core.attach(
    pd.stackArea,
    ds,
    { limit: Infinity, used: 0 },
    {
      size: 0x1000,
      offset: 0,
      useAt: true,
      at: utcbOff,
      executable: false,
      writeable: true,
    },
  );
  if (typeof r === 'number') {
    k.destroyThread(t);
    return RPC.REGION_CONFLICT;
  }
  t.sessionLabel = session.label;
  const comp = new CpuThreadComponent(session, t, ds, weight);
  t.exceptionSigh = session.exceptionSigh;
  comp.obj = k.newRpcObject(null, comp, null);
  t.cap = comp.obj;
  session.threads.add(comp);
  session.distributeQuota();
  return comp;
}

export class CpuThreadComponent implements CoreServer {
  readonly iface = CPU_THREAD;
  obj!: import('./kernel_objects').RpcObject;
  ownSigh = false;

  constructor(
    readonly session: CpuSessionComponent,
    readonly thread: Thread,
    private readonly utcb: Dataspace,
    /** Share of the session's CPU quota relative to its other threads. */
    readonly weight: number,
  ) {}

  describe(): string {
    return `thread "${this.thread.name}" of ${this.thread.pd.label}`;
  }

  kill(): void {
    const core = this.session['core'];
    core.kernel.destroyThread(this.thread);
    core.destroyDataspace(this.utcb);
    this.thread.pd.freeSlots.push(this.thread.slot);
    core.kernel.revoke(this.obj);
    this.session.threads.delete(this);
    this.session.distributeQuota();
  }

  dispatch(call: CoreCall): CoreReply {
    const k = this.session['core'].kernel;
    const t = this.thread;
    const a = call.args;
    if (t.dead) return { result: RPC.CLOSED };
    switch (call.op) {
      case 'start':
        if (t.started) return { result: RPC.DENIED };
        k.startThread(t, a.ip as number, a.sp as number);
        return { result: RPC.OK };
      case 'pause':
        k.setPaused(t, true);
        return { result: RPC.OK };
      case 'resume':
        k.setPaused(t, false);
        return { result: RPC.OK };
      case 'state': {
        const regs: number[] = [];
        for (let i = 1; i < 32; i++) regs.push(k.reg(t, i) >>> 0);
        const st = t.stopState || (t.started ? THREAD_STATE.VALID : THREAD_STATE.UNAVAILABLE);
        return { result: RPC.OK, words: [st, k.pcOf(t) >>> 0, t.stopCause, t.stopTval >>> 0, ...regs] };
      }
      case 'set_state': {
        if (!t.paused && t.started) return { result: RPC.DENIED };
        const data = call.args;
        k.setPc(t, data.pc as number);
        for (let i = 0; i < 31 && i < call.rest.length; i++) k.setReg(t, i + 1, call.rest[i]);
        return { result: RPC.OK };
      }
      case 'single_step':
        k.setSingleStep(t, a.enable !== 0);
        return { result: RPC.OK };
      case 'exception_sigh': {
        const c = call.caps.context;
        if (c !== null && !(c instanceof SignalContext)) return { result: RPC.INVALID_ARGS };
        t.exceptionSigh = c;
        this.ownSigh = c !== null;
        return { result: RPC.OK };
      }
      case 'affinity': {
        const loc = this.session.location;
        const x = a.x as number;
        const y = a.y as number;
        if (x >= loc.width || y >= loc.height) return { result: RPC.INVALID_ARGS };
        k.setCpu(t, this.session.cpuOf(loc.x + x, loc.y + y));
        t.affinityX = x;
        t.affinityY = y;
        return { result: RPC.OK };
      }
      case 'utcb':
        return { result: RPC.OK, words: [t.utcbVa] };
      case 'id':
        return { result: RPC.OK, words: [t.id] };
    }
    return { result: RPC.UNKNOWN_OP };
  }
}

export const createCpuSession: SessionFactory = (core, label, args, payer) =>
  new CpuSessionComponent(core, 'CPU', label, args, payer);
