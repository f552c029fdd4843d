/**
 * Generated from the opcode table: for every row, operand combinations at the edges of the
 * format's ranges are encoded, decoded, disassembled and assembled again.
 */
import { describe, expect, it } from 'vitest';
import { disassemble } from '../disasm';
import {
  encodeFields,
  extractFields,
  matchRow,
  Op,
  OPCODES,
  type Fields,
  type Format,
  type OpcodeRow,
} from '../opcodes';
import { assemble } from './index';

const PC = 0x8010_0000; // far enough from 0 for the largest backward jump

const REGS = [0, 1, 2, 3, 5, 8, 10, 15, 16, 31];
const NZ_REGS = REGS.filter((r) => r !== 0);
const C_REGS = [8, 9, 12, 15];

/** Fields each format encodes (the others are implied and checked through them). */
const USED: Record<Format, (keyof Fields)[]> = {
  R: ['rd', 'rs1', 'rs2'],
  I: ['rd', 'rs1', 'imm'],
  I_SHIFT: ['rd', 'rs1', 'imm'],
  S: ['rs1', 'rs2', 'imm'],
  B: ['rs1', 'rs2', 'imm'],
  U: ['rd', 'imm'],
  J: ['rd', 'imm'],
  CSR: ['rd', 'rs1', 'csr'],
  CSRI: ['rd', 'rs1', 'csr'],
  FENCE: ['aux'],
  AMO: ['rd', 'rs1', 'rs2', 'aux'],
  NONE: [],
  SFENCE: ['rs1', 'rs2'],
  CIW_ADDI4SPN: ['rd', 'rs1', 'imm'],
  CL_W: ['rd', 'rs1', 'imm'],
  CS_W: ['rs1', 'rs2', 'imm'],
  CI_NOP: [],
  CI_ADDI: ['rd', 'rs1', 'imm'],
  CJ: ['rd', 'imm'],
  CI_LI: ['rd', 'rs1', 'imm'],
  CI_ADDI16SP: ['rd', 'rs1', 'imm'],
  CI_LUI: ['rd', 'imm'],
  CB_SHIFT: ['rd', 'rs1', 'imm'],
  CB_ANDI: ['rd', 'rs1', 'imm'],
  CA: ['rd', 'rs1', 'rs2'],
  CB_BRANCH: ['rs1', 'rs2', 'imm'],
  CI_SLLI: ['rd', 'rs1', 'imm'],
  CI_LWSP: ['rd', 'rs1', 'imm'],
  CR_JR: ['rd', 'rs1'],
  CR_MV: ['rd', 'rs1', 'rs2'],
  CR_EBREAK: [],
  CR_JALR: ['rd', 'rs1'],
  CR_ADD: ['rd', 'rs1', 'rs2'],
  CSS_SWSP: ['rs1', 'rs2', 'imm'],
};

const pick = <T>(xs: T[], i: number): T => xs[i % xs.length];

