/**
 * The GDB stub's target over the Corescope debugger: gdb-multiarch debugs a running scenario
 * (`new GdbStub(new DebuggerGdbTarget(dbg))`, or `startGdbServer` in host/gdb_server.ts).
 * gdb_target.ts states the contract; this says how the debugger fulfils it.
 *
 * Model
 * - Inferiors are PDs (pid = PD id); threads are the live kernel threads (gdb id = kernel
 *   thread id), named `pd-label/thread-name`, listed by id. Memory is a PD's virtual memory as
 *   its region maps say (`Debugger.readMemory`), registers are the kernel's view of a thread.
 *   Every thread runs in U-mode: `priv` reads 0 and cannot be changed.
 * - The adapter never runs the machine. `resume` only lets the debugger run; whoever owns the
 *   engine calls `dbg.run(cycles)` in slices while `dbg.running` (the engine host does, tests
 *   and tools can use {@link driveDebugger}). Stops come back through `Debugger.onStop`.
 *
 * Run control
 * - `continue` is `Debugger.resume`; `step` is `Debugger.stepInstruction` (the whole system
 *   runs while one thread steps; the kernel stops that thread after one instruction, a system
 *   call counting as one). Only one thread can step at a time.
 * - `stop` holds a thread with the debugger's per-thread hold (`Thread.debugPaused`, which the
 *   guest cannot see) while the others run. The adapter remembers which threads it held and
 *   releases exactly those at the next resume or at detach: a thread the UI holds stays held
 *   (gdb's `continue` does not release it, and a `step` of it is refused).
 * - Stops map to gdb's: a breakpoint of this adapter is 'breakpoint'; a finished step is
 *   'step'; a watchpoint of this adapter is 'watchpoint' (the debugger stops before the
 *   access, as gdb's riscv target expects); a pause (Ctrl-C, or the UI) is SIGINT; a fault
 *   while stepping is SIGSEGV (page fault), SIGILL (illegal instruction), SIGBUS (misaligned)
 *   or SIGTRAP (ebreak); the UI's breakpoints and watchpoints and catchpoints are SIGTRAP
 *   (an exception or page-fault catchpoint gives the fault's signal). When every thread is
 *   blocked and no timer is armed ('idle') or the machine halted, the stop is reported as
 *   SIGTRAP (idle) or SIGABRT (halted), so that gdb regains control instead of waiting
 *   forever; `info threads` then shows where each thread waits. Stops without a thread of
 *   their own (these, and a pause) are reported for the thread on hart 0, else the thread gdb
 *   resumed last, else the first thread.
 * - gdb resumes only the threads of its current inferior unless told `set schedule-multiple
 *   on`. Components depend on each other (a client waits for its server's reply), so with the
 *   other PDs held a `continue` often ends 'idle'; debug a scenario with schedule-multiple on.
 *
 * Breakpoints and watchpoints are the adapter's own, apart from the UI's: a set of (pid, addr)
 * and of (pid, addr, len, kind), each backed by one debugger breakpoint or watchpoint, so
 * inserting twice and removing what is not there both succeed. A thread resumed at an address
 * holding a breakpoint executes that instruction (the debugger lets the thread of the last
 * stop, and a stepped thread, pass it once); the breakpoint fires when a thread arrives there.
 *
 * `kill(pid)` ends the component: init destroys the child whose PD it is (as a reconfiguration
 * that removes it would), which closes its sessions and removes its threads; init logs it.
 * PDs that are not init's children cannot be killed.
 *
 * Reverse execution
 * - Given a {@link GdbTravel} (the engine host's time travel), the adapter has `reverseStep`
 *   and `reverseContinue`. A travel replaces the system and its debugger; the owner calls
 *   {@link DebuggerGdbTarget.rebind} with the new debugger before the travel returns, and the
 *   adapter then reports where the new debugger stopped: a 'step' of the thread, the hit of
 *   one of its breakpoints or watchpoints, or 'historyStart' when the history ran out.
 * - `rebind` (also after a snapshot load or a new scenario) moves the adapter to the new
 *   debugger. A travel keeps breakpoint and watchpoint ids, so the adapter's stay as they
 *   are; any the new debugger does not have (a new system) are set on it again, or dropped
 *   where their PD does not exist. Held threads and gdb's focus carry over where the threads
 *   exist (and, for holds, are still held).
 */
