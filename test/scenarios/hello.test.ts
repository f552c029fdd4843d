import { describe, expect, it } from 'vitest';
import { bootScenario, linesOf, runUntil } from './harness';

describe('scenario hello (SDK basics)', () => {
  it('logs, uses the heap and the timer, and exits 0', () => {
    const sys = bootScenario('hello');
    expect(runUntil(sys, () => sys.init.children.get('hello')?.exitCode !== null)).toBe(true);
    const lines = linesOf(sys, 'init -> hello');
    expect(lines[0]).toMatch(/Hello from a Corescope component! The answer is 42 \(0x2a\)/);
    expect(lines.join('\n')).toMatch(/0 mismatches -> ok/);
    expect(lines.filter((l) => /10 ms elapsed \(OK\)/.test(l))).toHaveLength(2);
    expect(sys.transcript()).toContain('[init] child "hello" exited with exit value 0');
    expect(sys.init.children.get('hello')!.exitCode).toBe(0);
  });

  it('runs the same way twice (deterministic)', () => {
    const a = bootScenario('hello');
    const b = bootScenario('hello');
    a.run(5_000_000);
    b.run(5_000_000);
    expect(a.transcript()).toEqual(b.transcript());
    expect(a.machine.stateHash()).toBe(b.machine.stateHash());
  });
});
