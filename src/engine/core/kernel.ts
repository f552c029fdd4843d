/**
 * The kernel: threads, protection domains, capability spaces, synchronous IPC (RPC), signals,
 * timeouts and per-CPU scheduling, in the style of Genode's base-hw kernel. It runs "beside"
 * the machine: it is the `TrapEnv` of every hart, so every trap from U-mode (ECALL, page fault,
 * exception, interrupt) enters {@link Kernel.trap} in TypeScript and returns to a guest thread.
 *
 * Execution model:
 * - Each hart is one CPU with a run queue. While a thread runs, the hart's registers are the
 *   thread's registers; on a switch they are saved into `Thread.regs`. An idle CPU waits (as in
 *   WFI) with timer, software and external interrupts enabled.
 * - Scheduling: the highest-priority runnable thread runs; threads of equal priority share the
 *   CPU round-robin in slices of `sliceUs` virtual microseconds (base-hw's "fill"). A thread
 *   made runnable with a higher priority than the running one preempts it at once.
 * - Virtual time is the machine's mtime; timeouts and slices are CLINT compare values, so the
 *   same scenario gives the same interleaving every time.
 *
 * System calls (numbers and results in `abi.ts`): guests pass selectors, never object
 * references; whatever they pass, the answer is a result code in a0, never an exception.
 */
import { RAM_BASE } from '../cpu/bus';
import { CSR } from '../cpu/csr_numbers';
import { Cause, MEIP, MSIP, MTIP, Priv, type Hart, type TrapEnv } from '../cpu/hart';
import type { Machine } from '../cpu/machine';
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from '../cpu/mmu';
import { CAP_SPACE_SIZE, MessageWriter, RPC, SEL, SYS, SYS_RESULT, UTCB, decodeArgs } from './abi';
import {
  FaultType,
  KObject,
  Pd,
  RpcObject,
  SignalContext,
  SignalSource,
  Thread,
  type BlockReason,
  type Caller,
  type CoreCall,
  type CoreReply,
  type CoreServer,
  type Mapping,
  PageMapping,
  type PendingCall,
  type Region,
  type RegionMap,
} from './kernel_objects';
import { RangeAllocator } from './range_alloc';
import { TraceBuffer, TraceKind } from './trace';

/** Default round-robin slice in virtual microseconds. */
const DEFAULT_SLICE_US = 1000;
/** base-hw's super period: CPU quotas (claims) are refilled this often. */
const DEFAULT_SUPER_PERIOD_US = 100_000;
const SV32_MODE = 0x8000_0000;
const MAX_ASID = 511;

export interface Cpu {
  readonly index: number;
  readonly hart: Hart;
  current: Thread | null;
  /** Runnable threads that are not current, in arrival order. */
  readonly ready: Thread[];
  /** mtime at which the current slice ends. */
  sliceEnd: number;
  /** The single-stepping thread armed on this CPU, and its instret when it was switched in. */
  stepThread: Thread | null;
  stepFrom: number;
}

interface Timeout {
  deadline: number;
  period: number;
  ctx: SignalContext;
  key: object;
}

/** Result of core's pager for a fault. */
export type PagerResult = 'mapped' | 'blocked' | 'unresolved';

/** The part of core the kernel calls back into. */
export interface KernelClient {
  /** Resolves a page fault of `thread` at `addr` (maps it, blocks the thread, or gives up). */
  pageFault(thread: Thread, addr: number, type: FaultType): PagerResult;
  /** A log line from the kernel or core ("[label] text" is formed by the sink). */
  log(label: string, text: string): void;
  /** An external interrupt `irq` was claimed from the PLIC (already masked). */
  irq(irq: number): void;
  /** A thread was stopped by an exception (logged by core like base-hw does). */
  exception(thread: Thread, cause: number, tval: number): void;
}

export interface KernelOptions {
  /** Round-robin time slice (µs of virtual time). */
  sliceUs?: number;
  /** Period after which CPU quotas are refilled (µs of virtual time). */
  superPeriodUs?: number;
}

/**
 * Scheduling rank in the spirit of base-hw: a thread with claim left competes by priority
 * (rank 1 + priority level); one whose claim is used up only in the round-robin fill (rank 0).
 */
function rank(t: Thread): number {
  return t.claimLeft > 0 ? 1_000_000 + t.priority : 0;
}

/** The signal source `sel` names in `pd`, or a system-call error. */
function sourceOf(pd: Pd, sel: number): SignalSource | number {
  const o = pd.caps.get(sel);
  if (!o) return SYS_RESULT.INVALID_CAP;
  return o instanceof SignalSource ? o : SYS_RESULT.WRONG_TYPE;
}

/** The signal context `sel` names in `pd`, or a system-call error. */
function contextOf(pd: Pd, sel: number): SignalContext | number {
  const o = pd.caps.get(sel);
  if (!o) return SYS_RESULT.INVALID_CAP;
  return o instanceof SignalContext ? o : SYS_RESULT.WRONG_TYPE;
}

export class Kernel implements TrapEnv {
  /** Threads switch address spaces without a flush: each PD's ASID has its own fast TLB. */
  readonly ownsFastTlb = true;
  readonly cpus: Cpu[];
  readonly threads = new Map<number, Thread>();
  readonly pds = new Map<number, Pd>();
  /** Physical RAM not handed out yet. */
  readonly phys: RangeAllocator;
  /** Who owns each allocated physical range (base → owner), for the debugger. */
  readonly frames = new Map<number, { size: number; owner: string }>();
  readonly trace: TraceBuffer;
  client: KernelClient | null = null;
  /** Every live capability object (for invariant checks and the debugger). */
  readonly objects = new Set<KObject>();
  /** Called after each system call (tests and the debugger hook in here). */
  afterSyscall: ((t: Thread, nr: number) => void) | null = null;
  /** Called when a debugger step of a thread (`debugStepThread`) completed. */
  onDebugStep: ((t: Thread) => void) | null = null;
  /** Called after a page-table entry of `pd` changed: mapped to `phys`, or unmapped (null). */
  onMapChange: ((pd: Pd, vpage: number, phys: number | null) => void) | null = null;
  /** Ticks of mtime per microsecond. */
  readonly ticksPerUs: number;
  private readonly sliceTicks: number;
  /** Length of a super period and when the current one ends (mtime ticks). */
  readonly superTicks: number;
  private superEnd: number;
  /** Threads with a finite CPU quota (their claims are refilled each super period). */
  private readonly quotaThreads = new Set<Thread>();
  private nextId = 1;
  /** Next TRACE call id: RPC_CALL, RPC_DISPATCH and RPC_REPLY of one call carry the same. */
  private nextCallId = 1;
  private readonly timeouts: Timeout[] = [];
  private readonly freeAsids: number[] = [];
  private nextAsid = 1;
  /** Set while a trap is handled: the CPU it came from. */
  private entered: Cpu | null = null;