/** Operand combinations for a row: registers cycle through edge registers, immediates through edges. */
function cases(row: OpcodeRow): Partial<Fields>[] {
  const out: Partial<Fields>[] = [];
  const regs3 = (
    f: (a: number, b: number, c: number, i: number) => Partial<Fields>,
    rs = REGS,
    n = rs.length,
  ): void => {
    for (let i = 0; i < n; i++) out.push(f(pick(rs, i), pick(rs, i + 3), pick(rs, i + 7), i));
  };
  const withImms = (imms: number[], f: (imm: number, a: number, b: number) => Partial<Fields>, rs = REGS): void => {
    imms.forEach((imm, i) => out.push(f(imm, pick(rs, i), pick(rs, i + 5))));
  };
  switch (row.fmt) {
    case 'R':
      regs3((rd, rs1, rs2) => ({ rd, rs1, rs2 }));
      out.push(
        { rd: 0, rs1: 0, rs2: 0 },
        { rd: 31, rs1: 31, rs2: 31 },
        { rd: 10, rs1: 0, rs2: 11 },
        { rd: 10, rs1: 11, rs2: 0 },
      );
      break;
    case 'I':
      withImms([-2048, -1, 0, 1, 2047, 100], (imm, rd, rs1) => ({ rd, rs1, imm }));
      out.push({ rd: 10, rs1: 0, imm: 5 }, { rd: 0, rs1: 0, imm: 0 }, { rd: 1, rs1: 1, imm: 0 });
      break;
    case 'I_SHIFT':
      withImms([0, 1, 16, 31], (imm, rd, rs1) => ({ rd, rs1, imm }));
      break;
    case 'S':
      withImms([-2048, -1, 0, 4, 2047], (imm, rs1, rs2) => ({ rs1, rs2, imm }));
      break;
    case 'B':
      withImms([-4096, -2, 0, 2, 4094], (imm, rs1, rs2) => ({ rs1, rs2, imm }));
      out.push({ rs1: 10, rs2: 0, imm: 8 }, { rs1: 0, rs2: 10, imm: -8 });
      break;
    case 'U':
      withImms([0, 1, 0x7ffff, 0x80000, 0xfffff], (imm, rd) => ({ rd, imm: (imm << 12) | 0 }));
      break;
    case 'J':
      withImms([-1048576, -2, 0, 2, 1048574], (imm, rd) => ({ rd, imm }), [0, 1, 5, 31]);
      break;
    case 'CSR':
    case 'CSRI':
      [0x300, 0xc00, 0xc82, 0x7c0, 0xfff, 0x001, 0x180].forEach((csr, i) =>
        out.push({ rd: pick(REGS, i), rs1: row.fmt === 'CSRI' ? pick([0, 1, 17, 31], i) : pick(REGS, i + 4), csr }),
      );
      out.push({ rd: 0, rs1: row.fmt === 'CSRI' ? 5 : 10, csr: 0x341 }, { rd: 10, rs1: 0, csr: 0x341 });
      break;
    case 'FENCE':
      for (const aux of [0xff, 0x33, 0x21, 0x84, 0x1f, 0xf2]) out.push({ aux });
      break;
    case 'AMO':
      for (let aux = 0; aux < 4; aux++)
        out.push({
          rd: pick(REGS, aux + 1),
          rs1: pick(REGS, aux + 4),
          rs2: row.op === Op.LR_W ? 0 : pick(REGS, aux + 7),
          aux,
        });
      break;
    case 'NONE':
    case 'CI_NOP':
    case 'CR_EBREAK':
      out.push({});
      break;
    case 'SFENCE':
      out.push({ rs1: 0, rs2: 0 }, { rs1: 10, rs2: 0 }, { rs1: 10, rs2: 11 }, { rs1: 0, rs2: 31 });
      break;
    case 'CIW_ADDI4SPN':
      withImms([4, 8, 16, 1020], (imm, rd) => ({ rd, rs1: 2, imm }), C_REGS);
      break;
    case 'CL_W':
      withImms([0, 4, 64, 124], (imm, rd, rs1) => ({ rd, rs1, imm }), C_REGS);
      break;
    case 'CS_W':
      withImms([0, 4, 64, 124], (imm, rs1, rs2) => ({ rs1, rs2, imm }), C_REGS);
      break;
    case 'CI_ADDI':
      withImms([-32, -1, 1, 31, 16], (imm, rd) => ({ rd, rs1: rd, imm }), NZ_REGS);
      break;
    case 'CJ':
      for (const imm of [-2048, -2, 0, 2, 2046]) out.push({ rd: row.name === 'c.jal' ? 1 : 0, imm });
      break;
    case 'CI_LI':
      withImms([-32, 0, 1, 31], (imm, rd) => ({ rd, rs1: 0, imm }), NZ_REGS);
      break;
    case 'CI_ADDI16SP':
      for (const imm of [-512, -16, 16, 496]) out.push({ rd: 2, rs1: 2, imm });
      break;
    case 'CI_LUI':
      withImms(
        [1, 31, -32, -1],
        (imm, rd) => ({ rd, imm: imm << 12 }),
        NZ_REGS.filter((r) => r !== 2),
      );
      break;
    case 'CB_SHIFT':
      withImms([1, 16, 31, 0], (imm, rd) => ({ rd, rs1: rd, imm }), C_REGS);
      break;
    case 'CB_ANDI':
      withImms([-32, -1, 0, 31], (imm, rd) => ({ rd, rs1: rd, imm }), C_REGS);
      break;
    case 'CA':
      regs3((rd, _b, rs2) => ({ rd, rs1: rd, rs2 }), C_REGS);
      break;
    case 'CB_BRANCH':
      withImms([-256, -2, 0, 2, 254], (imm, rs1) => ({ rs1, rs2: 0, imm }), C_REGS);
      break;
    case 'CI_SLLI':
      withImms([1, 16, 31, 0], (imm, rd) => ({ rd, rs1: rd, imm }), NZ_REGS);
      break;
    case 'CI_LWSP':
      withImms([0, 4, 128, 252], (imm, rd) => ({ rd, rs1: 2, imm }), NZ_REGS);
      break;
    case 'CR_JR':
    case 'CR_JALR':
      for (const rs1 of NZ_REGS) out.push({ rd: row.fmt === 'CR_JR' ? 0 : 1, rs1 });
      break;
    case 'CR_MV':
      regs3((rd, rs2) => ({ rd, rs1: 0, rs2 }), NZ_REGS);
      break;
    case 'CR_ADD':
      regs3((rd, rs2) => ({ rd, rs1: rd, rs2 }), NZ_REGS);
      break;
    case 'CSS_SWSP':
      withImms([0, 4, 128, 252], (imm, rs2) => ({ rs1: 2, rs2, imm }));
      break;
  }
  return out;
}

const full = (f: Partial<Fields>): Fields => ({ rd: 0, rs1: 0, rs2: 0, imm: 0, csr: 0, aux: 0, ...f });
const used = (row: OpcodeRow, f: Fields): Partial<Fields> =>
  Object.fromEntries(USED[row.fmt].map((k) => [k, f[k]])) as Partial<Fields>;

