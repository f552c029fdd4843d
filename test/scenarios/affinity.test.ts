import { beforeAll, describe, expect, it } from 'vitest';
import type { Thread } from '../../src/engine/core/kernel_objects';
import type { System } from '../../src/engine/core/system';
import { TraceKind } from '../../src/engine/core/trace';
import { bootScenario, linesOf, runUntil } from './harness';

const NAMES = ['left', 'right'] as const;

function boot(cpus: number): System {
  const sys = bootScenario('affinity', { cpus });
  const ok = runUntil(sys, () => NAMES.every((n) => sys.init.children.get(n)?.exitCode !== null));
  expect(ok).toBe(true);
  return sys;
}

function threadsOf(sys: System, name: string): Thread[] {
  return [...sys.kernel.threads.values()].filter((t) => t.pd.label === `init -> ${name}`);
}

/** Work units each round, from the burner's log. */
function rounds(sys: System, name: string): number[] {
  return linesOf(sys, `init -> ${name}`)
    .map((l) => /^burner: round \d+: (\d+) work units in 2 ms/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);
}

function totalUnits(sys: System, name: string): number {
  const m = linesOf(sys, `init -> ${name}`)
    .map((l) => /^burner: done, (\d+) work units$/.exec(l))
    .find((x) => x !== null);
  expect(m).toBeTruthy();
  return Number(m![1]);
}

/** The intervals (mtime ticks) a thread was on a CPU, from the kernel's schedule trace. */
function runIntervals(sys: System, t: Thread): [number, number][] {
  const out: [number, number][] = [];
  let since: number | null = null;
  for (const e of sys.kernel.trace.since(0)) {
    if (e.thread !== t.id) continue;
    if (e.kind === TraceKind.SCHEDULE_IN) since = e.time;
    else if (e.kind === TraceKind.SCHEDULE_OUT && since !== null) {
      out.push([since, e.time]);
      since = null;
    }
  }
  return out;
}

/** Total ticks during which both threads were on a CPU at the same time. */
function overlap(a: [number, number][], b: [number, number][]): number {
  let sum = 0;
  for (const [s1, e1] of a) for (const [s2, e2] of b) sum += Math.max(0, Math.min(e1, e2) - Math.max(s1, s2));
  return sum;
}

const span = (iv: [number, number][]): number => iv.reduce((n, [s, e]) => n + (e - s), 0);

function commonChecks(sys: System): void {
  for (const n of NAMES) {
    const lines = linesOf(sys, `init -> ${n}`);
    // cpu_affinity_space reports init's whole 2x1 space, whatever part of it the PD got.
    expect(lines[0]).toBe('burner: affinity space 2x1 (OK)');
    expect(rounds(sys, n)).toHaveLength(4);
    expect(sys.init.children.get(n)!.exitCode).toBe(0);
  }
  // Init derived each CPU session's location from the <affinity> nodes.
  expect(sys.init.children.get('left')!.cpuSession.location).toEqual({ x: 0, y: 0, width: 1, height: 1 });
  expect(sys.init.children.get('right')!.cpuSession.location).toEqual({ x: 1, y: 0, width: 1, height: 1 });
  expect(sys.core.faults).toEqual([]);
}

describe('scenario affinity (two PDs on mutually exclusive CPUs)', () => {
  let two: System;
  beforeAll(() => {
    two = boot(2);
  });

  describe('on 2 CPUs', () => {
    let sys: System;
    beforeAll(() => {
      sys = two;
    });

    it('places left on CPU 0 and right on CPU 1', () => {
      commonChecks(sys);
      const left = threadsOf(sys, 'left');
      const right = threadsOf(sys, 'right');
      expect(left.length).toBeGreaterThan(0);
      expect(right.length).toBeGreaterThan(0);
      expect(left.map((t) => t.cpu)).toEqual(left.map(() => 0));
      expect(right.map((t) => t.cpu)).toEqual(right.map(() => 1));
    });

    it('runs both at the same time, each at full speed', () => {
      const [l] = threadsOf(sys, 'left');
      const [r] = threadsOf(sys, 'right');
      expect(l.execCycles).toBeGreaterThan(650_000); // ~8 ms at 100 MHz
      expect(r.execCycles).toBeGreaterThan(650_000);
      expect(Math.abs(l.execCycles - r.execCycles)).toBeLessThan(0.05 * l.execCycles);
      const li = runIntervals(sys, l);
      const ri = runIntervals(sys, r);
      // Each had its CPU to itself: on it from start to exit, and the two overlap almost fully.
      expect(overlap(li, ri)).toBeGreaterThan(0.9 * Math.min(span(li), span(ri)));
      // The same work in the same rounds on both.
      expect(rounds(sys, 'left')).toEqual(rounds(sys, 'right'));
      expect(totalUnits(sys, 'left')).toBe(totalUnits(sys, 'right'));
      for (const u of rounds(sys, 'left')) expect(u).toBeGreaterThan(75);
    });
  });

  describe('on 1 CPU', () => {
    let sys: System;
    beforeAll(() => {
      sys = boot(1);
    });

    it('runs both on CPU 0, interleaved round-robin, each with about half the work', () => {
      commonChecks(sys);
      const [l] = threadsOf(sys, 'left');
      const [r] = threadsOf(sys, 'right');
      expect([...threadsOf(sys, 'left'), ...threadsOf(sys, 'right')].map((t) => t.cpu)).toEqual([0, 0]);
      expect(l.execCycles).toBeGreaterThan(0);
      expect(r.execCycles).toBeGreaterThan(0);
      expect(Math.abs(l.execCycles - r.execCycles)).toBeLessThan(0.4 * Math.max(l.execCycles, r.execCycles));

      const li = runIntervals(sys, l);
      const ri = runIntervals(sys, r);
      expect(overlap(li, ri)).toBe(0); // never at the same time
      // Round-robin in 1 ms slices over ~8 ms: many turns, strictly alternating.
      expect(li.length).toBeGreaterThanOrEqual(3);
      expect(ri.length).toBeGreaterThanOrEqual(3);
      const turns = [...li.map(([s]) => [s, 'l'] as const), ...ri.map(([s]) => [s, 'r'] as const)]
        .sort((a, b) => a[0] - b[0])
        .map(([, who]) => who);
      for (let i = 1; i < turns.length - 1; i++) expect(turns[i]).not.toBe(turns[i - 1]);

      // While both ran (every round but the last, which the later one may finish alone), each
      // got about half of what a burner gets done alone on its own CPU, together about as much.
      const alone = rounds(two, 'left');
      const l1 = rounds(sys, 'left');
      const r1 = rounds(sys, 'right');
      for (let i = 0; i < alone.length - 1; i++) {
        expect(l1[i] + r1[i]).toBeGreaterThan(0.85 * alone[i]);
        expect(l1[i] + r1[i]).toBeLessThan(1.15 * alone[i]);
        expect(l1[i]).toBeLessThan(0.6 * alone[i]);
        expect(r1[i]).toBeLessThan(0.6 * alone[i]);
      }
      expect(totalUnits(sys, 'left') + totalUnits(sys, 'right')).toBeLessThan(1.3 * totalUnits(two, 'left'));
    });
  });
});
