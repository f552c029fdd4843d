/**
 * The one opcode table of RV32IMAC + Zicsr + Zifencei + the privileged instructions.
 *
 * Every instruction the machine knows is one row here. The decoder (`decode.ts`), the
 * disassembler, the assembler and the generated instruction tests are all derived from these
 * rows, so adding an instruction means adding a row (and its `case` in the hart's execute
 * switch). A row gives:
 * - `name`: the mnemonic as GNU as spells it (`c.` prefix for compressed encodings);
 * - `op`: the execute-switch operation it performs (compressed rows name the base operation
 *   they expand to);
 * - `match`/`mask`: the encoding, `(word & mask) === match` (as in riscv-opcodes);
 * - `fmt`: how operands are laid out in the encoding (see `FORMATS` below);
 * - `args`: the assembler operand syntax, comma-separated names from `ArgKind`.
 *
 * Field names follow the ISA manual: rd, rs1, rs2, imm; compressed formats use rd'/rs1'/rs2'
 * (three-bit register numbers for x8..x15), written `rdp`, `rs1p`, `rs2p` here.
 */

/** Execute-switch operations. 0 is reserved for "slot not decoded yet". */
export const enum Op {
  UNDECODED = 0,
  ILLEGAL,
  /** A 32-bit instruction whose upper half lies on the next page: fetched slowly every time. */
  CROSS_PAGE,
  /** Filler of the scratch page used by CROSS_PAGE: leave the scratch page, fetch again. */
  REFETCH,
  LUI,
  AUIPC,
  JAL,
  JALR,
  BEQ,
  BNE,
  BLT,
  BGE,
  BLTU,
  BGEU,
  LB,
  LH,
  LW,
  LBU,
  LHU,
  SB,
  SH,
  SW,
  ADDI,
  SLTI,
  SLTIU,
  XORI,
  ORI,
  ANDI,
  SLLI,
  SRLI,
  SRAI,
  ADD,
  SUB,
  SLL,
  SLT,
  SLTU,
  XOR,
  SRL,
  SRA,
  OR,
  AND,
  FENCE,
  FENCE_I,
  ECALL,
  EBREAK,
  CSRRW,
  CSRRS,
  CSRRC,
  CSRRWI,
  CSRRSI,
  CSRRCI,
  MUL,
  MULH,
  MULHSU,
  MULHU,
  DIV,
  DIVU,
  REM,
  REMU,
  LR_W,
  SC_W,
  AMOSWAP_W,
  AMOADD_W,
  AMOXOR_W,
  AMOAND_W,
  AMOOR_W,
  AMOMIN_W,
  AMOMAX_W,
  AMOMINU_W,
  AMOMAXU_W,
  MRET,
  SRET,
  WFI,
  SFENCE_VMA,
  /**
   * A debugger breakpoint patched into a decoded slot (never into guest memory): the hart asks
   * its host whether to stop, else runs the slot's real instruction once.
   */
  BREAKPOINT,
  /** Number of operations (keep last). */
  COUNT,
}

/**
 * Encoding formats. Base formats are the ISA manual's R/I/S/B/U/J plus variants whose
 * immediate is special (shift amounts, CSR numbers, fence sets, AMO ordering bits). Compressed
 * formats are named after the manual's tables (CR, CI, CSS, CIW, CL, CS, CA, CB, CJ) with a
 * suffix where the immediate is scrambled differently.
 */
export type Format =
  | 'R'
  | 'I'
  | 'I_SHIFT'
  | 'S'
  | 'B'
  | 'U'
  | 'J'
  | 'CSR'
  | 'CSRI'
  | 'FENCE'
  | 'AMO'
  | 'NONE'
  | 'SFENCE'
  // compressed
  | 'CIW_ADDI4SPN'
  | 'CL_W'
  | 'CS_W'
  | 'CI_NOP'
  | 'CI_ADDI'
  | 'CJ'
  | 'CI_LI'
  | 'CI_ADDI16SP'
  | 'CI_LUI'
  | 'CB_SHIFT'
  | 'CB_ANDI'
  | 'CA'
  | 'CB_BRANCH'
  | 'CI_SLLI'
  | 'CI_LWSP'
  | 'CR_JR'
  | 'CR_MV'
  | 'CR_EBREAK'
  | 'CR_JALR'
  | 'CR_ADD'
  | 'CSS_SWSP';

/** Operand kinds in assembler syntax. `imm(rs1)` is a memory operand. */
export type ArgKind =
  | 'rd'
  | 'rs1'
  | 'rs2'
  | 'imm' // signed 12-bit immediate (I/S type) or compressed immediate
  | 'uimm' // unsigned immediate (shamt, c.addi4spn/c.lwsp offsets)
  | 'imm20' // U-type upper immediate (0..0xfffff)
  | 'target' // pc-relative branch or jump target
  | 'imm(rs1)' // memory operand
  | '(rs1)' // AMO address operand
  | 'csr'
  | 'zimm' // 5-bit CSR immediate
  | 'pred' // fence predecessor set (iorw)
  | 'succ'; // fence successor set