  constructor(
    readonly m: Machine,
    opts: KernelOptions = {},
  ) {
    this.ticksPerUs = m.config.timebaseHz / 1e6;
    this.sliceTicks = Math.max(1, Math.round((opts.sliceUs ?? DEFAULT_SLICE_US) * this.ticksPerUs));
    this.superTicks = Math.max(
      this.sliceTicks,
      Math.round((opts.superPeriodUs ?? DEFAULT_SUPER_PERIOD_US) * this.ticksPerUs),
    );
    this.superEnd = this.superTicks;
    this.phys = new RangeAllocator(RAM_BASE, m.bus.ramSize);
    this.trace = new TraceBuffer();
    this.cpus = m.harts.map((hart, index) => ({
      index,
      hart,
      current: null,
      ready: [],
      sliceEnd: 0,
      stepThread: null,
      stepFrom: 0,
    }));
    for (const { hart } of this.cpus) {
      hart.reset(0);
      hart.env = this;
      // As firmware would: one PMP entry covering everything, so U-mode may access memory.
      hart.csrWrite(CSR.pmpaddr0, -1);
      hart.csrWrite(CSR.pmpcfg0, 0x1f);
      hart.csrWrite(CSR.mie, MTIP | MEIP | MSIP);
      hart.priv = Priv.U;
      hart.waiting = true;
    }
    // The PLIC routes every source to hart 0's M-mode context; core enables them one by one.
  }

  /** A fresh object id (never reused). */
  newId(): number {
    return this.nextId++;
  }

  /** A fresh TRACE call id (1..2^31-1, wrapping; fits an event's 32-bit argument). */
  private newCallId(): number {
    const id = this.nextCallId;
    this.nextCallId = id === 0x7fff_ffff ? 1 : id + 1;
    return id;
  }

  /** Virtual time in mtime ticks, as seen by the CPU handling the current trap (or hart 0). */
  now(): number {
    return this.m.mtime((this.entered ?? this.cpus[0]).hart);
  }

  /** Virtual time in microseconds. */
  nowUs(): number {
    return this.now() / this.ticksPerUs;
  }

  // ------------------------------------------------------- physical memory --

  /** Allocates `size` bytes (page multiple) of zeroed, contiguous RAM for `owner`. */
  allocPhys(size: number, owner: string, align = 0x1000): number | null {
    const base = this.phys.alloc(size, align);
    if (base === null) return null;
    this.m.bus.u8.fill(0, base - RAM_BASE, base - RAM_BASE + size);
    this.m.bus.markWritten(base - RAM_BASE, size);
    this.frames.set(base, { size, owner });
    return base;
  }

  freePhys(base: number): void {
    const f = this.frames.get(base);
    if (!f) return;
    this.frames.delete(base);
    // Free RAM is kept zero (as allocation hands it out), so that RAM outside `frames` is all
    // zero and snapshots of a running system need only look at the allocated frames.
    this.m.bus.u8.fill(0, base - RAM_BASE, base - RAM_BASE + f.size);
    this.m.bus.markWritten(base - RAM_BASE, f.size);
    this.phys.release(base, f.size);
  }

  // ---------------------------------------------------- protection domains --

  /** Creates a PD with an empty page table; null if out of ASIDs or memory. */
  createPd(label: string, addressSpace: RegionMap, stackArea: RegionMap, linkerArea: RegionMap): Pd | null {
    const asid = this.freeAsids.length ? this.freeAsids.shift()! : this.nextAsid <= MAX_ASID ? this.nextAsid++ : 0;
    if (!asid) return null;
    const root = this.allocPhys(0x1000, `page table of ${label}`);
    if (root === null) {
      this.freeAsids.push(asid);
      return null;
    }
    const pd = new Pd(this.newId(), label, asid, root, addressSpace, stackArea, linkerArea);
    pd.tableFrames.push(root);
    this.pds.set(pd.id, pd);
    return pd;
  }

  /** Destroys a PD's threads, capabilities, mappings and page tables. */
  destroyPd(pd: Pd): void {
    if (pd.dead) return;
    for (const t of [...pd.threads]) this.destroyThread(t);
    for (const m of [...pd.mappings.values()]) this.unmap(m);
    for (const sel of [...pd.caps.keys()]) this.deleteCap(pd, sel);
    for (const f of pd.tableFrames) this.freePhys(f);
    for (const { hart } of this.cpus) {
      hart.tlb.flush(null, pd.asid);
      hart.dropFast(pd.asid, null);
    }
    this.freeAsids.push(pd.asid);
    pd.dead = true;
    this.pds.delete(pd.id);
  }

  // -------------------------------------------------------- capabilities --

  /** Installs `obj` in `pd`'s space; reuses the selector if `pd` already holds it. */
  grant(pd: Pd, obj: KObject, at?: number): number | null {
    if (obj.dead || pd.dead) return null;
    const have = obj.holders.get(pd);
    if (have !== undefined && at === undefined) return have;
    const sel = at ?? pd.freeSelector(SEL.FIRST_FREE, CAP_SPACE_SIZE);
    if (sel === null || pd.caps.has(sel)) return null;
    if (have !== undefined) this.deleteCap(pd, have);
    pd.caps.set(sel, obj);
    obj.holders.set(pd, sel);
    obj.refs++;
    return sel;
  }

  /** Removes selector `sel` from `pd`'s space. */
  deleteCap(pd: Pd, sel: number): boolean {
    const obj = pd.caps.get(sel);
    if (!obj) return false;
    pd.caps.delete(sel);
    obj.holders.delete(pd);
    obj.refs--;
    return true;
  }

  /** Revokes `obj` everywhere: removes every slot naming it and marks it dead. */
  revoke(obj: KObject): void {
    for (const [pd, sel] of [...obj.holders]) this.deleteCap(pd, sel);
    obj.dead = true;
    this.objects.delete(obj);
    if (obj instanceof RpcObject && obj.ep) {
      // Callers queued for this object learn that it is gone.
      const q = obj.ep.sendQueue;
      for (let i = q.length - 1; i >= 0; i--) {
        if (q[i].target === obj) {
          const [pc] = q.splice(i, 1);
          this.failCaller(pc.caller, SYS_RESULT.DEAD);
        }
      }
    }
    if (obj instanceof SignalContext) {
      const i = obj.source.pending.indexOf(obj);
      if (i >= 0) obj.source.pending.splice(i, 1);
      this.cancelTimeouts((t) => t.ctx === obj);
    }
  }

  lookup(pd: Pd, sel: number): KObject | null {
    return pd.caps.get(sel >>> 0) ?? null;
  }

  newRpcObject(ep: Thread | null, core: CoreServer | null, owner: Pd | null): RpcObject {
    const id = this.newId();
    return this.track(new RpcObject(id, id, ep, core, owner));
  }

  newSignalSource(owner: Pd | null): SignalSource {
    return this.track(new SignalSource(this.newId(), owner));
  }

  newSignalContext(source: SignalSource, imprint: number, owner: Pd | null): SignalContext {
    return this.track(new SignalContext(this.newId(), source, imprint >>> 0, owner));
  }

  private track<T extends KObject>(o: T): T {
    this.objects.add(o);
    return o;
  }

  // ------------------------------------------------------------- threads --

