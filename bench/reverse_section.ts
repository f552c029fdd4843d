/**
 * bench:snapshot's reverse-execution figures: the slowdown of recording (ring snapshots at the
 * default interval while the system runs, as the engine host takes them between slices) and
 * the latency of a reverse step with the default interval.
 */
import { join } from 'node:path';
import { loadScenario, SCENARIO_ROOT } from '../src/cli/scenario_files';
import { System } from '../src/engine/core/system';
import type { Debugger, DebuggerState } from '../src/engine/debug/debugger';
import { createDebugger } from '../src/engine/debug/programs';
import { DEFAULT_INTERVAL_CYCLES, TimeTravel } from '../src/engine/debug/time_travel';

export interface Figure {
  what: string;
  value: string;
  floor: string;
  ok: boolean;
}

function boot(file: string): System {
  const sc = loadScenario(file);
  if (typeof sc === 'string') throw new Error(sc);
  const sys = System.boot(sc.xml, sc.modules, {});
  if (typeof sys === 'string') throw new Error(sys);
  return sys;
}

const makeDebugger = (sys: System, state: DebuggerState): Debugger => {
  const d = createDebugger(sys);
  const err = d.loadState(state);
  if (err) throw new Error(err);
  return d;
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Host time to run `cycles` in host-sized slices, with or without recording. */
function runFor(file: string, warm: number, cycles: number, record: boolean): { ms: number; snapshots: number } {
  const sys = boot(file);
  sys.run(warm);
  const tt = record ? new TimeTravel(makeDebugger) : null;
  tt?.checkpoint(sys, true);
  const t0 = performance.now();
  const end = sys.machine.position + cycles;
  while (sys.machine.position < end) {
    const r = sys.run(2_000_000);
    tt?.checkpoint(sys);
    if (r === 'halted' || r === 'idle') throw new Error(`${file} stopped running (${r}) before ${cycles} cycles`);
  }
  return { ms: performance.now() - t0, snapshots: tt?.snapshots.length ?? 0 };
}

/**
 * Recording slowdown on `file`: runs of `cycles` with and without recording, alternated so
 * that the machine's noise hits both alike; the median ratio.
 */
export function recordingSlowdown(file: string, warm: number, cycles: number, rounds = 5): Figure & { detail: string } {
  const ratios: number[] = [];
  let plain = 0;
  let snaps = 0;
  for (let r = 0; r < rounds; r++) {
    const a = runFor(file, warm, cycles, false);
    const b = runFor(file, warm, cycles, true);
    ratios.push(b.ms / a.ms);
    plain = a.ms;
    snaps = b.snapshots;
  }
  const slow = (median(ratios) - 1) * 100;
  return {
    what: `recording slowdown (${(cycles / 1e6).toFixed(0)}M cycles, snapshot every ${DEFAULT_INTERVAL_CYCLES / 1e6}M cycles)`,
    value: `${slow.toFixed(1)} %`,
    floor: '≤ 10 %',
    ok: slow <= 10,
    detail: `${snaps} snapshots; ${((cycles / plain) * 1e-3).toFixed(1)} MIPS without recording`,
  };
}

/**
 * Reverse-step latency with the default interval: records `cycles` of `file`, then steps a
 * busy thread back at several moments; the median and the slowest.
 */
export function reverseStepLatency(file: string, cycles: number, thread: string): Figure[] {
  const sys = boot(file);
  const tt = new TimeTravel(makeDebugger);
  tt.checkpoint(sys, true);
  while (sys.machine.position < cycles) {
    const r = sys.run(2_000_000);
    tt.checkpoint(sys);
    if (r === 'halted' || r === 'idle') throw new Error(`${file} stopped running (${r}) before ${cycles} cycles`);
  }
  const t = [...sys.kernel.threads.values()].find((x) => `${x.pd.label}/${x.name}` === thread);
  if (!t) throw new Error(`no thread ${thread}`);
  const times: number[] = [];
  // Step back from the present, then from earlier moments spread over the history, latest
  // first (going back drops the recorded future). Moments just before a snapshot are the worst
  // case: a whole interval to replay, twice.
  const interval = DEFAULT_INTERVAL_CYCLES * sys.machine.harts.length;
  const first = (tt.earliest ?? 0) + interval;
  let now = { sys, dbg: createDebugger(sys) };
  for (let k = 0; k < 7; k++) {
    if (k > 0) {
      const target = Math.floor(first + ((now.sys.machine.position - first) * (6 - k)) / (7 - k)) + interval - 1;
      const g = tt.goto(Math.min(target, now.sys.machine.position), now.sys.machine.position, now.dbg.saveState());
      if (typeof g === 'string') throw new Error(g);
      now = g;
    }
    const t0 = performance.now();
    const m = tt.reverseStep(t.id, now.sys.machine.position, now.dbg.saveState());
    times.push(performance.now() - t0);
    if (typeof m === 'string') throw new Error(`reverse step at position ${now.sys.machine.position}: ${m}`);
    now = m;
  }
  const med = median(times);
  const worst = Math.max(...times);
  return [
    {
      what: `reverse step, median of ${times.length} (snapshot every ${DEFAULT_INTERVAL_CYCLES / 1e6}M cycles executed)`,
      value: `${med.toFixed(0)} ms`,
      floor: '≤ 500 ms',
      ok: med <= 500,
    },
    { what: 'reverse step, slowest', value: `${worst.toFixed(0)} ms`, floor: '≤ 500 ms', ok: worst <= 500 },
  ];
}

/** Where the bench scenarios live. */
export const BENCH_SCENARIOS = join(import.meta.dirname, 'scenarios');
export const DEMO = join(SCENARIO_ROOT, 'demo.xml');