export interface OpcodeRow {
  name: string;
  op: Op;
  match: number;
  mask: number;
  fmt: Format;
  /** Assembler operand syntax, e.g. ['rd', 'rs1', 'imm']. */
  args: ArgKind[];
  ext: 'I' | 'M' | 'A' | 'C' | 'Zicsr' | 'Zifencei' | 'S';
  /** Instruction length in bytes. */
  len: 2 | 4;
}

// ----------------------------------------------------------- base rows --

const R = (name: string, op: Op, f7: number, f3: number, opc = 0x33, ext: OpcodeRow['ext'] = 'I'): OpcodeRow => ({
  name,
  op,
  match: (f7 << 25) | (f3 << 12) | opc,
  mask: 0xfe00707f | 0,
  fmt: 'R',
  args: ['rd', 'rs1', 'rs2'],
  ext,
  len: 4,
});
const I = (name: string, op: Op, f3: number, opc: number, args: ArgKind[] = ['rd', 'rs1', 'imm']): OpcodeRow => ({
  name,
  op,
  match: (f3 << 12) | opc,
  mask: 0x707f,
  fmt: 'I',
  args,
  ext: 'I',
  len: 4,
});
const SH = (name: string, op: Op, f7: number, f3: number): OpcodeRow => ({
  name,
  op,
  match: (f7 << 25) | (f3 << 12) | 0x13,
  mask: 0xfe00707f | 0,
  fmt: 'I_SHIFT',
  args: ['rd', 'rs1', 'uimm'],
  ext: 'I',
  len: 4,
});
const S = (name: string, op: Op, f3: number): OpcodeRow => ({
  name,
  op,
  match: (f3 << 12) | 0x23,
  mask: 0x707f,
  fmt: 'S',
  args: ['rs2', 'imm(rs1)'],
  ext: 'I',
  len: 4,
});
const B = (name: string, op: Op, f3: number): OpcodeRow => ({
  name,
  op,
  match: (f3 << 12) | 0x63,
  mask: 0x707f,
  fmt: 'B',
  args: ['rs1', 'rs2', 'target'],
  ext: 'I',
  len: 4,
});
const CSR = (name: string, op: Op, f3: number, imm: boolean): OpcodeRow => ({
  name,
  op,
  match: (f3 << 12) | 0x73,
  mask: 0x707f,
  fmt: imm ? 'CSRI' : 'CSR',
  args: imm ? ['rd', 'csr', 'zimm'] : ['rd', 'csr', 'rs1'],
  ext: 'Zicsr',
  len: 4,
});
const AMO = (name: string, op: Op, f5: number): OpcodeRow => ({
  name,
  op,
  match: (f5 << 27) | (2 << 12) | 0x2f,
  mask: 0xf8000000 | 0x707f | 0,
  fmt: 'AMO',
  args: op === Op.LR_W ? ['rd', '(rs1)'] : ['rd', 'rs2', '(rs1)'],
  ext: 'A',
  len: 4,
});
const SYS = (name: string, op: Op, word: number, ext: OpcodeRow['ext'] = 'I'): OpcodeRow => ({
  name,
  op,
  match: word | 0,
  mask: 0xffffffff | 0,
  fmt: 'NONE',
  args: [],
  ext,
  len: 4,
});

// -------------------------------------------------------- compressed rows --

const C = (name: string, op: Op, match: number, mask: number, fmt: Format, args: ArgKind[]): OpcodeRow => ({
  name,
  op,
  match,
  mask,
  fmt,
  args,
  ext: 'C',
  len: 2,
});

/**
 * All rows. Order matters only where encodings overlap: more specific rows (larger masks)
 * come first, e.g. `c.nop` before `c.addi`, `c.ebreak` before `c.jalr` before `c.add`.
 */
