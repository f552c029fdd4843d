import { describe, expect, it } from 'vitest';
import { bootScenario, linesOf, runUntil } from './harness';

describe('scenario inspector (periodic Timer, exception handler, single-step, TRACE)', () => {
  it('sees periodic ticks, an exception signal, single steps and itself as a TRACE subject', () => {
    const sys = bootScenario('inspector');
    expect(runUntil(sys, () => sys.init.children.get('inspector')!.exitCode !== null)).toBe(true);
    const lines = linesOf(sys, 'init -> inspector');
    expect(lines.slice(0, 3)).toEqual([
      'inspector: periodic tick 1 at +10 ms',
      'inspector: periodic tick 2 at +20 ms',
      'inspector: periodic tick 3 at +30 ms',
    ]);
    expect(lines).toContain('inspector: exception signal (imprint 7): thread state 2, cause 3, pc in crasher');
    const crasher = [...sys.init.children.get('inspector')!.pd.threads].find((t) => t.name === 'crasher')!;
    expect(crasher.stopState).toBe(2);
    expect(sys.kernel.reason(crasher)).toBe('stopped by an exception');
    expect(
      sys.transcript().some((l) => l.startsWith("[core] Error: breakpoint (pd='init -> inspector' thread='crasher'")),
    ).toBe(true);
    // Single-stepping: three stops, one instruction each, the store not done yet; then it runs on.
    expect(lines).toContain('inspector: single-stepped 3 instructions of stepper, pc advanced 3 times, stored 0');
    expect(lines).toContain('inspector: after stepping, stepper ran on: imprint 8, state 2, cause 3, stored 6');
    const stepper = [...sys.init.children.get('inspector')!.pd.threads].find((t) => t.name === 'stepper')!;
    expect(stepper.singleStep).toBe(false);
    // Creating its threads ran the env CPU session out of caps; the SDK upgraded it (4 at a time).
    const cpu = sys.init.children.get('inspector')!.cpuSession;
    expect(cpu.caps.limit).toBeGreaterThan(2);
    expect((cpu.caps.limit - 2) % 4).toBe(0);
    expect(sys.kernel.reason(stepper)).toBe('stopped by an exception');
    const me = [...sys.init.children.get('inspector')!.pd.threads].find((t) => t.name === 'ep')!;
    expect(lines).toContain(`inspector: TRACE subject ${me.id}: label "init -> inspector" thread "ep" (this thread)`);
    expect(lines).toContain(`inspector: TRACE subject ${crasher.id}: thread "crasher" state 2`);
    expect(lines).toContain('inspector: read 1 TRACE event(s) of kind 17');
    expect(sys.init.children.get('inspector')!.exitCode).toBe(0);
  });
});
