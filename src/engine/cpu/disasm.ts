/**
 * Disassembler in the style of GNU `objdump -d` for RISC-V, derived from the opcode table.
 *
 * `matchRow` and `extractFields` (opcodes.ts) decode the word; this module only decides how to
 * print the row and its fields. Conventions follow binutils' riscv-dis.c and riscv-opc.c:
 * - ABI register names; mnemonic, a TAB, operands separated by ',' without spaces;
 * - branch and jump targets as absolute addresses: `80000010 <main+0x10>` when a symbol
 *   is known, `0x80000010` when not;
 * - lui/auipc immediates and shift amounts in 0x hex, other immediates in decimal;
 * - pseudo-instructions as objdump prints them by default (li, mv, not, neg, nop, ret, j, jr,
 *   jal without rd when rd = ra, jalr forms, beqz..bgtz, seqz..sgtz, csrr/csrw/csrs/csrc,
 *   rdcycle..., `fence` for `fence iorw,iorw`, `unimp`), compressed instructions as their
 *   base equivalent (`c.addi a0,1` prints `addi a0,a0,1`);
 * - with `noAliases` (objdump's `-M no-aliases`) the raw `c.` mnemonics and base forms.
 * - undecodable words print as `.word 0x%08x` / `.short 0x%04x`.
 *
 * One deliberate difference from binutils 2.40 (which Debian ships): 2.40 printed `addi`,
 * `slli`, `srli`, `srai`, `andi`, `ori` and `xori` as `add`, `sll`, ... with an immediate
 * operand; later binutils print the `i` forms again, and so do we.
 *
 * `disassembleRange` adds objdump's address comments (`# 80001000 <msg>`) for lui/auipc
 * pairs, which needs state across instructions.
 */
import { CSR_NAME } from './csr_numbers';
import { extractFields, matchRow, type Fields, type OpcodeRow } from './opcodes';
import { ABI_NAMES } from './registers';

export { ABI_NAMES };

/** Options of `disassemble`. */
export interface DisasmOptions {
  /** Names an address, e.g. `main+0x10`; null when no symbol covers it. */
  symbols?: (addr: number) => string | null;
  /** Print the real instruction (raw `c.` mnemonics, no pseudo-instructions). */
  noAliases?: boolean;
}

/** One disassembled instruction. */
export interface Disassembly {
  /** `mnemonic\toperands`, as objdump prints it. */
  text: string;
  len: 2 | 4;
  /** The table row that executes this word, or null if it is illegal. */
  row: OpcodeRow | null;
  /** Absolute target of a branch or jump. */
  target?: number;
}

/** Internal result: the text plus what the address-comment logic of objdump needs. */
interface Rendered extends Disassembly {
  /** lui/auipc/c.lui: the value written to `reg`. */
  hiWrite?: { reg: number; value: number };
  /** An operand objdump tries to resolve against an earlier lui/auipc: base register + offset. */
  addrRef?: { base: number; offset: number };
}

const hex = (v: number): string => (v >>> 0).toString(16);
const reg = (n: number): string => ABI_NAMES[n];
const csrName = (n: number): string => CSR_NAME.get(n) ?? `0x${hex(n)}`;
const FENCE_SET = [
  'unknown',
  'w',
  'r',
  'rw',
  'o',
  'ow',
  'or',
  'orw',
  'i',
  'iw',
  'ir',
  'irw',
  'io',
  'iow',
  'ior',
  'iorw',
];
const COUNTER_ALIAS: ReadonlyMap<number, string> = new Map([
  [0xc00, 'rdcycle'],
  [0xc01, 'rdtime'],
  [0xc02, 'rdinstret'],
  [0xc80, 'rdcycleh'],
  [0xc81, 'rdtimeh'],
  [0xc82, 'rdinstreth'],
]);

/** Formats an address the way objdump's print_address_func does. */
export function formatAddress(addr: number, symbols?: (addr: number) => string | null): string {
  const a = addr >>> 0;
  const sym = symbols?.(a) ?? null;
  return sym === null ? `0x${hex(a)}` : `${hex(a)} <${sym}>`;
}

/**
 * Disassembles one instruction. `word` holds the instruction bits (the low 16 bits are enough
 * for a compressed instruction); `pc` is its address, used for branch targets.
 */
