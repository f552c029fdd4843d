/**
 * Instruction encoding for the assembler, driven by the opcode table: operand syntax comes
 * from each row's `args`, encoding from `encodeFields`, and automatic compression picks the
 * first compressed row whose decoded fields (`extractFields`) equal the base instruction's.
 *
 * An instruction is planned in two steps. Pass 1 parses the operands into an `InsnReq` whose
 * immediate may still be pending (it names a label not placed yet); pass 2 supplies the
 * value, applies the operand's meaning (pc-relative target, upper immediate, ...) and encodes.
 */
import { CSR } from '../csr_numbers';
import { encodeFields, extractFields, matchRow, OPCODES, Op, type Fields, type OpcodeRow } from '../opcodes';
import { isExprError, parseExpr, type Expr } from './expr';
import type { Token } from './lexer';
import type { Operand } from './parser';

/** An error at a column of the current line. */
export interface ColError {
  col: number;
  message: string;
}

export const isColError = (x: unknown): x is ColError =>
  typeof x === 'object' && x !== null && 'col' in x && 'message' in x && !('k' in x);

/** Register numbers by name: x0..x31, ABI names and fp. */
export const REGISTERS: ReadonlyMap<string, number> = (() => {
  const abi = 'zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6';
  const m = new Map<string, number>();
  abi.split(' ').forEach((n, i) => m.set(n, i));
  for (let i = 0; i < 32; i++) m.set(`x${i}`, i);
  m.set('fp', 8);
  return m;
})();

/** How a pending immediate becomes a field. */
export type ImmMode = 'imm' | 'uimm' | 'imm20' | 'target' | 'zimm';

/** A pending immediate: an operand expression, or a function of the pass-2 environment. */
export type ImmReq =
  | { kind: 'expr'; e: Expr; mode: ImmMode; col: number }
  | { kind: 'fn'; fn: (env: InsnEnv) => number | ColError; col: number };

/** One machine instruction to emit. */
export interface InsnReq {
  row: OpcodeRow;
  fields: Partial<Fields>;
  imm?: ImmReq;
  /** A fixed encoding (unimp, fence.tso) instead of row + fields. */
  raw?: { word: number; len: 2 | 4 };
  /** Columns of the operands, for messages. */
  cols: { op: number; rd?: number; rs1?: number; rs2?: number; imm?: number };
  /** False where the instruction must keep its 4-byte form (parts of pc-relative pairs). */
  compress: boolean;
}

/** What pass 2 gives an instruction: its address and the value of an expression. */
export interface InsnEnv {
  pc: number;
  value(e: Expr): number | ColError;
}

/** Operand parsing shared by table rows and pseudo-instructions. */
export class OperandParser {
  constructor(private readonly known: (e: Expr) => number | undefined | ColError) {}

  text(op: Operand): string {
    return op.tokens.map((t) => (t.kind === 'str' ? t.text : t.text)).join('');
  }

  /** The register an operand names, or null if it is not a single register name. */
  regOf(op: Operand): number | null {
    if (op.tokens.length !== 1 || op.tokens[0].kind !== 'ident') return null;
    return REGISTERS.get(op.tokens[0].text) ?? null;
  }

  reg(op: Operand): number | ColError {
    const r = this.regOf(op);
    if (r !== null) return r;
    const text = this.text(op);
    if (op.tokens.length === 1 && /^(x[0-9]+|[ast][0-9]+)$/.test(text))
      return { col: op.col, message: `unknown register '${text}'` };
    return { col: op.col, message: `expected a register, got '${text}'` };
  }

  expr(op: Operand | Token[], col?: number): Expr | ColError {
    const tokens = Array.isArray(op) ? op : op.tokens;
    if (tokens.length === 0) return { col: Array.isArray(op) ? (col ?? 1) : op.col, message: 'expected an expression' };
    const e = parseExpr(tokens, (t) => t.ref ?? '');
    if (isExprError(e)) return { col: e.col || col || 1, message: e.message };
    return e;
  }

  /** The pass-1 value of an expression (undefined: needs a label placed later). */
  value(e: Expr): number | undefined | ColError {
    return this.known(e);
  }

  /**
   * A memory operand `offset(reg)` or `(reg)`; null if the operand does not end in a
   * parenthesised register.
   */
  mem(op: Operand): { off: Expr | null; base: number; baseCol: number } | null | ColError {
    const t = op.tokens;
    const n = t.length;
    if (n < 3 || t[n - 1].kind !== 'punct' || t[n - 1].text !== ')') return null;
    if (t[n - 3].kind !== 'punct' || t[n - 3].text !== '(' || t[n - 2].kind !== 'ident') return null;
    const base = REGISTERS.get(t[n - 2].text);
    if (base === undefined) {
      if (/^(x[0-9]+|[ast][0-9]+)$/.test(t[n - 2].text))
        return { col: t[n - 2].col, message: `unknown register '${t[n - 2].text}'` };
      return null;
    }
    if (n === 3) return { off: null, base, baseCol: t[n - 2].col };
    const off = this.expr(t.slice(0, n - 3), op.col);
    if (isColError(off)) return off;
    return { off, base, baseCol: t[n - 2].col };
  }
}