  /** Creates a thread in `pd` on `cpu` (not started). Its UTCB frame is core's. */
  createThread(pd: Pd, name: string, cpu: number, priority: number): Thread | null {
    const utcb = this.allocPhys(UTCB.SIZE, `UTCB of ${pd.label} thread ${name}`);
    if (utcb === null) return null;
    const t = new Thread(this.newId(), pd, name);
    t.cpu = Math.max(0, Math.min(this.cpus.length - 1, cpu));
    t.priority = priority;
    t.utcbPhys = utcb;
    pd.threads.add(t);
    this.threads.set(t.id, t);
    return t;
  }

  /** Starts a created thread at `ip` with stack pointer `sp`; tp and a0 get the UTCB address. */
  startThread(t: Thread, ip: number, sp: number): void {
    if (t.dead) return;
    t.pc = ip | 0;
    t.regs.fill(0);
    t.regs[2] = sp | 0;
    t.regs[4] = t.utcbVa | 0;
    t.regs[10] = t.utcbVa | 0;
    t.started = true;
    t.block = null;
    this.trace.emit(this.now(), t.cpu, t, TraceKind.THREAD_START, ip, sp);
    this.update(t);
  }

  destroyThread(t: Thread): void {
    if (t.dead) return;
    t.dead = true;
    this.quotaThreads.delete(t);
    this.unblock(t);
    this.update(t);
    // Whoever waits for this thread learns that it is gone.
    for (const pc of t.sendQueue.splice(0)) this.failCaller(pc.caller, SYS_RESULT.DEAD);
    if (t.replyTo) this.failCaller(t.replyTo, SYS_RESULT.DEAD);
    t.replyTo = null;
    // Callers that are served by it, and threads it calls, drop it.
    for (const other of this.threads.values()) {
      if (other.replyTo === t) other.replyTo = null;
      const i = other.sendQueue.findIndex((pc) => pc.caller === t);
      if (i >= 0) other.sendQueue.splice(i, 1);
    }
    this.cancelTimeouts((x) => x.key === t);
    this.freePhys(t.utcbPhys);
    t.pd.threads.delete(t);
    this.threads.delete(t.id);
    this.trace.emit(this.now(), t.cpu, t, TraceKind.THREAD_EXIT, 0, 0);
  }

  /** Pauses or resumes a thread on behalf of the CPU session (or a debugger). */
  setPaused(t: Thread, paused: boolean): void {
    t.paused = paused;
    if (!paused) t.stopState = 0;
    this.update(t);
  }

  /** Moves a thread to another CPU. */
  setCpu(t: Thread, cpu: number): void {
    if (cpu < 0 || cpu >= this.cpus.length || cpu === t.cpu) return;
    const wasRunnable = t.runnable;
    if (wasRunnable) {
      t.paused = true; // take it off its CPU ...
      this.update(t);
      t.paused = false;
    }
    t.cpu = cpu;
    this.update(t);
  }

  /** Registers of a thread: from the hart if it is running there, else the saved copy. */
  reg(t: Thread, i: number): number {
    const c = this.cpus[t.cpu];
    return c.current === t ? c.hart.x[i] : t.regs[i];
  }

  setReg(t: Thread, i: number, v: number): void {
    if (i === 0) return;
    const c = this.cpus[t.cpu];
    if (c.current === t) c.hart.x[i] = v | 0;
    else t.regs[i] = v | 0;
  }

  pcOf(t: Thread): number {
    const c = this.cpus[t.cpu];
    return c.current === t ? c.hart.pc : t.pc;
  }

  setPc(t: Thread, pc: number): void {
    const c = this.cpus[t.cpu];
    if (c.current === t) c.hart.pc = pc | 0;
    else t.pc = pc | 0;
  }

  private setResult(t: Thread, a0: number, a1?: number, a2?: number): void {
    this.setReg(t, 10, a0);
    if (a1 !== undefined) this.setReg(t, 11, a1);
    if (a2 !== undefined) this.setReg(t, 12, a2);
  }

  // ----------------------------------------------------------- scheduling --

  /** Puts `t` on or off its CPU's run queue to match `t.runnable`, then reschedules that CPU. */
  update(t: Thread): void {
    const cpu = this.cpus[t.cpu];
    const i = cpu.ready.indexOf(t);
    if (t.runnable) {
      if (cpu.current !== t && i < 0) cpu.ready.push(t);
    } else if (i >= 0) {
      cpu.ready.splice(i, 1);
    }
    this.reschedule(cpu);
  }

  /** The ready thread of the highest rank, first in line among equals. */
  private bestReady(cpu: Cpu): Thread | null {
    let best: Thread | null = null;
    let bestRank = -1;
    for (const t of cpu.ready) {
      const r = rank(t);
      if (r > bestRank) {
        best = t;
        bestRank = r;
      }
    }
    return best;
  }

  private reschedule(cpu: Cpu): void {
    const cur = cpu.current;
    const best = this.bestReady(cpu);
    if (cur !== null && cur.runnable && cur.cpu === cpu.index) {
      if (best === null || rank(best) <= rank(cur)) return;
      this.charge(cpu);
      // Preempted: first in line at its level; a thread that used up its claim goes to the back.
      if (cur.claimLeft > 0) cpu.ready.unshift(cur);
      else cpu.ready.push(cur);
    }
    if (best !== null) cpu.ready.splice(cpu.ready.indexOf(best), 1);
    this.switchTo(cpu, best);
  }

  /**
   * Sets the CPU quota of `t` in percent of each super period (0: none, scheduled by priority
   * without limit). The claim takes effect at once, in full.
   */
  setQuota(t: Thread, percent: number): void {
    const cpu = this.cpus[t.cpu];
    if (cpu.current === t) this.charge(cpu);
    if (percent > 0) {
      t.quota = Math.max(1, Math.round((Math.min(percent, 100) * this.superTicks) / 100));
      t.claimLeft = t.quota;
      this.quotaThreads.add(t);
    } else {
      t.quota = t.claimLeft = Infinity;
      this.quotaThreads.delete(t);
    }
    this.reschedule(cpu);
    this.programTimer(cpu);
  }

  /** Takes the time the current thread of `cpu` ran since it was last charged from its claim. */
  private charge(cpu: Cpu): void {
    const t = cpu.current;
    if (t === null) return;
    const now = this.m.mtime(cpu.hart);
    if (t.quota !== Infinity && t.claimLeft > 0) t.claimLeft = Math.max(0, t.claimLeft - (now - t.claimSince));
    t.claimSince = now;
  }

  /** Starts new super periods up to now: every claim is full again. Returns whether it did. */
  private refill(): boolean {
    const now = this.now();
    if (now < this.superEnd) return false;
    this.superEnd += Math.ceil((now + 1 - this.superEnd) / this.superTicks) * this.superTicks;
    for (const cpu of this.cpus) this.charge(cpu);
    for (const t of this.quotaThreads) t.claimLeft = t.quota;
    return true;
  }