import type { Pd, Thread } from '../core/kernel_objects';
import { CSR } from '../cpu/csr_numbers';
import type { Debugger, Stop } from './debugger';
import {
  GdbSignal,
  REG_PC,
  REG_PRIV,
  type GdbStop,
  type GdbTarget,
  type GdbThread,
  type ResumeRequest,
  type ThreadAction,
  type WatchKind,
} from './gdb_target';

/** satp.MODE = Sv32, as the kernel sets it for every PD. */
const SATP_SV32 = 0x8000_0000;

/** Largest read the contract allows. */
const MAX_READ = 0x1_0000;

/**
 * How a travel ended: at the moment it went for ('moved'); at the oldest moment recorded,
 * because the history ends before that moment ('historyStart'); or not at all (the error).
 */
export type TravelResult = 'moved' | 'historyStart' | { readonly error: string };

/**
 * Reverse execution by the owner of the engine (the engine host's time travel). Each call
 * replaces the system and its debugger and, before it returns, rebinds the adapter to the new
 * debugger (`DebuggerGdbTarget.rebind`), stopped where the travel ended.
 */
export interface GdbTravel {
  /** Back to just before `thread` executed its last instruction. */
  reverseStep(thread: number): TravelResult;
  /** Back to the last breakpoint or watchpoint hit before now. */
  reverseContinue(): TravelResult;
}

export class DebuggerGdbTarget implements GdbTarget {
  private readonly listeners = new Set<(stop: GdbStop) => void>();
  private unsubscribe: () => void;
  private current: Debugger;
  /** The adapter's breakpoints: `pid:addr` → debugger breakpoint id. */
  private readonly breakpoints = new Map<string, number>();
  /** The adapter's watchpoints: `pid:addr:len:kind` → debugger watchpoint id, and back. */
  private readonly watchpoints = new Map<string, number>();
  private readonly watchKinds = new Map<number, WatchKind>();
  /** Threads the adapter holds (`stop` in the last resume); released at the next one. */
  private readonly held = new Set<number>();
  /** The thread gdb stepped or continued last: the one a thread-less stop is reported for. */
  private focus: number | null = null;
  /** Set while `halt` pauses the debugger: that stop is not reported to the listeners. */
  private halting = false;
  /** The stop `halt` made: reported as TRAP, since no signal stopped the target. */
  private haltStop: Stop | null = null;

  /** Reverse execution (present only when the adapter was given a {@link GdbTravel}). */
  readonly reverseStep?: (thread: number) => string | null;
  readonly reverseContinue?: () => string | null;

  constructor(dbg: Debugger, travel?: GdbTravel) {
    this.current = dbg;
    this.unsubscribe = this.subscribe(dbg);
    if (travel) {
      this.reverseStep = (thread) => {
        if (!this.liveThread(thread)) return `no thread ${thread}`;
        this.focus = thread;
        return this.travelled(travel.reverseStep(thread), thread);
      };
      this.reverseContinue = () => this.travelled(travel.reverseContinue(), null);
    }
  }

  /** The debugger served now (a travel replaces it: see `rebind`). */
  get dbg(): Debugger {
    return this.current;
  }

  private subscribe(dbg: Debugger): () => void {
    return dbg.onStop((s) => {
      if (this.halting) return;
      this.report(this.toGdbStop(s));
    });
  }

  private report(stop: GdbStop): void {
    for (const l of [...this.listeners]) l(stop);
  }

