/**
 * `corescope run`: modes, exit statuses, output and error messages, driven as a person would
 * (a child process of bin/corescope.mjs). Small programs are built here with the opcode table
 * and the ELF writer; the benchmark workloads come from resources/guest/bench.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PF_R, PF_W, PF_X } from '../src/engine/cpu/elf';
import { writeElf } from '../src/engine/cpu/elf_writer';
import { encodeFields, OPCODE_BY_NAME, type Fields } from '../src/engine/cpu/opcodes';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'corescope.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'corescope-cli-'));

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const enc = (name: string, f: Partial<Fields>): number => {
  const w = encodeFields(OPCODE_BY_NAME.get(name)!, f);
  if (typeof w === 'string') throw new Error(w);
  return w;
};
const A0 = 10;
const A1 = 11;
const A2 = 12;
const A7 = 17;
const T0 = 5;

/** Writes an ELF with `code` at `base` (text) and optional data; returns its path. */
function elf(
  name: string,
  base: number,
  code: number[],
  data?: { at: number; bytes: Uint8Array; symbols?: Record<string, number> },
): string {
  const text = new Uint8Array(code.length * 4);
  code.forEach((w, i) => new DataView(text.buffer).setUint32(i * 4, w >>> 0, true));
  const segments: { vaddr: number; flags: number; data: Uint8Array }[] = [
    { vaddr: base, flags: PF_R | PF_X, data: text },
  ];
  if (data) segments.push({ vaddr: data.at, flags: PF_R | PF_W, data: data.bytes });
  const symbols = [
    { name: '_start', value: base, type: 'FUNC' as const },
    ...Object.entries(data?.symbols ?? {}).map(([n, v]) => ({ name: n, value: v, type: 'OBJECT' as const })),
  ];
  const r = writeElf({ entry: base, segments, symbols });
  if (!r.ok) throw new Error(r.error);
  const path = join(tmp, name);
  writeFileSync(path, r.bytes);
  return path;
}

/** lui+addi pair loading a 32-bit constant. */
function li(rd: number, v: number): number[] {
  const lo = (v << 20) >> 20;
  const hi = (v - lo) | 0;
  return [enc('lui', { rd, imm: hi }), enc('addi', { rd, rs1: rd, imm: lo })];
}

describe('corescope run: user mode', () => {
  const msg = new TextEncoder().encode('hello from the guest\n');
  // write(1, msg, len); exit(42)
  const hello = (base: number, dataAt: number): string =>
    elf(
      `hello-${base.toString(16)}`,
      base,
      [
        enc('addi', { rd: A0, rs1: 0, imm: 1 }),
        ...li(A1, dataAt),
        enc('addi', { rd: A2, rs1: 0, imm: msg.length }),
        enc('addi', { rd: A7, rs1: 0, imm: 64 }),
        enc('ecall', {}),
        enc('addi', { rd: A0, rs1: 0, imm: 42 }),
        enc('addi', { rd: A7, rs1: 0, imm: 93 }),
        enc('ecall', {}),
      ],
      { at: dataAt, bytes: msg },
    );

  it('runs a program linked at a Linux address under Sv32 and returns its exit code', () => {
    const r = run('run', hello(0x10000, 0x11000));
    expect(r.stdout).toBe('hello from the guest\n');
    expect(r.status).toBe(42);
  });

  it('runs a program linked inside RAM with the MMU off', () => {
    const r = run('run', '--mmu', 'off', hello(0x8001_0000, 0x8001_1000));
    expect(r.stdout).toBe('hello from the guest\n');
    expect(r.status).toBe(42);
  });

  it('refuses a program outside RAM with the MMU off, naming the segment', () => {
    const r = run('run', '--mmu', 'off', hello(0x10000, 0x11000));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/segment 0 at 0x00010000\+0x[0-9a-f]+ is outside RAM/);
  });

  it('ends a faulting program like a signal, saying what faulted where', () => {
    // lw a0, 0(x0): nothing is mapped at 0
    const r = run('run', elf('segv', 0x10000, [enc('lw', { rd: A0, rs1: 0, imm: 0 })]));
    expect(r.status).toBe(128 + 11);
    expect(r.stderr).toContain('load page fault at 0x00000000 (pc 0x00010000)');
  });

  it('grows the stack on demand under Sv32', () => {
    // sp -= 1 MiB; sw zero, 0(sp); exit(7)
    const r = run(
      'run',
      elf('stack', 0x10000, [
        ...li(T0, 0x10_0000),
        enc('sub', { rd: 2, rs1: 2, rs2: T0 }),
        enc('sw', { rs1: 2, rs2: 0, imm: 0 }),
        enc('addi', { rd: A0, rs1: 0, imm: 7 }),
        enc('addi', { rd: A7, rs1: 0, imm: 93 }),
        enc('ecall', {}),
      ]),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(7);
  });

  it('runs a benchmark workload and prints --stats', () => {
    const r = run('run', '--stats', join(root, 'resources/guest/bench/memcpy.elf'));
    expect(r.stdout).toBe('memcpy: checksum=0x53510b2c ok\n');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/instructions retired: 103398354\n/);
    expect(r.stderr).toMatch(/virtual time: [\d.]+ ms/);
    expect(r.stderr).toMatch(/MIPS: [\d.]+/);
  });

  it('stops at --max-cycles with status 124', () => {
    const r = run('run', '--max-cycles', '10000', join(root, 'resources/guest/bench/sort.elf'));
    expect(r.status).toBe(124);
    expect(r.stderr).toContain('--max-cycles 10000 reached');
  });
});

