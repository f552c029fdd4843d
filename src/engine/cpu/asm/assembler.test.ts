import { describe, expect, it } from 'vitest';
import { disassembleRange } from '../disasm';
import { Bus } from '../bus';
import { loadElf, parseElf, PF_R, PF_W, PF_X } from '../elf';
import { extractFields, matchRow, Op } from '../opcodes';
import { assemble, formatAsmError, type AsmResult } from './index';

type Ok = Extract<AsmResult, { ok: true }>;

function ok(src: string, opts = {}): Ok {
  const r = assemble(src, opts);
  if (!r.ok) throw new Error(r.errors.map(formatAsmError).join('\n'));
  return r;
}

/** The errors of a source that must not assemble, as `line:col: message`. */
function errors(src: string): string[] {
  const r = assemble(src);
  if (r.ok) throw new Error('assembled without errors');
  return r.errors.map(formatAsmError);
}

const section = (r: Ok, name: string) => {
  const s = r.sections.find((x) => x.name === name);
  if (!s) throw new Error(`no section ${name}`);
  return s;
};
const text = (r: Ok): number[] => [...section(r, '.text').data];
const words = (bytes: number[]): number[] =>
  Array.from(
    { length: bytes.length / 4 },
    (_, i) => (bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24)) >>> 0,
  );
/** objdump-style text of each instruction in .text. */
const dis = (r: Ok): string[] =>
  disassembleRange(section(r, '.text').data, section(r, '.text').addr, { comments: false }).map((l) => l.text);

/** Runs a straight-line sequence of lui/auipc/addi and returns register `rd`. */
function run(bytes: number[], pc: number, rd: number): number {
  const x = new Array<number>(32).fill(0);
  let off = 0;
  while (off < bytes.length) {
    const h = bytes[off] | (bytes[off + 1] << 8);
    const w = (h & 3) === 3 ? (h | (bytes[off + 2] << 16) | (bytes[off + 3] << 24)) >>> 0 : h;
    const row = matchRow(w)!;
    const f = extractFields(row.fmt, w);
    if (row.op === Op.LUI) x[f.rd] = f.imm | 0;
    else if (row.op === Op.AUIPC) x[f.rd] = (pc + off + f.imm) | 0;
    else if (row.op === Op.ADDI) x[f.rd] = (x[f.rs1] + f.imm) | 0;
    else throw new Error(`unexpected ${row.name}`);
    x[0] = 0;
    off += row.len;
  }
  return x[rd];
}

