/**
 * Reverse execution: a ring of automatic snapshots, a record of every external input, and
 * replays between them.
 *
 * Positions are the machine's `position` (the sum of every hart's cycle count), which names
 * each moment of a run. The engine is deterministic, so restoring the newest snapshot before a
 * moment and running to it again, with the recorded inputs applied at the positions they came
 * in, gives exactly that moment's state. On that:
 * - `goto(x)`: the state at position x;
 * - `reverseStep(thread)`: the state just before the thread's last instruction (found by a first
 *   replay that watches which thread each hart runs, slice by slice);
 * - `reverseContinue()`: the state at the last breakpoint or watchpoint hit before now (found
 *   by replays with the debugger's breakpoints armed, from newer snapshots to older ones).
 *
 * Going back discards the recorded future: snapshots and inputs after the new moment go, and
 * running on from there makes a new future (with whatever inputs come then).
 *
 * Snapshots share unchanged RAM pages with the one before (see `captureSystem`), and the ring
 * drops its oldest ones to stay within its memory budget.
 */
import { RAM_BASE, type Bus } from '../cpu/bus';
import type { System } from '../core/system';
import { PAGE } from '../snapshot/graph';
import { allocatedPages, captureSystem, restoreSystem, type SystemImage } from '../snapshot/system_image';
import { EMPTY_DEBUGGER_STATE, type Debugger, type DebuggerState, type Stop } from './debugger';

/** An external input, applied again at `at` by replays. */
export type RecordedInput =
  | { at: number; kind: 'uart'; bytes: number[]; cycle: number }
  | { at: number; kind: 'register'; thread: number; reg: string; value: number }
  | { at: number; kind: 'memory'; pd: number; address: number; bytes: number[] }
  | { at: number; kind: 'physical'; address: number; bytes: number[] }
  | { at: number; kind: 'config'; xml: string }
  | { at: number; kind: 'hold'; thread: number; paused: boolean };

export interface TimeTravelOptions {
  /**
   * Cycles executed (by all harts; idle time does not count) between automatic snapshots: a
   * replay's cost is the work it redoes, and an idle system skips its idle time for free.
   */
  intervalCycles?: number;
  /** Bytes the snapshots may take together (estimated: their own pages and objects). */
  budgetBytes?: number;
}

export const DEFAULT_INTERVAL_CYCLES = 5_000_000;
export const DEFAULT_BUDGET_BYTES = 512 * 1024 * 1024;

interface Checkpoint {
  at: number;
  img: SystemImage;
  /** Inputs recorded before it was taken (those after are applied by replays from it). */
  inputs: number;
  /** The trace's event count then. */
  traceCount: number;
  /** Cycles the machine had executed then (not idle). */
  work: number;
  /** The RAM it was taken of (writes to it are tracked from then on). */
  bus: Bus;
  bytes: number;
}

/** A system and its debugger, at some moment. */
export interface Moment {
  sys: System;
  dbg: Debugger;
}

/** Makes a debugger for a restored system and gives it the saved breakpoints. */
export type DebuggerFactory = (sys: System, state: DebuggerState) => Debugger;

const RECORD_BYTES = 96;

/** Bytes an image holds beyond what it shares with `prev`. */
function ownBytes(img: SystemImage, prev: SystemImage | null): number {
  let n = img.graph.records.length * RECORD_BYTES;
  const shared = new Set<Uint8Array>();
  if (prev) {
    for (const p of prev.ram) if (p) shared.add(p);
    for (const b of prev.graph.blobs) for (const p of b.pages ?? []) if (p) shared.add(p);
  }
  for (const p of img.ram) if (p && !shared.has(p)) n += p.length;
  for (const b of img.graph.blobs) {
    if (b.bytes) n += b.bytes.length;
    for (const p of b.pages ?? []) if (p && !shared.has(p)) n += p.length;
  }
  return n;
}

export class TimeTravel {
  readonly intervalCycles: number;
  readonly budgetBytes: number;
  private checkpoints: Checkpoint[] = [];
  private inputs: RecordedInput[] = [];
  /** The machine's executed cycles at which the next snapshot is due. */
  private nextAt = 0;
  private readonly writtenPages = new Set<number>();

  constructor(
    private readonly makeDebugger: DebuggerFactory,
    opts: TimeTravelOptions = {},
  ) {
    this.intervalCycles = Math.max(1000, opts.intervalCycles ?? DEFAULT_INTERVAL_CYCLES);
    this.budgetBytes = Math.max(0, opts.budgetBytes ?? DEFAULT_BUDGET_BYTES);
  }

