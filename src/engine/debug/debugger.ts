/**
 * The debugger inside the engine: run control (all-stop and per thread), breakpoints,
 * watchpoints and catchpoints, stepping, and the state of threads and memory.
 *
 * Nothing here changes what the guest sees:
 * - breakpoints patch the machine's decoded-instruction cache, never guest memory; the hart
 *   asks `onBreakpoint` when it reaches one and either stops before the instruction or runs it;
 * - watchpoints are load and store watches on the physical pages behind a PD's virtual range;
 *   they stop a thread BEFORE the access (pc on the accessing instruction, memory unchanged),
 *   as RISC-V debug triggers do and as gdb expects; the stop reports the value the access
 *   would write or read, and a step shows its effect;
 * - a thread resumed where it stopped executes that instruction once without stopping there
 *   again (its breakpoint and its watched accesses let it pass, see `Pass`);
 * - a stop ends `Machine.run` between two instructions ('break') and the next run finishes the
 *   interrupted round, so virtual time does not advance while stopped and an execution with
 *   stops is the execution without them;
 * - threads held by the debugger are `debugPaused`, which the guest's CPU session cannot see.
 *
 * Breakpoints and watchpoints belong to a PD and are given by virtual address. They are
 * resolved to physical addresses through the PD's page tables and follow them: a breakpoint on
 * a page that is not mapped yet is pending until core's pager maps it.
 */
import type { Hart } from '../cpu/hart';
import { RAM_BASE } from '../cpu/bus';
import type { System } from '../core/system';
import type { Pd, Thread } from '../core/kernel_objects';
import { TraceKind } from '../core/trace';
import { evaluate, parseExpression, registerNumber, type Expr, type ExprEnv } from './expression';

/** Symbols and lines of one PD's program (see symbols.ts). */
export interface ProgramInfo {
  symbolize(addr: number): { name: string; offset: number } | null;
  lookup(name: string): number | null;
  lineOf(pc: number): { file: string; line: number; column?: number } | null;
  /** Addresses of `file:line` (or the next line with code) and the line used. */
  addressesOf(file: string, line: number): { addresses: number[]; line: number } | null;
  /** Address range [start, end) of the line-table segment holding pc. */
  lineRange(pc: number): { start: number; end: number } | null;
}

/** Frame-pointer unwinding (see unwind.ts): the caller chain of a thread. */
export type Unwinder = (
  regs: { pc: number; sp: number; fp: number; ra: number },
  read32: (va: number) => number | null,
  pd: Pd,
) => { pc: number; fp: number; function?: string; offset?: number; file?: string; line?: number }[];

export type WatchAccess = 'read' | 'write' | 'access';

export type CatchEvent =
  | { kind: 'pageFault' }
  | { kind: 'exception' }
  | { kind: 'irq'; irq?: number }
  | { kind: 'rpc'; service?: string }
  | { kind: 'signal' }
  | { kind: 'sessionOpen'; service?: string }
  | { kind: 'sessionClose'; service?: string }
  | { kind: 'quotaExhausted' }
  | { kind: 'log'; pattern: string }
  | { kind: 'deadlock' };

export interface BreakpointSpec {
  pd: number;
  address?: number;
  symbol?: string;
  file?: string;
  line?: number;
  condition?: string;
  /** Hits to ignore before stopping (GDB's ignore count). */
  ignoreCount?: number;
  enabled?: boolean;
  /** Only this thread stops here. */
  thread?: number;
  /** Removed after it stops once. */
  temporary?: boolean;
}

export interface Breakpoint {
  readonly id: number;
  readonly pd: number;
  readonly address: number;
  /** How it was given: "0x10234", "main", "counter.c:14". */
  readonly location: string;
  condition: string | null;
  ignoreCount: number;
  hits: number;
  enabled: boolean;
  readonly thread: number | null;
  readonly temporary: boolean;
  /** Not mapped yet: armed when core's pager maps its page. */
  pending: boolean;
  /** Set by the debugger itself (stepping); not listed. */
  readonly internal: boolean;
}

export interface Watchpoint {
  readonly id: number;
  readonly pd: number;
  readonly address: number;
  readonly length: number;
  readonly access: WatchAccess;
  hits: number;
}

export interface Catchpoint {
  readonly id: number;
  readonly event: CatchEvent;
  hits: number;
}

export type StopReason =
  'breakpoint' | 'watchpoint' | 'step' | 'pause' | 'catchpoint' | 'exception' | 'fault' | 'idle' | 'halted';

export interface Stop {
  reason: StopReason;
  thread: number | null;
  pc: number | null;
  /** A sentence for people: "breakpoint 2 at counter.c:14 (component_construct+0x1c)". */
  message: string;
  breakpoint?: number;
  /**
   * The access a watchpoint stopped before: the first watched byte it touches, and the value
   * it would write, or the memory it would read.
   */
  watchpoint?: { id: number; address: number; access: 'read' | 'write'; value: number };
  catchpoint?: { id: number; detail: string };
}

interface StepOp {
  kind: 'instruction' | 'line' | 'over' | 'out' | 'to';
  thread: Thread;
  /** For 'line': the line range to leave, and whether calls are stepped over. */
  range?: { start: number; end: number };
  over?: boolean;
  /** For 'over'/'out'/'to': the internal breakpoint that ends it. */
  bp?: Breakpoint;
  /** Frame check: the step ends only where sp is at least this (not in a deeper recursion). */
  minSp?: number;
}

type Result<T> = T | { error: string };

/** A change made through the debugger (see `Debugger.onInput`). */
export type DebuggerInput =
  | { kind: 'register'; thread: number; reg: string; value: number }
  | { kind: 'memory'; pd: number; address: number; bytes: number[] }
  | { kind: 'physical'; address: number; bytes: number[] }
  | { kind: 'hold'; thread: number; paused: boolean };