/** Encoded words of a row's cases (every case must encode). */
function words(row: OpcodeRow): { f: Partial<Fields>; w: number }[] {
  return cases(row).map((f) => {
    const w = encodeFields(row, f);
    if (typeof w !== 'number') throw new Error(`${row.name} ${JSON.stringify(f)}: ${w}`);
    return { f, w };
  });
}

/** Assembles `lines` at PC; the bytes of .text. */
function asm(lines: string[]): Uint8Array {
  const r = assemble(lines.join('\n') + '\n', { textBase: PC });
  if (!r.ok)
    throw new Error(r.errors.map((e) => `${e.line}:${e.column}: ${e.message} [${lines[e.line - 1]}]`).join('\n'));
  return r.sections.find((s) => s.name === '.text')!.data;
}

const bytesOf = (w: number, len: number): number[] => Array.from({ length: len }, (_, i) => (w >>> (8 * i)) & 0xff);

/** Base-ISA meaning of a word: its op and fields, with `add rd, x0, rs` written as `addi rd, rs, 0`. */
function meaning(w: number): { op: Op; rd: number; rs1: number; rs2: number; imm: number } {
  const row = matchRow(w);
  if (!row) throw new Error(`0x${w.toString(16)} does not decode`);
  const f = extractFields(row.fmt, w);
  if (row.op === Op.ADD && f.rs1 === 0) return { op: Op.ADDI, rd: f.rd, rs1: f.rs2, rs2: 0, imm: 0 };
  return { op: row.op, rd: f.rd, rs1: f.rs1, rs2: f.rs2, imm: f.imm };
}

describe('opcode table round trip', () => {
  it('covers every row with at least one case', () => {
    for (const row of OPCODES) expect(cases(row).length, row.name).toBeGreaterThan(0);
  });

  for (const row of OPCODES) {
    describe(row.name, () => {
      it('encodes, matches its own row and extracts the same fields', () => {
        for (const { f, w } of words(row)) {
          expect(w >>> 0, `${row.name} ${JSON.stringify(f)}`).toBe(w);
          if (row.len === 2) expect(w, row.name).toBeLessThan(0x10000);
          expect(matchRow(w), `${row.name} ${JSON.stringify(f)} = 0x${w.toString(16)}`).toBe(row);
          const back = extractFields(row.fmt, w);
          expect(used(row, back), `${row.name} 0x${w.toString(16)}`).toEqual(used(row, full(f)));
          expect(encodeFields(row, back), `re-encoding ${row.name}`).toBe(w);
        }
      });

      it('disassembles with noAliases and re-assembles to the same bytes', () => {
        const ws = words(row);
        const texts = ws.map(({ w }) => disassemble(w, PC, { noAliases: true }));
        for (const d of texts) {
          expect(d.row, d.text).toBe(row);
          expect(d.len).toBe(row.len);
          if (row.len === 2) expect(d.text.startsWith('c.'), d.text).toBe(true);
        }
        // one line at a time: every line at PC, so the absolute targets mean the same offsets
        for (const [i, d] of texts.entries()) {
          const got = [...asm(['.option norvc', d.text.replace('\t', ' ')])];
          expect(got, `'${d.text}' (0x${ws[i].w.toString(16)})`).toEqual(bytesOf(ws[i].w, row.len));
        }
      });

      it('disassembles with aliases and re-assembles to the same instruction', () => {
        for (const { w } of words(row)) {
          const d = disassemble(w, PC);
          expect(d.row).toBe(row);
          const norvc = asm(['.option norvc', d.text]);
          if (row.len === 4) {
            expect([...norvc], `'${d.text}'`).toEqual(bytesOf(w, 4));
            continue;
          }
          // a compressed word prints as its base instruction: same meaning when re-assembled
          const w2 =
            norvc.length === 2
              ? norvc[0] | (norvc[1] << 8)
              : (norvc[0] | (norvc[1] << 8) | (norvc[2] << 16) | (norvc[3] << 24)) >>> 0;
          expect(meaning(w2), `'${d.text}' (0x${w.toString(16)})`).toEqual(meaning(w));
          // and with .option rvc the assembler finds a compressed form again (the same word, or
          // c.addi for an addi16sp that fits, as gas chooses), except for pc-relative targets
          // (never compressed automatically) and HINT encodings
          const target = row.fmt === 'CJ' || row.fmt === 'CB_BRANCH';
          const hint = d.text.startsWith('c.') || (row.fmt === 'CI_ADDI' && extractFields(row.fmt, w).imm === 0);
          if (!target && !hint) {
            const rvc = asm(['.option rvc', d.text]);
            const what = `'${d.text}' with rvc (0x${w.toString(16)})`;
            expect(rvc.length, what).toBe(2);
            const w3 = rvc[0] | (rvc[1] << 8);
            expect(meaning(w3), what).toEqual(meaning(w));
            if (row.fmt !== 'CI_ADDI16SP' || Math.abs(extractFields(row.fmt, w).imm) > 32) expect(w3, what).toBe(w);
          }
        }
      });
    });
  }
});