  /** Positions of the snapshots, oldest first. */
  get snapshots(): number[] {
    return this.checkpoints.map((c) => c.at);
  }

  /** Estimated bytes the snapshots hold. */
  get bytes(): number {
    return this.checkpoints.reduce((n, c) => n + c.bytes, 0);
  }

  /** The oldest moment a replay can reach (null before the first snapshot). */
  get earliest(): number | null {
    return this.checkpoints.length ? this.checkpoints[0].at : null;
  }

  get recordedInputs(): readonly RecordedInput[] {
    return this.inputs;
  }

  /**
   * Takes a snapshot of `sys` if one is due (call it between run slices and at stops); `force`
   * takes one now. Returns an error if the system cannot be saved.
   */
  checkpoint(sys: System, force = false): string | null {
    const at = sys.machine.position;
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (!force && sys.machine.executed < this.nextAt) return null;
    if (last && last.at === at) return null;
    // The pages written since the last snapshot; tracking starts over for the next one.
    const written = sys.machine.trackWrites();
    const img = captureSystem(sys, null, {
      previous: last?.img ?? null,
      changedRam: last ? this.candidatePages(sys, last, written) : null,
      changedBuffers: last ? sys.kernel.trace.pagesWrittenSince(last.traceCount) : null,
    });
    if (typeof img === 'string') return img;
    this.checkpoints.push({
      at,
      img,
      inputs: this.inputs.length,
      traceCount: sys.kernel.trace.count,
      work: sys.machine.executed,
      bus: sys.machine.bus,
      bytes: ownBytes(img, last?.img ?? null),
    });
    this.nextAt = sys.machine.executed + this.intervalCycles;
    // The oldest go first; the newest always stays.
    while (this.checkpoints.length > 1 && this.bytes > this.budgetBytes) {
      this.checkpoints.shift();
      const next = this.checkpoints[0];
      next.bytes = ownBytes(next.img, null);
    }
    const first = this.checkpoints[0];
    if (first.inputs > 0) {
      this.inputs = this.inputs.slice(first.inputs);
      const drop = first.inputs;
      for (const c of this.checkpoints) c.inputs -= drop;
    }
    return null;
  }

  /** Records an external input applied now (at the system's position). */
  record(input: RecordedInput): void {
    this.inputs.push(input);
    if (input.kind === 'physical') {
      const first = Math.floor((input.address - RAM_BASE) / PAGE);
      const last = Math.floor((input.address + input.bytes.length - 1 - RAM_BASE) / PAGE);
      for (let p = first; p <= last; p++) this.writtenPages.add(p);
    }
  }

  /**
   * RAM pages that may have changed since `prev` was taken. If `prev` is of this very machine
   * and its writes were tracked since (see `Machine.trackWrites`): the pages written. Else (the
   * first snapshot after a travel or load): the allocated frames (the only RAM guests and core
   * write; free RAM is kept zero), the pages that were not zero then, and pages the debugger
   * wrote by physical address.
   */
  private candidatePages(sys: System, prev: Checkpoint, written: Set<number> | null): Set<number> {
    if (written !== null && prev.bus === sys.machine.bus) {
      this.writtenPages.clear();
      return written;
    }
    const pages = new Set(this.writtenPages);
    this.writtenPages.clear();
    for (const p of allocatedPages(sys)) pages.add(p);
    prev.img.ram.forEach((page, p) => {
      if (page) pages.add(p);
    });
    return pages;
  }

  /** Forgets everything (a new scenario). */
  clear(): void {
    this.checkpoints = [];
    this.inputs = [];
    this.nextAt = 0;
  }

  // ----------------------------------------------------------------- travel --

  /** The state at position `target` (at or after the oldest snapshot, at or before `now`). */
  goto(target: number, now: number, dbgState: DebuggerState): Moment | string {
    if (target > now) return `position ${target} is in the future (now: ${now})`;
    const cp = this.before(target, true);
    if (!cp) return this.tooOld(target);
    const m = this.replay(cp, target, dbgState, null);
    if (typeof m === 'string') return m;
    this.truncate(target);
    return m;
  }