  private switchTo(cpu: Cpu, next: Thread | null): void {
    const h = cpu.hart;
    const cur = cpu.current;
    if (cur === next) return;
    const now = h.cycleNow();
    if (cur !== null) {
      this.charge(cpu);
      const regs = cur.regs;
      const x = h.x;
      for (let i = 1; i < 32; i++) regs[i] = x[i];
      cur.pc = h.pc;
      cur.execCycles += now - cur.runSince;
      this.trace.emit(this.m.mtime(h), cpu.index, cur, TraceKind.SCHEDULE_OUT, 0, 0);
    }
    cpu.current = next;
    if (next !== null) {
      const regs = next.regs;
      const x = h.x;
      x[0] = 0;
      for (let i = 1; i < 32; i++) x[i] = regs[i];
      h.pc = next.pc;
      h.priv = Priv.U;
      h.satp = SV32_MODE | (next.pd.asid << 22) | (next.pd.root >>> 12) | 0;
      h.selectFastSpace(next.pd.asid);
      h.waiting = false;
      h.reservation = -1;
      next.runSince = now;
      next.claimSince = this.m.mtime(h);
      cpu.sliceEnd = this.m.mtime(h) + this.sliceTicks;
      this.trace.emit(this.m.mtime(h), cpu.index, next, TraceKind.SCHEDULE_IN, 0, 0);
    } else {
      h.waiting = true;
    }
    this.armStep(cpu);
    this.programTimer(cpu);
  }

  /** Limits the hart to one instruction while a single-stepping thread is on it. */
  private armStep(cpu: Cpu): void {
    const t = cpu.current;
    if (t !== null && t.debugStep && this.pcOf(t) !== t.debugStepPc) {
      // Its stepped instruction was a system call that blocked and has completed meanwhile.
      this.debugStepDone(t);
    }
    if (t !== null && (t.singleStep || t.debugStep)) {
      cpu.stepThread = t;
      cpu.stepFrom = cpu.hart.instret;
      cpu.hart.runLimit = 1;
    } else {
      cpu.stepThread = null;
      cpu.hart.runLimit = Infinity;
    }
  }

  /** The machine ran the armed single step: stop the thread and tell its exception handler. */
  limitReached(hart: Hart): void {
    const cpu = this.cpus[hart.id];
    const t = cpu.current;
    if (t === null || t !== cpu.stepThread || !(t.singleStep || t.debugStep)) return this.armStep(cpu);
    if (hart.instret <= cpu.stepFrom) {
      hart.runLimit = 1; // the slice ended before the instruction retired
      return;
    }
    if (t.debugStep) {
      this.debugStepDone(t);
      return this.armStep(cpu);
    }
    this.entered = cpu;
    t.stopState = 0;
    t.paused = true;
    this.update(t);
    if (t.exceptionSigh) this.submit(t.exceptionSigh, 1);
    this.entered = null;
  }

  /**
   * Steps `t` by one instruction for the debugger: it completes when the instruction retires,
   * or for a system call when the call returns (also after blocking); then `onDebugStep` is
   * called. Invisible to the guest.
   */
  debugStepThread(t: Thread): void {
    t.debugStep = true;
    t.debugStepPc = this.pcOf(t);
    const cpu = this.cpus[t.cpu];
    if (cpu.current === t) this.armStep(cpu);
  }

  private debugStepDone(t: Thread): void {
    t.debugStep = false;
    this.onDebugStep?.(t);
  }

  /** Holds or releases `t` for the debugger (not visible to the guest's CPU session). */
  setDebugPaused(t: Thread, paused: boolean): void {
    if (t.debugPaused === paused) return;
    t.debugPaused = paused;
    this.update(t);
  }

  /** Turns single-stepping of `t` on or off (takes effect the next time it runs). */
  setSingleStep(t: Thread, on: boolean): void {
    t.singleStep = on;
    const cpu = this.cpus[t.cpu];
    if (cpu.current === t) this.armStep(cpu);
  }

  /** Sets the CPU's timer compare to the end of its slice and, on CPU 0, the next timeout. */
  private programTimer(cpu: Cpu): void {
    let at = Infinity;
    const cur = cpu.current;
    if (cur !== null && cpu.ready.length > 0) {
      at = cpu.sliceEnd;
      // The end of the current claim changes its rank; the super period's end may raise others.
      if (cur.quota !== Infinity && cur.claimLeft > 0) at = Math.min(at, cur.claimSince + cur.claimLeft);
      if (this.quotaThreads.size > 0) at = Math.min(at, this.superEnd);
    }
    if (cpu.index === 0 && this.timeouts.length) at = Math.min(at, this.timeouts[0].deadline);
    this.m.clint.setMtimecmp(cpu.index, at);
  }

  private onTimer(cpu: Cpu): void {
    this.fireTimeouts();
    if (this.quotaThreads.size > 0) {
      this.charge(cpu);
      if (this.refill()) for (const c of this.cpus) if (c !== cpu) this.rescheduleAndArm(c);
    }
    const cur = cpu.current;
    if (cur !== null && this.m.mtime(cpu.hart) >= cpu.sliceEnd) {
      // Slice used up: round-robin among threads of the same or a higher rank.
      const best = this.bestReady(cpu);
      if (best !== null && rank(best) >= rank(cur)) {
        cpu.ready.splice(cpu.ready.indexOf(best), 1);
        cpu.ready.push(cur);
        this.switchTo(cpu, best);
      } else {
        cpu.sliceEnd = this.m.mtime(cpu.hart) + this.sliceTicks;
      }
    }
    this.reschedule(cpu); // a claim ran out or was refilled
    this.programTimer(cpu);
  }

  private rescheduleAndArm(cpu: Cpu): void {
    this.reschedule(cpu);
    this.programTimer(cpu);
  }

  // ------------------------------------------------------------- timeouts --

  /** Submits `ctx` after `us` µs (and every `periodUs` after that, if non-zero). */
  setTimeout(key: object, ctx: SignalContext, us: number, periodUs = 0): void {
    this.cancelTimeouts((t) => t.key === key);
    const deadline = this.now() + Math.max(1, Math.round(us * this.ticksPerUs));
    const t: Timeout = { deadline, period: Math.round(periodUs * this.ticksPerUs), ctx, key };
    let i = 0;
    while (i < this.timeouts.length && this.timeouts[i].deadline <= deadline) i++;
    this.timeouts.splice(i, 0, t);
    this.programTimer(this.cpus[0]);
  }

  /**
   * The timeout pending under `key` (a Timer session or a thread): its signal context, the
   * virtual time left until it fires and its period (0: once), in µs; null if there is none.
   */
  timeoutOf(key: object): { ctx: SignalContext; remainingUs: number; periodUs: number } | null {
    const t = this.timeouts.find((x) => x.key === key);
    if (!t) return null;
    return {
      ctx: t.ctx,
      remainingUs: Math.max(0, t.deadline - this.now()) / this.ticksPerUs,
      periodUs: t.period / this.ticksPerUs,
    };
  }

  cancelTimeouts(match: (t: Timeout) => boolean): void {
    for (let i = this.timeouts.length - 1; i >= 0; i--) if (match(this.timeouts[i])) this.timeouts.splice(i, 1);
  }

  private fireTimeouts(): void {
    const now = this.m.mtime(this.cpus[0].hart);
    while (this.timeouts.length && this.timeouts[0].deadline <= now) {
      const t = this.timeouts.shift()!;
      this.submit(t.ctx, 1);
      if (t.period > 0) {
        t.deadline += t.period;
        if (t.deadline <= now) t.deadline = now + t.period; // fell behind: skip, do not burst
        let i = 0;
        while (i < this.timeouts.length && this.timeouts[i].deadline <= t.deadline) i++;
        this.timeouts.splice(i, 0, t);
      }
    }
  }