/** What a snapshot keeps of the debugger (see `Debugger.saveState`). */
export interface DebuggerState {
  nextId: number;
  breakpoints: {
    id: number;
    pd: number;
    address: number;
    location: string;
    condition: string | null;
    ignoreCount: number;
    hits: number;
    enabled: boolean;
    thread: number | null;
    temporary: boolean;
  }[];
  watchpoints: Watchpoint[];
  catchpoints: Catchpoint[];
  /** Where it was stopped (resuming passes the breakpoint it stopped at). */
  lastStop: Stop | null;
}

/** A debugger state with nothing set. */
export const EMPTY_DEBUGGER_STATE: DebuggerState = {
  nextId: 1,
  breakpoints: [],
  watchpoints: [],
  catchpoints: [],
  lastStop: null,
};

/**
 * A thread resumed at `pc` passes the breakpoints at `pc` and the watchpoints its accesses
 * there touch, once: for the one execution of that instruction that begins the run. `slot` is
 * an internal breakpoint at `pc` that marks where each execution of it begins, so the pass
 * ends exactly (a loop that comes back to `pc` stops there as it should).
 */
interface Pass {
  readonly thread: Thread;
  readonly pc: number;
  readonly slot: Breakpoint | null;
  /** The thread has begun executing the instruction (its breakpoint check passed). */
  begun: boolean;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export class Debugger {
  private nextId = 1;
  /** Internal breakpoints (stepping, passes) count apart, so that listed ids stay dense. */
  private nextInternalId = 1;
  private readonly bps = new Map<number, Breakpoint>();
  /** Breakpoints by PD id and virtual address. */
  private readonly bpsAt = new Map<string, Breakpoint[]>();
  /** Physical addresses this debugger armed in the machine (with counts), per breakpoint. */
  private readonly armed = new Map<Breakpoint, number>();
  private readonly bpExpr = new Map<Breakpoint, Expr>();
  private readonly wps = new Map<number, { wp: Watchpoint; hooks: { phys: number; unhook: () => void }[] }>();
  private readonly cps = new Map<number, Catchpoint>();
  private pending: Stop | null = null;
  private step: StepOp | null = null;
  /** The threads that pass their current instruction once in this run (see `Pass`). */
  private passes: Pass[] = [];
  private runningFlag = false;
  private readonly stopListeners: ((s: Stop) => void)[] = [];
  private readonly resumeListeners: (() => void)[] = [];
  /** The last stop, while stopped. */
  lastStop: Stop | null = null;
  /**
   * Told about every change from outside the guest made through the debugger (register and
   * memory writes, thread holds), whoever asked for it (the UI, the GDB stub): reverse
   * execution records them, to make them again when it replays.
   */
  onInput: ((input: DebuggerInput) => void) | null = null;

  constructor(
    readonly sys: System,
    private readonly programOf: (pd: Pd) => ProgramInfo | null = () => null,
    private readonly unwinder: Unwinder | null = null,
  ) {
    const m = sys.machine;
    m.onBreakpoint = (hart, pc) => this.onBreakpoint(hart, pc);
    sys.kernel.onDebugStep = (t) => this.onStepDone(t);
    sys.kernel.onMapChange = (pd, vpage, phys) => this.onMapChange(pd, vpage, phys);
    sys.kernel.trace.listener = (kind, thread, a, b, text) => this.onTraceEvent(kind, thread, a, b, text);
    this.sessionInfo(0);
  }

  /** True between `resume` and the next stop. */
  get running(): boolean {
    return this.runningFlag;
  }

  // ------------------------------------------------------------ threads --

  thread(id: number): Thread | null {
    return this.sys.kernel.threads.get(id) ?? null;
  }

  pd(id: number): Pd | null {
    return this.sys.kernel.pds.get(id) ?? null;
  }

  private threadOrError(id: number): Result<Thread> {
    const t = this.thread(id);
    if (!t || t.dead) return { error: `no thread ${id}` };
    return t;
  }

  // -------------------------------------------------------- run control --

  /**
   * Lets the system run (all threads not held); whoever owns the engine then calls `run` in
   * slices while `running` (see `onResume`). The thread of the last stop passes its current
   * instruction once.
   */
  resume(): void {
    if (this.runningFlag) return;
    for (const p of this.passes.splice(0)) this.endPass(p);
    const last = this.lastStop;
    if (last && last.thread !== null) {
      const t = this.thread(last.thread);
      if (t && !t.dead) this.addPass(t);
    }
    this.lastStop = null;
    this.runningFlag = true;
    for (const cb of [...this.resumeListeners]) cb();
  }

  /**
   * Calls `cb` whenever the debugger starts running (from `resume`, a step, or a client such
   * as the GDB stub): the owner of the engine then runs slices until the next stop. Returns
   * the unsubscribe function.
   */
  onResume(cb: () => void): () => void {
    this.resumeListeners.push(cb);
    return () => {
      const i = this.resumeListeners.indexOf(cb);
      if (i >= 0) this.resumeListeners.splice(i, 1);
    };
  }

  /** Lets `t` pass the instruction at its pc once (see `Pass`). */
  private addPass(t: Thread): void {
    const pc = this.sys.kernel.pcOf(t) >>> 0;
    if (this.passes.some((p) => p.thread === t)) return;
    const slot = this.addBreakpoint({ pd: t.pd.id, address: pc, thread: t.id }, hex(pc), pc, true);
    this.passes.push({ thread: t, pc, slot: 'error' in slot ? null : slot, begun: false });
  }

  private endPass(p: Pass): void {
    const i = this.passes.indexOf(p);
    if (i >= 0) this.passes.splice(i, 1);
    if (p.slot) this.removeBreakpoint(p.slot.id);
  }

  /** The pass of `t` if it is executing its passed instruction now; ends a pass that is over. */
  private passing(t: Thread): boolean {
    const p = this.passes.find((x) => x.thread === t);
    if (!p) return false;
    if (p.begun && this.sys.kernel.pcOf(t) >>> 0 === p.pc) return true;
    this.endPass(p); // the thread has moved on (or never began: its pc was changed)
    return false;
  }

  /** Stops everything now (between two instructions). */
  pause(): Stop {
    this.step = null;
    return this.stop({ reason: 'pause', thread: null, pc: null, message: 'paused' });
  }

  /**
   * Runs at most `cycles` cycles of virtual time if running. Returns the stop if execution
   * stopped (breakpoint, watchpoint, catchpoint, step done, exception, idle), else null.
   */
  run(cycles: number): Stop | null {
    if (!this.runningFlag) return null;
    const r = this.sys.run(cycles);
    const stepThread = this.step?.thread ?? null;
    if (this.pending) {
      const s = this.pending;
      this.pending = null;
      // Where the thread is now: on a watched access (not executed), past a caught system call.
      const t = s.thread !== null ? this.thread(s.thread) : null;
      if (t && !t.dead) s.pc = this.sys.kernel.pcOf(t) >>> 0;
      return this.stop(s);
    }
    if (stepThread && stepThread.paused && stepThread.stopState) {
      this.step = null;
      const kind = stepThread.stopState === 2 ? 'exception' : 'fault';
      return this.stop({
        reason: kind,
        thread: stepThread.id,
        pc: this.sys.kernel.pcOf(stepThread),
        message: `${stepThread.name} stopped by ${kind === 'exception' ? 'an exception' : 'a page fault'} while stepping`,
      });
    }
    if (r === 'idle' || r === 'halted') {
      this.step = null;
      return this.stop({
        reason: r,
        thread: null,
        pc: null,
        message: r === 'idle' ? 'every thread is blocked' : 'the machine halted',
      });
    }
    return null;
  }

  private stop(s: Stop): Stop {
    this.runningFlag = false;
    this.lastStop = s;
    for (const cb of [...this.stopListeners]) cb(s);
    return s;
  }

  /**
   * Calls `cb` with every stop (from `run`, `pause`, or a step that ends); the engine host
   * turns them into events, a GDB target into stop replies. Returns the unsubscribe function.
   */
  onStop(cb: (s: Stop) => void): () => void {
    this.stopListeners.push(cb);
    return () => {
      const i = this.stopListeners.indexOf(cb);
      if (i >= 0) this.stopListeners.splice(i, 1);
    };
  }

  /** Steps one instruction of `thread` (a system call counts as one, also when it blocks). */
  stepInstruction(thread: number): string | null {
    const t = this.threadOrError(thread);
    if ('error' in t) return t.error;
    this.beginStep({ kind: 'instruction', thread: t });
    return null;
  }

  /** Steps to the next source line, into calls (`over` false) or over them. */
  stepLine(thread: number, over: boolean): string | null {
    const t = this.threadOrError(thread);
    if ('error' in t) return t.error;
    const info = this.programOf(t.pd);
    const range = info?.lineRange(this.sys.kernel.pcOf(t)) ?? null;
    if (range === null) return `no line information at ${hex(this.sys.kernel.pcOf(t))}; step by instruction`;
    this.beginStep({ kind: 'line', thread: t, range, over });
    return null;
  }

  /** Steps over a call instruction (to the instruction after it); other instructions step once. */
  stepOver(thread: number): string | null {
    const t = this.threadOrError(thread);
    if ('error' in t) return t.error;
    const pc = this.sys.kernel.pcOf(t);
    const len = this.callLength(t.pd, pc);
    if (len === 0) return this.stepInstruction(thread);
    return this.runUntil(t, pc + len, 'over');
  }

  /** Runs `thread` until its current function returns to its caller. */
  stepOut(thread: number): string | null {
    const t = this.threadOrError(thread);
    if ('error' in t) return t.error;
    const frames = this.backtrace(thread);
    if ('error' in frames) return frames.error;
    if (frames.length < 2) return 'no caller frame to return to';
    return this.runUntil(t, frames[1].pc, 'out');
  }

  /** Runs until `thread` (or any thread of the PD when null) reaches `address` of PD `pd`. */
  runTo(pd: number, address: number, thread: number | null): string | null {
    const p = this.pd(pd);
    if (!p) return `no PD ${pd}`;
    const t = thread === null ? null : this.threadOrError(thread);
    if (t !== null && 'error' in t) return t.error;
    const bp = this.addBreakpoint({ pd, address, thread: t?.id, temporary: true }, `${hex(address)}`, address, true);
    if ('error' in bp) return bp.error;
    this.step = { kind: 'to', thread: t ?? [...p.threads][0], bp };
    this.resume();
    return null;
  }

  private runUntil(t: Thread, address: number, kind: 'over' | 'out'): string | null {
    const sp = this.sys.kernel.reg(t, 2) >>> 0;
    const bp = this.addBreakpoint({ pd: t.pd.id, address, thread: t.id, temporary: true }, hex(address), address, true);
    if ('error' in bp) return bp.error;
    this.step = { kind, thread: t, bp, minSp: sp }; // a deeper recursion runs with a lower sp
    this.resume();
    this.addPass(t);
    return null;
  }

  private beginStep(op: StepOp): void {
    this.step = op;
    this.sys.kernel.debugStepThread(op.thread);
    this.resume();
    this.addPass(op.thread); // the stepped instruction runs, also if it holds a breakpoint
  }

  /** The kernel says a step of `t` completed. */
  private onStepDone(t: Thread): void {
    const op = this.step;
    if (!op || op.thread !== t) return;
    const pc = this.sys.kernel.pcOf(t);
    if (op.kind === 'line') {
      const r = op.range!;
      if (pc >= r.start && pc < r.end) {
        this.sys.kernel.debugStepThread(t); // still on the line
        return;
      }
      if (op.over && this.isReturnAddressOfCall(t, pc, r)) {
        // Stepped into a call from the line: run to its return, then go on stepping.
        const ra = this.sys.kernel.reg(t, 1) >>> 0;
        const sp = this.sys.kernel.reg(t, 2) >>> 0;
        const bp = this.addBreakpoint({ pd: t.pd.id, address: ra, thread: t.id, temporary: true }, hex(ra), ra, true);
        if (!('error' in bp)) {
          this.step = { kind: 'line', thread: t, range: r, over: true, bp, minSp: sp };
          return;
        }
      }
    }
    this.step = null;
    this.pending = {
      reason: 'step',
      thread: t.id,
      pc,
      message: `${t.name} stepped to ${this.describeAddress(t.pd, pc)}`,
    };
    this.sys.machine.requestBreak();
  }

  /** True if `pc` is the first instruction of a function called from within `range` (ra in range). */
  private isReturnAddressOfCall(t: Thread, pc: number, range: { start: number; end: number }): boolean {
    const ra = this.sys.kernel.reg(t, 1) >>> 0;
    if (!(ra > range.start && ra <= range.end)) return false;
    const info = this.programOf(t.pd);
    const sym = info?.symbolize(pc) ?? null;
    return sym !== null && sym.offset === 0;
  }

  /** Length of the call instruction (jal/jalr/c.jal/c.jalr writing ra) at pc, or 0. */
  private callLength(pd: Pd, pc: number): number {
    const bytes = this.readMemory(pd.id, pc, 4);
    if ('error' in bytes) {
      const two = this.readMemory(pd.id, pc, 2);
      if ('error' in two) return 0;
      return this.callLengthOf(two[0] | (two[1] << 8));
    }
    return this.callLengthOf(bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24));
  }