  /**
   * The state just before thread `thread` executed its last instruction before `now`, with the
   * debugger stopped there (reason 'step').
   */
  reverseStep(thread: number, now: number, dbgState: DebuggerState): Moment | string {
    // Search back from the newest snapshot before now until the thread ran.
    let end = now;
    for (let i = this.indexBefore(now, false); i >= 0; i--) {
      const cp = this.checkpoints[i];
      let last = -1;
      const seen = this.replay(cp, end, dbgState, {
        thread,
        slice: (start, used) => {
          if (used > 0) last = start + used - 1;
        },
      });
      if (typeof seen === 'string') return seen;
      if (last >= 0) {
        const m = this.replay(cp, last, dbgState, null);
        if (typeof m === 'string') return m;
        this.truncate(last);
        const t = m.dbg.thread(thread);
        m.dbg.markStopped({
          reason: 'step',
          thread,
          pc: t ? m.sys.kernel.pcOf(t) >>> 0 : null,
          message: `stepped back one instruction of ${t ? `${t.pd.label}/${t.name}` : `thread ${thread}`}`,
        });
        return m;
      }
      end = cp.at;
    }
    return `thread ${thread} did not run since the oldest snapshot (${this.earliest ?? 'none'})`;
  }

  /**
   * The state at the last breakpoint or watchpoint stop before `now`, with the debugger stopped
   * there as it was then.
   */
  reverseContinue(now: number, dbgState: DebuggerState): Moment | string {
    let end = now;
    const armed = dbgState.breakpoints.some((b) => b.enabled) || dbgState.watchpoints.length > 0;
    for (let i = armed ? this.indexBefore(now, false) : -1; i >= 0; i--) {
      const cp = this.checkpoints[i];
      const hits = this.hitsBetween(cp, end, dbgState);
      if (typeof hits === 'string') return hits;
      if (hits.length) {
        const m = this.runToHit(cp, hits.length, dbgState);
        if (typeof m === 'string') return m;
        this.truncate(m.sys.machine.position);
        return m;
      }
      end = cp.at;
    }
    // As gdb does: with no hit to stop at, it goes back to the start of the history.
    const first = this.checkpoints[0];
    if (!first || first.at >= now) return 'no recorded history before now';
    const m = this.replay(first, first.at, dbgState, null);
    if (typeof m === 'string') return m;
    this.truncate(first.at);
    m.dbg.markStopped({
      reason: 'pause',
      thread: null,
      pc: null,
      message: `no breakpoint or watchpoint hit before now: went back to the oldest snapshot (position ${first.at})`,
    });
    return m;
  }

  // ---------------------------------------------------------------- replays --

  private tooOld(target: number): string {
    return this.earliest === null
      ? 'no snapshots yet'
      : `position ${target} is before the oldest snapshot (${this.earliest}); raise the snapshot budget to reach further back`;
  }

  /** Index of the newest snapshot at (or, if not `orAt`, strictly) before `x`. */
  private indexBefore(x: number, orAt: boolean): number {
    for (let i = this.checkpoints.length - 1; i >= 0; i--) {
      const at = this.checkpoints[i].at;
      if (at < x || (orAt && at === x)) return i;
    }
    return -1;
  }

  private before(x: number, orAt: boolean): Checkpoint | null {
    const i = this.indexBefore(x, orAt);
    return i >= 0 ? this.checkpoints[i] : null;
  }

  /** Drops the recorded future after `x`. */
  private truncate(x: number): void {
    this.checkpoints = this.checkpoints.filter((c) => c.at <= x);
    const keep = this.inputs.findIndex((inp, i) => inp.at > x && i >= (this.checkpoints.at(-1)?.inputs ?? 0));
    if (keep >= 0) this.inputs = this.inputs.slice(0, keep);
    this.nextAt = (this.checkpoints.at(-1)?.work ?? 0) + this.intervalCycles;
  }

  /** Restores `cp` with a debugger holding `dbgState`'s breakpoints (not stopped anywhere). */
  private restore(cp: Checkpoint, dbgState: DebuggerState): Moment | string {
    const sys = restoreSystem(cp.img);
    if (typeof sys === 'string') return sys;
    const dbg = this.makeDebugger(sys, { ...dbgState, lastStop: null });
    return { sys, dbg };
  }

  /** Applies recorded input `inp` to a replaying system. */
  private apply(m: Moment, inp: RecordedInput): string | null {
    switch (inp.kind) {
      case 'uart':
        m.sys.machine.input(inp.bytes, inp.cycle);
        return null;
      case 'register':
        return m.dbg.setRegister(inp.thread, inp.reg, inp.value);
      case 'memory':
        return m.dbg.writeMemory(inp.pd, inp.address, Uint8Array.from(inp.bytes));
      case 'physical':
        return m.dbg.writePhysical(inp.address, Uint8Array.from(inp.bytes));
      case 'config':
        return m.sys.updateConfig(inp.xml);
      case 'hold':
        return inp.paused ? m.dbg.pauseThread(inp.thread) : m.dbg.resumeThread(inp.thread);
    }
  }