export function disassemble(word: number, pc: number, opts: DisasmOptions = {}): Disassembly {
  const r = render(word, pc, opts);
  return r.target === undefined
    ? { text: r.text, len: r.len, row: r.row }
    : { text: r.text, len: r.len, row: r.row, target: r.target };
}

function render(word: number, pc: number, opts: DisasmOptions): Rendered {
  const len: 2 | 4 = (word & 3) === 3 ? 4 : 2;
  const w = len === 2 ? word & 0xffff : word >>> 0;
  const row = matchRow(w);
  const noAliases = opts.noAliases === true;
  if (w === 0 && len === 2) return { text: noAliases ? 'c.unimp' : 'unimp', len, row: null };
  if (row === null) return { text: dataWord(w, len), len, row: null };
  const f = extractFields(row.fmt, w);
  const out = len === 2 ? compressed(row, f, w, pc, noAliases) : base(row, f, w, pc, noAliases);
  const ops = out.ops.map((o) => (typeof o === 'string' ? o : formatAddress(o.target, opts.symbols)));
  const text = ops.length === 0 ? out.mn : `${out.mn}\t${ops.join(',')}`;
  const r: Rendered = { text, len, row };
  const t = out.ops.find((o): o is { target: number } => typeof o !== 'string');
  if (t) r.target = t.target >>> 0;
  if (out.hiWrite) r.hiWrite = out.hiWrite;
  if (out.addrRef) r.addrRef = out.addrRef;
  return r;
}

const dataWord = (w: number, len: 2 | 4): string =>
  len === 4 ? `.word\t0x${hex(w).padStart(8, '0')}` : `.short\t0x${hex(w).padStart(4, '0')}`;

type Operand = string | { target: number };
interface Out {
  mn: string;
  ops: Operand[];
  hiWrite?: { reg: number; value: number };
  addrRef?: { base: number; offset: number };
}

// ------------------------------------------------------------------ base --

function base(row: OpcodeRow, f: Fields, w: number, pc: number, raw: boolean): Out {
  const { rd, rs1, rs2, imm } = f;
  const mem = (): string => `${imm}(${reg(rs1)})`;
  const target = { target: (pc + imm) | 0 };
  const name = row.name;
  switch (row.fmt) {
    case 'U':
      return {
        mn: name,
        ops: [reg(rd), `0x${hex(imm >>> 12)}`],
        hiWrite: { reg: rd, value: name === 'auipc' ? (pc + imm) | 0 : imm },
      };
    case 'J':
      if (!raw && rd === 0) return { mn: 'j', ops: [target] };
      if (!raw && rd === 1) return { mn: 'jal', ops: [target] };
      return { mn: 'jal', ops: [reg(rd), target] };
    case 'B': {
      const b = raw ? { mn: name, ops: [reg(rs1), reg(rs2)] } : branchAlias(name, rs1, rs2);
      return { mn: b.mn, ops: [...b.ops, target] };
    }
    case 'S':
      return { mn: name, ops: [reg(rs2), mem()], addrRef: { base: rs1, offset: imm } };
    case 'I':
      if (name === 'jalr') return jalr(rd, rs1, imm, raw);
      if (row.args[1] === 'imm(rs1)') return { mn: name, ops: [reg(rd), mem()], addrRef: { base: rs1, offset: imm } };
      return immOp(name, rd, rs1, imm, raw);
    case 'I_SHIFT':
      return { mn: name, ops: [reg(rd), reg(rs1), `0x${hex(imm)}`] };
    case 'R':
      if (!raw) {
        if (name === 'sub' && rs1 === 0) return { mn: 'neg', ops: [reg(rd), reg(rs2)] };
        if (name === 'sltu' && rs1 === 0) return { mn: 'snez', ops: [reg(rd), reg(rs2)] };
        if (name === 'slt' && rs2 === 0) return { mn: 'sltz', ops: [reg(rd), reg(rs1)] };
        if (name === 'slt' && rs1 === 0) return { mn: 'sgtz', ops: [reg(rd), reg(rs2)] };
      }
      return { mn: name, ops: [reg(rd), reg(rs1), reg(rs2)] };
    case 'FENCE': {
      const word = w >>> 0;
      if (word === 0x8330000f) return { mn: 'fence.tso', ops: [] };
      // fm, rd and rs1 must be zero for binutils to call it a fence
      if ((word & 0xf00fff80) !== 0) return { mn: dataWord(word, 4), ops: [] };
      const pred = (f.aux >> 4) & 15;
      const succ = f.aux & 15;
      if (!raw && pred === 15 && succ === 15) return { mn: 'fence', ops: [] };
      return { mn: 'fence', ops: [FENCE_SET[pred], FENCE_SET[succ]] };
    }
    case 'NONE':
      // fence.i is matched on funct3 alone; binutils wants the rest of the word zero
      if (name === 'fence.i' && w >>> 0 !== 0x0000100f) return { mn: dataWord(w, 4), ops: [] };
      return { mn: name, ops: [] };
    case 'CSR':
    case 'CSRI':
      return csr(name, f, w, raw);
    case 'AMO': {
      const suffix = ['', '.rl', '.aq', '.aqrl'][f.aux & 3];
      if (name === 'lr.w') return { mn: name + suffix, ops: [reg(rd), `(${reg(rs1)})`] };
      return { mn: name + suffix, ops: [reg(rd), reg(rs2), `(${reg(rs1)})`] };
    }
    case 'SFENCE':
      if (!raw && rs2 === 0) return { mn: name, ops: rs1 === 0 ? [] : [reg(rs1)] };
      return { mn: name, ops: [reg(rs1), reg(rs2)] };
    default:
      return { mn: dataWord(w, 4), ops: [] };
  }
}