describe('errors', () => {
  it('names an unknown instruction at its column', () => {
    expect(errors('  nop\n\n    addx a0, a1, a2\n')).toEqual(["3:5: unknown instruction 'addx'"]);
  });

  it('names a bad register at its column', () => {
    expect(errors('add a0, x32, a1')).toEqual(["1:9: unknown register 'x32'"]);
    expect(errors('add a0, 5, a1')).toEqual(["1:9: expected a register, got '5'"]);
  });

  it('reports an immediate out of range with the range and the instruction', () => {
    expect(errors('nop\nnop\n  addi a0, a1, 5000\n')).toEqual([
      '3:16: immediate 5000 out of range [-2048, 2047] for addi',
    ]);
    expect(errors('slli a0, a0, 32')).toEqual(['1:14: shift amount 32 out of range [0, 31] for slli']);
    expect(errors('c.addi a0, 40')).toEqual(['1:12: immediate 40 out of range [-32, 31] for c.addi']);
    expect(errors('lui a0, 0x100000')).toEqual(['1:9: immediate 1048576 out of range [0, 1048575] for lui']);
    expect(errors('li a0, 0x100000000')).toEqual([
      '1:8: immediate 4294967296 out of range [-2147483648, 4294967295] for li',
    ]);
    expect(errors('.byte 300')).toEqual(['1:7: value 300 out of range [-128, 255] for .byte']);
  });

  it('reports a branch target out of reach', () => {
    const src = 'start: beq a0, a1, far\n.zero 5000\nfar: nop\n';
    expect(errors(src)).toEqual(['1:20: branch offset 5004 out of range [-4096, 4095] for beq']);
  });

  it('reports an undefined symbol at its column', () => {
    expect(errors('nop\n\n\n\n\n\n\n\n   j  loop\n')).toEqual(["9:7: undefined symbol 'loop'"]);
    expect(errors('1: j 1f')).toEqual(["1:6: undefined symbol '1f'"]);
    expect(errors('.word missing + 4')).toEqual(["1:7: undefined symbol 'missing'"]);
  });

  it('reports a duplicate label with the line of the first one', () => {
    expect(errors('loop: nop\n  loop: nop\n')).toEqual(["2:3: symbol 'loop' is already defined (line 1)"]);
    expect(errors('.equ x, 1\nx: nop')).toEqual(["2:1: symbol 'x' is already defined"]);
  });

  it('reports bad and unsupported directives', () => {
    expect(errors('  .foo 1')).toEqual(["1:3: unknown directive '.foo'"]);
    expect(errors('.macro m')).toEqual(["1:1: unsupported directive '.macro'"]);
    expect(errors('.option bogus')).toEqual(["1:9: unknown .option 'bogus'"]);
    expect(errors('.align 20')).toEqual(['1:8: alignment 2^20 out of range [0, 16]']);
    expect(errors('.balign 3')).toEqual(['1:9: alignment 3 is not a power of two']);
    expect(errors('.space later\nlater: nop')).toEqual([
      '1:8: .space needs a constant (symbols must be defined before use)',
    ]);
  });

  it('reports operand count and shape problems', () => {
    expect(errors('addi a0, a1')).toEqual(['1:1: addi takes 3 operands (rd, rs1, imm), got 2']);
    expect(errors('ecall a0')).toEqual(['1:7: ecall takes no operands, got 1']);
    expect(errors('lw a0, 0(a1')).toEqual(["1:8: expected a memory operand like 0(a0) for lw, got '0(a1'"]);
    expect(errors('lr.w a0, 4(a1)')).toEqual(['1:10: offset must be 0 for lr.w']);
    expect(errors('c.lw a0, 4(sp)')).toEqual(['1:12: rs1 must be one of x8..x15 (s0,s1,a0..a5) for c.lw']);
    expect(errors('csrr a0, nosuch')).toEqual(["1:10: unknown CSR 'nosuch'"]);
    expect(errors('.word 1 +')).toEqual(['1:10: expected an expression']);
    expect(errors('.text\n.bss\nadd a0, a0, a0')).toEqual(['3:1: instructions are not allowed in .bss']);
    expect(errors('.bss\n.word 1')).toEqual(['2:1: non-zero data in .bss']);
  });

  it('reports lexical errors and keeps going', () => {
    expect(errors('.ascii "abc\nnop\n  `\n')).toEqual(['1:8: unterminated string', "3:3: unexpected character '`'"]);
  });

  it('collects every error, in line order', () => {
    const src = ['start:', '  addx a0, a1', '  addi a0, a1, 4096', '  j nowhere', 'start:', '  .bogus'].join('\n');
    expect(errors(src)).toEqual([
      "2:3: unknown instruction 'addx'",
      '3:16: immediate 4096 out of range [-2048, 2047] for addi',
      "4:5: undefined symbol 'nowhere'",
      "5:1: symbol 'start' is already defined (line 1)",
      "6:3: unknown directive '.bogus'",
    ]);
  });

  it('puts the file name in front when given', () => {
    const r = assemble('addx', { fileName: 'boot.S' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatAsmError(r.errors[0])).toBe("boot.S:1:1: unknown instruction 'addx'");
  });
});

describe('li', () => {
  const cases: [number, number][] = [
    [0, 1],
    [-1, 1],
    [0x7ff, 1],
    [0x800, 2],
    [-2048, 1],
    [-2049, 2],
    [0x7fffffff, 2],
    [0x80000000, 1],
    [0x12345678, 2],
    [0xfffff800, 1],
    [0x1000, 1],
    [0x12345800, 2],
  ];
  for (const [v, n] of cases) {
    it(`loads 0x${(v >>> 0).toString(16)} in ${n} instruction${n > 1 ? 's' : ''}`, () => {
      const bytes = text(ok(`li a0, ${v}`));
      expect(bytes.length).toBe(4 * n);
      expect(run(bytes, 0x80000000, 10)).toBe(v | 0);
    });
  }

  it('expands as gas does', () => {
    expect(dis(ok('li a0, 0x800\nli a1, 0x80000000\nli a2, 0xfffff800\nli t0, -2049'))).toEqual([
      'lui\ta0,0x1',
      'addi\ta0,a0,-2048',
      'lui\ta1,0x80000',
      'li\ta2,-2048',
      'lui\tt0,0xfffff',
      'addi\tt0,t0,2047',
    ]);
  });

  it('uses lui+addi for a value known only after pass 1', () => {
    const r = ok('li a0, later\n.equ later, 5');
    expect(dis(r)).toEqual(['lui\ta0,0x0', 'addi\ta0,a0,5']);
    const r2 = ok('li a0, end\nend: nop');
    expect(run(text(r2).slice(0, 8), 0x80000000, 10)).toBe(0x80000008 | 0);
  });

  it('takes constant expressions and .equ symbols defined before', () => {
    const r = ok(".equ N, 10\nli a0, (N * 3 + 2) << 4 | 'A'");
    expect(run(text(r), 0x80000000, 10)).toBe(((10 * 3 + 2) << 4) | 65);
  });
});

describe('expressions', () => {
  const value = (expr: string): number => words(text(ok(`.word ${expr}`)))[0] | 0;

  it('follows gas precedence and operators', () => {
    expect(value('1 + 2 * 3')).toBe(7);
    expect(value('(1 + 2) * 3')).toBe(9);
    expect(value('1 << 4 | 1')).toBe(17);
    expect(value('0xf0 & 0x3c ^ 1')).toBe(0x31);
    expect(value('~0')).toBe(-1);
    expect(value('-7 / 2')).toBe(-3);
    expect(value('-7 % 2')).toBe(-1);
    expect(value('0x80000000 >> 4')).toBe(0x08000000);
    expect(value("'a' + 1")).toBe(98);
    expect(value("'\\n'")).toBe(10);
    expect(value('0b1010 + 010')).toBe(18);
    expect(value('3 > 2')).toBe(-1);
  });

  it('reports division by zero', () => {
    expect(errors('.word 1 / 0')).toEqual(['1:7: division by zero']);
  });

  it('evaluates labels, differences of labels and the location counter', () => {
    const r = ok('start: nop\nnop\nhere: .word start, here - start, . - start, end\nend:');
    // `.` is the address of the word being emitted, as in gas
    expect(words(text(r)).slice(2)).toEqual([0x80000000, 8, 16, 0x80000018]);
  });

  it('reconstructs an address from %hi and %lo', () => {
    const r = ok('lui a0, %hi(msg)\naddi a0, a0, %lo(msg)\n.data\n.zero 0x7fc\nmsg: .word 1', { dataBase: 0x80001000 });
    expect(r.symbols.get('msg')).toBe(0x800017fc);
    expect(run(text(r), 0x80000000, 10)).toBe(0x800017fc | 0);
    const r2 = ok('lui a0, %hi(msg)\naddi a0, a0, %lo(msg)\n.data\n.zero 0x800\nmsg: .word 1', {
      dataBase: 0x80001000,
    });
    expect(dis(r2)).toEqual(['lui\ta0,0x80002', 'addi\ta0,a0,-2048']);
    expect(run(text(r2), 0x80000000, 10)).toBe(0x80001800 | 0);
  });

  it('pairs %pcrel_lo with the auipc its label names', () => {
    const src = [
      '1: auipc a0, %pcrel_hi(msg)',
      '   addi a0, a0, %pcrel_lo(1b)',
      '.Lx: auipc a1, %pcrel_hi(msg + 4)',
      '   lw a2, %pcrel_lo(.Lx)(a1)',
      '.data',
      '.zero 0x900',
      'msg: .word 7',
    ].join('\n');
    const r = ok(src, { dataBase: 0x80005000 });
    expect(run(text(r).slice(0, 8), 0x80000000, 10)).toBe(0x80005900 | 0);
    const [, , auipc, lw] = words(text(r));
    const hi = extractFields('U', auipc).imm;
    const lo = extractFields('I', lw).imm;
    expect((0x80000008 + hi + lo) >>> 0).toBe(0x80005904);
    expect(errors('addi a0, a0, %pcrel_lo(x)\nx: nop')).toEqual([
      '1:14: %pcrel_lo needs the label of an auipc with %pcrel_hi; none at 0x80000004',
    ]);
  });

  it('expands la, call, tail and symbol loads pc-relatively', () => {
    const r = ok(
      [
        '_start: la a0, msg',
        'call f',
        'tail f',
        'lw a1, msg',
        'sw a1, msg, t0',
        'f: ret',
        '.data',
        'msg: .word 0',
      ].join('\n'),
    );
    expect(dis(r)).toEqual([
      'auipc\ta0,0x1',
      'mv\ta0,a0',
      'auipc\tra,0x0',
      'jalr\t32(ra)',
      'auipc\tt1,0x0',
      'jr\t24(t1)',
      'auipc\ta1,0x1',
      'lw\ta1,-24(a1)',
      'auipc\tt0,0x1',
      'sw\ta1,-32(t0)',
      'ret',
    ]);
    expect(run(text(r).slice(0, 8), 0x80000000, 10)).toBe(0x80001000 | 0);
  });
});

describe('labels', () => {
  it('resolves numeric local labels forwards and backwards', () => {
    const src = ['1: nop', '   j 1b', '   j 1f', '1: j 1b', '2: j 2f', '   j 1b', '2: nop'].join('\n');
    expect(dis(ok(src))).toEqual([
      'nop',
      'j\t0x80000000',
      'j\t0x8000000c',
      'j\t0x8000000c',
      'j\t0x80000018',
      'j\t0x8000000c',
      'nop',
    ]);
  });

  it('keeps numeric and .L labels out of the ELF symbol table', () => {
    const r = ok('_start: 1: nop\n.Lloop: j .Lloop\nmain: j 1b');
    expect(r.symbolTable.map((s) => s.name)).toEqual(['_start', 'main']);
    expect(r.symbols.get('.Lloop')).toBe(0x80000004);
  });
});

describe('directives', () => {
  it('pads code with nops and data with zeros for .align', () => {
    const r = ok(
      [
        '.text',
        'nop',
        '.align 3',
        'ebreak',
        '.data',
        '.byte 1',
        '.align 2',
        '.byte 2',
        '.p2align 3, 0xee',
        '.byte 3',
        '.balign 4',
        '.byte 4',
      ].join('\n'),
      { dataBase: 0x80001000 },
    );
    expect(dis(r)).toEqual(['nop', 'nop', 'ebreak']);
    expect([...section(r, '.data').data]).toEqual([1, 0, 0, 0, 2, 0xee, 0xee, 0xee, 3, 0, 0, 0, 4]);
    expect(section(r, '.data').align).toBe(8);
  });

  it('pads compressed code as gas does: a zero byte if odd, one c.nop if needed, then nops', () => {
    const r = ok('.option rvc\nnop\n.byte 1\n.balign 16\nebreak\n.balign 8\nebreak\nebreak\n.balign 16\nebreak');
    // the same bytes as GNU as 2.40
    expect(text(r)).toEqual([
      0x01,
      0x00,
      0x01,
      0x00,
      0x13,
      0,
      0,
      0,
      0x13,
      0,
      0,
      0,
      0x13,
      0,
      0,
      0, // nop, .byte, 0, 3 nops
      0x02,
      0x90,
      0x01,
      0x00,
      0x13,
      0,
      0,
      0, // ebreak, c.nop, nop
      0x02,
      0x90,
      0x02,
      0x90,
      0x13,
      0,
      0,
      0,
      0x02,
      0x90, // ebreak, ebreak, nop, ebreak
    ]);
  });

  it('skips alignment beyond the limit', () => {
    expect(text(ok('.byte 1\n.p2align 4,,2\n.byte 2'))).toEqual([1, 2]);
  });

  it('emits integers of every size, strings and fills', () => {
    const r = ok(
      [
        '.data',
        'a: .word 0x12345678, -1, a',
        '.half 0xbeef, -2',
        '.short 1',
        '.2byte 2',
        '.4byte 3',
        '.byte 1, 255, -128',
        '.ascii "ab", "c"',
        '.asciz "d\\n"',
        '.string "\\x41\\101"',
        '.zero 2',
        '.space 3, 0x7f',
        '.fill 2, 2, 0x1234',
        '.dword -2',
      ].join('\n'),
      { dataBase: 0x80004000 },
    );
    expect([...section(r, '.data').data]).toEqual([
      0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff, 0x00, 0x40, 0x00, 0x80, 0xef, 0xbe, 0xfe, 0xff, 1, 0, 2, 0, 3, 0,
      0, 0, 1, 255, 0x80, 0x61, 0x62, 0x63, 0x64, 10, 0, 0x41, 0x41, 0, 0, 0, 0x7f, 0x7f, 0x7f, 0x34, 0x12, 0x34, 0x12,
      0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
  });

  it('defines symbols with .equ, .set and =', () => {
    const r = ok(['.equ A, 4', '.set B, A * 2', 'C = B + 1', '.set B, 100', 'li a0, C', 'li a1, B'].join('\n'));
    expect(r.symbols.get('A')).toBe(4);
    expect(r.symbols.get('C')).toBe(9);
    expect(r.symbols.get('B')).toBe(100);
    expect(dis(r)).toEqual(['li\ta0,9', 'li\ta1,100']);
    expect(errors('.equiv X, 1\n.equiv X, 2')).toEqual(["2:8: symbol 'X' is already defined"]);
  });

  it('records .globl, .type and .size in the symbol table', () => {
    const r = ok(
      [
        '.globl main',
        '.type main, @function',
        'main: nop',
        'ret',
        '.size main, . - main',
        '.data',
        '.type buf, %object',
        'buf: .zero 8',
        '.size buf, 8',
      ].join('\n'),
    );
    expect(r.symbolTable.find((s) => s.name === 'main')).toEqual({
      name: 'main',
      value: 0x80000000,
      size: 8,
      type: 'FUNC',
      bind: 'GLOBAL',
      section: '.text',
    });
    expect(r.symbolTable.find((s) => s.name === 'buf')).toMatchObject({
      size: 8,
      type: 'OBJECT',
      bind: 'LOCAL',
      section: '.data',
    });
  });

  it('accepts comments, separators and ignorable directives', () => {
    const r = ok(
      [
        '.file "x.s"',
        '# a comment',
        'nop // another',
        'nop; nop # three',
        '/* a',
        'block */ ebreak /* inline */ ; ecall',
        '.cfi_startproc',
        '.option push',
        '.option arch, +c',
        '.option pop',
      ].join('\n'),
    );
    expect(dis(r)).toEqual(['nop', 'nop', 'nop', 'ebreak', 'ecall']);
  });
});

describe('sections and output', () => {
  const src = [
    '.text',
    '.globl _start',
    '_start: la a0, ro',
    'nop',
    '.section .rodata',
    'ro: .string "ro"',
    '.data',
    'd: .word 1',
    '.bss',
    'b: .zero 16',
    '.section .text.init, "ax", @progbits',
    'init: ret',
  ].join('\n');

  it('places .text, .rodata, .data and .bss on pages, in that order', () => {
    const r = ok(src);
    expect(r.sections.map((s) => [s.name, s.addr, s.size])).toEqual([
      ['.text', 0x80000000, 12],
      ['.text.init', 0x8000000c, 4],
      ['.rodata', 0x80001000, 3],
      ['.data', 0x80002000, 4],
      ['.bss', 0x80003000, 16],
    ]);
    expect(r.entry).toBe(0x80000000);
    expect(run(text(r).slice(0, 8), 0x80000000, 10)).toBe(0x80001000 | 0);
  });

  it('honours textBase and dataBase, and enters at textBase without _start', () => {
    const r = ok('nop\n.data\nx: .word 0', { textBase: 0x1000, dataBase: 0x2000_0000 });
    expect(r.entry).toBe(0x1000);
    expect(section(r, '.data').addr).toBe(0x2000_0000);
  });

  it('writes an ELF with one PT_LOAD per section and all symbols', () => {
    const r = ok(src);
    const elf = parseElf(r.elf);
    if (!elf.ok) throw new Error(elf.error);
    const img = elf.image;
    expect(img.entry).toBe(0x80000000);
    expect(img.segments.map((s) => [s.vaddr, s.filesz, s.memsz, s.flags])).toEqual([
      [0x80000000, 12, 12, PF_R | PF_X],
      [0x8000000c, 4, 4, PF_R | PF_X],
      [0x80001000, 3, 3, PF_R],
      [0x80002000, 4, 4, PF_R | PF_W],
      [0x80003000, 0, 16, PF_R | PF_W],
    ]);
    expect([...img.segments[0].data]).toEqual(text(r));
    expect([...img.segments[1].data]).toEqual([...section(r, '.text.init').data]);
    expect(String.fromCharCode(...img.segments[2].data)).toBe('ro\0');
    expect(img.sections.map((s) => s.name)).toEqual([
      '',
      '.text',
      '.text.init',
      '.rodata',
      '.data',
      '.bss',
      '.symtab',
      '.strtab',
      '.shstrtab',
    ]);
    const sym = (n: string) => img.symbols.find((s) => s.name === n);
    expect(sym('_start')).toMatchObject({ value: 0x80000000, bind: 'GLOBAL' });
    expect(sym('ro')).toMatchObject({ value: 0x80001000, bind: 'LOCAL' });
    expect(sym('b')).toMatchObject({ value: 0x80003000 });
    expect(img.sections[sym('init')!.shndx].name).toBe('.text.init');
  });

  it('loads into RAM with loadElf, .bss zeroed', () => {
    const r = ok(src);
    const elf = parseElf(r.elf);
    if (!elf.ok) throw new Error(elf.error);
    const bus = new Bus(1 << 20);
    expect(bus.writeBytes(0x80003000, new Uint8Array(16).fill(0xcc))).toBe(true);
    expect(loadElf(bus, elf.image)).toBeNull();
    expect([...bus.readBytes(0x80000000, 12)!]).toEqual(text(r));
    expect([...bus.readBytes(0x80001000, 3)!]).toEqual([0x72, 0x6f, 0]);
    expect([...bus.readBytes(0x80003000, 16)!]).toEqual(new Array(16).fill(0));
  });

  it('maps source lines to addresses', () => {
    const r = ok('nop\n\nli a0, 0x12345678\n.data\n.word 1', { dataBase: 0x90000000 });
    expect(r.lines.get(1)).toBe(0x80000000);
    expect(r.lines.get(2)).toBeUndefined();
    expect(r.lines.get(3)).toBe(0x80000004);
    expect(r.lines.get(5)).toBe(0x90000000);
    expect(r.lineTable.filter((e) => e.line === 3).map((e) => e.size)).toEqual([4, 4]);
  });
});

describe('compression policy', () => {
  it('does not compress by default', () => {
    expect(text(ok('addi sp, sp, -16\nret')).length).toBe(8);
  });

  it('compresses operands known in pass 1 after .option rvc, not branches or jumps', () => {
    const r = ok(
      [
        '.option rvc',
        'addi sp, sp, -16',
        'li a0, 5',
        'mv a1, a0',
        'lw ra, 12(sp)',
        'ret',
        'beqz a0, 1f',
        'j 1f',
        '1: .option norvc',
        'addi sp, sp, 16',
      ].join('\n'),
    );
    expect(disassembleRange(section(r, '.text').data, 0x80000000).map((l) => [l.len, l.text])).toEqual([
      [2, 'addi\tsp,sp,-16'],
      [2, 'li\ta0,5'],
      [2, 'mv\ta1,a0'],
      [2, 'lw\tra,12(sp)'],
      [2, 'ret'],
      [4, 'beqz\ta0,0x80000012'],
      [4, 'j\t0x80000012'],
      [4, 'addi\tsp,sp,16'],
    ]);
  });

  it('keeps explicit c. mnemonics compressed without .option rvc', () => {
    expect(text(ok('c.addi a0, 1\nc.j 0x80000000'))).toEqual([0x05, 0x05, 0xfd, 0xbf]);
  });

  it('emits c.unimp for unimp under rvc, csrw cycle, zero otherwise', () => {
    expect(words(text(ok('unimp')))).toEqual([0xc0001073]);
    expect(text(ok('.option rvc\nunimp'))).toEqual([0, 0]);
  });
});

describe('instruction forms', () => {
  it('accepts the forms objdump prints and gas accepts', () => {
    const r = ok(
      [
        'add a0, a1, 5',
        'sll a0, a1, 3',
        'and a0, a1, 0xff',
        'jr 4(a0)',
        'jalr a1, a0',
        'jalr a0, 8',
        'jalr t0, -8(a1)',
        'jalr ra, a0, 4',
        'csrw mstatus, 5',
        'csrrs a0, mstatus, 0',
        'csrrw a0, 0x7c0, a1',
        'fence',
        'fence.tso',
        'fence i, o',
        'sfence.vma zero, a1',
        'amoadd.w.aqrl a0, a2, (a1)',
        'lr.w a0, 0(a1)',
        'bgt a0, a1, 0x80000000',
        'sgtz a0, a1',
        'zext.b a0, a1',
        'move a0, fp',
        'scall',
      ].join('\n'),
    );
    expect(dis(r)).toEqual([
      'addi\ta0,a1,5',
      'slli\ta0,a1,0x3',
      'zext.b\ta0,a1',
      'jr\t4(a0)',
      'jalr\ta1,a0',
      'jalr\t8(a0)',
      'jalr\tt0,-8(a1)',
      'jalr\t4(a0)',
      'csrw\tmstatus,5',
      'csrrs\ta0,mstatus,0',
      'csrrw\ta0,0x7c0,a1',
      'fence',
      'fence.tso',
      'fence\ti,o',
      'sfence.vma\tzero,a1',
      'amoadd.w.aqrl\ta0,a2,(a1)',
      'lr.w\ta0,(a1)',
      'blt\ta1,a0,0x80000000',
      'sgtz\ta0,a1',
      'zext.b\ta0,a1',
      'mv\ta0,s0',
      'ecall',
    ]);
  });
});
