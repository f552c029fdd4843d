/**
 * The GDB server over TCP: one client at a time on 127.0.0.1, and a real gdb-multiarch
 * debugging a small program that a real machine executes (test/support/machine_gdb_target.ts).
 * The gdb tests skip, saying why, where /usr/bin/gdb-multiarch is missing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startGdbServer, type GdbServer } from '../src/engine/host/gdb_server';
import { assembleProgram, MachineGdbTarget } from './support/machine_gdb_target';

const GDB = '/usr/bin/gdb-multiarch';
const haveGdb = existsSync(GDB);
if (!haveGdb) console.log(`test/gdb_multiarch.test.ts: skipping the gdb-multiarch tests: ${GDB} is not installed`);

const PROGRAM = `
.text
.globl _start
_start:
  la s0, counter
  li t0, 0
loop:
  addi t0, t0, 1
  sw t0, 0(s0)
  li t1, 3
  blt t0, t1, loop
spin:
  j spin
.data
counter: .word 0
table: .word 0xdeadbeef, 0x01234567, 0x89abcdef, 0x00c0ffee
`;

const { elf, symbols } = assembleProgram(PROGRAM);
const addr = (name: string): string => `0x${symbols.get(name)!.toString(16)}`;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function serve(): Promise<{ target: MachineGdbTarget; server: GdbServer; log: string[] }> {
  const target = new MachineGdbTarget(elf);
  const log: string[] = [];
  const server = await startGdbServer(target, { port: 0, host: '127.0.0.1', log: (l) => log.push(l) });
  if (typeof server === 'string') throw new Error(server);
  cleanups.push(
    () => target.dispose(),
    () => server.close(),
  );
  return { target, server, log };
}

/** Opens a raw connection; resolves once connected. */
function dial(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect({ port, host: '127.0.0.1' }, () =>
      resolve({ socket, received: () => data, closed: new Promise((r) => socket.on('close', () => r())) }),
    );
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', reject);
    cleanups.push(() => socket.destroy());
  });
}

const frame = (p: string): string => {
  let sum = 0;
  for (const c of p) sum += c.charCodeAt(0);
  return `$${p}#${(sum & 0xff).toString(16).padStart(2, '0')}`;
};

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('gdb server over TCP', () => {
  it('serves one client on 127.0.0.1 and refuses a second one politely', async () => {
    const { server, log } = await serve();
    expect(server.port).toBeGreaterThan(0);
    const first = await dial(server.port);
    first.socket.write(frame('qAttached'));
    await until(() => first.received().includes('$1#'));

    const second = await dial(server.port);
    second.socket.write(frame('qSupported:multiprocess+'));
    await second.closed;
    expect(second.received()).toBe(`+${frame('E.another debugger is connected')}`);
    expect(log.some((l) => l.includes('refused'))).toBe(true);

    // The first client is still served.
    first.socket.write(frame('?'));
    await until(() => first.received().includes('T05thread'));
  });

  it('reports errors as values: port in use, non-loopback host', async () => {
    const { server } = await serve();
    const again = await startGdbServer(new MachineGdbTarget(elf), { port: server.port });
    expect(again).toMatch(/cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    expect(await startGdbServer(new MachineGdbTarget(elf), { port: 0, host: '0.0.0.0' as '127.0.0.1' })).toMatch(
      /not a loopback address/,
    );
    expect(await startGdbServer(new MachineGdbTarget(elf), { port: 70000 })).toMatch(/not 0\.\.65535/);
  });

  it('detaches a client that goes away, and accepts the next one', async () => {
    const { server, target } = await serve();
    const first = await dial(server.port);
    first.socket.write(frame('?') + frame(`Z0,${addr('spin').slice(2)},4`));
    await until(() => target.breakpointCount === 1);
    first.socket.destroy();
    await until(() => target.calls.includes('detach'));
    expect(target.breakpointCount).toBe(0);
    expect(target.running).toBe(true);
    const next = await dial(server.port);
    next.socket.write(frame('qfThreadInfo'));
    await until(() => next.received().includes('$m1#'));
  });
});

describe('gdb-multiarch against the stub', () => {
  async function gdb(port: number, commands: string[]): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'corescope-gdb-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'program.elf');
    writeFileSync(file, elf);
    const args = ['-nx', '-batch', '-ex', 'set architecture riscv:rv32', '-ex', `target remote 127.0.0.1:${port}`];
    for (const c of commands) args.push('-ex', c);
    args.push(file);
    return new Promise((resolve) => {
      execFile(GDB, args, { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve(`${stdout}${stderr}${err ? `\n[gdb: ${err.message}]` : ''}`),
      );
    });
  }

  it.skipIf(!haveGdb)('connects, lists threads, reads registers and memory, steps, breaks, detaches', async () => {
    const { server, target } = await serve();
    const out = await gdb(server.port, [
      'info threads',
      'info registers pc',
      'stepi',
      `x/4xw ${addr('table')}`,
      `break *${addr('spin')}`,
      'continue',
      'detach',
    ]);
    expect(out).toMatch(/\* 1 +Thread 1\.1 "test\/main" 0x80000000 in _start \(\)/);
    expect(out).toMatch(/pc +0x80000000\s+0x80000000 <_start>/);
    expect(out).toMatch(/0x80000004 in _start \(\)/);
    expect(out).toMatch(/0x80001004:\s+0xdeadbeef\s+0x01234567\s+0x89abcdef\s+0x00c0ffee/);
    expect(out).toMatch(/Breakpoint 1 at 0x8000001c/);
    expect(out).toMatch(/Breakpoint 1, 0x8000001c in spin \(\)/);
    expect(out).toMatch(/\[Inferior 1 \(process 1\) detached\]/);
    expect(out).not.toMatch(/warning|error/i);
    // The program ran the loop for real, and runs on after the detach.
    expect(target.machine.bus.read(symbols.get('counter')!, 4)).toBe(3);
    expect(target.breakpointCount).toBe(0);
    expect(target.running).toBe(true);
  });

  it.skipIf(!haveGdb)('stops on a watchpoint with old and new value, shows priv and CSRs, kills', async () => {
    const { server, target } = await serve();
    const out = await gdb(server.port, [
      `watch *(int *)${addr('counter')}`,
      'continue',
      'continue',
      'info registers priv satp',
      'kill',
    ]);
    expect(out).toMatch(/Hardware watchpoint 1: \*\(int \*\)0x80001000\s+Old value = 0\s+New value = 1/);
    expect(out).toMatch(/Old value = 1\s+New value = 2\s+0x80000014 in loop \(\)/);
    expect(out).toMatch(/priv +0x0\s+prv:0 \[User\/Application\]/);
    expect(out).toMatch(/satp +0x0\s+0/);
    expect(out).toMatch(/\[Inferior 1 \(process 1\) killed\]/);
    expect(target.calls).toContain('kill 1');
  });
});