  // ---------------------------------------------------------------- signals --

  /** Submits `count` signals to `ctx` (from a guest or from core). */
  submit(ctx: SignalContext, count: number): void {
    if (ctx.dead || ctx.source.dead) return;
    ctx.count += count;
    this.trace.emit(
      this.now(),
      this.entered?.index ?? 0,
      this.entered?.current ?? null,
      TraceKind.SIGNAL_SUBMIT,
      ctx.id,
      count,
    );
    if (!ctx.delivered && !ctx.queued) {
      ctx.queued = true;
      ctx.source.pending.push(ctx);
    }
    this.deliverSignals(ctx.source);
  }

  ack(ctx: SignalContext): void {
    if (!ctx.delivered) return;
    ctx.delivered = false;
    if (ctx.count > 0 && !ctx.queued) {
      ctx.queued = true;
      ctx.source.pending.push(ctx);
      this.deliverSignals(ctx.source);
    }
  }

  private deliverSignals(source: SignalSource): void {
    while (source.pending.length && source.waiters.length) {
      const ctx = source.pending.shift()!;
      const w = source.waiters.shift()!;
      const kind = w.block?.kind;
      this.takeSignal(ctx);
      this.setResult(w, kind === 'receive' ? SYS_RESULT.RECEIVED_SIGNAL : SYS_RESULT.OK, ctx.imprint, ctx.lastCount);
      w.block = null;
      this.trace.emit(this.now(), w.cpu, w, TraceKind.SIGNAL_RECEIVE, ctx.id, ctx.lastCount);
      this.update(w);
    }
  }

  private takeSignal(ctx: SignalContext): void {
    ctx.queued = false;
    ctx.delivered = true;
    ctx.lastCount = ctx.count;
    ctx.count = 0;
  }

  // ------------------------------------------------------------------ IPC --

  /** Removes a blocked thread from whatever queue it waits in. */
  private unblock(t: Thread): void {
    const b = t.block;
    if (b === null) return;
    if (b.kind === 'receive' || b.kind === 'signal') {
      const src = b.source;
      if (src) {
        const i = src.waiters.indexOf(t);
        if (i >= 0) src.waiters.splice(i, 1);
      }
    } else if (b.kind === 'call' && b.target.ep) {
      const q = b.target.ep.sendQueue;
      const i = q.findIndex((pc) => pc.caller === t);
      if (i >= 0) q.splice(i, 1);
    } else if (b.kind === 'page_fault') {
      const i = b.rm.faults.findIndex((f) => f.thread === t);
      if (i >= 0) b.rm.faults.splice(i, 1);
    }
    t.block = null;
  }

  private failCaller(c: Caller, result: number): void {
    if (c instanceof Thread) {
      if (c.dead || c.block?.kind !== 'call') return;
      c.block = null;
      this.setResult(c, result);
      this.update(c);
    } else {
      c.onReply(result, new Uint8Array(4), []);
    }
  }

  /**
   * Copies the message in `from`'s UTCB to `to`'s, translating its capabilities into `to`'s
   * space. Returns OK or BAD_MESSAGE (sizes out of range; nothing is written then).
   */
  private copyMessage(from: Thread, to: Thread, badge: number): number {
    const bus = this.m.bus;
    const i32 = bus.i32;
    const src = from.utcbPhys - RAM_BASE;
    const dst = to.utcbPhys - RAM_BASE;
    const len = i32[src >>> 2] >>> 0;
    const n = i32[(src + UTCB.CAP_COUNT) >>> 2] >>> 0;
    if (len > UTCB.MAX_DATA || n > UTCB.MAX_CAPS) return SYS_RESULT.BAD_MESSAGE;
    bus.u8.copyWithin(dst + UTCB.DATA, src + UTCB.DATA, src + UTCB.DATA + len);
    i32[dst >>> 2] = len;
    i32[(dst + UTCB.CAP_COUNT) >>> 2] = n;
    for (let i = 0; i < n; i++) {
      const sel = i32[(src + UTCB.CAPS + 4 * i) >>> 2] >>> 0;
      const obj = sel === SEL.INVALID ? undefined : from.pd.caps.get(sel);
      i32[(dst + UTCB.CAPS + 4 * i) >>> 2] = obj ? (this.grant(to.pd, obj) ?? SEL.INVALID) : SEL.INVALID;
    }
    i32[(dst + UTCB.BADGE) >>> 2] = badge;
    bus.markWritten(dst, UTCB.DATA + len);
    return SYS_RESULT.OK;
  }

  /** Reads the message in `t`'s UTCB; null if its sizes are out of range. */
  private readMessage(t: Thread): { data: Uint8Array; caps: (KObject | null)[] } | number {
    const bus = this.m.bus;
    const u = t.utcbPhys - RAM_BASE;
    const len = bus.i32[u >>> 2] >>> 0;
    const n = bus.i32[(u + UTCB.CAP_COUNT) >>> 2] >>> 0;
    if (len > UTCB.MAX_DATA || n > UTCB.MAX_CAPS) return SYS_RESULT.BAD_MESSAGE;
    const caps: (KObject | null)[] = [];
    for (let i = 0; i < n; i++) {
      const sel = bus.i32[(u + UTCB.CAPS + 4 * i) >>> 2] >>> 0;
      if (sel === SEL.INVALID) {
        caps.push(null);
        continue;
      }
      // As in base-hw, a selector that names nothing travels as an invalid capability.
      caps.push(t.pd.caps.get(sel) ?? null);
    }
    return { data: bus.u8.slice(u + UTCB.DATA, u + UTCB.DATA + len), caps };
  }

  /** Writes a message into `t`'s UTCB, translating capabilities into its space. */
  private writeMessage(t: Thread, data: Uint8Array, caps: (KObject | null)[], badge = 0): void {
    const bus = this.m.bus;
    const u = t.utcbPhys - RAM_BASE;
    const len = Math.min(data.length, UTCB.MAX_DATA);
    bus.u8.set(data.subarray(0, len), u + UTCB.DATA);
    bus.i32[u >>> 2] = len;
    const n = Math.min(caps.length, UTCB.MAX_CAPS);
    bus.i32[(u + UTCB.CAP_COUNT) >>> 2] = n;
    for (let i = 0; i < n; i++) {
      const obj = caps[i];
      bus.i32[(u + UTCB.CAPS + 4 * i) >>> 2] = obj ? (this.grant(t.pd, obj) ?? SEL.INVALID) : SEL.INVALID;
    }
    bus.i32[(u + UTCB.BADGE) >>> 2] = badge;
    bus.markWritten(u, UTCB.DATA + len);
  }