describe('corescope run: bare mode (HTIF)', () => {
  const tohost = 0x8000_1000;
  const data = { at: tohost, bytes: new Uint8Array(16), symbols: { tohost, fromhost: tohost + 8 } };

  it('prints through the HTIF console and exits with the tohost code', () => {
    // tohost.hi = 0x01010000 (console putchar); tohost.lo = 'K'; then tohost = (5 << 1) | 1
    const code = [
      ...li(T0, tohost),
      ...li(A1, 0x0101_0000),
      enc('sw', { rs1: T0, rs2: A1, imm: 4 }),
      enc('addi', { rd: A0, rs1: 0, imm: 0x4b }),
      enc('sw', { rs1: T0, rs2: A0, imm: 0 }),
      enc('addi', { rd: A0, rs1: 0, imm: 11 }),
      enc('sw', { rs1: T0, rs2: A0, imm: 0 }),
      enc('jal', { rd: 0, imm: 0 }),
    ];
    const r = run('run', elf('htif', 0x8000_0000, code, data));
    expect(r.stdout).toBe('K');
    expect(r.status).toBe(5);
  });

  it('starts every hart at the boot ROM with a0 = mhartid', () => {
    // Hart 0 spins until hart 1 has stored its a0 (= 1) at tohost + 12, then exits with it.
    const code = [
      ...li(T0, tohost),
      enc('beq', { rs1: A0, rs2: 0, imm: 12 }),
      enc('sw', { rs1: T0, rs2: A0, imm: 12 }),
      enc('jal', { rd: 0, imm: 0 }),
      enc('lw', { rd: A1, rs1: T0, imm: 12 }),
      enc('beq', { rs1: A1, rs2: 0, imm: -4 }),
      enc('slli', { rd: A1, rs1: A1, imm: 1 }),
      enc('ori', { rd: A1, rs1: A1, imm: 1 }),
      enc('sw', { rs1: T0, rs2: A1, imm: 0 }),
      enc('jal', { rd: 0, imm: 0 }),
    ];
    const r = run('run', '--harts', '2', elf('harts', 0x8000_0000, code, data));
    expect(r.status).toBe(1);
  });
});

describe('corescope run: usage and bad input', () => {
  it('prints help', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: corescope run');
  });

  it.each([
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['run'], 'no ELF file given'],
    [['run', '--harts', '9', 'x.elf'], '--harts must be an integer in [1, 8]'],
    [['run', '--mode', 'linux', 'x.elf'], '--mode must be bare or user'],
    [['run', '--bogus', 'x.elf'], "Unknown option '--bogus'"],
  ])('usage error %j exits 2', (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('names a missing file', () => {
    const r = run('run', join(tmp, 'missing.elf'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('cannot read');
    expect(r.stderr).toContain('ENOENT');
  });

  it('names the problem in a malformed ELF', () => {
    const path = join(tmp, 'not-elf');
    writeFileSync(path, 'just text, not an executable');
    const r = run('run', path);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not an ELF file.*offset 0/);
  });
});