  /**
   * Restores `cp` and runs the machine alone (breakpoints not armed) to `target`, applying the
   * inputs recorded up to it. `watch` is told about each slice `thread` ran (its start position
   * and cycles used).
   */
  private replay(
    cp: Checkpoint,
    target: number,
    dbgState: DebuggerState,
    watch: { thread: number; slice: (start: number, used: number) => void } | null,
  ): Moment | string {
    // Breakpoints are set only at the end: this run must not stop on the way.
    const m = this.restore(cp, EMPTY_DEBUGGER_STATE);
    if (typeof m === 'string') return m;
    const machine = m.sys.machine;
    if (watch) {
      let start = 0;
      let mine = false;
      machine.sliceObserver = {
        before: (h) => {
          mine = m.sys.kernel.cpus[h.id].current?.id === watch.thread;
          start = machine.position;
        },
        after: (_h, used) => {
          if (mine) watch.slice(start, used);
        },
      };
    }
    try {
      for (let i = cp.inputs; i < this.inputs.length; i++) {
        const inp = this.inputs[i];
        if (inp.at > target) break;
        const err = this.runTo(m.sys, inp.at) ?? this.apply(m, inp);
        if (err) return `replay: ${err}`;
      }
      const err = this.runTo(m.sys, target);
      if (err) return `replay: ${err}`;
    } finally {
      machine.sliceObserver = null;
    }
    const err = m.dbg.loadState({ ...dbgState, lastStop: null });
    if (err) return `replay: ${err}`;
    m.dbg.markStopped({
      reason: 'pause',
      thread: null,
      pc: null,
      message: `went to ${machine.seconds.toFixed(6)} s of virtual time`,
    });
    return m;
  }

  /** Runs `sys` to position `x` exactly (or as far as it gets if every thread blocks). */
  private runTo(sys: System, x: number): string | null {
    const machine = sys.machine;
    machine.stopAt = x;
    try {
      while (machine.position < x) {
        const r = sys.run(1e15);
        if (r === 'halted' || r === 'idle') break;
      }
    } finally {
      machine.stopAt = Infinity;
    }
    return machine.position > x ? `overshot position ${x} (at ${machine.position})` : null;
  }

  /** The breakpoint and watchpoint stops a run from `cp` to `end` makes. */
  private hitsBetween(cp: Checkpoint, end: number, dbgState: DebuggerState): number[] | string {
    const m = this.restore(cp, dbgState);
    if (typeof m === 'string') return m;
    const hits: number[] = [];
    const r = this.drive(m, cp, end, (s) => {
      if (s.reason === 'breakpoint' || s.reason === 'watchpoint') hits.push(m.sys.machine.position);
      return false;
    });
    return typeof r === 'string' ? r : hits;
  }

  /** Restores `cp` and runs with the debugger until its `n`th breakpoint/watchpoint stop. */
  private runToHit(cp: Checkpoint, n: number, dbgState: DebuggerState): Moment | string {
    const m = this.restore(cp, dbgState);
    if (typeof m === 'string') return m;
    let seen = 0;
    const r = this.drive(
      m,
      cp,
      Infinity,
      (s) => (s.reason === 'breakpoint' || s.reason === 'watchpoint') && ++seen === n,
    );
    if (typeof r === 'string') return r;
    if (seen !== n) return 'replay did not reach the breakpoint again';
    return m;
  }

  /**
   * Runs a restored moment with its debugger to `end`, applying recorded inputs on the way;
   * `onStop` sees every stop and returns true to end the run there.
   */
  private drive(m: Moment, cp: Checkpoint, end: number, onStop: (s: Stop) => boolean): null | string {
    const machine = m.sys.machine;
    let next = cp.inputs;
    for (;;) {
      const inp = next < this.inputs.length && this.inputs[next].at <= end ? this.inputs[next] : null;
      const goal = inp ? inp.at : end;
      machine.stopAt = goal;
      m.dbg.resume();
      let stop: Stop | null = null;
      while (machine.position < goal && stop === null) stop = m.dbg.run(1e15);
      machine.stopAt = Infinity;
      if (stop !== null && stop.reason !== 'pause') {
        if (onStop(stop)) return null;
        if (stop.reason === 'idle' || stop.reason === 'halted') return null;
        continue; // resume from the stop
      }
      if (m.dbg.running) m.dbg.pause();
      if (!inp) return null;
      const err = this.apply(m, inp);
      if (err) return `replay: ${err}`;
      next++;
    }
  }
}