  /**
   * Sends a request to `target` on behalf of `caller` (a thread or core's TypeScript). Core
   * objects answer at once (or later, if they defer); guest objects queue at their entrypoint.
   */
  invoke(caller: Caller, target: RpcObject, data: Uint8Array, caps: (KObject | null)[]): void {
    const callerThread = caller instanceof Thread ? caller : null;
    const call = this.newCallId();
    this.trace.emit(this.now(), callerThread?.cpu ?? 0, callerThread, TraceKind.RPC_CALL, target.id, call);
    if (target.core) {
      this.callCore(caller, target, target.core, data, caps, call);
      return;
    }
    const server = target.ep;
    if (server === null || server.dead) {
      this.failCaller(caller, SYS_RESULT.DEAD);
      return;
    }
    if (callerThread) {
      callerThread.block = { kind: 'call', target };
      this.update(callerThread);
    }
    const pc: PendingCall = { caller, target, data, caps, call };
    if (server.block?.kind === 'receive') this.deliverRequest(server, pc);
    else server.sendQueue.push(pc);
  }

  private deliverRequest(server: Thread, pc: PendingCall): void {
    this.unblock(server);
    this.writeMessage(server, pc.data, pc.caps, pc.target.badge);
    server.replyTo = pc.caller;
    server.replyCall = pc.call;
    this.setResult(server, SYS_RESULT.RECEIVED_RPC);
    this.trace.emit(this.now(), server.cpu, server, TraceKind.RPC_DISPATCH, pc.target.id, pc.call);
    this.update(server);
  }

