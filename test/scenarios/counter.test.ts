import { describe, expect, it } from 'vitest';
import type { System } from '../../src/engine/core/system';
import type { Thread } from '../../src/engine/core/kernel_objects';
import { bootScenario, linesOf, runUntil } from './harness';

const SECOND = 100_000_000; // cycles at 100 MHz

function thread(sys: System, label: string): Thread {
  const t = [...sys.kernel.threads.values()].find((x) => x.pd.label === label && x.name === 'ep');
  if (!t) throw new Error(`no thread ${label}/ep`);
  return t;
}

/** Runs to `cycles` of virtual time (in steps that end exactly there). */
function runTo(sys: System, cycles: number): void {
  expect(runUntil(sys, () => sys.machine.cycles >= cycles, cycles, 5_000_000)).toBe(true);
}

describe('scenario counter (seed 001: count once a second)', () => {
  it('logs 0, 1, 2, 3 in 3.5 s of virtual time, one line per second', () => {
    const sys = bootScenario('counter');
    const ep = thread(sys, 'init -> counter');
    // Between ticks the only thread is blocked on its timer's signal source, not spinning.
    for (const at of [0.5, 1.5, 2.5, 3.5]) {
      runTo(sys, at * SECOND);
      expect(ep.block?.kind).toBe('signal');
      expect(sys.kernel.reason(ep)).toMatch(/^waiting for signal source \d+$/);
      const src = ep.block?.kind === 'signal' ? ep.block.source : null;
      expect(src?.owner).toBe(ep.pd);
    }
    expect(linesOf(sys, 'init -> counter')).toEqual(['0', '1', '2', '3']);
    const times = sys.log.filter((l) => l.label === 'init -> counter').map((l) => l.time);
    expect(times[0]).toBeLessThan(100_000); // the first line comes right after boot
    for (let i = 1; i < times.length; i++) {
      expect(Math.abs(times[i] - times[i - 1] - 1_000_000)).toBeLessThanOrEqual(1000);
    }
    // Sleeping costs no CPU: the thread ran for a tiny part of the 3.5 s.
    expect(ep.execCycles).toBeLessThan(0.001 * 3.5 * SECOND);
    const child = sys.init.children.get('counter')!;
    expect(child.exitCode).toBeNull();
    expect([...child.sessions.values()].map((s) => s.service)).toEqual(['Timer']);
    expect(sys.core.faults).toHaveLength(0);
    expect(sys.deadlocks()).toEqual([]);
    expect(sys.transcript().filter((l) => l.startsWith('[init]'))).toEqual([]);
  });

  it('runs the same way twice (deterministic)', () => {
    const a = bootScenario('counter');
    const b = bootScenario('counter');
    runTo(a, 3.5 * SECOND);
    runTo(b, 3.5 * SECOND);
    expect(a.transcript()).toEqual(b.transcript());
    expect(a.log.map((l) => l.time)).toEqual(b.log.map((l) => l.time));
    expect(a.machine.stateHash()).toBe(b.machine.stateHash());
  });
});