  private callLengthOf(w: number): number {
    if ((w & 3) !== 3) {
      const h = w & 0xffff;
      if ((h & 0xe003) === 0x2001) return 2; // c.jal (RV32)
      if ((h & 0xf07f) === 0x9002 && (h & 0x0f80) !== 0) return 2; // c.jalr rs1
      return 0;
    }
    const rd = (w >>> 7) & 31;
    const opcode = w & 0x7f;
    return (opcode === 0x6f || opcode === 0x67) && rd === 1 ? 4 : 0;
  }

  /** Holds one thread (the others run on). */
  pauseThread(id: number): string | null {
    const t = this.threadOrError(id);
    if ('error' in t) return t.error;
    this.sys.kernel.setDebugPaused(t, true);
    this.onInput?.({ kind: 'hold', thread: id, paused: true });
    return null;
  }

  resumeThread(id: number): string | null {
    const t = this.threadOrError(id);
    if ('error' in t) return t.error;
    this.sys.kernel.setDebugPaused(t, false);
    this.onInput?.({ kind: 'hold', thread: id, paused: false });
    return null;
  }

  // -------------------------------------------------------- breakpoints --

  /** Sets a breakpoint by address, symbol or source line. */
  setBreakpoint(spec: BreakpointSpec): Result<Breakpoint> {
    const pd = this.pd(spec.pd);
    if (!pd) return { error: `no PD ${spec.pd}` };
    let address: number;
    let location: string;
    if (spec.address !== undefined) {
      address = spec.address >>> 0;
      location = hex(address);
    } else if (spec.symbol !== undefined) {
      const a = this.programOf(pd)?.lookup(spec.symbol) ?? null;
      if (a === null) return { error: `no symbol "${spec.symbol}" in ${pd.label}` };
      address = a;
      location = spec.symbol;
    } else if (spec.file !== undefined && spec.line !== undefined) {
      const r = this.programOf(pd)?.addressesOf(spec.file, spec.line) ?? null;
      if (r === null || r.addresses.length === 0)
        return { error: `no code for ${spec.file}:${spec.line} in ${pd.label}` };
      address = r.addresses[0];
      location = `${spec.file}:${r.line}`;
    } else {
      return { error: 'a breakpoint needs an address, a symbol, or a file and line' };
    }
    if (spec.thread !== undefined) {
      const t = this.thread(spec.thread);
      if (!t || t.pd !== pd) return { error: `no thread ${spec.thread} in ${pd.label}` };
    }
    return this.addBreakpoint(spec, location, address, false);
  }