const FENCE_BITS: Record<string, number> = { i: 8, o: 4, r: 2, w: 1 };

/** Parses a fence set such as `iorw` or `rw`. */
function fenceSet(op: Operand, p: OperandParser): number | ColError {
  const text = p.text(op);
  if (op.tokens.length === 1 && op.tokens[0].kind === 'ident' && /^[iorw]+$/.test(text)) {
    let v = 0;
    for (const c of text) {
      if (v & FENCE_BITS[c]) return { col: op.col, message: `repeated '${c}' in fence set '${text}'` };
      v |= FENCE_BITS[c];
    }
    return v;
  }
  return { col: op.col, message: `expected a fence set of i, o, r, w, got '${text}'` };
}

/** A CSR operand: a name from csr_numbers.ts or a constant 0..4095. */
export function csrOperand(op: Operand, p: OperandParser): number | ColError {
  if (op.tokens.length === 1 && op.tokens[0].kind === 'ident') {
    const name = op.tokens[0].text;
    if (Object.prototype.hasOwnProperty.call(CSR, name)) return CSR[name as keyof typeof CSR];
  }
  const e = p.expr(op);
  if (isColError(e)) return e;
  const v = p.value(e);
  if (isColError(v)) return v;
  if (v === undefined) {
    const text = p.text(op);
    return {
      col: op.col,
      message: /^[A-Za-z_]\w*$/.test(text) ? `unknown CSR '${text}'` : 'CSR number must be a constant',
    };
  }
  if (v < 0 || v > 0xfff) return { col: op.col, message: `CSR number ${v} out of range [0, 4095]` };
  return v;
}

/** Rows whose compressed form constrains rs1 to equal rd. */
const RS1_IS_RD = new Set(['CI_ADDI', 'CB_SHIFT', 'CB_ANDI', 'CA', 'CI_SLLI', 'CR_ADD']);

/**
 * Parses the operands of table row `row` as its `args` say. `mnemonic` is what the user wrote
 * (for messages); `aux` carries AMO ordering bits from a `.aq`/`.rl` suffix.
 */
export function parseRowOperands(
  row: OpcodeRow,
  mnemonic: string,
  mnemonicCol: number,
  ops: Operand[],
  p: OperandParser,
  aux = 0,
): InsnReq | ColError {
  const req: InsnReq = { row, fields: { aux }, cols: { op: mnemonicCol }, compress: true };
  if (ops.length !== row.args.length) {
    const col = ops.length > row.args.length ? ops[row.args.length].col : mnemonicCol;
    const what =
      row.args.length === 0
        ? 'no operands'
        : `${row.args.length} operand${row.args.length > 1 ? 's' : ''} (${row.args.join(', ')})`;
    return { col, message: `${mnemonic} takes ${what}, got ${ops.length}` };
  }
  let pred = 0;
  for (let i = 0; i < ops.length; i++) {
    const arg = row.args[i];
    const op = ops[i];
    switch (arg) {
      case 'rd':
      case 'rs1':
      case 'rs2': {
        const r = p.reg(op);
        if (isColError(r)) return r;
        req.fields[arg] = r;
        req.cols[arg] = op.col;
        break;
      }
      case 'imm':
      case 'uimm':
      case 'imm20':
      case 'target':
      case 'zimm': {
        const e = p.expr(op);
        if (isColError(e)) return e;
        req.imm = { kind: 'expr', e, mode: arg, col: op.col };
        req.cols.imm = op.col;
        break;
      }
      case 'imm(rs1)':
      case '(rs1)': {
        const m = p.mem(op);
        if (isColError(m)) return m;
        if (m === null) {
          const shape = arg === '(rs1)' ? '(a0)' : '0(a0)';
          return {
            col: op.col,
            message: `expected a memory operand like ${shape} for ${mnemonic}, got '${p.text(op)}'`,
          };
        }
        req.fields.rs1 = m.base;
        req.cols.rs1 = m.baseCol;
        if (arg === '(rs1)') {
          if (m.off !== null) {
            const v = p.value(m.off);
            if (v !== 0) return { col: op.col, message: `offset must be 0 for ${mnemonic}` };
          }
        } else if (m.off !== null) {
          req.imm = { kind: 'expr', e: m.off, mode: 'imm', col: op.col };
          req.cols.imm = op.col;
        } else req.fields.imm = 0;
        break;
      }
      case 'csr': {
        const c = csrOperand(op, p);
        if (isColError(c)) return c;
        req.fields.csr = c;
        break;
      }
      case 'pred':
      case 'succ': {
        const s = fenceSet(op, p);
        if (isColError(s)) return s;
        if (arg === 'pred') pred = s;
        else req.fields.aux = (pred << 4) | s;
        break;
      }
    }
  }
  // gas compresses jalr only when written `jalr rs` / `jr rs` (see pseudo.ts), never `jalr rd, 0(rs)`
  if (row.op === Op.JALR) req.compress = false;
  if (row.len === 2) {
    if (RS1_IS_RD.has(row.fmt)) req.fields.rs1 = req.fields.rd;
    if (row.fmt === 'CI_ADDI16SP') req.fields.rs1 = 2;
    req.compress = false;
  }
  return req;
}