export const OPCODES: readonly OpcodeRow[] = [
  // RV32I
  { name: 'lui', op: Op.LUI, match: 0x37, mask: 0x7f, fmt: 'U', args: ['rd', 'imm20'], ext: 'I', len: 4 },
  { name: 'auipc', op: Op.AUIPC, match: 0x17, mask: 0x7f, fmt: 'U', args: ['rd', 'imm20'], ext: 'I', len: 4 },
  { name: 'jal', op: Op.JAL, match: 0x6f, mask: 0x7f, fmt: 'J', args: ['rd', 'target'], ext: 'I', len: 4 },
  I('jalr', Op.JALR, 0, 0x67, ['rd', 'imm(rs1)']),
  B('beq', Op.BEQ, 0),
  B('bne', Op.BNE, 1),
  B('blt', Op.BLT, 4),
  B('bge', Op.BGE, 5),
  B('bltu', Op.BLTU, 6),
  B('bgeu', Op.BGEU, 7),
  I('lb', Op.LB, 0, 0x03, ['rd', 'imm(rs1)']),
  I('lh', Op.LH, 1, 0x03, ['rd', 'imm(rs1)']),
  I('lw', Op.LW, 2, 0x03, ['rd', 'imm(rs1)']),
  I('lbu', Op.LBU, 4, 0x03, ['rd', 'imm(rs1)']),
  I('lhu', Op.LHU, 5, 0x03, ['rd', 'imm(rs1)']),
  S('sb', Op.SB, 0),
  S('sh', Op.SH, 1),
  S('sw', Op.SW, 2),
  I('addi', Op.ADDI, 0, 0x13),
  I('slti', Op.SLTI, 2, 0x13),
  I('sltiu', Op.SLTIU, 3, 0x13),
  I('xori', Op.XORI, 4, 0x13),
  I('ori', Op.ORI, 6, 0x13),
  I('andi', Op.ANDI, 7, 0x13),
  SH('slli', Op.SLLI, 0x00, 1),
  SH('srli', Op.SRLI, 0x00, 5),
  SH('srai', Op.SRAI, 0x20, 5),
  R('add', Op.ADD, 0x00, 0),
  R('sub', Op.SUB, 0x20, 0),
  R('sll', Op.SLL, 0x00, 1),
  R('slt', Op.SLT, 0x00, 2),
  R('sltu', Op.SLTU, 0x00, 3),
  R('xor', Op.XOR, 0x00, 4),
  R('srl', Op.SRL, 0x00, 5),
  R('sra', Op.SRA, 0x20, 5),
  R('or', Op.OR, 0x00, 6),
  R('and', Op.AND, 0x00, 7),
  // fence: fm and rs1/rd are ignored by us (treated as a full fence), as the spec permits.
  { name: 'fence', op: Op.FENCE, match: 0x0f, mask: 0x707f, fmt: 'FENCE', args: ['pred', 'succ'], ext: 'I', len: 4 },
  SYS('ecall', Op.ECALL, 0x00000073),
  SYS('ebreak', Op.EBREAK, 0x00100073),
  // Zifencei
  { name: 'fence.i', op: Op.FENCE_I, match: 0x100f, mask: 0x707f, fmt: 'NONE', args: [], ext: 'Zifencei', len: 4 },
  // Zicsr
  CSR('csrrw', Op.CSRRW, 1, false),
  CSR('csrrs', Op.CSRRS, 2, false),
  CSR('csrrc', Op.CSRRC, 3, false),
  CSR('csrrwi', Op.CSRRWI, 5, true),
  CSR('csrrsi', Op.CSRRSI, 6, true),
  CSR('csrrci', Op.CSRRCI, 7, true),
  // RV32M
  R('mul', Op.MUL, 0x01, 0, 0x33, 'M'),
  R('mulh', Op.MULH, 0x01, 1, 0x33, 'M'),
  R('mulhsu', Op.MULHSU, 0x01, 2, 0x33, 'M'),
  R('mulhu', Op.MULHU, 0x01, 3, 0x33, 'M'),
  R('div', Op.DIV, 0x01, 4, 0x33, 'M'),
  R('divu', Op.DIVU, 0x01, 5, 0x33, 'M'),
  R('rem', Op.REM, 0x01, 6, 0x33, 'M'),
  R('remu', Op.REMU, 0x01, 7, 0x33, 'M'),
  // RV32A (aq/rl are bits 26/25 of the encoding, spelt as .aq/.rl/.aqrl suffixes)
  { ...AMO('lr.w', Op.LR_W, 0x02), mask: 0xf9f0707f | 0 },
  AMO('sc.w', Op.SC_W, 0x03),
  AMO('amoswap.w', Op.AMOSWAP_W, 0x01),
  AMO('amoadd.w', Op.AMOADD_W, 0x00),
  AMO('amoxor.w', Op.AMOXOR_W, 0x04),
  AMO('amoand.w', Op.AMOAND_W, 0x0c),
  AMO('amoor.w', Op.AMOOR_W, 0x08),
  AMO('amomin.w', Op.AMOMIN_W, 0x10),
  AMO('amomax.w', Op.AMOMAX_W, 0x14),
  AMO('amominu.w', Op.AMOMINU_W, 0x18),
  AMO('amomaxu.w', Op.AMOMAXU_W, 0x1c),
  // Privileged
  SYS('mret', Op.MRET, 0x30200073, 'S'),
  SYS('sret', Op.SRET, 0x10200073, 'S'),
  SYS('wfi', Op.WFI, 0x10500073, 'S'),
  {
    name: 'sfence.vma',
    op: Op.SFENCE_VMA,
    match: 0x12000073,
    mask: 0xfe007fff | 0,
    fmt: 'SFENCE',
    args: ['rs1', 'rs2'],
    ext: 'S',
    len: 4,
  },

  // RV32C, quadrant 0
  C('c.addi4spn', Op.ADDI, 0x0000, 0xe003, 'CIW_ADDI4SPN', ['rd', 'rs1', 'uimm']),
  C('c.lw', Op.LW, 0x4000, 0xe003, 'CL_W', ['rd', 'imm(rs1)']),
  C('c.sw', Op.SW, 0xc000, 0xe003, 'CS_W', ['rs2', 'imm(rs1)']),
  // quadrant 1
  C('c.nop', Op.ADDI, 0x0001, 0xffff, 'CI_NOP', []),
  C('c.addi', Op.ADDI, 0x0001, 0xe003, 'CI_ADDI', ['rd', 'imm']),
  C('c.jal', Op.JAL, 0x2001, 0xe003, 'CJ', ['target']),
  C('c.li', Op.ADDI, 0x4001, 0xe003, 'CI_LI', ['rd', 'imm']),
  C('c.addi16sp', Op.ADDI, 0x6101, 0xef83, 'CI_ADDI16SP', ['rd', 'imm']),
  C('c.lui', Op.LUI, 0x6001, 0xe003, 'CI_LUI', ['rd', 'imm20']),
  C('c.srli', Op.SRLI, 0x8001, 0xec03, 'CB_SHIFT', ['rd', 'uimm']),
  C('c.srai', Op.SRAI, 0x8401, 0xec03, 'CB_SHIFT', ['rd', 'uimm']),
  C('c.andi', Op.ANDI, 0x8801, 0xec03, 'CB_ANDI', ['rd', 'imm']),
  C('c.sub', Op.SUB, 0x8c01, 0xfc63, 'CA', ['rd', 'rs2']),
  C('c.xor', Op.XOR, 0x8c21, 0xfc63, 'CA', ['rd', 'rs2']),
  C('c.or', Op.OR, 0x8c41, 0xfc63, 'CA', ['rd', 'rs2']),
  C('c.and', Op.AND, 0x8c61, 0xfc63, 'CA', ['rd', 'rs2']),
  C('c.j', Op.JAL, 0xa001, 0xe003, 'CJ', ['target']),
  C('c.beqz', Op.BEQ, 0xc001, 0xe003, 'CB_BRANCH', ['rs1', 'target']),
  C('c.bnez', Op.BNE, 0xe001, 0xe003, 'CB_BRANCH', ['rs1', 'target']),
  // quadrant 2
  C('c.slli', Op.SLLI, 0x0002, 0xf003, 'CI_SLLI', ['rd', 'uimm']),
  C('c.lwsp', Op.LW, 0x4002, 0xe003, 'CI_LWSP', ['rd', 'imm(rs1)']),
  C('c.ebreak', Op.EBREAK, 0x9002, 0xffff, 'CR_EBREAK', []),
  C('c.jr', Op.JALR, 0x8002, 0xf07f, 'CR_JR', ['rs1']),
  C('c.mv', Op.ADD, 0x8002, 0xf003, 'CR_MV', ['rd', 'rs2']),
  C('c.jalr', Op.JALR, 0x9002, 0xf07f, 'CR_JALR', ['rs1']),
  C('c.add', Op.ADD, 0x9002, 0xf003, 'CR_ADD', ['rd', 'rs2']),
  C('c.swsp', Op.SW, 0xc002, 0xe003, 'CSS_SWSP', ['rs2', 'imm(rs1)']),
];