function branchAlias(name: string, rs1: number, rs2: number): { mn: string; ops: string[] } {
  if (name === 'beq' && rs2 === 0) return { mn: 'beqz', ops: [reg(rs1)] };
  if (name === 'bne' && rs2 === 0) return { mn: 'bnez', ops: [reg(rs1)] };
  if (name === 'bge' && rs1 === 0) return { mn: 'blez', ops: [reg(rs2)] };
  if (name === 'bge' && rs2 === 0) return { mn: 'bgez', ops: [reg(rs1)] };
  if (name === 'blt' && rs2 === 0) return { mn: 'bltz', ops: [reg(rs1)] };
  if (name === 'blt' && rs1 === 0) return { mn: 'bgtz', ops: [reg(rs2)] };
  return { mn: name, ops: [reg(rs1), reg(rs2)] };
}

function jalr(rd: number, rs1: number, imm: number, raw: boolean): Out {
  const addrRef = { base: rs1, offset: imm };
  const mem = `${imm}(${reg(rs1)})`;
  if (raw) return { mn: 'jalr', ops: [reg(rd), mem], addrRef };
  if (rd === 0 && rs1 === 1 && imm === 0) return { mn: 'ret', ops: [] };
  if (rd === 0) return { mn: 'jr', ops: [imm === 0 ? reg(rs1) : mem], addrRef };
  if (rd === 1) return { mn: 'jalr', ops: [imm === 0 ? reg(rs1) : mem], addrRef };
  return { mn: 'jalr', ops: imm === 0 ? [reg(rd), reg(rs1)] : [reg(rd), mem], addrRef };
}

function immOp(name: string, rd: number, rs1: number, imm: number, raw: boolean): Out {
  if (!raw) {
    if (name === 'addi') {
      if (rd === 0 && rs1 === 0 && imm === 0) return { mn: 'nop', ops: [] };
      if (rs1 === 0) return { mn: 'li', ops: [reg(rd), `${imm}`] };
      if (imm === 0) return { mn: 'mv', ops: [reg(rd), reg(rs1)] };
    }
    if (name === 'sltiu' && imm === 1) return { mn: 'seqz', ops: [reg(rd), reg(rs1)] };
    if (name === 'xori' && imm === -1) return { mn: 'not', ops: [reg(rd), reg(rs1)] };
    if (name === 'andi' && imm === 255) return { mn: 'zext.b', ops: [reg(rd), reg(rs1)] };
  }
  const out: Out = { mn: name, ops: [reg(rd), reg(rs1), `${imm}`] };
  if (name === 'addi' && rs1 !== 0) out.addrRef = { base: rs1, offset: imm };
  return out;
}

