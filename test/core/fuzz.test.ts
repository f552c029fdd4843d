import { describe, expect, it } from 'vitest';
import { checkInvariants, quotaTotals } from '../../src/engine/core/invariants';
import { bootScenario } from '../scenarios/harness';

describe('kernel fuzzing (resources/scenarios/fuzz.xml)', () => {
  it('answers 100,000+ random system calls and RPCs with error codes, keeping every invariant', () => {
    const sys = bootScenario('fuzz');
    const expected = quotaTotals(sys.core);
    let calls = 0;
    let delivered = 0;
    const violations: string[] = [];
    sys.kernel.afterSyscall = (t, nr) => {
      calls++;
      if (nr === 1 && sys.kernel.reg(t, 10) === 0) delivered++;
      if (violations.length === 0) {
        const bad = checkInvariants(sys.core, expected);
        if (bad.length) violations.push(`after syscall ${nr} #${calls} of ${t.pd.label}/${t.name}: ${bad.join('; ')}`);
      }
    };
    const done = (): boolean => [...sys.init.children.values()].every((c) => c.exitCode !== null);
    let guard = 0;
    while (!done() && guard++ < 4000) {
      const r = sys.run(1_000_000); // never throws: an exception here fails the test
      if (r === 'idle' || r === 'halted') break;
    }
    expect(violations).toEqual([]);
    expect(calls).toBeGreaterThanOrEqual(100_000);
    // The fuzzer reaches real objects, not just the selector check.
    expect(delivered).toBeGreaterThan(10_000);
    expect(sys.transcript().filter((l) => l.endsWith('fuzz: done'))).toHaveLength(3);
    for (const c of sys.init.children.values()) expect(c.exitCode).toBe(0);
  }, 120_000);
});