/** Rows by mnemonic. AMO rows are keyed without ordering suffix. */
export const OPCODE_BY_NAME: ReadonlyMap<string, OpcodeRow> = new Map(OPCODES.map((r) => [r.name, r]));

// ------------------------------------------------------------- fields --

/** Operand fields of one decoded instruction, in base-ISA terms (compressed forms expanded). */
export interface Fields {
  rd: number;
  rs1: number;
  rs2: number;
  /** Sign- or zero-extended immediate as the base instruction uses it (CSR number for CSR ops). */
  imm: number;
  /** CSR instructions: the CSR number. */
  csr: number;
  /** AMOs: aq and rl bits; fence: pred (bits 7..4) and succ (3..0). */
  aux: number;
}

const bit = (w: number, b: number): number => (w >>> b) & 1;
const bits = (w: number, hi: number, lo: number): number => (w >>> lo) & ((1 << (hi - lo + 1)) - 1);
const sext = (v: number, width: number): number => (v << (32 - width)) >> (32 - width);

/** Extracts base-ISA operand fields of `word` laid out in format `fmt`. */
export function extractFields(fmt: Format, w: number): Fields {
  const f: Fields = { rd: 0, rs1: 0, rs2: 0, imm: 0, csr: 0, aux: 0 };
  const rdp = 8 + bits(w, 4, 2);
  const rs1p = 8 + bits(w, 9, 7);
  const rcr = bits(w, 11, 7);
  const rs2c = bits(w, 6, 2);
  switch (fmt) {
    case 'R':
      f.rd = bits(w, 11, 7);
      f.rs1 = bits(w, 19, 15);
      f.rs2 = bits(w, 24, 20);
      break;
    case 'I':
      f.rd = bits(w, 11, 7);
      f.rs1 = bits(w, 19, 15);
      f.imm = w >> 20;
      break;
    case 'I_SHIFT':
      f.rd = bits(w, 11, 7);
      f.rs1 = bits(w, 19, 15);
      f.imm = bits(w, 24, 20);
      break;
    case 'S':
      f.rs1 = bits(w, 19, 15);
      f.rs2 = bits(w, 24, 20);
      f.imm = ((w >> 25) << 5) | bits(w, 11, 7);
      break;
    case 'B':
      f.rs1 = bits(w, 19, 15);
      f.rs2 = bits(w, 24, 20);
      f.imm = ((w >> 31) << 12) | (bit(w, 7) << 11) | (bits(w, 30, 25) << 5) | (bits(w, 11, 8) << 1);
      break;
    case 'U':
      f.rd = bits(w, 11, 7);
      f.imm = w & 0xfffff000;
      break;
    case 'J':
      f.rd = bits(w, 11, 7);
      f.imm = ((w >> 31) << 20) | (bits(w, 19, 12) << 12) | (bit(w, 20) << 11) | (bits(w, 30, 21) << 1);
      break;
    case 'CSR':
    case 'CSRI':
      f.rd = bits(w, 11, 7);
      f.rs1 = bits(w, 19, 15); // register, or the 5-bit zimm for CSRI
      f.csr = bits(w, 31, 20);
      f.imm = f.csr;
      break;
    case 'FENCE':
      f.rd = bits(w, 11, 7);
      f.rs1 = bits(w, 19, 15);
      f.aux = bits(w, 27, 20);
      break;
    case 'AMO':
      f.rd = bits(w, 11, 7);
      f.rs1 = bits(w, 19, 15);
      f.rs2 = bits(w, 24, 20);
      f.aux = bits(w, 26, 25);
      break;
    case 'SFENCE':
      f.rs1 = bits(w, 19, 15);
      f.rs2 = bits(w, 24, 20);
      break;
    case 'NONE':
      break;
    // ---- compressed: expand to the base instruction's fields
    case 'CIW_ADDI4SPN': // addi rd', x2, nzuimm[9:2]
      f.rd = rdp;
      f.rs1 = 2;
      f.imm = (bits(w, 12, 11) << 4) | (bits(w, 10, 7) << 6) | (bit(w, 6) << 2) | (bit(w, 5) << 3);
      break;
    case 'CL_W': // lw rd', uimm(rs1')
      f.rd = rdp;
      f.rs1 = rs1p;
      f.imm = (bits(w, 12, 10) << 3) | (bit(w, 6) << 2) | (bit(w, 5) << 6);
      break;
    case 'CS_W': // sw rs2', uimm(rs1')
      f.rs2 = rdp;
      f.rs1 = rs1p;
      f.imm = (bits(w, 12, 10) << 3) | (bit(w, 6) << 2) | (bit(w, 5) << 6);
      break;
    case 'CI_NOP':
      break;
    case 'CI_ADDI': // addi rd, rd, nzimm
    case 'CI_LI': // addi rd, x0, imm
      f.rd = rcr;
      f.rs1 = fmt === 'CI_LI' ? 0 : rcr;
      f.imm = sext((bit(w, 12) << 5) | bits(w, 6, 2), 6);
      break;
    case 'CJ': // jal x0/x1, offset
      f.imm = sext(
        (bit(w, 12) << 11) |
          (bit(w, 11) << 4) |
          (bits(w, 10, 9) << 8) |
          (bit(w, 8) << 10) |
          (bit(w, 7) << 6) |
          (bit(w, 6) << 7) |
          (bits(w, 5, 3) << 1) |
          (bit(w, 2) << 5),
        12,
      );
      f.rd = bits(w, 15, 13) === 1 ? 1 : 0; // c.jal links ra, c.j does not
      break;
    case 'CI_ADDI16SP': // addi x2, x2, nzimm[9:4]
      f.rd = 2;
      f.rs1 = 2;
      f.imm = sext(
        (bit(w, 12) << 9) | (bit(w, 6) << 4) | (bit(w, 5) << 6) | (bits(w, 4, 3) << 7) | (bit(w, 2) << 5),
        10,
      );
      break;
    case 'CI_LUI': // lui rd, nzimm[17:12]
      f.rd = rcr;
      f.imm = sext((bit(w, 12) << 17) | (bits(w, 6, 2) << 12), 18);
      break;
    case 'CB_SHIFT': // srli/srai rd', rd', shamt
      f.rd = rs1p;
      f.rs1 = rs1p;
      f.imm = (bit(w, 12) << 5) | bits(w, 6, 2);
      break;
    case 'CB_ANDI':
      f.rd = rs1p;
      f.rs1 = rs1p;
      f.imm = sext((bit(w, 12) << 5) | bits(w, 6, 2), 6);
      break;
    case 'CA': // op rd', rd', rs2'
      f.rd = rs1p;
      f.rs1 = rs1p;
      f.rs2 = rdp;
      break;
    case 'CB_BRANCH': // beq/bne rs1', x0, offset
      f.rs1 = rs1p;
      f.rs2 = 0;
      f.imm = sext(
        (bit(w, 12) << 8) | (bits(w, 11, 10) << 3) | (bits(w, 6, 5) << 6) | (bits(w, 4, 3) << 1) | (bit(w, 2) << 5),
        9,
      );
      break;
    case 'CI_SLLI':
      f.rd = rcr;
      f.rs1 = rcr;
      f.imm = (bit(w, 12) << 5) | bits(w, 6, 2);
      break;
    case 'CI_LWSP': // lw rd, uimm(x2)
      f.rd = rcr;
      f.rs1 = 2;
      f.imm = (bit(w, 12) << 5) | (bits(w, 6, 4) << 2) | (bits(w, 3, 2) << 6);
      break;
    case 'CR_JR': // jalr x0, 0(rs1)
      f.rd = 0;
      f.rs1 = rcr;
      break;
    case 'CR_JALR': // jalr x1, 0(rs1)
      f.rd = 1;
      f.rs1 = rcr;
      break;
    case 'CR_MV': // add rd, x0, rs2
      f.rd = rcr;
      f.rs1 = 0;
      f.rs2 = rs2c;
      break;
    case 'CR_ADD': // add rd, rd, rs2
      f.rd = rcr;
      f.rs1 = rcr;
      f.rs2 = rs2c;
      break;
    case 'CR_EBREAK':
      break;
    case 'CSS_SWSP': // sw rs2, uimm(x2)
      f.rs2 = rs2c;
      f.rs1 = 2;
      f.imm = (bits(w, 12, 9) << 2) | (bits(w, 8, 7) << 6);
      break;
  }
  return f;
}

