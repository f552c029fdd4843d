/**
 * Disassembler output, checked against what GNU objdump 2.40 prints for the same words (with
 * the `i` mnemonics of later binutils, see disasm.ts). gnu.test.ts compares whole programs
 * with objdump when the tools are installed; these cases need no tools.
 */
import { describe, expect, it } from 'vitest';
import { disassemble, disassembleRange, formatAddress } from './disasm';
import { OPCODE_BY_NAME } from './opcodes';

const PC = 0x8000_0000;
const text = (w: number, pc = PC, noAliases = false): string => disassemble(w, pc, { noAliases }).text;
const le = (...ws: number[]): Uint8Array =>
  new Uint8Array(ws.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24]));

describe('disassemble', () => {
  it('prints base instructions and their objdump aliases', () => {
    const cases: [number, string, string][] = [
      [0x00000297, 'auipc\tt0,0x0', 'auipc\tt0,0x0'],
      [0x12345537, 'lui\ta0,0x12345', 'lui\ta0,0x12345'],
      [0xfffff537, 'lui\ta0,0xfffff', 'lui\ta0,0xfffff'],
      [0x00558513, 'addi\ta0,a1,5', 'addi\ta0,a1,5'],
      [0xff010113, 'addi\tsp,sp,-16', 'addi\tsp,sp,-16'],
      [0x00000513, 'li\ta0,0', 'addi\ta0,zero,0'],
      [0x80000513, 'li\ta0,-2048', 'addi\ta0,zero,-2048'],
      [0x00000013, 'nop', 'addi\tzero,zero,0'],
      [0x00100013, 'li\tzero,1', 'addi\tzero,zero,1'],
      [0x00050013, 'mv\tzero,a0', 'addi\tzero,a0,0'],
      [0xfff5c513, 'not\ta0,a1', 'xori\ta0,a1,-1'],
      [0x0015c513, 'xori\ta0,a1,1', 'xori\ta0,a1,1'],
      [0x0ff5f513, 'zext.b\ta0,a1', 'andi\ta0,a1,255'],
      [0x0015b513, 'seqz\ta0,a1', 'sltiu\ta0,a1,1'],
      [0x0025b513, 'sltiu\ta0,a1,2', 'sltiu\ta0,a1,2'],
      [0x00359513, 'slli\ta0,a1,0x3', 'slli\ta0,a1,0x3'],
      [0x4035d513, 'srai\ta0,a1,0x3', 'srai\ta0,a1,0x3'],
      [0x40b00533, 'neg\ta0,a1', 'sub\ta0,zero,a1'],
      [0x00b03533, 'snez\ta0,a1', 'sltu\ta0,zero,a1'],
      [0x0005a533, 'sltz\ta0,a1', 'slt\ta0,a1,zero'],
      [0x00b02533, 'sgtz\ta0,a1', 'slt\ta0,zero,a1'],
      [0x00058533, 'add\ta0,a1,zero', 'add\ta0,a1,zero'],
      [0x0084f433, 'and\ts0,s1,s0', 'and\ts0,s1,s0'],
      [0x03cd9fb3, 'mulh\tt6,s11,t3', 'mulh\tt6,s11,t3'],
      [0xffc12503, 'lw\ta0,-4(sp)', 'lw\ta0,-4(sp)'],
      [0x7ea5afa3, 'sw\ta0,2047(a1)', 'sw\ta0,2047(a1)'],
      [0x00008067, 'ret', 'jalr\tzero,0(ra)'],
      [0x00050067, 'jr\ta0', 'jalr\tzero,0(a0)'],
      [0x00450067, 'jr\t4(a0)', 'jalr\tzero,4(a0)'],
      [0x000500e7, 'jalr\ta0', 'jalr\tra,0(a0)'],
      [0x004500e7, 'jalr\t4(a0)', 'jalr\tra,4(a0)'],
      [0x000505e7, 'jalr\ta1,a0', 'jalr\ta1,0(a0)'],
      [0xff858567, 'jalr\ta0,-8(a1)', 'jalr\ta0,-8(a1)'],
      [0x30002573, 'csrr\ta0,mstatus', 'csrrs\ta0,mstatus,zero'],
      [0x30002073, 'csrr\tzero,mstatus', 'csrrs\tzero,mstatus,zero'],
      [0x30051073, 'csrw\tmstatus,a0', 'csrrw\tzero,mstatus,a0'],
      [0x30052073, 'csrs\tmstatus,a0', 'csrrs\tzero,mstatus,a0'],
      [0x30053073, 'csrc\tmstatus,a0', 'csrrc\tzero,mstatus,a0'],
      [0x3002d073, 'csrw\tmstatus,5', 'csrrwi\tzero,mstatus,5'],
      [0x3002e073, 'csrs\tmstatus,5', 'csrrsi\tzero,mstatus,5'],
      [0x3002f073, 'csrc\tmstatus,5', 'csrrci\tzero,mstatus,5'],
      [0x300515f3, 'csrrw\ta1,mstatus,a0', 'csrrw\ta1,mstatus,a0'],
      [0x3002d5f3, 'csrrw\ta1,mstatus,5', 'csrrwi\ta1,mstatus,5'],
      [0x30006573, 'csrrs\ta0,mstatus,0', 'csrrsi\ta0,mstatus,0'],
      [0xc0002573, 'rdcycle\ta0', 'csrrs\ta0,cycle,zero'],
      [0xc0102573, 'rdtime\ta0', 'csrrs\ta0,time,zero'],
      [0xc0202573, 'rdinstret\ta0', 'csrrs\ta0,instret,zero'],
      [0xc8002573, 'rdcycleh\ta0', 'csrrs\ta0,cycleh,zero'],
      [0xc8102573, 'rdtimeh\ta0', 'csrrs\ta0,timeh,zero'],
      [0xc8202573, 'rdinstreth\ta0', 'csrrs\ta0,instreth,zero'],
      [0x7c002573, 'csrr\ta0,0x7c0', 'csrrs\ta0,0x7c0,zero'],
      [0xc0001573, 'csrrw\ta0,cycle,zero', 'csrrw\ta0,cycle,zero'],
      [0xc0001073, 'unimp', 'unimp'],
      [0x0ff0000f, 'fence', 'fence\tiorw,iorw'],
      [0x0330000f, 'fence\trw,rw', 'fence\trw,rw'],
      [0x0840000f, 'fence\ti,o', 'fence\ti,o'],
      [0x0010000f, 'fence\tunknown,w', 'fence\tunknown,w'],
      [0x8330000f, 'fence.tso', 'fence.tso'],
      [0x8ff0000f, '.word\t0x8ff0000f', '.word\t0x8ff0000f'],
      [0x0ff5000f, '.word\t0x0ff5000f', '.word\t0x0ff5000f'],
      [0x0000100f, 'fence.i', 'fence.i'],
      [0x0010100f, '.word\t0x0010100f', '.word\t0x0010100f'],
      [0x00000073, 'ecall', 'ecall'],
      [0x00100073, 'ebreak', 'ebreak'],
      [0x30200073, 'mret', 'mret'],
      [0x10500073, 'wfi', 'wfi'],
      [0x12000073, 'sfence.vma', 'sfence.vma\tzero,zero'],
      [0x12050073, 'sfence.vma\ta0', 'sfence.vma\ta0,zero'],
      [0x12b00073, 'sfence.vma\tzero,a1', 'sfence.vma\tzero,a1'],
      [0x1005a52f, 'lr.w\ta0,(a1)', 'lr.w\ta0,(a1)'],
      [0x1405a52f, 'lr.w.aq\ta0,(a1)', 'lr.w.aq\ta0,(a1)'],
      [0x1ac5a52f, 'sc.w.rl\ta0,a2,(a1)', 'sc.w.rl\ta0,a2,(a1)'],
      [0x06c5a52f, 'amoadd.w.aqrl\ta0,a2,(a1)', 'amoadd.w.aqrl\ta0,a2,(a1)'],
      [0xe0b6252f, 'amomaxu.w\ta0,a1,(a2)', 'amomaxu.w\ta0,a1,(a2)'],
      [0x1015a52f, '.word\t0x1015a52f', '.word\t0x1015a52f'], // lr.w with rs2 != 0
      [0x120000f3, '.word\t0x120000f3', '.word\t0x120000f3'], // sfence.vma with rd != 0
      [0x0000507f, '.word\t0x0000507f', '.word\t0x0000507f'],
      [0xffffffff, '.word\t0xffffffff', '.word\t0xffffffff'],
    ];
    for (const [w, alias, raw] of cases) {
      expect(text(w), `0x${w.toString(16)}`).toBe(alias);
      expect(text(w, PC, true), `0x${w.toString(16)} no-aliases`).toBe(raw);
    }
  });

  it('prints branch and jump targets as absolute addresses', () => {
    const cases: [number, number, string, string][] = [
      [0xfd9ff0ef, 0x28, 'jal\t0x0', 'jal\tra,0x0'],
      [0xfd5ff06f, 0x2c, 'j\t0x0', 'jal\tzero,0x0'],
      [0xfd1ff56f, 0x30, 'jal\ta0,0x0', 'jal\ta0,0x0'],
      [0xfaa058e3, 0x50, 'blez\ta0,0x0', 'bge\tzero,a0,0x0'],
      [0xfa0556e3, 0x54, 'bgez\ta0,0x0', 'bge\ta0,zero,0x0'],
      [0xfa0544e3, 0x58, 'bltz\ta0,0x0', 'blt\ta0,zero,0x0'],
      [0xfaa042e3, 0x5c, 'bgtz\ta0,0x0', 'blt\tzero,a0,0x0'],
      [0xfab540e3, 0x60, 'blt\ta0,a1,0x0', 'blt\ta0,a1,0x0'],
      [0x00000063, 0x9c, 'beqz\tzero,0x9c', 'beq\tzero,zero,0x9c'],
      [0x00a00063, 0xa0, 'beq\tzero,a0,0xa0', 'beq\tzero,a0,0xa0'],
      [0xe8050fe3, 0x162, 'beqz\ta0,0x0', 'beq\ta0,zero,0x0'],
      [0xd955, 0x4c, 'beqz\ta0,0x0', 'c.beqz\ta0,0x0'],
      [0xf94d, 0x4e, 'bnez\ta0,0x0', 'c.bnez\ta0,0x0'],
      [0xb54d, 0x15e, 'j\t0x0', 'c.j\t0x0'],
      [0x3545, 0x160, 'jal\t0x0', 'c.jal\t0x0'],
    ];
    for (const [w, pc, alias, raw] of cases) {
      expect(text(w, pc), `0x${w.toString(16)}`).toBe(alias);
      expect(text(w, pc, true)).toBe(raw);
      expect(disassemble(w, pc).target).toBe(Number(alias.slice(alias.lastIndexOf(',') + 1).replace(/^.*\t/, '')));
    }
    expect(text(0x0000006f, 0xfffffffc)).toBe('j\t0xfffffffc');
  });

  it('names targets through the symbol callback', () => {
    const symbols = (a: number): string | null =>
      a === 0x80000000 ? 'main' : a > 0x80000000 ? `main+0x${(a - 0x80000000).toString(16)}` : null;
    expect(disassemble(0xfd9ff0ef, 0x80000028, { symbols }).text).toBe('jal\t80000000 <main>');
    expect(disassemble(0x0040006f, 0x80000010, { symbols }).text).toBe('j\t80000014 <main+0x14>');
    expect(disassemble(0x0000006f, 0x10, { symbols }).text).toBe('j\t0x10');
    expect(formatAddress(0x1234, () => 'x+0x4')).toBe('1234 <x+0x4>');
  });

  it('prints compressed instructions as their base equivalents, or raw with noAliases', () => {
    const cases: [number, string, string][] = [
      [0x0001, 'nop', 'c.nop'],
      [0x0505, 'addi\ta0,a0,1', 'c.addi\ta0,1'],
      [0x157d, 'addi\ta0,a0,-1', 'c.addi\ta0,-1'],
      [0x5501, 'li\ta0,-32', 'c.li\ta0,-32'],
      [0x6505, 'lui\ta0,0x1', 'c.lui\ta0,0x1'],
      [0x757d, 'lui\ta0,0xfffff', 'c.lui\ta0,0xfffff'],
      [0x717d, 'addi\tsp,sp,-16', 'c.addi16sp\tsp,-16'],
      [0x0808, 'addi\ta0,sp,16', 'c.addi4spn\ta0,sp,16'],
      [0x41c8, 'lw\ta0,4(a1)', 'c.lw\ta0,4(a1)'],
      [0xc1c8, 'sw\ta0,4(a1)', 'c.sw\ta0,4(a1)'],
      [0x4512, 'lw\ta0,4(sp)', 'c.lwsp\ta0,4(sp)'],
      [0xc22a, 'sw\ta0,4(sp)', 'c.swsp\ta0,4(sp)'],
      [0xc002, 'sw\tzero,0(sp)', 'c.swsp\tzero,0(sp)'],
      [0x8105, 'srli\ta0,a0,0x1', 'c.srli\ta0,0x1'],
      [0x8505, 'srai\ta0,a0,0x1', 'c.srai\ta0,0x1'],
      [0x057e, 'slli\ta0,a0,0x1f', 'c.slli\ta0,0x1f'],
      [0x997d, 'andi\ta0,a0,-1', 'c.andi\ta0,-1'],
      [0x8d0d, 'sub\ta0,a0,a1', 'c.sub\ta0,a1'],
      [0x8d2d, 'xor\ta0,a0,a1', 'c.xor\ta0,a1'],
      [0x8d4d, 'or\ta0,a0,a1', 'c.or\ta0,a1'],
      [0x8d6d, 'and\ta0,a0,a1', 'c.and\ta0,a1'],
      [0x9002, 'ebreak', 'c.ebreak'],
      [0x8082, 'ret', 'c.jr\tra'],
      [0x8502, 'jr\ta0', 'c.jr\ta0'],
      [0x9502, 'jalr\ta0', 'c.jalr\ta0'],
      [0x852e, 'mv\ta0,a1', 'c.mv\ta0,a1'],
      [0x952e, 'add\ta0,a0,a1', 'c.add\ta0,a1'],
      [0x0000, 'unimp', 'c.unimp'],
      // HINTs, as objdump prints them
      [0x0015, 'c.nop\t5', 'c.addi\tzero,5'],
      [0x0501, 'addi\ta0,a0,0', 'c.addi\ta0,0'],
      [0x4015, 'c.li\tzero,5', 'c.li\tzero,5'],
      [0x6005, 'c.lui\tzero,0x1', 'c.lui\tzero,0x1'],
      [0x0502, 'c.slli64\ta0', 'c.slli64\ta0'],
      [0x8101, 'c.srli64\ta0', 'c.srli64\ta0'],
      [0x8501, 'c.srai64\ta0', 'c.srai64\ta0'],
      [0x0006, 'c.slli\tzero,0x1', 'c.slli\tzero,0x1'],
      [0x8006, 'c.mv\tzero,ra', 'c.mv\tzero,ra'],
      [0x9006, 'c.add\tzero,ra', 'c.add\tzero,ra'],
      // reserved encodings
      [0x6101, '.short\t0x6101', '.short\t0x6101'],
      [0x8002, '.short\t0x8002', '.short\t0x8002'],
      [0x4002, '.short\t0x4002', '.short\t0x4002'],
      [0x0004, '.short\t0x0004', '.short\t0x0004'],
      [0x9001, '.short\t0x9001', '.short\t0x9001'], // c.srli shamt[5] = 1 is not RV32
    ];
    for (const [w, alias, raw] of cases) {
      const d = disassemble(w, PC);
      expect(d.text, `0x${w.toString(16)}`).toBe(alias);
      expect(d.len).toBe(2);
      expect(text(w, PC, true), `0x${w.toString(16)} no-aliases`).toBe(raw);
    }
  });

  it('returns the row that executes the word', () => {
    expect(disassemble(0x852e, PC).row).toBe(OPCODE_BY_NAME.get('c.mv'));
    expect(disassemble(0xc0001073, PC).row).toBe(OPCODE_BY_NAME.get('csrrw'));
    expect(disassemble(0xffffffff, PC).row).toBeNull();
    expect(disassemble(0x0000, PC)).toEqual({ text: 'unimp', len: 2, row: null });
    // only the low half of a compressed word matters
    expect(disassemble(0xdead852e, PC).text).toBe('mv\ta0,a1');
  });
});

