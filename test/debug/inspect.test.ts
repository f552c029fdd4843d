/** Inspection answered from the engine's objects, checked against what the scenarios set up. */
import { describe, expect, it } from 'vitest';
import { capSpace, memoryMap, physicalMap, threads, topology, waitForGraph } from '../../src/engine/debug/inspect';
import { Debugger } from '../../src/engine/debug/debugger';
import type { System } from '../../src/engine/core/system';
import { bootScenario, runUntil } from '../scenarios/harness';

/** The rpc scenario stopped while hello_client holds its Hello session (a LOG catchpoint). */
function rpcWithSessionOpen(): System {
  const sys = bootScenario('rpc');
  const dbg = new Debugger(sys);
  dbg.setCatchpoint({ kind: 'log', pattern: 'say_hello\\("Alice"\\)' });
  dbg.resume();
  for (let i = 0; i < 100 && !dbg.run(1_000_000); i++);
  expect(dbg.lastStop?.reason).toBe('catchpoint');
  return sys;
}

describe('inspection', () => {
  it('topology: PDs with quotas and threads, core sessions and a child-served session', () => {
    const sys = rpcWithSessionOpen();
    const topo = topology(sys);
    const server = topo.pds.find((p) => p.child === 'hello_server')!;
    const client = topo.pds.find((p) => p.child === 'hello_client')!;
    expect(server.label).toBe('init -> hello_server');
    expect(server.ram.limit).toBeGreaterThan(0);
    expect(server.threads.map((t) => t.name)).toContain('ep');
    expect(topo.services).toContainEqual({ name: 'Hello', server: server.id });
    const hello = topo.sessions.find((s) => s.service === 'Hello' && s.client === client.id)!;
    expect(hello.server).toBe(server.id);
    expect(hello.label).toBe('hello_client'); // as init passes it to the server
    const log = topo.sessions.find(
      (s) => s.service === 'LOG' && s.client !== client.id && s.label === 'init -> hello_server',
    );
    expect(log?.server).toBe('core');
  });

  it('capability space: env capabilities by slot with sessions and origins', () => {
    const sys = rpcWithSessionOpen();
    const client = sys.init.children.get('hello_client')!.pd;
    const rows = capSpace(sys, client);
    const bySlot = new Map(rows.map((r) => [r.slot, r]));
    expect(bySlot.get(2)!.session).toMatchObject({ service: 'PD', server: 'core' }); // SEL.PD
    expect(bySlot.get(3)!.session).toMatchObject({ service: 'CPU' });
    expect(bySlot.get(4)!.session).toMatchObject({ service: 'LOG' });
    const hello = rows.find((r) => r.session?.service === 'Hello')!;
    expect(hello.origin).toBe(sys.init.children.get('hello_server')!.pd.id);
    expect(hello.type).toBe('rpc');
    expect(rows.map((r) => r.slot)).toEqual([...rows.map((r) => r.slot)].sort((a, b) => a - b));
  });

  it('memory map: the region-map tree with mapped pages; physical map with owners', () => {
    const sys = bootScenario('counter');
    sys.run(20_000_000);
    const pd = sys.init.children.get('counter')!.pd;
    const mm = memoryMap(sys, pd);
    expect(mm.kind).toBe('address space');
    const stack = mm.regions.find((r) => r.nested?.kind === 'stack area')!;
    expect(stack.nested!.regions.length).toBeGreaterThanOrEqual(2); // main stack and UTCB
    const text = mm.regions.find((r) => r.executable)!;
    expect(text.mapped.length).toBeGreaterThan(0);
    for (const v of text.mapped) {
      expect(v * 4096).toBeGreaterThanOrEqual(text.va!);
      expect(v * 4096).toBeLessThan(text.va! + text.size);
      expect(pd.mappings.has(v)).toBe(true);
    }
    const phys = physicalMap(sys);
    expect(phys.devices.map((d) => d.name)).toEqual(expect.arrayContaining(['clint', 'plic', 'uart0']));
    expect(phys.ranges.some((r) => r.owner.includes('init -> counter'))).toBe(true);
  });

  it('threads with reasons, and the wait-for graph naming a deadlock cycle', () => {
    const sys = bootScenario('deadlock');
    runUntil(sys, () => sys.kernel.deadlocks().length > 0);
    const g = waitForGraph(sys);
    expect(g.cycles.length).toBe(1);
    expect(g.cycles[0].text).toContain('init -> deadlock_server');
    expect(g.edges.length).toBeGreaterThan(0);
    const blocked = threads(sys).filter((t) => t.state === 'blocked');
    expect(blocked.some((t) => t.reason?.startsWith('blocked calling'))).toBe(true);
  });
});
