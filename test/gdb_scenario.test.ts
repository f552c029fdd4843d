/**
 * Real gdb-multiarch debugging a real scenario: the GDB server (host/gdb_server.ts) over the
 * Corescope debugger (debug/debugger_gdb_target.ts), the machine driven in slices from the
 * event loop as the engine host does. gdb loads the component's ELF (the ROM module the
 * scenario booted) for symbols; every PD is an inferior of its own.
 *
 * The gdb tests skip, saying why, where /usr/bin/gdb-multiarch is missing; the raw-socket test
 * runs everywhere.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pd, Thread } from '../src/engine/core/kernel_objects';
import type { System } from '../src/engine/core/system';
import { parseElf, SymbolTable } from '../src/engine/cpu/elf';
import type { Debugger } from '../src/engine/debug/debugger';
import { DebuggerGdbTarget, driveDebugger } from '../src/engine/debug/debugger_gdb_target';
import { createDebugger } from '../src/engine/debug/programs';
import { startGdbServer, type GdbServer } from '../src/engine/host/gdb_server';
import { bootScenario } from './scenarios/harness';

const GDB = '/usr/bin/gdb-multiarch';
const haveGdb = existsSync(GDB);
if (!haveGdb) console.log(`test/gdb_scenario.test.ts: skipping the gdb-multiarch tests: ${GDB} is not installed`);

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface Served {
  sys: System;
  dbg: Debugger;
  server: GdbServer;
  log: string[];
  /** Init's child `name`: its PD, first thread, ELF (written to a file) and symbols. */
  child(name: string): { pd: Pd; ep: Thread; elf: string; sym: (s: string) => number };
}