describe('disassembleRange', () => {
  it('formats lines like objdump -d', () => {
    const bytes = new Uint8Array([0x97, 0x02, 0x00, 0x00, 0x2e, 0x85, 0x73, 0x00, 0x00, 0x00]);
    expect(disassembleRange(bytes, 0x80000000).map((l) => l.line)).toEqual([
      '80000000:\t00000297          \tauipc\tt0,0x0',
      '80000004:\t852e                \tmv\ta0,a1',
      '80000006:\t00000073          \tecall',
    ]);
  });

  it('uses a narrow address column for low addresses', () => {
    const lines = disassembleRange(le(0x00000013, 0x00000013), 0x1c);
    expect(lines.map((l) => l.line)).toEqual(['  1c:\t00000013          \tnop', '  20:\t00000013          \tnop']);
  });

  it('prints a trailing byte or half instruction as data', () => {
    const lines = disassembleRange(new Uint8Array([0x13, 0x00, 0x00, 0x00, 0x13, 0x00, 0xaa]), 0x100);
    expect(lines.map((l) => [l.addr, l.len, l.text])).toEqual([
      [0x100, 4, 'nop'],
      [0x104, 2, '.short\t0x0013'],
      [0x106, 1, '.byte\t0xaa'],
    ]);
  });

  it('adds address comments for lui/auipc pairs, as objdump does', () => {
    const symbols = (a: number): string => `sym+0x${a.toString(16)}`;
    // lui a0,0x12345; addi a0,a0,1656; auipc a1,0x1; lw a2,-4(a1); lw a3,8(gp); jr zero; addi a0,a0,1
    const bytes = le(0x12345537, 0x67850513, 0x00001597, 0xffc5a603, 0x0081a683, 0x00000067, 0x00150513);
    const lines = disassembleRange(bytes, 0x80000000, { symbols, gp: 0x80002800 });
    expect(lines.map((l) => l.text)).toEqual([
      'lui\ta0,0x12345',
      'addi\ta0,a0,1656 # 12345678 <sym+0x12345678>',
      'auipc\ta1,0x1',
      'lw\ta2,-4(a1) # 80001004 <sym+0x80001004>',
      'lw\ta3,8(gp) # 80002808 <sym+0x80002808>',
      'jr\tzero # 0 <sym+0x0>',
      'addi\ta0,a0,1',
    ]);
    expect(disassembleRange(bytes, 0x80000000, { comments: false })[1].text).toBe('addi\ta0,a0,1656');
    // without gp and symbols: no gp comment, plain addresses
    expect(disassembleRange(bytes, 0x80000000).map((l) => l.text)[4]).toBe('lw\ta3,8(gp)');
    expect(disassembleRange(bytes, 0x80000000).map((l) => l.text)[5]).toBe('jr\tzero # 0x0');
  });
});
