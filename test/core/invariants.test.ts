import { describe, expect, it } from 'vitest';
import { RAM_BASE } from '../../src/engine/cpu/bus';
import { checkInvariants, quotaTotals } from '../../src/engine/core/invariants';
import { bootScenario, runUntil } from '../scenarios/harness';

/** The checker the fuzz test relies on must see each kind of corruption. */
describe('kernel invariants checker', () => {
  const booted = () => {
    const sys = bootScenario('hello');
    runUntil(sys, () => sys.transcript().some((l) => l.includes('sleep 1')));
    return { sys, expected: quotaTotals(sys.core) };
  };

  it('holds on a running system', () => {
    const { sys, expected } = booted();
    expect(checkInvariants(sys.core, expected)).toEqual([]);
  });

  it('sees quota created from nothing', () => {
    const { sys, expected } = booted();
    sys.init.children.get('hello')!.pd.ram.limit += 4096;
    expect(checkInvariants(sys.core, expected).join()).toMatch(/RAM quota not conserved/);
  });

  it('sees a reference count that does not match the slots', () => {
    const { sys, expected } = booted();
    const pd = sys.init.children.get('hello')!.pd;
    pd.caps.get(4)!.refs++;
    expect(checkInvariants(sys.core, expected).join()).toMatch(/refs 2 but 1 slots/);
  });

  it('sees a page-table entry that no region backs', () => {
    const { sys, expected } = booted();
    const pd = sys.init.children.get('hello')!.pd;
    const [l1, table] = [...pd.l0Tables][0];
    let i = 0;
    while (sys.machine.bus.i32[(table - RAM_BASE + i * 4) >>> 2] & 1) i++;
    sys.machine.bus.i32[(table - RAM_BASE + i * 4) >>> 2] = ((0x8000_0000 >>> 12) << 10) | 0x1f;
    const bad = checkInvariants(sys.core, expected).join();
    expect(bad).toMatch(new RegExp(`page 0x${((l1 * 1024 + i) * 0x1000).toString(16)} mapped with no mapping record`));
  });
});