/** Applies a pass-2 value to the field the pending immediate stands for. */
export function applyImm(req: InsnReq, v: number, pc: number): Partial<Fields> | ColError {
  const f = { ...req.fields };
  const imm = req.imm;
  if (!imm) return f;
  if (imm.kind === 'fn') {
    f.imm = v;
    return f;
  }
  const name = req.row.name;
  switch (imm.mode) {
    case 'imm':
    case 'uimm':
      f.imm = v;
      break;
    case 'target':
      f.imm = v - pc;
      break;
    case 'zimm':
      f.rs1 = v;
      break;
    case 'imm20': {
      let u = v;
      if (name === 'c.lui' && u < 0 && u >= -32) u &= 0xfffff;
      if (u < 0 || u > 0xfffff)
        return { col: imm.col, message: `immediate ${v} out of range [0, 1048575] for ${name}` };
      f.imm = (u << 12) | 0;
      if (name === 'c.lui' && u >= 0x20 && u < 0xfffe0) {
        return {
          col: imm.col,
          message: `immediate 0x${u.toString(16)} out of range for c.lui: expected 0x1..0x1f or 0xfffe0..0xfffff`,
        };
      }
      break;
    }
  }
  return f;
}

/** Encodes with the table; an error names the operand it belongs to. */
export function encodeReq(req: InsnReq, fields: Partial<Fields>): number | ColError {
  const w = encodeFields(req.row, fields);
  if (typeof w === 'number') return w;
  const first = w.split(' ')[0];
  const col =
    first === 'rd' || first === 'rs1' || first === 'rs2'
      ? (req.cols[first] ?? req.cols.op)
      : (req.cols.imm ?? req.cols.rd ?? req.cols.op);
  return { col, message: w };
}

/** Ops whose operands commute, so `add a0, a1, a0` may become `c.add a0, a1`. */
const COMMUTATIVE = new Set<Op>([Op.ADD, Op.AND, Op.OR, Op.XOR]);

/**
 * HINT encodings (writes to x0, zero shifts, zero increments): valid, but the assembler never
 * chooses them for an ordinary instruction, as gas does not.
 */
export function compressedHint(row: OpcodeRow, f: Fields): boolean {
  switch (row.fmt) {
    case 'CI_ADDI':
      return f.rd === 0 || f.imm === 0;
    case 'CI_LI':
    case 'CI_LUI':
    case 'CR_MV':
    case 'CR_ADD':
      return f.rd === 0;
    case 'CI_SLLI':
      return f.rd === 0 || f.imm === 0;
    case 'CB_SHIFT':
      return f.imm === 0;
    default:
      return false;
  }
}

const sameFields = (a: Fields, b: Partial<Fields>): boolean =>
  a.rd === (b.rd ?? 0) && a.rs1 === (b.rs1 ?? 0) && a.rs2 === (b.rs2 ?? 0) && a.imm === (b.imm ?? 0);

/**
 * The compressed encoding of `word` (an instruction of base row `row`), if one exists: the first compressed
 * row (table order, as gas) that encodes the same operation with the same decoded fields.
 * Branches and jumps are never compressed here: their offsets are not known in pass 1.
 */
export function tryCompress(row: OpcodeRow, word: number): { row: OpcodeRow; word: number } | null {
  if (row.len !== 4) return null;
  const base = extractFields(row.fmt, word);
  const wanted: { op: Op; f: Partial<Fields> }[] = [{ op: row.op, f: base }];
  if (COMMUTATIVE.has(row.op) && row.fmt === 'R')
    wanted.push({ op: row.op, f: { ...base, rs1: base.rs2, rs2: base.rs1 } });
  if (row.op === Op.ADDI && base.imm === 0 && base.rs1 !== 0)
    wanted.push({ op: Op.ADD, f: { rd: base.rd, rs1: 0, rs2: base.rs1 } });
  for (const c of OPCODES) {
    if (c.len !== 2 || c.fmt === 'CJ' || c.fmt === 'CB_BRANCH') continue;
    for (const want of wanted) {
      if (c.op !== want.op) continue;
      const w = encodeFields(c, want.f);
      if (typeof w !== 'number') continue;
      if (matchRow(w) !== c) continue;
      const got = extractFields(c.fmt, w);
      if (!sameFields(got, want.f) || compressedHint(c, got)) continue;
      return { row: c, word: w };
    }
  }
  return null;
}