function csr(name: string, f: Fields, w: number, raw: boolean): Out {
  const { rd, rs1 } = f;
  const c = csrName(f.csr);
  const isImm = name.endsWith('i');
  const src = isImm ? `${rs1}` : reg(rs1);
  if (w >>> 0 === 0xc0001073) return { mn: 'unimp', ops: [] }; // csrw cycle, zero
  if (raw) return { mn: name, ops: [reg(rd), c, src] };
  const kind = name[4]; // w, s or c, from csrr[wsc][i]
  if (!isImm && kind === 's' && rs1 === 0) {
    const counter = COUNTER_ALIAS.get(f.csr);
    if (counter) return { mn: counter, ops: [reg(rd)] };
    return { mn: 'csrr', ops: [reg(rd), c] };
  }
  // binutils prints the immediate forms with the register-form mnemonic (csrw mstatus,5)
  if (rd === 0) return { mn: `csr${kind}`, ops: [c, src] };
  return { mn: `csrr${kind}`, ops: [reg(rd), c, src] };
}

// ------------------------------------------------------------ compressed --

function compressed(row: OpcodeRow, f: Fields, w: number, pc: number, raw: boolean): Out {
  const { rd, rs1, rs2, imm } = f;
  const name = row.name;
  const target = { target: (pc + imm) | 0 };
  const mem = (): string => `${imm}(${reg(rs1)})`;
  const shamt = `0x${hex(imm)}`;
  switch (name) {
    case 'c.addi4spn':
      return raw ? { mn: name, ops: [reg(rd), 'sp', `${imm}`] } : { mn: 'addi', ops: [reg(rd), 'sp', `${imm}`] };
    case 'c.lw':
    case 'c.lwsp':
      return { mn: raw ? name : 'lw', ops: [reg(rd), mem()] };
    case 'c.sw':
    case 'c.swsp':
      return { mn: raw ? name : 'sw', ops: [reg(rs2), mem()] };
    case 'c.nop':
      return { mn: raw ? 'c.nop' : 'nop', ops: [] };
    case 'c.addi': {
      const addrRef = rd !== 0 ? { base: rd, offset: imm } : undefined;
      if (raw) return { mn: name, ops: [reg(rd), `${imm}`], addrRef };
      if (rd === 0) return { mn: 'c.nop', ops: [`${imm}`] }; // HINT
      return { mn: 'addi', ops: [reg(rd), reg(rd), `${imm}`], addrRef };
    }
    case 'c.jal':
      return { mn: raw ? name : 'jal', ops: [target] };
    case 'c.j':
      return { mn: raw ? name : 'j', ops: [target] };
    case 'c.li':
      return { mn: raw || rd === 0 ? name : 'li', ops: [reg(rd), `${imm}`] };
    case 'c.addi16sp':
      return raw ? { mn: name, ops: ['sp', `${imm}`] } : { mn: 'addi', ops: ['sp', 'sp', `${imm}`] };
    case 'c.lui':
      return {
        mn: raw || rd === 0 ? name : 'lui',
        ops: [reg(rd), `0x${hex((imm >>> 12) & 0xfffff)}`],
        hiWrite: { reg: rd, value: imm },
      };
    case 'c.srli':
    case 'c.srai':
    case 'c.slli':
      if (imm === 0) return { mn: `${name}64`, ops: [reg(rd)] }; // HINT
      if (raw || rd === 0) return { mn: name, ops: [reg(rd), shamt] };
      return { mn: name.slice(2), ops: [reg(rd), reg(rd), shamt] };
    case 'c.andi':
      return raw ? { mn: name, ops: [reg(rd), `${imm}`] } : { mn: 'andi', ops: [reg(rd), reg(rd), `${imm}`] };
    case 'c.sub':
    case 'c.xor':
    case 'c.or':
    case 'c.and':
      return raw ? { mn: name, ops: [reg(rd), reg(rs2)] } : { mn: name.slice(2), ops: [reg(rd), reg(rd), reg(rs2)] };
    case 'c.beqz':
    case 'c.bnez':
      return { mn: raw ? name : name.slice(2), ops: [reg(rs1), target] };
    case 'c.ebreak':
      return { mn: raw ? name : 'ebreak', ops: [] };
    case 'c.jr':
      if (raw) return { mn: name, ops: [reg(rs1)] };
      return rs1 === 1 ? { mn: 'ret', ops: [] } : { mn: 'jr', ops: [reg(rs1)] };
    case 'c.jalr':
      return { mn: raw ? name : 'jalr', ops: [reg(rs1)] };
    case 'c.mv':
      return { mn: raw || rd === 0 ? name : 'mv', ops: [reg(rd), reg(rs2)] };
    case 'c.add':
      if (raw || rd === 0) return { mn: name, ops: [reg(rd), reg(rs2)] };
      return { mn: 'add', ops: [reg(rd), reg(rd), reg(rs2)] };
    default:
      return { mn: dataWord(w, 2), ops: [] };
  }
}

