/**
 * The GDB stub served by the engine host (`gdbServer` command), with the UI's client attached
 * at the same time: gdb's continue makes the host run slices, and the UI sees the same stops as
 * events. Real gdb-multiarch where it is installed; the raw-packet test runs everywhere.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SCENARIO_ROOT } from '../../src/cli/scenario_files';
import { DebugInfo } from '../../src/engine/debug/symbols';
import { EngineHost } from '../../src/engine/host/engine_host';
import { parseReply, type EngineEvent } from '../../src/engine/protocol';

const GDB = '/usr/bin/gdb-multiarch';
const haveGdb = existsSync(GDB);
if (!haveGdb)
  console.log(`test/host/engine_host_gdb.test.ts: skipping the gdb-multiarch test: ${GDB} is not installed`);

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function hostWithGdb(scenario = 'counter') {
  const host = EngineHost.create();
  cleanups.push(() => host.dispose());
  const events: EngineEvent[] = [];
  host.onEvent((e) => events.push(e));
  let id = 0;
  const call = async (cmd: object) => {
    const reply = await host.receive({ type: 'cmd', id: ++id, cmd });
    const p = parseReply(reply, (cmd as { kind: 'load' }).kind);
    if (!p.ok || !p.value.ok) throw new Error(JSON.stringify(reply));
    return p.value.result as Record<string, unknown>;
  };
  await call({ kind: 'load', path: join(SCENARIO_ROOT, `${scenario}.xml`) });
  const gdb = (await call({ kind: 'gdbServer', enable: true, port: 0 })) as { enabled: boolean; port: number };
  expect(gdb.enabled).toBe(true);
  expect(await call({ kind: 'gdbServer', enable: true })).toEqual(gdb); // already on: the same server
  return { host, events, call, port: gdb.port };
}

/** Sends raw packets and collects what comes back. */
async function rawSession(port: number) {
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  cleanups.push(() => socket.destroy());
  let received = '';
  socket.on('data', (d) => (received += d.toString('latin1')));
  const packet = (body: string): string => {
    let sum = 0;
    for (const c of body) sum += c.charCodeAt(0);
    return `$${body}#${(sum & 0xff).toString(16).padStart(2, '0')}`;
  };
  return {
    send: (body: string) => socket.write(packet(body)),
    /** Waits until the received text matches `re`; returns the match and forgets what came before. */
    async expect(re: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
      const end = Date.now() + ms;
      for (;;) {
        const m = received.match(re);
        if (m) {
          received = received.slice(m.index! + m[0].length);
          return m;
        }
        if (Date.now() > end) throw new Error(`no ${re} in ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    },
  };
}

describe('GDB through the engine host', () => {
  it('gdb continue runs the host; a gdb breakpoint stops it and the UI sees the stop', async () => {
    const { host, events, port } = await hostWithGdb();
    const gdb = await rawSession(port);
    const pd = host.pdIdOf('counter')!;
    const ep = host.threadIdOf('counter', 'ep')!;
    const at = DebugInfo.fromElf(host.system!.core.romData('counter')!);
    if (!at.ok) throw new Error(at.error);
    const addr = at.info.lookup('timer_msleep')!;

    gdb.send('qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+');
    await gdb.expect(/\$[^#]*multiprocess\+[^#]*#/);
    gdb.send('?');
    await gdb.expect(/\$T05[^#]*#/);
    gdb.send(`Z0,${addr.toString(16)},2`);
    await gdb.expect(/\$OK#/);
    gdb.send('vCont;c');
    const stop = await gdb.expect(/\$T05[^#]*thread:p([0-9a-f]+)\.([0-9a-f]+);[^#]*#/);
    expect([parseInt(stop[1], 16), parseInt(stop[2], 16)]).toEqual([pd, ep]);
    expect(events.some((e) => e.kind === 'running')).toBe(true);
    expect(events.find((e) => e.kind === 'stopped')).toMatchObject({ kind: 'stopped', thread: ep, pc: addr });
    expect(host.debugger!.running).toBe(false);
    gdb.send('D');
    await gdb.expect(/\$OK#/);
  });

  it.skipIf(!haveGdb)('gdb-multiarch: break at a symbol, continue, registers, stepi, detach', async () => {
    const { host, events, port } = await hostWithGdb();
    const dir = mkdtempSync(join(tmpdir(), 'corescope-host-gdb-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const elf = join(dir, 'counter.elf');
    writeFileSync(elf, host.system!.core.romData('counter')!);
    const args = ['-nx', '-batch', '-ex', 'set architecture riscv:rv32', '-ex', `target remote 127.0.0.1:${port}`];
    for (const c of ['info threads', 'break timer_msleep', 'continue', 'p/x $pc', 'stepi', 'p/x $pc', 'bt', 'detach'])
      args.push('-ex', c);
    args.push(elf);
    const out = await new Promise<string>((resolve) =>
      execFile(GDB, args, { timeout: 30_000 }, (err, stdout, stderr) =>
        resolve(`${stdout}${stderr}${err ? `\n[gdb: ${err.message}]` : ''}`),
      ),
    );
    expect(out).toContain('"init -> counter/ep"');
    expect(out).toMatch(/Breakpoint 1, timer_msleep \(t=0x[0-9a-f]+, ms=1000\) at .*timer_session\.c:\d+/);
    const pcs = [...out.matchAll(/^\$\d+ = (0x[0-9a-f]+)$/gm)].map((m) => parseInt(m[1], 16));
    expect(pcs).toHaveLength(2);
    const info = DebugInfo.fromElf(host.system!.core.romData('counter')!);
    expect(info.ok && pcs[0]).toBe(info.ok && info.info.lookup('timer_msleep'));
    expect([2, 4]).toContain(pcs[1] - pcs[0]); // one instruction, compressed or not
    expect(out).toMatch(/#1 +0x[0-9a-f]+ in component_construct/);
    expect(out).toMatch(/\[Inferior 1 \(process \d+\) detached\]/);
    // The UI saw both stops (gdb steps RISC-V with a temporary breakpoint at the next pc).
    const stops = events.filter((e) => e.kind === 'stopped');
    expect(stops.map((e) => e.pc)).toEqual(pcs);
  });
});

describe('reverse execution through the engine host', () => {
  it('bs and bc by raw packets: one instruction back, back to the previous hit, then the start', async () => {
    const { host, events, port } = await hostWithGdb();
    const gdb = await rawSession(port);
    const ep = host.threadIdOf('counter', 'ep')!;
    const at = DebugInfo.fromElf(host.system!.core.romData('counter')!);
    if (!at.ok) throw new Error(at.error);
    const addr = at.info.lookup('timer_msleep')!;
    const pcOf = (m: RegExpMatchArray): number => {
      const le = m[1];
      return parseInt(le.match(/../g)!.reverse().join(''), 16);
    };
    const counterLines = (): string[] => host.system!.transcript().filter((l) => l.startsWith('[init -> counter]'));

    gdb.send('qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+');
    await gdb.expect(/\$[^#]*ReverseStep\+;ReverseContinue\+[^#]*#/);
    gdb.send('?');
    await gdb.expect(/\$T05[^#]*#/);
    gdb.send(`Z0,${addr.toString(16)},2`);
    await gdb.expect(/\$OK#/);
    for (let i = 0; i < 2; i++) {
      gdb.send('vCont;c');
      expect(pcOf(await gdb.expect(/\$T05swbreak:;thread:[^;]+;20:([0-9a-f]{8});#/))).toBe(addr);
    }
    expect(counterLines()).toEqual(['[init -> counter] 0', '[init -> counter] 1']);
    const second = host.system!.machine.position;

    gdb.send('bs');
    const back = pcOf(await gdb.expect(/\$T05thread:[^;]+;20:([0-9a-f]{8});#/));
    expect(back).not.toBe(addr);
    expect(host.system!.machine.position).toBeLessThan(second);
    expect(host.debugger!.lastStop).toMatchObject({ reason: 'step', thread: ep, pc: back });
    // The UI saw the step back as a stop, too.
    expect(events.filter((e) => e.kind === 'stopped').at(-1)).toMatchObject({ reason: 'step', pc: back });

    gdb.send('bc');
    expect(pcOf(await gdb.expect(/\$T05swbreak:;thread:[^;]+;20:([0-9a-f]{8});#/))).toBe(addr);
    expect(counterLines()).toEqual(['[init -> counter] 0']);

    // No hit before the first one: back to the start of the history, and gdb is told so.
    gdb.send('bc');
    await gdb.expect(/\$T05replaylog:begin;thread:[^;]+;20:[0-9a-f]{8};#/);
    expect(host.system!.machine.position).toBe(0);
    gdb.send('bs');
    await gdb.expect(/\$T05replaylog:begin;thread:[^;]+;20:[0-9a-f]{8};#/);
    expect(host.system!.machine.position).toBe(0);
    gdb.send('D');
    await gdb.expect(/\$OK#/);
  });

  it('bs of a thread that did not run in the recorded history goes back to its start', async () => {
    const { host, events, call, port } = await hostWithGdb('rpc');
    const client = host.pdIdOf('hello_client')!;
    const clientEp = host.threadIdOf('hello_client', 'ep')!;
    const server = host.pdIdOf('hello_server')!;
    const serverEp = host.threadIdOf('hello_server', 'ep')!;
    // The client has its session and sleeps before its first call; the server waits for it.
    // History starts here.
    await call({ kind: 'breakpointSet', pd: client, file: 'hello_client.c', line: 69 });
    await call({ kind: 'run' });
    const stopped = (): number => events.filter((e) => e.kind === 'stopped').length;
    const until = async (n: number): Promise<void> => {
      while (stopped() < n) await new Promise((r) => setTimeout(r, 2));
    };
    await until(1);
    await call({ kind: 'recording', intervalCycles: 1_000_000 });
    const earliest = host.system!.machine.position;
    for (let i = 0; i < 3; i++) {
      await call({ kind: 'stepInstruction', thread: clientEp });
      await until(2 + i);
    }
    expect(host.system!.machine.position).toBeGreaterThan(earliest);
    const gdb = await rawSession(port);
    gdb.send('qSupported:multiprocess+');
    await gdb.expect(/\$[^#]*ReverseStep\+[^#]*#/);
    gdb.send(`Hcp${server.toString(16)}.${serverEp.toString(16)}`);
    await gdb.expect(/\$OK#/);
    gdb.send('bs');
    const m = await gdb.expect(/\$T05replaylog:begin;thread:p([0-9a-f]+)\.([0-9a-f]+);[^#]*#/);
    expect([parseInt(m[1], 16), parseInt(m[2], 16)]).toEqual([server, serverEp]);
    expect(host.system!.machine.position).toBe(earliest);
    gdb.send('D');
    await gdb.expect(/\$OK#/);
  });

  it.skipIf(!haveGdb)('gdb-multiarch: reverse-stepi, stepi, reverse-continue to the previous hit', async () => {
    const { host, call, port } = await hostWithGdb();
    const pd = host.pdIdOf('counter')!;
    const counterLines = (): string[] => host.system!.transcript().filter((l) => l.startsWith('[init -> counter]'));
    // What the system had logged at each stop (the UI sees every stop gdb causes).
    const stops: { reason: string; pc?: number; lines: string[] }[] = [];
    host.onEvent((e) => {
      if (e.kind === 'stopped') stops.push({ reason: e.reason, pc: e.pc, lines: counterLines() });
    });
    const dir = mkdtempSync(join(tmpdir(), 'corescope-host-gdb-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const elf = join(dir, 'counter.elf');
    writeFileSync(elf, host.system!.core.romData('counter')!);
    const args = ['-nx', '-batch', '-ex', 'set architecture riscv:rv32', '-ex', `target remote 127.0.0.1:${port}`];
    for (const c of [
      'break timer_msleep',
      'continue',
      'continue',
      'info registers pc',
      'reverse-stepi',
      'info registers pc',
      'stepi',
      'info registers pc',
      'reverse-continue',
      'info registers pc',
      'detach',
    ])
      args.push('-ex', c);
    args.push(elf);
    const out = await new Promise<string>((resolve) =>
      execFile(GDB, args, { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve(`${stdout}${stderr}${err ? `\n[gdb: ${err.message}]` : ''}`),
      ),
    );
    const info = DebugInfo.fromElf(host.system!.core.romData('counter')!);
    if (!info.ok) throw new Error(info.error);
    const at = info.info.lookup('timer_msleep')!;
    const pcs = [...out.matchAll(/^pc +(0x[0-9a-f]+)\s+0x[0-9a-f]+ <([^>]+)>$/gm)].map((m) => ({
      pc: parseInt(m[1], 16),
      where: m[2],
    }));
    expect(pcs.map((p) => p.pc)).toEqual([at, pcs[1].pc, at, at]);
    // One instruction back from the second hit: the call of timer_msleep in component_construct.
    expect(pcs[1].where).toMatch(/^component_construct\+\d+$/);
    const call_ = (await call({ kind: 'disassemble', pd, address: pcs[1].pc, count: 1 })) as {
      lines: { text: string }[];
    };
    expect(call_.lines[0].text).toMatch(new RegExp(`^(c\\.)?jal\\b.*${at.toString(16)}`));
    expect(out).toMatch(/component_construct \(env=[^)]*\) at \.\/counter\.c:\d+/);
    // reverse-continue stops at the first hit again, as gdb shows it.
    expect(out.match(/Breakpoint 1, timer_msleep \(t=0x[0-9a-f]+, ms=1000\)/g)?.length).toBe(4);
    expect(out).toMatch(/\[Inferior 1 \(process \d+\) detached\]/);
    expect(out).not.toMatch(/warning|error|\[gdb: /i);
    // The system went back: at the step back it had logged "0" and "1"; at the previous hit
    // (reverse-continue), only "0".
    const step = stops.findIndex((s) => s.reason === 'step');
    expect(stops[step]).toEqual({
      reason: 'step',
      pc: pcs[1].pc,
      lines: ['[init -> counter] 0', '[init -> counter] 1'],
    });
    expect(stops.at(-1)).toEqual({ reason: 'breakpoint', pc: at, lines: ['[init -> counter] 0'] });
  });
});