  private addBreakpoint(
    spec: BreakpointSpec,
    location: string,
    address: number,
    internal: boolean,
  ): Result<Breakpoint> {
    if (address % 2 !== 0) return { error: `breakpoint address ${hex(address)} is not 2-byte aligned` };
    let expr: Expr | null = null;
    if (spec.condition !== undefined && spec.condition.trim() !== '') {
      const p = parseExpression(spec.condition);
      if (!p.ok) return { error: `condition: ${p.error}` };
      expr = p.expr;
    }
    const bp: Breakpoint = {
      id: internal ? -this.nextInternalId++ : this.nextId++,
      pd: spec.pd,
      address: address >>> 0,
      location,
      condition: expr ? spec.condition!.trim() : null,
      ignoreCount: Math.max(0, spec.ignoreCount ?? 0),
      hits: 0,
      enabled: spec.enabled ?? true,
      thread: spec.thread ?? null,
      temporary: spec.temporary ?? false,
      pending: true,
      internal,
    };
    if (expr) this.bpExpr.set(bp, expr);
    this.bps.set(bp.id, bp);
    const key = `${bp.pd}:${bp.address}`;
    const list = this.bpsAt.get(key) ?? [];
    list.push(bp);
    this.bpsAt.set(key, list);
    this.arm(bp);
    return bp;
  }