/**
 * Reserved or illegal compressed encodings that match a row's mask but are not valid
 * (the manual's "RES", "HINT" and "NSE" cases that we reject). HINTs are accepted as no-ops
 * because they decode to writes to x0.
 */
export function compressedValid(row: OpcodeRow, w: number): boolean {
  const rcr = bits(w, 11, 7);
  switch (row.fmt) {
    case 'CIW_ADDI4SPN':
      return extractFields(row.fmt, w).imm !== 0; // nzuimm = 0 is reserved (and 0x0000 is illegal)
    case 'CI_ADDI16SP':
      return extractFields(row.fmt, w).imm !== 0;
    case 'CI_LUI':
      return rcr !== 2 && extractFields(row.fmt, w).imm !== 0;
    case 'CB_SHIFT':
    case 'CI_SLLI':
      return bit(w, 12) === 0; // RV32: shamt[5] must be 0
    case 'CI_LWSP':
    case 'CR_JR':
      return rcr !== 0;
    default:
      return true;
  }
}

// -------------------------------------------------------------- encode --

/**
 * Encodes base-ISA fields into `row`'s format. Returns the instruction word (unsigned), or an
 * error message naming the operand that does not fit. The inverse of `extractFields`.
 */
export function encodeFields(row: OpcodeRow, f: Partial<Fields>): number | string {
  const rd = f.rd ?? 0;
  const rs1 = f.rs1 ?? 0;
  const rs2 = f.rs2 ?? 0;
  const imm = f.imm ?? 0;
  const reg = (r: number, what: string): string | null => (r >= 0 && r < 32 ? null : `${what} x${r} is not a register`);
  const regc = (r: number, what: string): string | null =>
    r >= 8 && r < 16 ? null : `${what} must be one of x8..x15 (s0,s1,a0..a5) for ${row.name}`;
  const simm = (v: number, width: number, align: number, what = 'immediate'): string | null => {
    const lo = -(2 ** (width - 1));
    const hi = 2 ** (width - 1) - 1;
    if (v < lo || v > hi) return `${what} ${v} out of range [${lo}, ${hi}] for ${row.name}`;
    if (v % align !== 0) return `${what} ${v} must be a multiple of ${align} for ${row.name}`;
    return null;
  };
  const uimm = (v: number, width: number, align: number, what = 'immediate'): string | null => {
    if (v < 0 || v >= 2 ** width) return `${what} ${v} out of range [0, ${2 ** width - 1}] for ${row.name}`;
    if (v % align !== 0) return `${what} ${v} must be a multiple of ${align} for ${row.name}`;
    return null;
  };
  const m = row.match;
  let err: string | null = null;
  let w = 0;
  switch (row.fmt) {
    case 'R':
    case 'AMO':
      err = reg(rd, 'rd') ?? reg(rs1, 'rs1') ?? reg(rs2, 'rs2');
      w = m | (rd << 7) | (rs1 << 15) | (rs2 << 20) | (row.fmt === 'AMO' ? ((f.aux ?? 0) & 3) << 25 : 0);
      break;
    case 'I':
      err = reg(rd, 'rd') ?? reg(rs1, 'rs1') ?? simm(imm, 12, 1);
      w = m | (rd << 7) | (rs1 << 15) | ((imm & 0xfff) << 20);
      break;
    case 'I_SHIFT':
      err = reg(rd, 'rd') ?? reg(rs1, 'rs1') ?? uimm(imm, 5, 1, 'shift amount');
      w = m | (rd << 7) | (rs1 << 15) | ((imm & 0x1f) << 20);
      break;
    case 'S':
      err = reg(rs1, 'rs1') ?? reg(rs2, 'rs2') ?? simm(imm, 12, 1);
      w = m | ((imm & 0x1f) << 7) | (rs1 << 15) | (rs2 << 20) | (((imm >> 5) & 0x7f) << 25);
      break;
    case 'B':
      err = reg(rs1, 'rs1') ?? reg(rs2, 'rs2') ?? simm(imm, 13, 2, 'branch offset');
      w =
        m |
        (((imm >> 11) & 1) << 7) |
        (((imm >> 1) & 0xf) << 8) |
        (rs1 << 15) |
        (rs2 << 20) |
        (((imm >> 5) & 0x3f) << 25) |
        (((imm >> 12) & 1) << 31);
      break;
    case 'U':
      err = reg(rd, 'rd');
      w = m | (rd << 7) | (imm & 0xfffff000);
      break;
    case 'J':
      err = reg(rd, 'rd') ?? simm(imm, 21, 2, 'jump offset');
      w =
        m |
        (rd << 7) |
        (((imm >> 12) & 0xff) << 12) |
        (((imm >> 11) & 1) << 20) |
        (((imm >> 1) & 0x3ff) << 21) |
        (((imm >> 20) & 1) << 31);
      break;
    case 'CSR':
    case 'CSRI':
      err = reg(rd, 'rd') ?? (row.fmt === 'CSR' ? reg(rs1, 'rs1') : uimm(rs1, 5, 1, 'CSR immediate'));
      if (!err && ((f.csr ?? 0) < 0 || (f.csr ?? 0) > 0xfff)) err = `CSR number ${f.csr} out of range`;
      w = m | (rd << 7) | (rs1 << 15) | ((f.csr ?? 0) << 20);
      break;
    case 'FENCE':
      w = m | (((f.aux ?? 0xff) & 0xff) << 20);
      break;
    case 'SFENCE':
      err = reg(rs1, 'rs1') ?? reg(rs2, 'rs2');
      w = m | (rs1 << 15) | (rs2 << 20);
      break;
    case 'NONE':
    case 'CI_NOP':
    case 'CR_EBREAK':
      w = m;
      break;
    case 'CIW_ADDI4SPN':
      err = regc(rd, 'rd') ?? (rs1 !== 2 ? 'c.addi4spn adds to sp only' : null) ?? uimm(imm, 10, 4);
      if (!err && imm === 0) err = 'c.addi4spn immediate must not be 0';
      w =
        m |
        ((rd - 8) << 2) |
        (((imm >> 3) & 1) << 5) |
        (((imm >> 2) & 1) << 6) |
        (((imm >> 6) & 0xf) << 7) |
        (((imm >> 4) & 3) << 11);
      break;
    case 'CL_W':
    case 'CS_W': {
      const r = row.fmt === 'CL_W' ? rd : rs2;
      err = regc(r, row.fmt === 'CL_W' ? 'rd' : 'rs2') ?? regc(rs1, 'rs1') ?? uimm(imm, 7, 4, 'offset');
      w =
        m |
        ((r - 8) << 2) |
        (((imm >> 6) & 1) << 5) |
        (((imm >> 2) & 1) << 6) |
        ((rs1 - 8) << 7) |
        (((imm >> 3) & 7) << 10);
      break;
    }
    case 'CI_ADDI':
    case 'CI_LI':
      err =
        reg(rd, 'rd') ??
        (row.fmt === 'CI_ADDI' && rs1 !== rd ? `${row.name} needs rd == rs1` : null) ??
        simm(imm, 6, 1);
      w = m | (rd << 7) | ((imm & 0x1f) << 2) | (((imm >> 5) & 1) << 12);
      break;
    case 'CJ':
      err = simm(imm, 12, 2, 'jump offset');
      w =
        m |
        (((imm >> 5) & 1) << 2) |
        (((imm >> 1) & 7) << 3) |
        (((imm >> 7) & 1) << 6) |
        (((imm >> 6) & 1) << 7) |
        (((imm >> 10) & 1) << 8) |
        (((imm >> 8) & 3) << 9) |
        (((imm >> 4) & 1) << 11) |
        (((imm >> 11) & 1) << 12);
      break;
    case 'CI_ADDI16SP':
      err = (rd !== 2 || rs1 !== 2 ? 'c.addi16sp works on sp only' : null) ?? simm(imm, 10, 16);
      if (!err && imm === 0) err = 'c.addi16sp immediate must not be 0';
      w =
        m |
        (((imm >> 5) & 1) << 2) |
        (((imm >> 7) & 3) << 3) |
        (((imm >> 6) & 1) << 5) |
        (((imm >> 4) & 1) << 6) |
        (((imm >> 9) & 1) << 12);
      break;
    case 'CI_LUI': {
      // imm is the full upper value (imm20 << 12), sign-extended from bit 17
      err = reg(rd, 'rd');
      const hi = imm >> 12;
      if (!err && (rd === 0 || rd === 2)) err = 'c.lui cannot write x0 or sp';
      if (!err && (hi < -32 || hi > 31 || hi === 0)) err = `c.lui immediate ${hi} out of range [-32, 31] (nonzero)`;
      w = m | (rd << 7) | ((hi & 0x1f) << 2) | (((hi >> 5) & 1) << 12);
      break;
    }
    case 'CB_SHIFT':
    case 'CB_ANDI':
      err =
        regc(rd, 'rd') ??
        (rs1 !== rd ? `${row.name} needs rd == rs1` : null) ??
        (row.fmt === 'CB_SHIFT' ? uimm(imm, 5, 1, 'shift amount') : simm(imm, 6, 1));
      w = m | ((imm & 0x1f) << 2) | ((rd - 8) << 7) | (((imm >> 5) & 1) << 12);
      break;
    case 'CA':
      err = regc(rd, 'rd') ?? regc(rs2, 'rs2') ?? (rs1 !== rd ? `${row.name} needs rd == rs1` : null);
      w = m | ((rs2 - 8) << 2) | ((rd - 8) << 7);
      break;
    case 'CB_BRANCH':
      err = regc(rs1, 'rs1') ?? simm(imm, 9, 2, 'branch offset');
      w =
        m |
        (((imm >> 5) & 1) << 2) |
        (((imm >> 1) & 3) << 3) |
        (((imm >> 6) & 3) << 5) |
        ((rs1 - 8) << 7) |
        (((imm >> 3) & 3) << 10) |
        (((imm >> 8) & 1) << 12);
      break;
    case 'CI_SLLI':
      err = reg(rd, 'rd') ?? (rs1 !== rd ? 'c.slli needs rd == rs1' : null) ?? uimm(imm, 5, 1, 'shift amount');
      w = m | (rd << 7) | ((imm & 0x1f) << 2);
      break;
    case 'CI_LWSP':
      err = reg(rd, 'rd') ?? (rs1 !== 2 ? 'c.lwsp loads relative to sp only' : null) ?? uimm(imm, 8, 4, 'offset');
      if (!err && rd === 0) err = 'c.lwsp cannot load into x0';
      w = m | (rd << 7) | (((imm >> 6) & 3) << 2) | (((imm >> 2) & 7) << 4) | (((imm >> 5) & 1) << 12);
      break;
    case 'CR_JR':
    case 'CR_JALR':
      err = reg(rs1, 'rs1');
      if (!err && rs1 === 0) err = `${row.name} cannot jump through x0`;
      w = m | (rs1 << 7);
      break;
    case 'CR_MV':
    case 'CR_ADD':
      err = reg(rd, 'rd') ?? reg(rs2, 'rs2');
      if (!err && rs2 === 0) err = `${row.name} needs rs2 != x0`;
      w = m | (rd << 7) | (rs2 << 2);
      break;
    case 'CSS_SWSP':
      err = reg(rs2, 'rs2') ?? (rs1 !== 2 ? 'c.swsp stores relative to sp only' : null) ?? uimm(imm, 8, 4, 'offset');
      w = m | (rs2 << 2) | (((imm >> 6) & 3) << 7) | (((imm >> 2) & 0xf) << 9);
      break;
  }
  return err ?? (row.len === 2 ? w & 0xffff : w >>> 0);
}

