import { describe, expect, it } from 'vitest';
import { quotaTotals } from '../../src/engine/core/invariants';
import { bootScenario, linesOf, runUntil } from '../scenarios/harness';

const HEAD = `<config>
  <parent-provides>
    <service name="PD"/> <service name="CPU"/> <service name="RM"/> <service name="ROM"/>
    <service name="LOG"/> <service name="Timer"/>
  </parent-provides>
  <default-route> <any-service> <parent/> </any-service> </default-route>
  <default caps="100"/>`;

describe('init: live reconfiguration (counter scenario)', () => {
  it('adds, changes and removes children live; quota returns to init', () => {
    const sys = bootScenario('counter');
    const initRam = sys.init.pd.ram.limit;
    const totals = quotaTotals(sys.core);
    runUntil(sys, () => linesOf(sys, 'init -> counter').length >= 2);

    // Add a second counter: the first keeps counting, the second starts at 0.
    expect(
      sys.updateConfig(
        `${HEAD}<start name="counter" ram="1M"/><start name="second" ram="1M"><binary name="counter"/></start></config>`,
      ),
    ).toBeNull();
    expect([...sys.init.children.keys()]).toEqual(['counter', 'second']);
    runUntil(sys, () => linesOf(sys, 'init -> second').length >= 2);
    expect(linesOf(sys, 'init -> second').slice(0, 2)).toEqual(['0', '1']);
    expect(Number(linesOf(sys, 'init -> counter').at(-1))).toBeGreaterThanOrEqual(2);
    const firstPd = sys.init.children.get('counter')!.pd;

    // Change the first one's start node (more RAM): it is restarted from 0; remove the second.
    expect(sys.updateConfig(`${HEAD}<start name="counter" ram="2M"/></config>`)).toBeNull();
    expect([...sys.init.children.keys()]).toEqual(['counter']);
    expect(sys.init.children.get('counter')!.pd).not.toBe(firstPd);
    expect(firstPd.dead).toBe(true);
    const before = linesOf(sys, 'init -> counter').length;
    runUntil(sys, () => linesOf(sys, 'init -> counter').length >= before + 1);
    expect(linesOf(sys, 'init -> counter')[before]).toBe('0');
    // The removed child's quota went back to init; nothing was created or lost.
    expect(sys.init.pd.ram.limit).toBe(initRam - (2 - 1) * 1024 * 1024);
    expect(quotaTotals(sys.core)).toEqual(totals);
    expect([...sys.kernel.pds.values()].map((p) => p.label).sort()).toEqual(['init', 'init -> counter']);
  });

  it('rejects a bad configuration with node, attribute and line, and keeps the system as it was', () => {
    const sys = bootScenario('counter');
    runUntil(sys, () => linesOf(sys, 'init -> counter').length >= 1);
    const pd = sys.init.children.get('counter')!.pd;
    const err = sys.updateConfig(`${HEAD}\n<start name="counter" ram="12Q"/></config>`);
    expect(err).toMatch(/^Error: config:8:23: <start ram>: bad size "12Q"/);
    expect(sys.transcript().some((l) => /^\[init\] Error: config:8:23: <start ram>/.test(l))).toBe(true);
    expect(sys.init.children.get('counter')!.pd).toBe(pd);
    const n = linesOf(sys, 'init -> counter').length;
    runUntil(sys, () => linesOf(sys, 'init -> counter').length > n);
    expect(linesOf(sys, 'init -> counter')[n]).toBe(String(n));
    // Malformed XML too.
    expect(sys.updateConfig(`${HEAD}<start name="x"></config>`)).toMatch(/config:\d+:\d+:/);
    expect(sys.init.children.get('counter')!.pd).toBe(pd);
  });

  it('warns about unknown nodes instead of failing (configs from real run scripts)', () => {
    const sys = bootScenario('counter');
    expect(sys.updateConfig(`${HEAD}<report delay_ms="100"/><start name="counter" ram="1M"/></config>`)).toBeNull();
    expect(sys.transcript().some((l) => /^\[init\] Warning: config:\d+:\d+: .*report/.test(l))).toBe(true);
  });

  it('names a missing binary and an oversized child without starting them', () => {
    const sys = bootScenario('counter');
    sys.updateConfig(
      `${HEAD}<start name="counter" ram="1M"/><start name="ghost" ram="1M"/><start name="huge" ram="4G"><binary name="counter"/></start></config>`,
    );
    const t = sys.transcript();
    expect(t).toContain('[init] Error: ghost: binary "ghost" is not a ROM module');
    expect(t.some((l) => /^\[init\] Error: huge: not enough RAM/.test(l))).toBe(true);
    expect([...sys.init.children.keys()]).toEqual(['counter']);
  });
});