  /** Patches the machine at the physical address behind a breakpoint, if mapped. */
  private arm(bp: Breakpoint): void {
    if (this.armed.has(bp) || !bp.enabled) return;
    const pd = this.pd(bp.pd);
    const m = pd?.mappings.get(Math.floor(bp.address / 0x1000));
    if (!m) {
      bp.pending = true;
      return;
    }
    const phys = m.phys + (bp.address % 0x1000);
    if (this.sys.machine.addBreakpoint(phys) === null) {
      this.armed.set(bp, phys);
      bp.pending = false;
    }
  }

  private disarm(bp: Breakpoint): void {
    const phys = this.armed.get(bp);
    if (phys === undefined) return;
    this.sys.machine.removeBreakpoint(phys);
    this.armed.delete(bp);
    bp.pending = true;
  }

  updateBreakpoint(
    id: number,
    changes: { enabled?: boolean; condition?: string | null; ignoreCount?: number },
  ): Result<Breakpoint> {
    const bp = this.bps.get(id);
    if (!bp || bp.internal) return { error: `no breakpoint ${id}` };
    if (changes.condition !== undefined) {
      if (changes.condition === null || changes.condition.trim() === '') {
        this.bpExpr.delete(bp);
        bp.condition = null;
      } else {
        const p = parseExpression(changes.condition);
        if (!p.ok) return { error: `condition: ${p.error}` };
        this.bpExpr.set(bp, p.expr);
        bp.condition = changes.condition.trim();
      }
    }
    if (changes.ignoreCount !== undefined) bp.ignoreCount = Math.max(0, changes.ignoreCount);
    if (changes.enabled !== undefined && changes.enabled !== bp.enabled) {
      bp.enabled = changes.enabled;
      if (bp.enabled) this.arm(bp);
      else this.disarm(bp);
    }
    return bp;
  }

  removeBreakpoint(id: number): string | null {
    const bp = this.bps.get(id);
    if (!bp) return `no breakpoint ${id}`;
    this.disarm(bp);
    this.bps.delete(id);
    this.bpExpr.delete(bp);
    const key = `${bp.pd}:${bp.address}`;
    const list = (this.bpsAt.get(key) ?? []).filter((b) => b !== bp);
    if (list.length) this.bpsAt.set(key, list);
    else this.bpsAt.delete(key);
    return null;
  }

  breakpoints(): Breakpoint[] {
    return [...this.bps.values()].filter((b) => !b.internal);
  }

  /**
   * The user's breakpoints, watchpoints and catchpoints as plain data, for snapshots. Internal
   * breakpoints (steps in progress) are not part of it: a snapshot is taken while stopped.
   */
  saveState(): DebuggerState {
    return {
      nextId: this.nextId,
      breakpoints: this.breakpoints().map((b) => ({
        id: b.id,
        pd: b.pd,
        address: b.address,
        location: b.location,
        condition: b.condition,
        ignoreCount: b.ignoreCount,
        hits: b.hits,
        enabled: b.enabled,
        thread: b.thread,
        temporary: b.temporary,
      })),
      watchpoints: this.watchpoints().map((w) => ({ ...w })),
      catchpoints: this.catchpoints().map((c) => ({ id: c.id, event: { ...c.event }, hits: c.hits })),
      lastStop: this.lastStop ? (JSON.parse(JSON.stringify(this.lastStop)) as Stop) : null,
    };
  }

  /**
   * Marks the debugger stopped at `s` without telling the stop listeners (the machine was put
   * there by a snapshot load or a replay; the owner reports it).
   */
  markStopped(s: Stop): void {
    this.runningFlag = false;
    this.step = null;
    this.lastStop = s;
  }

  /**
   * Sets up what {@link saveState} saved, with the same ids, on this debugger (one that has
   * none yet: a restored system's). Returns the first error; what came before it stays.
   */
  loadState(s: DebuggerState): string | null {
    for (const b of s.breakpoints) {
      this.nextId = b.id;
      const r = this.addBreakpoint(
        {
          pd: b.pd,
          address: b.address,
          condition: b.condition ?? undefined,
          ignoreCount: b.ignoreCount,
          enabled: b.enabled,
          thread: b.thread ?? undefined,
          temporary: b.temporary,
        },
        b.location,
        b.address,
        false,
      );
      if ('error' in r) return `breakpoint ${b.id}: ${r.error}`;
      r.hits = b.hits;
    }
    for (const w of s.watchpoints) {
      this.nextId = w.id;
      const r = this.setWatchpoint(w.pd, w.address, w.length, w.access);
      if ('error' in r) return `watchpoint ${w.id}: ${r.error}`;
      r.hits = w.hits;
    }
    for (const c of s.catchpoints) {
      this.nextId = c.id;
      const r = this.setCatchpoint(c.event);
      if ('error' in r) return `catchpoint ${c.id}: ${r.error}`;
      r.hits = c.hits;
    }
    this.nextId = Math.max(this.nextId, s.nextId);
    if (s.lastStop) this.markStopped(JSON.parse(JSON.stringify(s.lastStop)) as Stop);
    return null;
  }

