import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIO_ROOT } from '../../src/cli/scenario_files';
import { RmSessionComponent } from '../../src/engine/core/rm_session_component';
import { bootScenario, linesOf, runUntil } from './harness';

const LABEL = 'init -> reconfigurable';

describe('scenario reconfigure (dynamic config ROM, session upgrade)', () => {
  it('upgrades a session that ran out of quota: the quota moves from the component to the session', () => {
    const sys = bootScenario('reconfigure');
    expect(runUntil(sys, () => linesOf(sys, LABEL).some((l) => l.includes('config 1')))).toBe(true);
    expect(linesOf(sys, LABEL).slice(0, 3)).toEqual([
      'reconfigurable: 4 region maps, then OUT_OF_RAM',
      'reconfigurable: upgrade by 3K: OK',
      'reconfigurable: 3 more region maps, then OUT_OF_RAM',
    ]);
    const child = sys.init.children.get('reconfigurable')!;
    const rm = [...sys.core.sessions].find(
      (s): s is RmSessionComponent => s instanceof RmSessionComponent && s.label === LABEL,
    )!;
    expect(rm.ram.limit).toBe(4096 + 3072);
    expect(rm.ram.used).toBe(7 * 1024);
    expect(rm.maps.size).toBe(7);
    const record = [...child.sessions.values()].find((s) => s.service === 'RM')!;
    expect(record.ram).toBe(4096 + 3072);
    // An upgrade of more than the component has is refused, and nothing moves.
    expect(sys.core.upgradeSession(rm, child.pd.ram.limit + 1, 0, child.pd)).not.toBe(0);
    expect(rm.ram.limit).toBe(4096 + 3072);
  });

  it('follows a live change of its <config> node through the config ROM without a restart', () => {
    const sys = bootScenario('reconfigure');
    expect(runUntil(sys, () => linesOf(sys, LABEL).some((l) => l.includes('config 1')))).toBe(true);
    expect(linesOf(sys, LABEL)).toContain('reconfigurable: config 1: greeting "Hello" (26 bytes)');
    const pdBefore = sys.init.children.get('reconfigurable')!.pd;

    const xml = readFileSync(join(SCENARIO_ROOT, 'reconfigure.xml'), 'utf8');
    expect(sys.updateConfig(xml.replace('greeting="Hello"', 'greeting="Servus"'))).toBeNull();
    expect(runUntil(sys, () => linesOf(sys, LABEL).some((l) => l.includes('config 2')))).toBe(true);
    expect(linesOf(sys, LABEL)).toContain('reconfigurable: config 2: greeting "Servus" (27 bytes)');
    // Same component, not restarted: the same PD, and the upgrade demo ran once.
    expect(sys.init.children.get('reconfigurable')!.pd).toBe(pdBefore);
    expect(linesOf(sys, LABEL).filter((l) => l.includes('upgrade by'))).toHaveLength(1);

    // An unchanged config node sends no new version.
    expect(sys.updateConfig(xml.replace('greeting="Hello"', 'greeting="Servus"'))).toBeNull();
    sys.run(2_000_000);
    expect(linesOf(sys, LABEL).filter((l) => l.includes('config '))).toHaveLength(2);
  });
});