// ----------------------------------------------------------------- range --

/** One line of `disassembleRange`. */
export interface DisasmLine {
  addr: number;
  len: number;
  /** The instruction bits (16 bits for compressed or trailing halfwords, 8 for a last byte). */
  word: number;
  /** Instruction text, including objdump's `# address` comment when there is one. */
  text: string;
  row: OpcodeRow | null;
  target?: number;
  /** The whole objdump-style line: `80000000:\t00000297          \tauipc\tt0,0x0`. */
  line: string;
}

/** Options of `disassembleRange`. */
export interface DisasmRangeOptions extends DisasmOptions {
  /** Value of `__global_pointer$`, for gp-relative address comments. */
  gp?: number;
  /** Add objdump's `# address <symbol>` comments (default true). */
  comments?: boolean;
}

/**
 * Disassembles `bytes` loaded at address `base` into objdump-style lines. A trailing byte or
 * halfword that cannot hold a whole instruction prints as `.byte`/`.short`.
 */
export function disassembleRange(bytes: Uint8Array, base: number, opts: DisasmRangeOptions = {}): DisasmLine[] {
  const lines: DisasmLine[] = [];
  const end = (base + bytes.length) >>> 0;
  const width = hex(end).length > 4 ? 8 : 4;
  const hi = new Map<number, number>(); // register -> value of its last lui/auipc
  const comments = opts.comments !== false;
  let off = 0;
  while (off < bytes.length) {
    const addr = (base + off) >>> 0;
    const left = bytes.length - off;
    let word: number;
    let len: number;
    let text: string;
    let d: Rendered | null = null;
    if (left === 1) {
      word = bytes[off];
      len = 1;
      text = `.byte\t0x${hex(word).padStart(2, '0')}`;
    } else {
      const h = bytes[off] | (bytes[off + 1] << 8);
      if ((h & 3) === 3 && left < 4) {
        word = h;
        len = 2;
        text = dataWord(h, 2);
      } else {
        word = (h & 3) === 3 ? (h | (bytes[off + 2] << 16) | (bytes[off + 3] << 24)) >>> 0 : h;
        d = render(word, addr, opts);
        len = d.len;
        text = d.text;
      }
    }
    if (d && comments) text += addressComment(d, hi, opts);
    const hexWord = hex(word).padStart(len * 2, '0');
    const line = `${hex(addr).padStart(width, ' ')}:\t${hexWord.padEnd(len === 4 ? 18 : 20, ' ')}\t${text}`;
    const entry: DisasmLine = { addr, len, word, text, row: d?.row ?? null, line };
    if (d?.target !== undefined) entry.target = d.target;
    lines.push(entry);
    off += len;
  }
  return lines;
}

/** objdump's maybe_print_address: pairs a use of a register with its last lui/auipc. */
function addressComment(d: Rendered, hi: Map<number, number>, opts: DisasmRangeOptions): string {
  let comment = '';
  if (d.addrRef) {
    const { base, offset } = d.addrRef;
    let addr: number | null = null;
    const h = hi.get(base);
    if (h !== undefined) {
      addr = base !== 0 ? h + offset : offset;
      hi.delete(base);
    } else if (base === 3 && opts.gp !== undefined) addr = opts.gp + offset;
    else if (base === 4 || base === 0) addr = offset;
    if (addr !== null) comment = ` # ${formatAddress(addr, opts.symbols)}`;
  }
  if (d.hiWrite) hi.set(d.hiWrite.reg, d.hiWrite.value);
  return comment;
}