  /** The machine reached a breakpoint slot on `hart`: decide whether to stop. */
  private onBreakpoint(hart: Hart, pc: number): boolean {
    const t = this.sys.kernel.cpus[hart.id].current;
    if (t === null) return false;
    const pass = this.passes.find((p) => p.thread === t);
    if (pass) {
      if (!pass.begun && pass.pc === pc >>> 0) {
        pass.begun = true; // the resumed instruction runs
        return false;
      }
      this.endPass(pass); // a later instruction begins: the pass is over
    }
    const list = this.bpsAt.get(`${t.pd.id}:${pc >>> 0}`);
    if (!list) return false;
    for (const bp of [...list]) {
      if (!bp.enabled || (bp.thread !== null && bp.thread !== t.id)) continue;
      const op = this.step;
      if (bp.internal) {
        if (!op || op.bp !== bp) continue;
        if (op.minSp !== undefined && this.sys.kernel.reg(t, 2) >>> 0 < op.minSp) continue; // deeper recursion
        this.removeBreakpoint(bp.id);
        if (op.kind === 'line') {
          // Back from a call made on the line: go on stepping through the line.
          op.bp = undefined;
          op.minSp = undefined;
          this.sys.kernel.debugStepThread(t);
          return false;
        }
        this.step = null;
        this.pending = {
          reason: 'step',
          thread: t.id,
          pc: pc >>> 0,
          message: `${t.name} stopped at ${this.describeAddress(t.pd, pc)}`,
        };
        return true;
      }
      const expr = this.bpExpr.get(bp);
      if (expr) {
        const v = evaluate(expr, this.exprEnv(t));
        if (typeof v === 'string') {
          this.pending = {
            reason: 'breakpoint',
            thread: t.id,
            pc: pc >>> 0,
            breakpoint: bp.id,
            message: `breakpoint ${bp.id}: condition "${bp.condition}" could not be evaluated: ${v}`,
          };
          return true;
        }
        if (v === 0) continue;
      }
      bp.hits++;
      if (bp.hits <= bp.ignoreCount) continue;
      if (bp.temporary) this.removeBreakpoint(bp.id);
      this.step = null;
      this.pending = {
        reason: 'breakpoint',
        thread: t.id,
        pc: pc >>> 0,
        breakpoint: bp.id,
        message: `${t.pd.label}/${t.name} hit breakpoint ${bp.id} at ${this.describeAddress(t.pd, pc)}`,
      };
      return true;
    }
    return false;
  }

  private exprEnv(t: Thread): ExprEnv {
    const k = this.sys.kernel;
    return {
      reg: (n) => k.reg(t, n) | 0,
      pc: () => k.pcOf(t),
      read: (addr, width) => {
        const b = this.readMemory(t.pd.id, addr, width);
        if ('error' in b) return b.error;
        let v = 0;
        for (let i = width - 1; i >= 0; i--) v = (v << 8) | b[i];
        return v >>> 0;
      },
    };
  }

  /** Page-table changes: arm pending breakpoints and move watch hooks with the mappings. */
  private onMapChange(pd: Pd, vpage: number, phys: number | null): void {
    for (const bp of this.bps.values()) {
      if (bp.pd !== pd.id || Math.floor(bp.address / 0x1000) !== vpage) continue;
      this.disarm(bp);
      if (phys !== null) this.arm(bp);
    }
    for (const w of this.wps.values()) {
      const wp = w.wp;
      if (wp.pd !== pd.id) continue;
      if (vpage * 0x1000 + 0x1000 <= wp.address || vpage * 0x1000 >= wp.address + wp.length) continue;
      this.hookWatch(w);
    }
  }

  // -------------------------------------------------------- watchpoints --

  setWatchpoint(pd: number, address: number, length: number, access: WatchAccess): Result<Watchpoint> {
    const p = this.pd(pd);
    if (!p) return { error: `no PD ${pd}` };
    if (!(length >= 1 && length <= 4096)) return { error: `watch length ${length} outside 1..4096` };
    if (address < 0 || address + length > 0x1_0000_0000) return { error: `watch range outside the address space` };
    const wp: Watchpoint = { id: this.nextId++, pd, address: address >>> 0, length, access, hits: 0 };
    const w = { wp, hooks: [] as { phys: number; unhook: () => void }[] };
    this.wps.set(wp.id, w);
    this.hookWatch(w);
    return wp;
  }

  removeWatchpoint(id: number): string | null {
    const w = this.wps.get(id);
    if (!w) return `no watchpoint ${id}`;
    for (const h of w.hooks) h.unhook();
    this.wps.delete(id);
    return null;
  }

  watchpoints(): Watchpoint[] {
    return [...this.wps.values()].map((w) => w.wp);
  }

  /** (Re)installs the load/store hooks on the physical pages behind a watchpoint's range. */
  private hookWatch(w: { wp: Watchpoint; hooks: { phys: number; unhook: () => void }[] }): void {
    for (const h of w.hooks) h.unhook();
    w.hooks = [];
    const wp = w.wp;
    const pd = this.pd(wp.pd);
    if (!pd) return;
    const bus = this.sys.machine.bus;
    for (let va = wp.address - (wp.address % 0x1000); va < wp.address + wp.length; va += 0x1000) {
      const m = pd.mappings.get(va / 0x1000);
      if (!m) continue;
      const lo = Math.max(va, wp.address);
      const hi = Math.min(va + 0x1000, wp.address + wp.length);
      const physLo = m.phys + (lo - va);
      const physHi = m.phys + (hi - va);
      const toVa = (pa: number): number => va + (pa - m.phys);
      // Asked before the access: true stops the thread there (the hart does not execute it).
      const check = (pa: number, width: number, kind: 'read' | 'write', value: number): boolean => {
        if (pa + width <= physLo || pa >= physHi) return false;
        const t = this.sys.kernel.cpus[this.currentHart()].current;
        if (t === null || t.pd !== pd || this.passing(t)) return false;
        wp.hits++;
        this.pending = {
          reason: 'watchpoint',
          thread: t.id,
          pc: this.sys.kernel.pcOf(t),
          watchpoint: { id: wp.id, address: toVa(Math.max(pa, physLo)) >>> 0, access: kind, value: value >>> 0 },
          message: `${t.pd.label}/${t.name}: watchpoint ${wp.id}: about to ${kind} ${hex(value)} at ${hex(toVa(pa))}`,
        };
        this.step = null;
        this.sys.machine.requestBreak();
        return true;
      };
      if (wp.access !== 'read') {
        const watch = (pa: number, width: number, value: number): boolean =>
          check(pa, width, 'write', width === 4 ? value : value & ((1 << (8 * width)) - 1));
        bus.addStoreWatch(physLo, watch);
        w.hooks.push({ phys: physLo, unhook: () => bus.removeStoreWatch(physLo, watch) });
      }
      if (wp.access !== 'write') {
        const watch = (pa: number, width: number): boolean => {
          const b = bus.readBytes(pa, width); // what the load would read
          let v = 0;
          if (b) for (let i = width - 1; i >= 0; i--) v = (v << 8) | b[i];
          return check(pa, width, 'read', v);
        };
        bus.addLoadWatch(physLo, watch);
        w.hooks.push({ phys: physLo, unhook: () => bus.removeLoadWatch(physLo, watch) });
      }
    }
  }

