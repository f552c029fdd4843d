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

async function hostWithGdb() {
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
  await call({ kind: 'load', path: join(SCENARIO_ROOT, 'counter.xml') });
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
