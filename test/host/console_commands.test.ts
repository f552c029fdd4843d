/**
 * The workbench console's commands (src/renderer/src/console/commands.ts), run against a real
 * engine host in this process: the same calls the console makes over the connection.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIO_ROOT } from '../../src/cli/scenario_files';
import { EngineHost } from '../../src/engine/host/engine_host';
import type { Command, Topology } from '../../src/engine/protocol';
import { complete, runCommand, type Engine } from '../../src/renderer/src/console/commands';

async function setup() {
  const host = EngineHost.create();
  const stops: string[] = [];
  host.onEvent((e) => e.kind === 'stopped' && stops.push(e.reason));
  const call = async (cmd: Command) => {
    const r = await host.execute(0, cmd);
    if (!r.ok) throw new Error(r.error.message);
    return r.result;
  };
  await call({ kind: 'load', path: join(SCENARIO_ROOT, 'counter.xml') });
  let thread: number | null = host.threadIdOf('counter', 'ep');
  let topology = (await call({ kind: 'topology' })) as Topology;
  const engine: Engine = {
    call: call as Engine['call'],
    topology: () => topology,
    thread: () => thread,
    selectThread: (id) => (thread = id),
  };
  const run = (line: string) => runCommand(engine, line);
  const settle = async () => {
    while (host.debugger!.running) await new Promise((r) => setTimeout(r, 2));
    topology = (await call({ kind: 'topology' })) as Topology;
  };
  return { host, run, settle, stops };
}

describe('console commands', () => {
  it('break, continue, bt, info, x, delete, thread, and clear errors', async () => {
    const { host, run, settle, stops } = await setup();
    const [bp] = await run('break timer_msleep counter');
    expect(bp).toMatch(/^Breakpoint 1 at 0x[0-9a-f]{8}: file .*timer_session\.c, line \d+$/);
    await run('continue');
    await settle();
    expect(stops).toEqual(['breakpoint']);
    const bt = await run('bt');
    expect(bt[0]).toMatch(/^#0 {2}0x[0-9a-f]{8} in timer_msleep at .*timer_session\.c:\d+$/);
    expect(bt[1]).toContain('component_construct');
    expect((await run('info threads')).some((l) => /^\* \d+ +init -> counter\/ep/.test(l))).toBe(true);
    expect(await run('info breakpoints')).toEqual([
      expect.stringMatching(/^1 {2}breakpoint {2}y {2}0x[0-9a-f]{8} timer_msleep \(PD \d+\) hits 1$/),
    ]);
    const regs = await run('info registers');
    expect(regs).toHaveLength(33);
    expect(regs[32]).toMatch(/^pc +0x/);
    const mem = await run('x/4xw 0x10000 counter');
    expect(mem).toEqual([expect.stringMatching(/^0x00010000: {2}(0x[0-9a-f]{8} {2}){3}0x[0-9a-f]{8}$/)]);
    expect(await run('x/2db 0x10000')).toHaveLength(1);
    expect((await run('info caps counter')).some((l) => l.includes('LOG session'))).toBe(true);
    expect((await run('info map counter')).some((l) => /stack area/.test(l) || /managed/.test(l))).toBe(true);
    await run('stepi');
    await settle();
    expect(stops.at(-1)).toBe('step');
    await run('delete 1');
    expect(await run('info breakpoints')).toEqual(['no breakpoints, watchpoints or catchpoints']);
    expect(await run('thread 999')).toEqual(['switched to thread 999']);
    await expect(run('stepi')).rejects.toThrow('no thread 999');
    await expect(run('frobnicate')).rejects.toThrow('unknown command "frobnicate"');
    await expect(run('x/4q 0x1000')).rejects.toThrow('bad format');
    await expect(run('info caps nosuch')).rejects.toThrow('no PD "nosuch"');
    await host.dispose();
  });

  it('completes command names', () => {
    expect(complete('info c')).toEqual(['info caps']);
    expect(complete('st')).toEqual(['step', 'stepi']);
    expect(complete('zz')).toEqual([]);
  });
});