  /** Index of the hart executing now (the machine runs one at a time). */
  private currentHart(): number {
    return this.sys.machine.runningHart.id;
  }

  // -------------------------------------------------------- catchpoints --

  setCatchpoint(event: CatchEvent): Result<Catchpoint> {
    if (event.kind === 'log') {
      try {
        new RegExp(event.pattern);
      } catch (e) {
        return { error: `log pattern: ${(e as Error).message}` };
      }
    }
    const cp: Catchpoint = { id: this.nextId++, event, hits: 0 };
    this.cps.set(cp.id, cp);
    return cp;
  }

  removeCatchpoint(id: number): string | null {
    return this.cps.delete(id) ? null : `no catchpoint ${id}`;
  }

  catchpoints(): Catchpoint[] {
    return [...this.cps.values()];
  }

  private onTraceEvent(kind: TraceKind, thread: Thread | null, a: number, b: number, text?: string): void {
    if (kind === TraceKind.SESSION_OPEN) this.sessionInfo(a);
    if (this.cps.size === 0) return;
    for (const cp of this.cps.values()) {
      const detail = this.catches(cp.event, kind, thread, a, b, text);
      if (detail === null) continue;
      cp.hits++;
      this.pending = {
        reason: 'catchpoint',
        thread: thread?.id ?? null,
        pc: thread ? this.sys.kernel.pcOf(thread) : null,
        catchpoint: { id: cp.id, detail },
        message: `catchpoint ${cp.id}: ${detail}`,
      };
      this.step = null;
      this.sys.machine.requestBreak();
      return;
    }
  }

