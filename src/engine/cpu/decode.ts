/**
 * Decoded-instruction pages: each 4 KiB page of code is decoded once into an `Int32Array` of
 * 2048 two-byte slots, two words per slot (so slot of byte offset `o` starts at index `o & 0xffe`):
 *
 * ```
 * word 0: op (bits 7..0) | rd (13..8, 32 = the x0 sink) | rs1 (20..16) | rs2 (28..24) | C (30)
 * word 1: immediate (sign-extended; CSR number for CSR instructions)
 * ```
 *
 * `op` is `Op.UNDECODED` (0) until the slot is first executed. A destination register of x0 is
 * decoded as register 32, a sink the hart never reads, so the execute loop writes `x[rd]`
 * without testing for x0. Bit 30 marks a compressed (2-byte) instruction.
 */
import { extractFields, matchRow, Op } from './opcodes';

/** Words per decoded page: 2048 slots x 2 words. */
export const DECODED_PAGE_WORDS = 4096;
export const C_FLAG = 1 << 30;
/** Register index that absorbs writes to x0. */
export const X0_SINK = 32;

/** Ops whose rd field is a destination register (x0 goes to the sink). */
const WRITES_RD = new Set<Op>([
  Op.LUI,
  Op.AUIPC,
  Op.JAL,
  Op.JALR,
  Op.LB,
  Op.LH,
  Op.LW,
  Op.LBU,
  Op.LHU,
  Op.ADDI,
  Op.SLTI,
  Op.SLTIU,
  Op.XORI,
  Op.ORI,
  Op.ANDI,
  Op.SLLI,
  Op.SRLI,
  Op.SRAI,
  Op.ADD,
  Op.SUB,
  Op.SLL,
  Op.SLT,
  Op.SLTU,
  Op.XOR,
  Op.SRL,
  Op.SRA,
  Op.OR,
  Op.AND,
  Op.MUL,
  Op.MULH,
  Op.MULHSU,
  Op.MULHU,
  Op.DIV,
  Op.DIVU,
  Op.REM,
  Op.REMU,
  Op.LR_W,
  Op.SC_W,
  Op.AMOSWAP_W,
  Op.AMOADD_W,
  Op.AMOXOR_W,
  Op.AMOAND_W,
  Op.AMOOR_W,
  Op.AMOMIN_W,
  Op.AMOMAX_W,
  Op.AMOMINU_W,
  Op.AMOMAXU_W,
]);

/**
 * Decodes the instruction `word` (the low 16 bits alone if compressed) into slot index `s`
 * (`s = offset & 0xffe`) of `dec`. Undecodable words become `Op.ILLEGAL` with the raw
 * instruction bits kept in the immediate word (they are the trap value of the illegal-instruction
 * exception).
 */
export function decodeInto(dec: Int32Array, s: number, word: number): void {
  const compressed = (word & 3) !== 3;
  const raw = compressed ? word & 0xffff : word | 0;
  const row = matchRow(raw);
  if (row === null) {
    dec[s] = Op.ILLEGAL | (compressed ? C_FLAG : 0);
    dec[s + 1] = raw;
    return;
  }
  const f = extractFields(row.fmt, raw);
  const rd = WRITES_RD.has(row.op) && f.rd === 0 ? X0_SINK : f.rd;
  dec[s] = row.op | (rd << 8) | (f.rs1 << 16) | (f.rs2 << 24) | (compressed ? C_FLAG : 0);
  dec[s + 1] = row.op === Op.FENCE ? f.aux : f.imm;
}