// -------------------------------------------------------------- lookup --

/** Finds the row whose encoding matches `word` (16-bit halfword for compressed). */
export function matchRow(word: number): OpcodeRow | null {
  if ((word & 3) !== 3) {
    const h = word & 0xffff;
    const list = C_BUCKETS[((h >>> 13) << 2) | (h & 3)];
    for (const r of list) if ((h & r.mask) === r.match) return compressedValid(r, h) ? r : null;
    return null;
  }
  const list = BUCKETS[(word >>> 2) & 0x1f];
  for (const r of list) if ((word & r.mask) === (r.match | 0)) return r;
  return null;
}

// Rows bucketed by major opcode (bits 6..2) and, for compressed, by funct3 and quadrant.
const BUCKETS: OpcodeRow[][] = Array.from({ length: 32 }, () => []);
const C_BUCKETS: OpcodeRow[][] = Array.from({ length: 32 }, () => []);
for (const r of OPCODES) {
  if (r.len === 4) BUCKETS[(r.match >>> 2) & 0x1f].push(r);
  else C_BUCKETS[((r.match >>> 13) << 2) | (r.match & 3)].push(r);
}
// More specific masks first within a bucket.
const popcount = (x: number): number => {
  let n = 0;
  for (let v = x >>> 0; v; v >>>= 1) n += v & 1;
  return n;
};
for (const b of [...BUCKETS, ...C_BUCKETS]) b.sort((a, z) => popcount(z.mask) - popcount(a.mask));