  /** A description if `cp` catches this trace event, else null. */
  private catches(
    e: CatchEvent,
    kind: TraceKind,
    thread: Thread | null,
    a: number,
    b: number,
    text: string | undefined,
  ): string | null {
    const who = thread ? `${thread.pd.label}/${thread.name}` : 'core';
    switch (e.kind) {
      case 'pageFault':
        return kind === TraceKind.PAGE_FAULT_UNRESOLVED ? `unresolved page fault at ${hex(a)} in ${who}` : null;
      case 'exception':
        return kind === TraceKind.EXCEPTION ? `exception (cause ${a}) in ${who}` : null;
      case 'irq':
        return kind === TraceKind.IRQ && (e.irq === undefined || e.irq === a) ? `IRQ ${a}` : null;
      case 'signal':
        return kind === TraceKind.SIGNAL_SUBMIT ? `signal submitted by ${who}` : null;
      case 'rpc': {
        if (kind !== TraceKind.RPC_CALL) return null;
        let service: string | null = null;
        for (const o of this.sys.kernel.objects) if (o.id === a) service = this.serviceOf(o);
        if (e.service !== undefined && service !== e.service) return null;
        return `RPC from ${who} to ${service ?? `object ${a}`}`;
      }
      case 'sessionOpen':
      case 'sessionClose': {
        const want = e.kind === 'sessionOpen' ? TraceKind.SESSION_OPEN : TraceKind.SESSION_CLOSE;
        if (kind !== want) return null;
        const s = this.sessionInfo(a);
        if (e.service !== undefined && s?.service !== e.service) return null;
        return `session ${e.kind === 'sessionOpen' ? 'opened' : 'closed'}: ${s ? `${s.service} "${s.label}"` : `${a}`}`;
      }
      case 'quotaExhausted':
        return kind === TraceKind.QUOTA_EXHAUSTED
          ? `${who} ran out of ${b === 1 ? 'capabilities' : 'RAM'} (${a} wanted)`
          : null;
      case 'log': {
        if (kind !== TraceKind.LOG || text === undefined) return null;
        const body = text.replace(/^\[[^\]]*\] /, ''); // events carry "[label] text"
        return new RegExp(e.pattern).test(body) ? `LOG line of ${who}: ${body}` : null;
      }
      case 'deadlock': {
        if (kind !== TraceKind.RPC_CALL && kind !== TraceKind.PAGE_FAULT) return null;
        const cycles = this.sys.kernel.deadlocks();
        return cycles.length ? `deadlock: ${cycles[0].map((t) => `${t.pd.label}/${t.name}`).join(' -> ')}` : null;
      }
    }
  }

  /** Services and labels of core's sessions by id, kept also after they close. */
  private readonly sessionNames = new Map<number, { service: string; label: string }>();

  private sessionInfo(id: number): { service: string; label: string } | null {
    for (const s of this.sys.core.sessions) {
      if (!this.sessionNames.has(s.id)) this.sessionNames.set(s.id, { service: s.service, label: s.label });
    }
    return this.sessionNames.get(id) ?? null;
  }

  private serviceOf(obj: object): string | null {
    const core = (obj as { core?: { service?: string } | null }).core;
    return core?.service ?? null;
  }

  // ---------------------------------------------------------- registers --

  /** pc and x0..x31 of a thread (unsigned). */
  registers(thread: number): Result<{ pc: number; x: number[] }> {
    const t = this.threadOrError(thread);
    if ('error' in t) return t;
    const k = this.sys.kernel;
    const x = [0];
    for (let i = 1; i < 32; i++) x.push(k.reg(t, i) >>> 0);
    return { pc: k.pcOf(t) >>> 0, x };
  }

  /** Writes a register by name (x5, t0, pc) while stopped. */
  setRegister(thread: number, reg: string, value: number): string | null {
    if (this.runningFlag) return 'registers can be written only while stopped';
    const t = this.threadOrError(thread);
    if ('error' in t) return t.error;
    const n = registerNumber(reg);
    if (n === null) return `unknown register "${reg}"`;
    if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0xffff_ffff)
      return `value ${value} is not a 32-bit integer`;
    if (n === 0) return 'x0 is always zero';
    if (n < 0) {
      if (value % 2 !== 0) return `pc ${hex(value)} is not 2-byte aligned`;
      this.sys.kernel.setPc(t, value | 0);
      for (const p of this.passes.filter((x) => x.thread === t)) this.endPass(p);
    } else this.sys.kernel.setReg(t, n, value | 0);
    this.onInput?.({ kind: 'register', thread, reg, value });
    return null;
  }

  // ------------------------------------------------------------- memory --

  /**
   * Reads `len` bytes of PD `pd` at virtual `va`, resolved through its region maps (also where
   * no page is mapped yet). Errors name the first address that cannot be read and why.
   */
  readMemory(pd: number, va: number, len: number): Result<Uint8Array> {
    const p = this.pd(pd);
    if (!p) return { error: `no PD ${pd}` };
    if (!(len >= 0 && len <= 1 << 20)) return { error: `length ${len} outside 0..1 MiB` };
    if (va < 0 || va + len > 0x1_0000_0000) return { error: `range ${hex(va)}+${len} outside the address space` };
    const out = new Uint8Array(len);
    const bus = this.sys.machine.bus;
    for (let done = 0; done < len;) {
      const a = va + done;
      const n = Math.min(len - done, 0x1000 - (a % 0x1000));
      const r = this.sys.core.resolve(p, a, null);
      if (r.kind === 'error') return { error: `${hex(a)}: ${r.why}` };
      if (r.kind === 'unbacked') return { error: `${hex(a)}: nothing attached there in ${r.rm.name}` };
      const bytes = bus.readBytes(r.phys, n);
      if (!bytes) return { error: `${hex(a)}: not RAM (physical ${hex(r.phys)})` };
      out.set(bytes, done);
      done += n;
    }
    return out;
  }

  /** Writes bytes into PD `pd`'s memory (through the region maps; decoded code stays exact). */
  writeMemory(pd: number, va: number, bytes: Uint8Array): string | null {
    const p = this.pd(pd);
    if (!p) return `no PD ${pd}`;
    if (va < 0 || va + bytes.length > 0x1_0000_0000)
      return `range ${hex(va)}+${bytes.length} outside the address space`;
    // Resolve every page first so that a failing write changes nothing.
    const parts: { phys: number; from: number; n: number }[] = [];
    for (let done = 0; done < bytes.length;) {
      const a = va + done;
      const n = Math.min(bytes.length - done, 0x1000 - (a % 0x1000));
      const r = this.sys.core.resolve(p, a, null);
      if (r.kind === 'error') return `${hex(a)}: ${r.why}`;
      if (r.kind === 'unbacked') return `${hex(a)}: nothing attached there in ${r.rm.name}`;
      if (!this.sys.machine.bus.inRam(r.phys, n)) return `${hex(a)}: not RAM`;
      parts.push({ phys: r.phys, from: done, n });
      done += n;
    }
    for (const part of parts) this.sys.machine.bus.writeBytes(part.phys, bytes.subarray(part.from, part.from + part.n));
    this.onInput?.({ kind: 'memory', pd, address: va, bytes: [...bytes] });
    return null;
  }

  readPhysical(pa: number, len: number): Result<Uint8Array> {
    const b = this.sys.machine.bus.readBytes(pa, len);
    return b ?? { error: `physical ${hex(pa)}+${len} is not RAM or ROM` };
  }

  writePhysical(pa: number, bytes: Uint8Array): string | null {
    if (pa < RAM_BASE && pa + bytes.length > 0x1000) return `physical ${hex(pa)} is not RAM`;
    if (!this.sys.machine.bus.writeBytes(pa, bytes)) return `physical ${hex(pa)}+${bytes.length} is not RAM or ROM`;
    this.onInput?.({ kind: 'physical', address: pa, bytes: [...bytes] });
    return null;
  }

  // -------------------------------------------------------------- stack --

  /** Call stack of a thread by frame-pointer unwinding, innermost first. */
  backtrace(
    thread: number,
  ): Result<{ pc: number; fp: number; function?: string; offset?: number; file?: string; line?: number }[]> {
    const t = this.threadOrError(thread);
    if ('error' in t) return t;
    const k = this.sys.kernel;
    const regs = { pc: k.pcOf(t) >>> 0, sp: k.reg(t, 2) >>> 0, fp: k.reg(t, 8) >>> 0, ra: k.reg(t, 1) >>> 0 };
    const info = this.programOf(t.pd);
    const read32 = (va: number): number | null => {
      const b = this.readMemory(t.pd.id, va, 4);
      return 'error' in b ? null : (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
    };
    if (this.unwinder) return this.unwinder(regs, read32, t.pd);
    const sym = info?.symbolize(regs.pc);
    return [{ pc: regs.pc, fp: regs.fp, function: sym?.name, offset: sym?.offset }];
  }

  /** "component_construct+0x1c (counter.c:14)" or the hex address. */
  describeAddress(pd: Pd, addr: number): string {
    const info = this.programOf(pd);
    const sym = info?.symbolize(addr) ?? null;
    const line = info?.lineOf(addr) ?? null;
    const s = sym ? `${sym.name}${sym.offset ? `+0x${sym.offset.toString(16)}` : ''}` : hex(addr);
    return line ? `${s} (${line.file.split('/').pop()}:${line.line})` : s;
  }
}
