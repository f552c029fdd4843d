/**
 * Comparison with GNU binutils (riscv64-unknown-elf-as/ld/objdump, Debian package
 * binutils-riscv64-unknown-elf): the same sources are assembled by both assemblers and linked
 * at the same addresses, then
 * (a) our disassembly of GNU's bytes must equal objdump's, line by line (address, bytes, text,
 *     address comments), by default and with `-M no-aliases`;
 * (b) our bytes must equal GNU's, and our symbols GNU's.
 *
 * Normalisations, each a documented difference: symbol names in `<...>` are dropped (objdump
 * chooses among linker symbols we do not have); binutils 2.40 prints addi/slli/srli/srai/andi/
 * ori/xori as add/sll/... with an immediate, later versions and we print the `i` forms; with
 * -M no-aliases 2.40 prints c.nop as `c.addi zero,0`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disassembleRange } from '../../src/engine/cpu/disasm';
import { parseElf } from '../../src/engine/cpu/elf';
import { assemble } from '../../src/engine/cpu/asm';

const TOOLS = ['as', 'ld', 'objdump', 'objcopy'].map((t) => `/usr/bin/riscv64-unknown-elf-${t}`);
const missing = TOOLS.filter((t) => !existsSync(t));
const haveGnu = missing.length === 0;
if (!haveGnu) {
  console.warn(
    `GNU comparison tests skipped: ${missing.join(', ')} not found (apt install binutils-riscv64-unknown-elf)`,
  );
}

const TEXT = 0x8000_0000;
const DATA = 0x8000_2000;
const source = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

let dir: string | null = null;
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Gnu {
  text: Uint8Array;
  data: Uint8Array;
  objdump: string;
  objdumpRaw: string;
  symbols: Map<string, number>;
  gp: number | undefined;
}

/** Assembles and links `src` with GNU tools; bytes of .text/.data and objdump's output. */
function gnu(name: string, src: string): Gnu {
  dir ??= mkdtempSync(join(tmpdir(), 'corescope-gnu-'));
  const base = join(dir, name);
  writeFileSync(`${base}.s`, src);
  const run = (tool: string, args: string[]): string =>
    execFileSync(`/usr/bin/riscv64-unknown-elf-${tool}`, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run('as', ['-march=rv32imac_zicsr_zifencei', '-mabi=ilp32', '-o', `${base}.o`, `${base}.s`]);
  run('ld', [
    '-m',
    'elf32lriscv',
    '--no-relax',
    `-Ttext=0x${TEXT.toString(16)}`,
    `-Tdata=0x${DATA.toString(16)}`,
    '-o',
    `${base}.elf`,
    `${base}.o`,
  ]);
  const section = (sec: string): Uint8Array => {
    run('objcopy', ['-O', 'binary', '-j', sec, `${base}.elf`, `${base}${sec}`]);
    return new Uint8Array(readFileSync(`${base}${sec}`));
  };
  const elf = parseElf(new Uint8Array(readFileSync(`${base}.elf`)));
  if (!elf.ok) throw new Error(elf.error);
  const symbols = new Map(elf.image.symbols.map((s) => [s.name, s.value]));
  return {
    text: section('.text'),
    data: src.includes('.data') ? section('.data') : new Uint8Array(0),
    objdump: run('objdump', ['-d', `${base}.elf`]),
    objdumpRaw: run('objdump', ['-d', '-M', 'no-aliases', `${base}.elf`]),
    symbols,
    gp: symbols.get('__global_pointer$'),
  };
}

const QUIRK_240 = /^(add|sll|srl|sra|and|or|xor)\t([a-z0-9]+),([a-z0-9]+),(-?[0-9]+|0x[0-9a-f]+)(?=$| )/;

/** objdump's instruction lines, normalised as the file comment says. */
function objdumpLines(out: string, raw: boolean): string[] {
  const lines: string[] = [];
  for (const l of out.split('\n')) {
    const m = /^(\s*[0-9a-f]+:\t[0-9a-f]+\s*\t)(.*)$/.exec(l);
    if (!m) continue;
    let text = m[2].replace(/ <[^>]*>/g, '');
    if (raw) text = text.replace(/^c\.addi\tzero,0$/, 'c.nop');
    else text = text.replace(QUIRK_240, '$1i\t$2,$3,$4');
    lines.push(m[1] + text);
  }
  return lines;
}

/** Our disassembly of `bytes`, normalised the same way. */
function ourLines(bytes: Uint8Array, g: Gnu, raw: boolean): string[] {
  return disassembleRange(bytes, TEXT, { symbols: () => 'sym', gp: g.gp, noAliases: raw }).map((l) =>
    l.line.replace(/ <[^>]*>/g, ''),
  );
}

/** GNU's .text trimmed to our length; what follows must be the linker's nop padding. */
function trimPadding(gnuText: Uint8Array, len: number): Uint8Array {
  const tail = [...gnuText.subarray(len)];
  for (let i = 0; i < tail.length; i += 4) expect(tail.slice(i, i + 4)).toEqual([0x13, 0, 0, 0]);
  return gnuText.subarray(0, len);
}

const CASES = [
  { name: 'gnu_norvc.s', what: 'base and pseudo-instructions, no compression' },
  // the same program as GNU as assembles it by default: compressed wherever it can
  {
    name: 'gnu_norvc.s',
    what: 'the same program compressed by GNU as',
    transform: (s: string) => s.replace('.option norvc\n', ''),
  },
  // data in .text would print as .byte (objdump follows mapping symbols), so not here
  {
    name: 'gnu_rvc.s',
    what: 'compressed instructions',
    transform: (s: string) => s.replace(/\.byte\s+1\n/, 'c.nop\n'),
  },
];

describe('disassembly matches GNU objdump', () => {
  for (const [i, c] of CASES.entries()) {
    it.skipIf(!haveGnu)(`${c.what} (${c.name})`, () => {
      const src = c.transform ? c.transform(source(c.name)) : source(c.name);
      const g = gnu(`dis${i}`, src);
      const theirs = objdumpLines(g.objdump, false);
      expect(theirs.length).toBeGreaterThan(60);
      expect(ourLines(g.text, g, false)).toEqual(theirs);
    });
    it.skipIf(!haveGnu)(`${c.what} with -M no-aliases (${c.name})`, () => {
      const src = c.transform ? c.transform(source(c.name)) : source(c.name);
      const g = gnu(`raw${i}`, src);
      expect(ourLines(g.text, g, true)).toEqual(objdumpLines(g.objdumpRaw, true));
    });
  }
});

describe('assembly matches GNU as', () => {
  for (const name of ['gnu_norvc.s', 'gnu_rvc.s']) {
    it.skipIf(!haveGnu)(`same bytes and symbols for ${name}`, () => {
      const src = source(name);
      const g = gnu(`asm-${name}`, src);
      const r = assemble(src, { textBase: TEXT, dataBase: DATA, fileName: name });
      if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.column}: ${e.message}`).join('\n'));
      const text = r.sections.find((s) => s.name === '.text')!;
      expect(text.addr).toBe(TEXT);
      const gnuText = trimPadding(g.text, text.size);
      expect(ourLines(text.data, g, false)).toEqual(ourLines(gnuText, g, false)); // readable diff
      expect([...text.data]).toEqual([...gnuText]);
      const data = r.sections.find((s) => s.name === '.data');
      if (data) {
        expect(data.addr).toBe(DATA);
        expect([...data.data]).toEqual([...g.data.subarray(0, data.size)]);
      }
      for (const s of r.symbolTable) {
        if (s.section !== null) expect(s.value, s.name).toBe(g.symbols.get(s.name));
      }
      expect(r.symbolTable.length).toBeGreaterThan(0);
    });
  }
});