/** Boots `scenario`, serves it to gdb on a free loopback port and drives it from the event loop. */
async function serve(scenario: string): Promise<Served> {
  const sys = bootScenario(scenario);
  const dbg = createDebugger(sys);
  const log: string[] = [];
  const server = await startGdbServer(new DebuggerGdbTarget(dbg), {
    port: 0,
    host: '127.0.0.1',
    log: (l) => log.push(l),
  });
  if (typeof server === 'string') throw new Error(server);
  const undrive = driveDebugger(dbg, 200_000, (fn) => setImmediate(fn));
  const dir = mkdtempSync(join(tmpdir(), 'corescope-gdb-'));
  cleanups.push(
    () => server.close(),
    () => undrive(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  const child = (name: string): ReturnType<Served['child']> => {
    const c = sys.init.children.get(name)!;
    const bytes = sys.core.romData(c.start.binary)!;
    const elf = join(dir, `${c.start.binary}.elf`);
    writeFileSync(elf, bytes);
    const parsed = parseElf(bytes);
    if (!parsed.ok) throw new Error(parsed.error);
    const table = SymbolTable.fromImage(parsed.image);
    const ep = [...c.pd.threads].sort((a, b) => a.id - b.id)[0];
    return { pd: c.pd, ep, elf, sym: (s) => table.lookup(s)!.value };
  };
  return { sys, dbg, server, log, child };
}

/** Runs gdb-multiarch in batch mode against `port` with `file` for symbols. */
function gdb(port: number, file: string, commands: string[]): Promise<string> {
  const args = ['-nx', '-batch', '-ex', 'set architecture riscv:rv32', '-ex', `target remote 127.0.0.1:${port}`];
  for (const c of commands) args.push('-ex', c);
  args.push(file);
  return new Promise((resolve) => {
    execFile(GDB, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve(`${stdout}${stderr}${err ? `\n[gdb: ${err.message}]` : ''}`),
    );
  });
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const re = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('gdb-multiarch against a running scenario', () => {
  it.skipIf(!haveGdb)('counter: threads, a breakpoint at a symbol, registers, memory, one stepi, detach', async () => {
    const s = await serve('counter');
    const counter = s.child('counter');
    const at = counter.sym('timer_usleep');
    const out = await gdb(s.server.port, counter.elf, [
      'info threads',
      'break timer_usleep',
      'continue',
      'info registers',
      'info registers priv satp',
      'x/4xw timer_usleep',
      'p/x $pc',
      'stepi',
      'p/x $pc',
      'detach',
    ]);
    const { pd, ep } = counter;
    expect(out).toMatch(new RegExp(`\\* 1 +Thread ${pd.id}\\.${ep.id} "init -> counter/ep" _start \\(\\)`));
    expect(out).toMatch(new RegExp(`Breakpoint 1 at ${hex(at)}: timer_usleep`));
    expect(out).toMatch(/Breakpoint 1(\.\d)?, timer_usleep \(t=0x[0-9a-f]+, us=1000000\)/);
    // The registers of the thread, as the kernel holds them.
    expect(out).toMatch(/a1 +0xf4240\s+1000000/);
    expect(out).toMatch(new RegExp(`pc +${hex(at)}\\s+${hex(at)} <timer_usleep>`));
    expect(out).toMatch(/sp +0x[0-9a-f]+\s+0x[0-9a-f]+\n/);
    expect(out).toMatch(/priv +0x0\s+prv:0 \[User\/Application\]/);
    const satp = (0x8000_0000 | (pd.asid << 22) | (pd.root >>> 12)) >>> 0;
    expect(out).toMatch(new RegExp(`satp +${hex(satp)}`));
    // Memory of the PD, through its region maps: the code of timer_usleep, as the ELF has it.
    const code = s.dbg.readMemory(pd.id, at, 16) as Uint8Array;
    const words = [0, 4, 8, 12].map((o) => hex(new DataView(code.buffer).getUint32(o, true)).slice(2).padStart(8, '0'));
    expect(out).toMatch(new RegExp(`${hex(at)} <timer_usleep>:\\s+${words.map((w) => `0x${w}`).join('\\s+')}`));
    // stepi: exactly one instruction (c.addi sp,sp,-16 is 2 bytes).
    expect(code[0] & 3).not.toBe(3);
    expect(out).toMatch(new RegExp(`\\$1 = ${hex(at)}\\s[\\s\\S]*\\$2 = ${hex(at + 2)}\\s`));
    expect(out).toMatch(new RegExp(`\\[Inferior 1 \\(process ${pd.id}\\) detached\\]`));
    expect(out).not.toMatch(/\[gdb: /);
    // Detached: nothing of gdb's is left, and the scenario runs on.
    expect(s.dbg.breakpoints()).toEqual([]);
    expect(s.dbg.running).toBe(true);
    const lines = s.sys.transcript().length;
    await until(() => s.sys.transcript().length > lines);
  });

  it.skipIf(!haveGdb)(
    'rpc: one inferior per PD, a breakpoint in the server, a watchpoint on a global it writes',
    async () => {
      const s = await serve('rpc');
      const server = s.child('hello_server');
      const client = s.child('hello_client');
      const lost = s.child('lost_client');
      const out = await gdb(s.server.port, server.elf, [
        'set schedule-multiple on', // components depend on each other: run every inferior
        'info threads',
        'info inferiors',
        'break session_dispatch',
        'continue',
        'watch _rpc_reply_serial',
        'continue',
        'continue',
        'continue',
        'detach',
      ]);
      expect(out).toMatch(/\[New inferior 2\][\s\S]*\[New inferior 3\]/);
      for (const [n, c] of [
        ['1.1', server],
        ['2.1', client],
        ['3.1', lost],
      ] as const) {
        expect(out).toMatch(new RegExp(`${re(n)} +Thread ${c.pd.id}\\.${c.ep.id} "${re(c.pd.label)}/ep"`));
      }
      expect(out).toMatch(new RegExp(`\\* 1 +process ${server.pd.id} .*hello_server\\.elf`));
      expect(out).toMatch(
        /Thread 1\.1 "init -> hello_server\/ep" hit Breakpoint 1, session_dispatch \(obj=0x[0-9a-f]+ <sessions>, op=1\) at \.\/hello_server\.c:\d+/,
      );
      // Watchpoints stop before the store; gdb steps over it and shows old and new value.
      expect(out).toMatch(/Hardware watchpoint 2: _rpc_reply_serial/);
      // The reply to the session request, then the breakpoint at the next call, then its reply.
      expect(out).toMatch(
        /hit Hardware watchpoint 2: _rpc_reply_serial\s+Old value = 1\s+New value = 2\s+rpc_reply_begin \(result=0\)[^\n]*\s+Thread 1\.1 "init -> hello_server\/ep" hit Breakpoint 1, session_dispatch[^\n]*\s+Thread 1\.1 "init -> hello_server\/ep" hit Hardware watchpoint 2: _rpc_reply_serial\s+Old value = 2\s+New value = 3/,
      );
      expect(out).toMatch(/\[Inferior 1 \(process \d+\) detached\][\s\S]*\[Inferior 3 \(process \d+\) detached\]/);
      expect(out).not.toMatch(/\[gdb: /);
      // The scenario runs to its end as it would without gdb.
      await until(() => s.sys.transcript().includes('[init -> hello_client] 57 calls, 0 wrong'));
      expect(s.dbg.watchpoints()).toEqual([]);
    },
  );
});

describe('the GDB server over the debugger, by raw packets', () => {
  /** Opens a raw connection; resolves once connected. */
  function dial(port: number): Promise<{ socket: Socket; received: () => string }> {
    return new Promise((resolve, reject) => {
      let data = '';
      const socket = connect({ port, host: '127.0.0.1' }, () => resolve({ socket, received: () => data }));
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

  it('answers malformed packets with errors and keeps serving; Ctrl-C stops the running system', async () => {
    const s = await serve('counter');
    const { pd, ep } = s.child('counter');
    const c = await dial(s.server.port);
    /** Sends `packet` (framed unless raw) and waits for the reply packet it causes. */
    const ask = async (packet: string, raw = false): Promise<string> => {
      const from = c.received().length;
      c.socket.write(raw ? packet : frame(packet));
      let reply: RegExpExecArray | null = null;
      await until(() => (reply = /\$([^#]*)#[0-9a-f]{2}/.exec(c.received().slice(from))) !== null);
      return reply![1];
    };
    expect(await ask('qSupported:multiprocess+;swbreak+')).toContain('multiprocess+');
    expect(await ask('?')).toMatch(new RegExp(`^T05thread:p${pd.id.toString(16)}\\.${ep.id.toString(16)};`));
    // A bad checksum is refused with '-', and the stub goes on.
    c.socket.write('$qC#00');
    await until(() => c.received().endsWith('-'));
    expect(await ask('m1000x,4')).toBe('E01');
    expect(await ask('mzz,4')).toBe('E01');
    expect(await ask('Z0,10001,3')).toBe('E01');
    expect(await ask('Z0,10001,2')).toBe('E02'); // the target refuses an odd address
    expect(await ask('Hgp999.999')).toBe('E01');
    expect(await ask('vCont;x')).toBe('E01');
    expect(await ask('P21=zz')).toBe('E01');
    expect(await ask('qNoSuchThing')).toBe('');
    expect(await ask('m100,4')).toBe('E02'); // nothing attached there
    // Well-formed packets are still served.
    expect(await ask('qfThreadInfo')).toBe(`mp${pd.id.toString(16)}.${ep.id.toString(16)}`);
    const sp = s.sys.kernel.reg(ep, 2) >>> 0;
    expect(await ask('p2')).toBe([0, 8, 16, 24].map((b) => ((sp >>> b) & 0xff).toString(16).padStart(2, '0')).join(''));
    // Run, then Ctrl-C: the engine stops and says SIGINT.
    c.socket.write(frame('vCont;c'));
    await until(() => s.dbg.running && s.sys.machine.cycles > 0);
    const stop = await ask('\x03', true);
    expect(stop).toMatch(/^T02thread:/);
    expect(s.dbg.running).toBe(false);
    expect(await ask('D')).toBe('OK');
    expect(s.dbg.running).toBe(true);
  });
});

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