  /** Stops listening to the debugger (the target is not used any more). */
  dispose(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  /**
   * Serves `dbg` from now on: the system moved to another moment (a travel keeps the ids of
   * breakpoints and watchpoints) or was replaced (the adapter's breakpoints and watchpoints
   * are set on `dbg` again where their PD exists). Stops of the old debugger are not reported
   * any more; nothing is reported for the move itself.
   */
  rebind(dbg: Debugger): void {
    if (dbg === this.current) return;
    this.unsubscribe();
    this.current = dbg;
    this.unsubscribe = this.subscribe(dbg);
    this.haltStop = null;
    const bps = dbg.breakpoints();
    for (const [key, id] of [...this.breakpoints]) {
      const [pid, addr] = key.split(':').map(Number);
      if (bps.some((b) => b.id === id && b.pd === pid && b.address === addr)) continue;
      const bp = dbg.setBreakpoint({ pd: pid, address: addr });
      if ('error' in bp) this.breakpoints.delete(key);
      else this.breakpoints.set(key, bp.id);
    }
    const wps = dbg.watchpoints();
    for (const [key, id] of [...this.watchpoints]) {
      const kind = this.watchKinds.get(id)!;
      const [pid, addr, len] = key.split(':').map(Number);
      if (wps.some((w) => w.id === id && w.pd === pid && w.address === addr && w.length === len)) continue;
      this.watchKinds.delete(id);
      const wp = dbg.setWatchpoint(pid, addr, len, kind);
      if ('error' in wp) {
        this.watchpoints.delete(key);
      } else {
        this.watchpoints.set(key, wp.id);
        this.watchKinds.set(wp.id, kind);
      }
    }
    // Holds are part of the system's state: the ones that moment has are the adapter's still.
    for (const id of [...this.held]) if (!this.liveThread(id)?.debugPaused) this.held.delete(id);
    if (this.focus !== null && !this.liveThread(this.focus)) this.focus = null;
  }

  // ------------------------------------------------------------- threads --

  threads(): readonly GdbThread[] {
    return this.live().map((t) => ({ id: t.id, pid: t.pd.id, name: `${t.pd.label}/${t.name}` }));
  }

  /** Live kernel threads by id. */
  private live(): Thread[] {
    const out: Thread[] = [];
    for (const t of this.dbg.sys.kernel.threads.values()) if (!t.dead) out.push(t);
    return out.sort((a, b) => a.id - b.id);
  }

  private liveThread(id: number): Thread | null {
    const t = this.dbg.thread(id);
    return t && !t.dead ? t : null;
  }

  // --------------------------------------------------------- run control --

  halt(): GdbStop {
    if (this.dbg.running) {
      this.halting = true;
      try {
        this.haltStop = this.dbg.pause();
      } finally {
        this.halting = false;
      }
    }
    const last = this.dbg.lastStop;
    // Stopped because gdb asked (or never run): TRAP, not a signal.
    if (last === null || last === this.haltStop) return this.signalStop(null, GdbSignal.TRAP);
    return this.toGdbStop(last);
  }

  resume(request: ResumeRequest): string | null {
    const live = this.live();
    if (live.length === 0) return 'no threads to run';
    for (const id of request.threads.keys()) if (!live.some((t) => t.id === id)) return `no thread ${id}`;
    const actionOf = (t: Thread): ThreadAction => request.threads.get(t.id) ?? request.others;
    const steps = live.filter((t) => actionOf(t) === 'step');
    if (steps.length > 1) return `only one thread can step at a time (asked: ${steps.map((t) => t.id).join(', ')})`;
    const heldElsewhere = (t: Thread): boolean => t.debugPaused && !this.held.has(t.id);
    if (steps.length === 1 && heldElsewhere(steps[0]))
      return `thread ${steps[0].id} is held in the debugger UI; release it there to step it`;

    this.releaseHeld();
    for (const t of live) {
      if (actionOf(t) !== 'stop' || t.debugPaused) continue;
      const err = this.dbg.pauseThread(t.id);
      if (err === null) this.held.add(t.id);
    }
    const runs = steps[0] ?? live.find((t) => actionOf(t) === 'continue') ?? null;
    if (runs) this.focus = runs.id;
    if (steps.length === 1) {
      const err = this.dbg.stepInstruction(steps[0].id);
      if (err !== null) {
        this.releaseHeld();
        return err;
      }
    } else {
      this.dbg.resume();
    }
    return null;
  }

  /** Reports where a travel ended (see {@link GdbTravel}), or returns why it failed. */
  private travelled(r: TravelResult, thread: number | null): string | null {
    if (typeof r === 'object') return r.error;
    const t = thread !== null ? this.liveThread(thread) : null;
    if (r === 'historyStart') {
      const who = this.shown(t);
      this.report(who ? { kind: 'historyStart', thread: who.id } : { kind: 'exited', pid: 1, code: 0 });
    } else {
      const last = this.dbg.lastStop;
      this.report(last ? this.toGdbStop(last) : this.signalStop(t, GdbSignal.TRAP));
    }
    return null;
  }

  interrupt(): void {
    if (this.dbg.running) this.dbg.pause(); // reported as SIGINT through the stop listener
  }

  onStop(listener: (stop: GdbStop) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Releases the threads the adapter held (not those held by someone else). */
  private releaseHeld(): void {
    for (const id of this.held) if (this.liveThread(id)) this.dbg.resumeThread(id);
    this.held.clear();
  }

  // ------------------------------------------------------- detach, kill --

  detach(): void {
    for (const id of this.breakpoints.values()) this.dbg.removeBreakpoint(id);
    this.breakpoints.clear();
    for (const id of this.watchpoints.values()) this.dbg.removeWatchpoint(id);
    this.watchpoints.clear();
    this.watchKinds.clear();
    this.releaseHeld();
    this.focus = null;
    this.dbg.resume();
  }

  kill(pid: number | null): string | null {
    const init = this.dbg.sys.init;
    const children = [...init.children.values()].filter((c) => pid === null || c.pd.id === pid);
    if (pid !== null && children.length === 0) {
      return this.dbg.pd(pid) ? `PD ${pid} is not a child of init and cannot be killed` : `no inferior ${pid}`;
    }
    for (const c of children) {
      const pd = c.pd;
      this.forget(pd);
      init.destroyChild(c);
      this.dbg.sys.core.log('init', `child "${c.name}" killed by the debugger`);
    }
    return null;
  }

  /** Drops the adapter's breakpoints, watchpoints and holds in `pd` (it is going away). */
  private forget(pd: Pd): void {
    for (const [key, id] of this.breakpoints) {
      if (key.startsWith(`${pd.id}:`)) {
        this.dbg.removeBreakpoint(id);
        this.breakpoints.delete(key);
      }
    }
    for (const [key, id] of this.watchpoints) {
      if (key.startsWith(`${pd.id}:`)) {
        this.dbg.removeWatchpoint(id);
        this.watchpoints.delete(key);
        this.watchKinds.delete(id);
      }
    }
    for (const t of pd.threads) {
      if (this.held.delete(t.id)) this.dbg.resumeThread(t.id);
    }
  }

  // ---------------------------------------------------------------- stops --

  /** A debugger stop as gdb sees it (see the module comment). */
  private toGdbStop(s: Stop): GdbStop {
    const t = s.thread !== null ? this.liveThread(s.thread) : null;
    switch (s.reason) {
      case 'breakpoint':
        if (t && this.breakpoints.has(`${t.pd.id}:${this.dbg.sys.kernel.pcOf(t) >>> 0}`))
          return { kind: 'breakpoint', thread: t.id };
        return this.signalStop(t, GdbSignal.TRAP);
      case 'step':
        return t ? { kind: 'step', thread: t.id } : this.signalStop(null, GdbSignal.TRAP);
      case 'watchpoint': {
        const kind = s.watchpoint ? this.watchKinds.get(s.watchpoint.id) : undefined;
        if (t && s.watchpoint && kind !== undefined)
          return { kind: 'watchpoint', thread: t.id, access: kind, addr: s.watchpoint.address };
        return this.signalStop(t, GdbSignal.TRAP);
      }
      case 'pause':
        return this.signalStop(t, GdbSignal.INT);
      case 'fault':
        return this.signalStop(t, GdbSignal.SEGV);
      case 'exception':
        return this.signalStop(t, t ? faultSignal(t) : GdbSignal.TRAP);
      case 'catchpoint': {
        const event = this.dbg.catchpoints().find((c) => c.id === s.catchpoint?.id)?.event.kind;
        if (t && event === 'pageFault') return this.signalStop(t, GdbSignal.SEGV);
        if (t && event === 'exception') return this.signalStop(t, faultSignal(t));
        return this.signalStop(t, GdbSignal.TRAP);
      }
      case 'idle':
        return this.signalStop(null, GdbSignal.TRAP);
      case 'halted':
        return this.signalStop(null, GdbSignal.ABRT);
    }
  }

  /**
   * A signal stop of `t`, or of the thread a stop without one is reported for: the thread on
   * hart 0, else the one gdb resumed last, else the first. With no thread at all, the exit of
   * the PD gdb resumed last (or 1).
   */
  private signalStop(t: Thread | null, signal: number): GdbStop {
    const who = this.shown(t);
    if (who) return { kind: 'signal', thread: who.id, signal };
    return { kind: 'exited', pid: 1, code: 0 };
  }

  /** `t`, or the thread a stop without one is reported for (see `signalStop`). */
  private shown(t: Thread | null): Thread | null {
    const k = this.dbg.sys.kernel;
    return (
      t ??
      k.cpus.map((c) => c.current).find((x): x is Thread => x !== null && !x.dead) ??
      (this.focus !== null ? this.liveThread(this.focus) : null) ??
      this.live()[0] ??
      null
    );
  }

  // ------------------------------------------------------------ registers --

  readRegister(thread: number, reg: number): number | null {
    const t = this.liveThread(thread);
    if (!t || !Number.isInteger(reg)) return null;
    const k = this.dbg.sys.kernel;
    if (reg === 0) return 0;
    if (reg > 0 && reg < 32) return k.reg(t, reg) >>> 0;
    if (reg === REG_PC) return k.pcOf(t) >>> 0;
    if (reg === REG_PRIV) return 0; // every thread runs in U-mode
    return null;
  }

  writeRegister(thread: number, reg: number, value: number): string | null {
    const t = this.liveThread(thread);
    if (!t) return `no thread ${thread}`;
    if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0xffff_ffff)
      return `value ${value} is not a 32-bit integer`;
    if (reg === 0) return null;
    if (reg > 0 && reg < 32) return this.dbg.setRegister(thread, `x${reg}`, value);
    if (reg === REG_PC) return this.dbg.setRegister(thread, 'pc', value);
    if (reg === REG_PRIV) return value === 0 ? null : 'priv is read-only: threads run in U-mode';
    return `no register ${reg}`;
  }

  readCsr(thread: number, csr: number): number | null {
    const t = this.liveThread(thread);
    if (!t) return null;
    const m = this.dbg.sys.machine;
    const hart = this.dbg.sys.kernel.cpus[t.cpu].hart;
    const low = (v: number): number => (v % 0x1_0000_0000) >>> 0;
    const high = (v: number): number => Math.floor(v / 0x1_0000_0000) >>> 0;
    switch (csr) {
      case CSR.satp:
        return (SATP_SV32 | (t.pd.asid << 22) | (t.pd.root >>> 12)) >>> 0;
      case CSR.cycle:
        return low(hart.cycleNow() + hart.mcycleDelta);
      case CSR.cycleh:
        return high(hart.cycleNow() + hart.mcycleDelta);
      case CSR.time:
        return low(m.mtime(hart));
      case CSR.timeh:
        return high(m.mtime(hart));
      case CSR.instret:
        return low(hart.instret + hart.minstretDelta);
      case CSR.instreth:
        return high(hart.instret + hart.minstretDelta);
    }
    return null;
  }

  // --------------------------------------------------------------- memory --

  readMemory(pid: number, addr: number, len: number): Uint8Array | string {
    if (!this.dbg.pd(pid)) return `no inferior ${pid}`;
    if (!Number.isInteger(addr) || !Number.isInteger(len) || addr < 0 || len < 1 || len > MAX_READ)
      return `cannot read ${len} bytes at ${addr}`;
    if (addr + len > 0x1_0000_0000) len = 0x1_0000_0000 - addr;
    const out = new Uint8Array(len);
    let done = 0;
    // Page by page, so that an unreadable page ends the read there (a partial read).
    while (done < len) {
      const a = addr + done;
      const n = Math.min(len - done, 0x1000 - (a % 0x1000));
      const r = this.dbg.readMemory(pid, a, n);
      if ('error' in r) {
        if (done === 0) return r.error;
        break;
      }
      out.set(r, done);
      done += n;
    }
    return done === len ? out : out.slice(0, done);
  }

  writeMemory(pid: number, addr: number, bytes: Uint8Array): string | null {
    if (!this.dbg.pd(pid)) return `no inferior ${pid}`;
    if (!Number.isInteger(addr) || addr < 0) return `bad address ${addr}`;
    return this.dbg.writeMemory(pid, addr, bytes);
  }

  // ------------------------------------------------ breakpoints, watches --

  insertBreakpoint(pid: number, addr: number, kind: number): string | null {
    void kind; // informational: breakpoints are checked by the engine, never patched in
    const key = `${pid}:${addr >>> 0}`;
    if (this.breakpoints.has(key)) return null;
    if (!Number.isInteger(addr) || addr < 0 || addr > 0xffff_ffff) return `bad address ${addr}`;
    const bp = this.dbg.setBreakpoint({ pd: pid, address: addr });
    if ('error' in bp) return bp.error;
    this.breakpoints.set(key, bp.id);
    return null;
  }

  removeBreakpoint(pid: number, addr: number, kind: number): string | null {
    void kind;
    const key = `${pid}:${addr >>> 0}`;
    const id = this.breakpoints.get(key);
    if (id === undefined) return null;
    this.breakpoints.delete(key);
    return this.dbg.removeBreakpoint(id);
  }

  insertWatchpoint(pid: number, addr: number, len: number, kind: WatchKind): string | null {
    const key = `${pid}:${addr >>> 0}:${len}:${kind}`;
    if (this.watchpoints.has(key)) return null;
    if (!Number.isInteger(addr) || addr < 0 || !Number.isInteger(len)) return `bad range ${addr}+${len}`;
    const wp = this.dbg.setWatchpoint(pid, addr, len, kind);
    if ('error' in wp) return wp.error;
    this.watchpoints.set(key, wp.id);
    this.watchKinds.set(wp.id, kind);
    return null;
  }

  removeWatchpoint(pid: number, addr: number, len: number, kind: WatchKind): string | null {
    const key = `${pid}:${addr >>> 0}:${len}:${kind}`;
    const id = this.watchpoints.get(key);
    if (id === undefined) return null;
    this.watchpoints.delete(key);
    this.watchKinds.delete(id);
    return this.dbg.removeWatchpoint(id);
  }

  /** How many breakpoints and watchpoints the adapter has inserted (tests). */
  get inserted(): { breakpoints: number; watchpoints: number } {
    return { breakpoints: this.breakpoints.size, watchpoints: this.watchpoints.size };
  }

  /** The threads the adapter holds now (tests). */
  get heldThreads(): readonly number[] {
    return [...this.held];
  }
}

/** gdb's signal for the exception or page fault that stopped `t`. */
function faultSignal(t: Thread): number {
  if (t.stopState === 1) return GdbSignal.SEGV; // page fault
  switch (t.stopCause) {
    case 2: // illegal instruction
      return GdbSignal.ILL;
    case 0: // instruction address misaligned
    case 4: // load address misaligned
    case 6: // store address misaligned
      return GdbSignal.BUS;
    case 1: // instruction access fault
    case 5: // load access fault
    case 7: // store access fault
    case 12: // instruction page fault
    case 13: // load page fault
    case 15: // store page fault
      return GdbSignal.SEGV;
    default: // 3: ebreak, and anything else
      return GdbSignal.TRAP;
  }
}

/**
 * Runs `dbg` whenever it is running: one slice of `sliceCycles` cycles of virtual time per
 * `schedule` callback, so that the host's I/O (gdb's packets, a Ctrl-C) is served between
 * slices. Starts at every resume (`Debugger.onResume`, also a resume gdb asked for) and ends at
 * the stop. For owners of a Debugger without a run loop of their own (tests, tools); pass
 * `setImmediate` in Node. Returns a function that stops driving.
 */
export function driveDebugger(dbg: Debugger, sliceCycles: number, schedule: (fn: () => void) => void): () => void {
  let scheduled = false;
  let ended = false;
  const tick = (): void => {
    scheduled = false;
    if (ended || !dbg.running) return;
    dbg.run(sliceCycles);
    kick();
  };
  const kick = (): void => {
    if (scheduled || ended || !dbg.running) return;
    scheduled = true;
    schedule(tick);
  };
  const off = dbg.onResume(kick);
  kick();
  return () => {
    ended = true;
    off();
  };
}
