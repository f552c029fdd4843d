import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIO_ROOT } from '../../src/cli/scenario_files';
import { System } from '../../src/engine/core/system';
import { loadScenario } from '../../src/cli/scenario_files';
import { bootScenario, linesOf, runUntil } from './harness';

/** Work units per round that each burner logged. */
function rounds(sys: System, name: string): number[] {
  return linesOf(sys, `init -> ${name}`)
    .map((l) => /round \d+: (\d+) work units/.exec(l))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
}

const bothDone = (sys: System) => (): boolean => ['capped', 'background'].every((n) => rounds(sys, n).length >= 2);

describe('scenario cpu_quota (base-hw-style claims)', () => {
  it('limits the high-priority burner to its 25% claim; the low-priority one gets the rest', () => {
    const sys = bootScenario('cpu_quota');
    expect(runUntil(sys, bothDone(sys))).toBe(true);
    const capped = rounds(sys, 'capped');
    const background = rounds(sys, 'background');
    for (let i = 0; i < 2; i++) {
      const share = capped[i] / (capped[i] + background[i]);
      expect(share).toBeGreaterThan(0.22);
      expect(share).toBeLessThan(0.28);
    }
    const t = [...sys.init.children.get('capped')!.pd.threads][0];
    expect(t.quota).toBe(sys.kernel.superTicks / 4);
    const b = [...sys.init.children.get('background')!.pd.threads][0];
    expect(b.quota).toBe(Infinity);
  });

  it('without the quota the higher priority takes the whole CPU', () => {
    const sc = loadScenario(join(SCENARIO_ROOT, 'cpu_quota.xml'));
    if (typeof sc === 'string') throw new Error(sc);
    const xml = readFileSync(join(SCENARIO_ROOT, 'cpu_quota.xml'), 'utf8').replace(
      '<resource name="CPU" quantum="25"/>',
      '',
    );
    const sys = System.boot(xml, sc.modules);
    if (typeof sys === 'string') throw new Error(sys);
    expect(runUntil(sys, () => rounds(sys, 'capped').length >= 2)).toBe(true);
    expect(rounds(sys, 'background')).toEqual([]);
    const b = [...sys.init.children.get('background')!.pd.threads][0];
    expect(b.execCycles).toBe(0);
  });
});