  private callCore(
    caller: Caller,
    target: RpcObject,
    server: CoreServer,
    data: Uint8Array,
    caps: (KObject | null)[],
    call: number,
  ): void {
    const callerThread = caller instanceof Thread ? caller : null;
    const opNo = data.length >= 4 ? new DataView(data.buffer, data.byteOffset).getUint32(0, true) : 0;
    const entry = Object.entries(server.iface.ops).find(([, o]) => o.op === opNo);
    const pending = new PendingCoreCall(this, caller, call);
    if (!entry) {
      pending.finish({ result: 9 /* UNKNOWN_OP */ });
      return;
    }
    const [name, op] = entry;
    const dec = decodeArgs(op, data);
    if (!dec.ok) {
      pending.finish({ result: 8 /* INVALID_ARGS */ });
      return;
    }
    const capArgs: Record<string, KObject | null> = {};
    for (const [k, idx] of Object.entries(dec.capIndex)) capArgs[k] = caps[idx] ?? null;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let at = dec.end; at + 4 <= data.length; at += 4) pending.rest.push(view.getUint32(at, true));
    pending.op = name;
    pending.args = dec.args;
    pending.caps = capArgs;
    const r = server.dispatch(pending);
    pending.sync = false;
    if (r !== 'defer') {
      pending.done = true;
      pending.finish(r);
    } else if (pending.deferredSync !== null) {
      pending.finish(pending.deferredSync);
    } else if (callerThread) {
      callerThread.block = { kind: 'call', target };
      this.update(callerThread);
    }
  }

  /** Delivers a core object's reply to its caller (see {@link PendingCoreCall}). */
  replyFromCore(caller: Caller, call: number, reply: CoreReply): void {
    const callerThread = caller instanceof Thread ? caller : null;
    const w = new MessageWriter().word(reply.result);
    for (const v of reply.words ?? []) {
      if (typeof v === 'number') w.word(v);
      else w.str(v);
    }
    const out = w.bytes();
    const outCaps = reply.caps ?? [];
    if (callerThread) {
      if (callerThread.dead) return;
      this.writeMessage(callerThread, out, outCaps);
      this.setResult(callerThread, SYS_RESULT.OK);
      if (callerThread.block !== null) {
        callerThread.block = null;
        this.update(callerThread);
      }
    } else if (!(caller instanceof Thread)) {
      caller.onReply(reply.result, out, outCaps);
    }
    this.trace.emit(this.now(), callerThread?.cpu ?? 0, callerThread, TraceKind.RPC_REPLY, call, reply.result);
    if (
      reply.result === RPC.OUT_OF_RAM ||
      reply.result === RPC.OUT_OF_CAPS ||
      reply.result === RPC.INSUFFICIENT_RAM ||
      reply.result === RPC.INSUFFICIENT_CAPS
    ) {
      const caps = reply.result === RPC.OUT_OF_CAPS || reply.result === RPC.INSUFFICIENT_CAPS ? 1 : 0;
      this.trace.emit(this.now(), callerThread?.cpu ?? 0, callerThread, TraceKind.QUOTA_EXHAUSTED, reply.result, caps);
    }
  }

  private sysReply(t: Thread): number {
    const caller = t.replyTo;
    if (caller === null) return SYS_RESULT.NO_CALLER;
    const call = t.replyCall;
    t.replyTo = null;
    if (caller instanceof Thread) {
      // UTCB to UTCB, no intermediate copy.
      if (caller.dead || caller.block?.kind !== 'call') return SYS_RESULT.OK;
      const r = this.copyMessage(t, caller, 0);
      if (r !== SYS_RESULT.OK) {
        this.failCaller(caller, SYS_RESULT.DEAD);
        return r;
      }
      this.trace.emit(this.now(), t.cpu, t, TraceKind.RPC_REPLY, call, 0);
      this.setResult(caller, SYS_RESULT.OK);
      caller.block = null;
      this.update(caller);
      return SYS_RESULT.OK;
    }
    const msg = this.readMessage(t);
    if (typeof msg === 'number') {
      this.failCaller(caller, SYS_RESULT.DEAD);
      return msg;
    }
    this.trace.emit(this.now(), t.cpu, t, TraceKind.RPC_REPLY, call, msg.data[0] ?? 0);
    if (caller instanceof Thread) {
      if (caller.dead || caller.block?.kind !== 'call') return SYS_RESULT.OK;
      this.writeMessage(caller, msg.data, msg.caps);
      this.setResult(caller, SYS_RESULT.OK);
      caller.block = null;
      this.update(caller);
    } else {
      const result = msg.data.length >= 4 ? new DataView(msg.data.buffer).getUint32(0, true) : 0;
      caller.onReply(result, msg.data, msg.caps);
    }
    return SYS_RESULT.OK;
  }

  /** Waits for a request (or a signal from `source`): delivers at once if one is pending. */
  private receive(t: Thread, source: SignalSource | null): void {
    const pc = t.sendQueue.shift();
    if (pc) {
      this.deliverRequest(t, pc);
      return;
    }
    if (source && source.pending.length) {
      const ctx = source.pending.shift()!;
      this.takeSignal(ctx);
      this.setResult(t, SYS_RESULT.RECEIVED_SIGNAL, ctx.imprint, ctx.lastCount);
      return;
    }
    t.block = { kind: 'receive', source };
    if (source) source.waiters.push(t);
    this.update(t);
  }

  // ---------------------------------------------------------- system calls --

  private syscall(t: Thread): void {
    const h = this.cpus[t.cpu].hart;
    const x = h.x;
    const pd = t.pd;
    switch (x[17]) {
      case SYS.CALL: {
        const obj = pd.caps.get(x[10] >>> 0);
        if (!obj) return this.setResult(t, SYS_RESULT.INVALID_CAP);
        if (!(obj instanceof RpcObject)) return this.setResult(t, SYS_RESULT.WRONG_TYPE);
        const server = obj.ep;
        if (server !== null && !server.dead && server.block?.kind === 'receive' && !obj.core) {
          // Fast path: the server waits, so the message goes from UTCB to UTCB directly.
          const r = this.copyMessage(t, server, obj.badge);
          if (r !== SYS_RESULT.OK) return this.setResult(t, r);
          const call = this.newCallId();
          this.trace.emit(this.now(), t.cpu, t, TraceKind.RPC_CALL, obj.id, call);
          t.block = { kind: 'call', target: obj };
          this.update(t);
          this.unblock(server);
          server.replyTo = t;
          server.replyCall = call;
          this.setResult(server, SYS_RESULT.RECEIVED_RPC);
          this.trace.emit(this.now(), server.cpu, server, TraceKind.RPC_DISPATCH, obj.id, call);
          this.update(server);
          return;
        }
        const msg = this.readMessage(t);
        if (typeof msg === 'number') return this.setResult(t, msg);
        this.invoke(t, obj, msg.data, msg.caps);
        return;
      }
      case SYS.REPLY:
        return this.setResult(t, this.sysReply(t));
      case SYS.REPLY_WAIT: {
        let source: SignalSource | null = null;
        if (x[11] >>> 0 !== 0) {
          const s = sourceOf(pd, x[11] >>> 0);
          if (typeof s === 'number') return this.setResult(t, s);
          source = s;
        }
        if ((x[10] >>> 0) & 1 && t.replyTo !== null) {
          const r = this.sysReply(t);
          if (r !== SYS_RESULT.OK) return this.setResult(t, r);
        }
        this.receive(t, source);
        return;
      }
      case SYS.SIGNAL_SUBMIT: {
        const ctx = contextOf(pd, x[10] >>> 0);
        if (typeof ctx === 'number') return this.setResult(t, ctx);
        this.setResult(t, SYS_RESULT.OK);
        this.submit(ctx, Math.max(1, Math.min(x[11] >>> 0, 0xffff)));
        return;
      }
      case SYS.SIGNAL_WAIT:
      case SYS.SIGNAL_PENDING: {
        const src = sourceOf(pd, x[10] >>> 0);
        if (typeof src === 'number') return this.setResult(t, src);
        if (src.pending.length) {
          const ctx = src.pending.shift()!;
          this.takeSignal(ctx);
          this.trace.emit(this.now(), t.cpu, t, TraceKind.SIGNAL_RECEIVE, ctx.id, ctx.lastCount);
          return this.setResult(t, SYS_RESULT.OK, ctx.imprint, ctx.lastCount);
        }
        if (x[17] === SYS.SIGNAL_PENDING) return this.setResult(t, SYS_RESULT.WOULD_BLOCK);
        t.block = { kind: 'signal', source: src };
        src.waiters.push(t);
        this.update(t);
        return;
      }
      case SYS.SIGNAL_ACK: {
        const ctx = contextOf(pd, x[10] >>> 0);
        if (typeof ctx === 'number') return this.setResult(t, ctx);
        this.setResult(t, SYS_RESULT.OK);
        this.ack(ctx);
        return;
      }
      case SYS.YIELD: {
        this.setResult(t, SYS_RESULT.OK);
        const cpu = this.cpus[t.cpu];
        if (cpu.current === t && cpu.ready.some((o) => rank(o) >= rank(t))) {
          cpu.sliceEnd = 0;
          this.onTimer(cpu);
        }
        return;
      }
      case SYS.STOP:
        this.setResult(t, SYS_RESULT.OK);
        t.block = { kind: 'stopped' };
        this.update(t);
        return;
      case SYS.RESTART: {
        const obj = pd.caps.get(x[10] >>> 0);
        if (!obj) return this.setResult(t, SYS_RESULT.INVALID_CAP);
        const target = obj instanceof RpcObject ? obj.core?.thread : undefined;
        if (!target) return this.setResult(t, SYS_RESULT.WRONG_TYPE);
        this.setResult(t, SYS_RESULT.OK);
        if (target.block?.kind === 'stopped') {
          target.block = null;
          this.update(target);
        }
        return;
      }
      case SYS.DELETE_CAP:
        return this.setResult(t, this.deleteCap(pd, x[10] >>> 0) ? SYS_RESULT.OK : SYS_RESULT.INVALID_CAP);
      case SYS.TIMEOUT: {
        const ctx = contextOf(pd, x[10] >>> 0);
        if (typeof ctx === 'number') return this.setResult(t, ctx);
        if (x[11] >>> 0 === 0) this.cancelTimeouts((o) => o.key === t);
        else this.setTimeout(t, ctx, x[11] >>> 0);
        return this.setResult(t, SYS_RESULT.OK);
      }
      case SYS.TIME: {
        const us = Math.floor(this.nowUs());
        return this.setResult(t, SYS_RESULT.OK, us % 0x1_0000_0000, Math.floor(us / 0x1_0000_0000));
      }
      default:
        return this.setResult(t, SYS_RESULT.NOSYS);
    }
  }

  // ------------------------------------------------------------ page tables --

  /** Installs a 4 KiB mapping vpage → phys in `pd`; `via` are the regions it came through. */
  map(pd: Pd, vpage: number, phys: number, writeable: boolean, executable: boolean, via: Region[]): boolean {
    const i32 = this.m.bus.i32;
    const va = vpage * 0x1000;
    const l1 = (va >>> 22) & 0x3ff;
    let table = pd.l0Tables.get(l1);
    if (table === undefined) {
      const f = this.allocPhys(0x1000, `page table of ${pd.label}`);
      if (f === null) return false;
      table = f;
      pd.l0Tables.set(l1, f);
      pd.tableFrames.push(f);
      i32[(pd.root - RAM_BASE + l1 * 4) >>> 2] = ((f >>> 12) << 10) | PTE_V;
      this.m.bus.markWritten(pd.root - RAM_BASE + l1 * 4, 4);
    }
    const old = pd.mappings.get(vpage);
    if (old) this.unmap(old);
    const flags = PTE_V | PTE_U | PTE_R | PTE_A | (writeable ? PTE_W | PTE_D : 0) | (executable ? PTE_X : 0);
    i32[(table - RAM_BASE + ((va >>> 12) & 0x3ff) * 4) >>> 2] = (Math.floor(phys / 0x1000) << 10) | flags | 0;
    this.m.bus.markWritten(table - RAM_BASE + ((va >>> 12) & 0x3ff) * 4, 4);
    const m: Mapping = new PageMapping(pd, vpage, phys, via);
    pd.mappings.set(vpage, m);
    for (const r of via) r.mappings.add(m);
    this.onMapChange?.(pd, vpage, phys);
    return true;
  }

  /** Removes a mapping and flushes it from every hart's TLB. */
  unmap(m: Mapping): void {
    const pd = m.pd;
    if (pd.mappings.get(m.vpage) !== m) return;
    pd.mappings.delete(m.vpage);
    for (const r of m.via) r.mappings.delete(m);
    const va = m.vpage * 0x1000;
    const table = pd.l0Tables.get((va >>> 22) & 0x3ff);
    if (table !== undefined) {
      this.m.bus.i32[(table - RAM_BASE + ((va >>> 12) & 0x3ff) * 4) >>> 2] = 0;
      this.m.bus.markWritten(table - RAM_BASE + ((va >>> 12) & 0x3ff) * 4, 4);
    }
    for (const { hart } of this.cpus) {
      hart.tlb.flush(va | 0, pd.asid);
      hart.dropFast(pd.asid, m.vpage);
    }
    this.onMapChange?.(pd, m.vpage, null);
  }

  // ----------------------------------------------------------------- traps --

  trap(hart: Hart, cause: number, tval: number): void {
    const cpu = this.cpus[hart.id];
    this.entered = cpu;
    const t = cpu.current;
    if (cause < 0) {
      const code = cause & 0x7fff_ffff;
      if (code === 7) this.onTimer(cpu);
      else if (code === 11) this.onExternal(cpu);
      else if (code === 3) this.m.clint.write(4 * cpu.index, 4, 0);
    } else if (t === null) {
      // A synchronous trap with no thread on the CPU cannot happen; stay idle.
      hart.waiting = true;
    } else if (cause === Cause.ECALL_U) {
      hart.pc = (hart.pc + 4) | 0;
      const nr = hart.x[17];
      this.syscall(t);
      this.afterSyscall?.(t, nr);
      if (t.debugStep && cpu.current === t) this.debugStepDone(t); // the call returned at once
    } else if (cause === Cause.INST_PAGE_FAULT || cause === Cause.LOAD_PAGE_FAULT || cause === Cause.STORE_PAGE_FAULT) {
      const type =
        cause === Cause.INST_PAGE_FAULT
          ? FaultType.EXEC
          : cause === Cause.LOAD_PAGE_FAULT
            ? FaultType.READ
            : FaultType.WRITE;
      this.trace.emit(this.m.mtime(hart), cpu.index, t, TraceKind.PAGE_FAULT, tval >>> 0, type);
      const r = this.client ? this.client.pageFault(t, tval >>> 0, type) : 'unresolved';
      if (r === 'mapped')
        this.trace.emit(this.m.mtime(hart), cpu.index, t, TraceKind.PAGE_FAULT_RESOLVED, tval >>> 0, type);
    } else {
      this.exception(t, cause, tval);
    }
    this.fireTimeouts();
    this.reschedule(cpu);
    if (cpu.current !== null) this.programTimer(cpu);
    this.entered = null;
  }

  /** Stops `t` after an exception and tells its exception handler (like core does). */
  exception(t: Thread, cause: number, tval: number): void {
    t.stopState = 2; // THREAD_STATE.EXCEPTION
    t.stopCause = cause;
    t.stopTval = tval;
    t.paused = true;
    this.update(t);
    this.trace.emit(this.now(), t.cpu, t, TraceKind.EXCEPTION, cause, tval);
    this.client?.exception(t, cause, tval);
    if (t.exceptionSigh) this.submit(t.exceptionSigh, 1);
  }

  private onExternal(cpu: Cpu): void {
    // Claim from hart 0's M-mode context; core masks the source until the driver acks.
    const plic = this.m.plic;
    const claimOff = 0x20_0004 + 0x1000 * (2 * cpu.index);
    for (;;) {
      const irq = plic.read(claimOff, 4) ?? 0;
      if (irq === 0) break;
      this.trace.emit(this.m.mtime(cpu.hart), cpu.index, cpu.current, TraceKind.IRQ, irq, 0);
      this.client?.irq(irq);
    }
  }

  // -------------------------------------------------------------- analysis --

  /** Why `t` does not run, in words (null if it is runnable). */
  reason(t: Thread): string | null {
    if (t.dead) return 'dead';
    if (!t.started) return 'not started';
    if (t.debugPaused) return 'paused by the debugger';
    if (t.paused)
      return t.stopState === 2 ? 'stopped by an exception' : t.stopState === 1 ? 'stopped by a page fault' : 'paused';
    const b: BlockReason | null = t.block;
    if (b === null) return null;
    switch (b.kind) {
      case 'call':
        return `blocked calling ${b.target.core ? b.target.core.describe() : `object ${b.target.id} of ${b.target.ep?.pd.label ?? '?'}`}`;
      case 'receive':
        return 'waiting for a request';
      case 'signal':
        return `waiting for signal source ${b.source.id}`;
      case 'page_fault':
        return `page fault at 0x${b.addr.toString(16).padStart(8, '0')} in ${b.rm.name}`;
      case 'stopped':
        return 'stopped';
    }
  }

  /**
   * The wait-for graph: an edge t → u when t waits for u (t calls an object served by u, or t
   * is blocked by a page fault in a region map whose fault handler is served by u's PD... the
   * latter resolved by core through the handler's signal source waiters).
   */
  waitFor(): { from: Thread; to: Thread; why: string }[] {
    const edges: { from: Thread; to: Thread; why: string }[] = [];
    for (const t of this.threads.values()) {
      const b = t.block;
      if (b?.kind === 'call' && b.target.ep)
        edges.push({ from: t, to: b.target.ep, why: `RPC to object ${b.target.id}` });
      if (b?.kind === 'page_fault' && b.rm.faultHandler) {
        for (const w of this.threads.values()) {
          if (w.pd === b.rm.faultHandler.owner && w !== t)
            edges.push({ from: t, to: w, why: `page fault in ${b.rm.name}` });
        }
      }
    }
    // Threads serving a call wait for nothing; threads waiting to be served by a thread that is
    // itself blocked in a call form chains: cycles are deadlocks.
    return edges;
  }

  /** Cycles in the wait-for graph (each a list of threads, smallest id first). */
  deadlocks(): Thread[][] {
    const edges = this.waitFor().filter((e) => e.why.startsWith('RPC'));
    const next = new Map<Thread, Thread[]>();
    for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const cycles: Thread[][] = [];
    const seen = new Set<string>();
    const visit = (start: Thread, t: Thread, path: Thread[]): void => {
      for (const n of next.get(t) ?? []) {
        if (n === start) {
          const key = [...path]
            .map((p) => p.id)
            .sort((a, b) => a - b)
            .join(',');
          if (!seen.has(key)) {
            seen.add(key);
            cycles.push([...path]);
          }
        } else if (!path.includes(n) && n.id > start.id) {
          visit(start, n, [...path, n]);
        }
      }
    };
    for (const t of [...next.keys()].sort((a, b) => a.id - b.id)) visit(t, t, [t]);
    return cycles;
  }
}

/**
 * A call to a core object in progress: what the server sees (`CoreCall`) and how its reply
 * reaches the caller. A plain object rather than a closure, so a call that a server deferred
 * (a session request waiting for its server) is part of a snapshot like any other state.
 */
export class PendingCoreCall implements CoreCall {
  op = '';
  args: Record<string, number | string | null> = {};
  caps: Record<string, KObject | null> = {};
  readonly rest: number[] = [];
  readonly caller: Thread | null;
  /** True while the server's dispatch runs: a reply then is delivered when it returns. */
  sync = true;
  done = false;
  deferredSync: CoreReply | null = null;

  constructor(
    private readonly kernel: Kernel,
    private readonly from: Caller,
    private readonly call: number,
  ) {
    this.caller = from instanceof Thread ? from : null;
  }

  complete(reply: CoreReply): void {
    if (this.done) return;
    this.done = true;
    if (this.sync) this.deferredSync = reply;
    else this.finish(reply);
  }

  finish(reply: CoreReply): void {
    this.kernel.replyFromCore(this.from, this.call, reply);
  }
}
