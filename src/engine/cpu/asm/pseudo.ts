/**
 * Pseudo-instructions and alternative operand forms, as GNU as accepts them, each expanded
 * into table rows. A handler returns the instructions, an error, or null when the operands
 * have the shape of the real instruction (then the table row parses them).
 *
 * Expansions follow gas 2.40: `li` picks addi, lui or lui+addi; `la`/`lla` are
 * auipc+addi (non-PIC); `call` is auipc ra + jalr ra; `call rd, sym` and `tail` use t1;
 * `lw rd, sym` is auipc rd + lw; `sw rs, sym, rt` is auipc rt + sw.
 */
import { CSR } from '../csr_numbers';
import { OPCODE_BY_NAME, type Fields, type OpcodeRow } from '../opcodes';
import { hi20, lo12, type Expr } from './expr';
import {
  csrOperand,
  isColError,
  parseRowOperands,
  type ColError,
  type InsnEnv,
  type InsnReq,
  type OperandParser,
} from './encode';
import type { Operand } from './parser';

/** What a handler knows about the instruction being assembled. */
export interface InsnContext {
  mnemonic: string;
  col: number;
  /** `.option rvc` is in effect. */
  rvc: boolean;
  p: OperandParser;
}

type Handler = (ops: Operand[], cx: InsnContext) => InsnReq[] | ColError | null;

const row = (name: string): OpcodeRow => {
  const r = OPCODE_BY_NAME.get(name);
  if (!r) throw new Error(`opcode table has no row '${name}'`); // a bug in this file, not user input
  return r;
};

const insn = (name: string, fields: Partial<Fields>, cx: InsnContext, extra: Partial<InsnReq> = {}): InsnReq => ({
  row: row(name),
  fields,
  cols: { op: cx.col },
  compress: true,
  ...extra,
});

const arity = (ops: Operand[], n: number, cx: InsnContext, shape: string): ColError | null =>
  ops.length === n
    ? null
    : {
        col: ops.length > n ? ops[n].col : cx.col,
        message: `${cx.mnemonic} takes ${n} operand${n === 1 ? '' : 's'} (${shape}), got ${ops.length}`,
      };

/** Registers of operands `idx` (errors pass through). */
function regs(ops: Operand[], cx: InsnContext, ...idx: number[]): number[] | ColError {
  const out: number[] = [];
  for (const i of idx) {
    const r = cx.p.reg(ops[i]);
    if (isColError(r)) return r;
    out.push(r);
  }
  return out;
}

/** A pending immediate taken from operand `op`. */
function immOf(
  op: Operand,
  mode: 'imm' | 'target' | 'zimm',
  cx: InsnContext,
): Pick<InsnReq, 'imm' | 'cols'> | ColError {
  const e = cx.p.expr(op);
  if (isColError(e)) return e;
  return { imm: { kind: 'expr', e, mode, col: op.col }, cols: { op: cx.col, imm: op.col } };
}

/** Value of a symbol expression for pc-relative pairs; 32-bit wrap like the hardware. */
function pcrelDelta(env: InsnEnv, target: Expr, pc: number): number | ColError {
  const v = env.value(target);
  if (isColError(v)) return v;
  return (v - pc) | 0;
}

/**
 * auipc `tmp`, %pcrel_hi(target) followed by `second`, whose immediate is the matching
 * %pcrel_lo (relative to the auipc, 4 bytes earlier).
 */
function pcrelPair(
  tmp: number,
  second: OpcodeRow,
  fields: Partial<Fields>,
  target: Expr,
  col: number,
  cx: InsnContext,
): InsnReq[] {
  return [
    {
      row: row('auipc'),
      fields: { rd: tmp },
      imm: {
        kind: 'fn',
        col,
        fn: (env) => {
          const d = pcrelDelta(env, target, env.pc);
          return isColError(d) ? d : (hi20(d) << 12) | 0;
        },
      },
      cols: { op: cx.col, imm: col },
      compress: false,
    },
    {
      row: second,
      fields,
      imm: {
        kind: 'fn',
        col,
        fn: (env) => {
          const d = pcrelDelta(env, target, env.pc - 4);
          return isColError(d) ? d : lo12(d);
        },
      },
      cols: { op: cx.col, imm: col },
      compress: false,
    },
  ];
}

// ------------------------------------------------------------------- li --

function li(ops: Operand[], cx: InsnContext): InsnReq[] | ColError {
  const bad = arity(ops, 2, cx, 'rd, imm');
  if (bad) return bad;
  const rd = cx.p.reg(ops[0]);
  if (isColError(rd)) return rd;
  const e = cx.p.expr(ops[1]);
  if (isColError(e)) return e;
  const col = ops[1].col;
  const range = (v: number): ColError | null =>
    v < -0x8000_0000 || v > 0xffff_ffff
      ? { col, message: `immediate ${v} out of range [-2147483648, 4294967295] for li` }
      : null;
  const v = cx.p.value(e);
  if (isColError(v)) return v;
  const cols = { op: cx.col, rd: ops[0].col, imm: col };
  if (v !== undefined) {
    const err = range(v);
    if (err) return err;
    const x = v | 0;
    if (x >= -2048 && x < 2048) return [{ ...insn('addi', { rd, rs1: 0, imm: x }, cx), cols }];
    const lo = lo12(x);
    const hi = (x - lo) | 0;
    const out = [{ ...insn('lui', { rd, imm: hi }, cx), cols }];
    if (lo !== 0) out.push({ ...insn('addi', { rd, rs1: rd, imm: lo }, cx), cols });
    return out;
  }
  // not known yet (a label or a later .equ): always lui + addi
  const value = (env: InsnEnv): number | ColError => {
    const x = env.value(e);
    if (isColError(x)) return x;
    return range(x) ?? x | 0;
  };
  return [
    {
      ...insn('lui', { rd }, cx),
      imm: {
        kind: 'fn',
        col,
        fn: (env) => {
          const x = value(env);
          return isColError(x) ? x : (hi20(x) << 12) | 0;
        },
      },
      cols,
      compress: false,
    },
    {
      ...insn('addi', { rd, rs1: rd }, cx),
      imm: {
        kind: 'fn',
        col,
        fn: (env) => {
          const x = value(env);
          return isColError(x) ? x : lo12(x);
        },
      },
      cols,
      compress: false,
    },
  ];
}

// ------------------------------------------------------------- handlers --

/** rd, rs -> `name rd, <a>, <b>` with the fixed parts given. */
function twoReg(name: string, make: (rd: number, rs: number) => Partial<Fields>): Handler {
  return (ops, cx) => {
    const bad = arity(ops, 2, cx, 'rd, rs');
    if (bad) return bad;
    const r = regs(ops, cx, 0, 1);
    if (isColError(r)) return r;
    return [
      { ...insn(name, make(r[0], r[1]), cx), cols: { op: cx.col, rd: ops[0].col, rs1: ops[1].col, rs2: ops[1].col } },
    ];
  };
}

/** `name rd, rs, imm` written with the register mnemonic (gas accepts `add a0, a1, 5`). */
function immForm(iname: string): Handler {
  return (ops, cx) => {
    if (ops.length !== 3 || cx.p.regOf(ops[2]) !== null) return null;
    const req = parseRowOperands(row(iname), cx.mnemonic, cx.col, ops, cx.p);
    return isColError(req) ? req : [req];
  };
}

/** Branch against zero: `beqz rs, target` etc. `zeroFirst` puts x0 in rs1. */
function branchZero(name: string, zeroFirst: boolean): Handler {
  return (ops, cx) => {
    const bad = arity(ops, 2, cx, 'rs, target');
    if (bad) return bad;
    const rs = cx.p.reg(ops[0]);
    if (isColError(rs)) return rs;
    const t = immOf(ops[1], 'target', cx);
    if (isColError(t)) return t;
    const fields = zeroFirst ? { rs1: 0, rs2: rs } : { rs1: rs, rs2: 0 };
    return [{ ...insn(name, fields, cx), ...t }];
  };
}

/** `bgt a, b, t` = `blt b, a, t` and friends. */
function branchSwap(name: string): Handler {
  return (ops, cx) => {
    const bad = arity(ops, 3, cx, 'rs1, rs2, target');
    if (bad) return bad;
    const r = regs(ops, cx, 0, 1);
    if (isColError(r)) return r;
    const t = immOf(ops[2], 'target', cx);
    if (isColError(t)) return t;
    return [{ ...insn(name, { rs1: r[1], rs2: r[0] }, cx), ...t }];
  };
}

/** jalr/jr forms with link register `link` (x0 for jr, ra for jalr). */
function jumpReg(link: number): Handler {
  return (ops, cx) => {
    const p = cx.p;
    const jalr = (rd: number, rs1: number, off: Operand | Expr | null, offCol: number): InsnReq[] | ColError => {
      // like gas, only the one-register forms (`jr a0`, `jalr a0`) may become c.jr/c.jalr
      const req = insn('jalr', { rd, rs1, imm: 0 }, cx, { compress: off === null && ops.length === 1 });
      if (off !== null) {
        const e = 'tokens' in off ? p.expr(off) : off;
        if (isColError(e)) return e;
        req.imm = { kind: 'expr', e, mode: 'imm', col: offCol };
        req.cols.imm = offCol;
      }
      return [req];
    };
    if (ops.length === 1) {
      const r = p.regOf(ops[0]);
      if (r !== null) return jalr(link, r, null, ops[0].col);
      const m = p.mem(ops[0]);
      if (isColError(m)) return m;
      if (m) return jalr(link, m.base, m.off, ops[0].col);
      return p.reg(ops[0]) as ColError;
    }
    if (ops.length === 2) {
      const a = p.regOf(ops[0]);
      const b = p.regOf(ops[1]);
      if (a !== null && b !== null && cx.mnemonic === 'jalr') return jalr(a, b, null, ops[1].col); // jalr rd, rs
      if (a !== null && b === null && p.mem(ops[1]) === null) return jalr(link, a, ops[1], ops[1].col); // jalr rs, imm
      if (cx.mnemonic === 'jalr') return null; // jalr rd, imm(rs)
      return a === null
        ? (p.reg(ops[0]) as ColError)
        : { col: ops[1].col, message: `expected an offset, got '${p.text(ops[1])}'` };
    }
    if (ops.length === 3 && cx.mnemonic === 'jalr') {
      const r = regs(ops, cx, 0, 1);
      if (isColError(r)) return r;
      return jalr(r[0], r[1], ops[2], ops[2].col); // jalr rd, rs, imm
    }
    return { col: ops.length > 3 ? ops[3].col : cx.col, message: `wrong operands for ${cx.mnemonic}` };
  };
}

/** csrw/csrs/csrc csr, rs|imm and the i forms. */
function csrWrite(kind: 'w' | 's' | 'c', immOnly: boolean): Handler {
  return (ops, cx) => {
    const bad = arity(ops, 2, cx, immOnly ? 'csr, imm' : 'csr, rs');
    if (bad) return bad;
    const c = csrOperand(ops[0], cx.p);
    if (isColError(c)) return c;
    const r = immOnly ? null : cx.p.regOf(ops[1]);
    if (r !== null)
      return [{ ...insn(`csrr${kind}`, { rd: 0, csr: c, rs1: r }, cx), cols: { op: cx.col, rs1: ops[1].col } }];
    const t = immOf(ops[1], 'zimm', cx);
    if (isColError(t)) return t;
    return [{ ...insn(`csrr${kind}i`, { rd: 0, csr: c }, cx), ...t }];
  };
}

/** csrrw/csrrs/csrrc rd, csr, imm (an immediate makes it the i form). */
function csrImmForm(name: string): Handler {
  return (ops, cx) => {
    if (ops.length !== 3 || cx.p.regOf(ops[2]) !== null) return null;
    const req = parseRowOperands(row(`${name}i`), cx.mnemonic, cx.col, ops, cx.p);
    return isColError(req) ? req : [req];
  };
}

function counter(csr: number): Handler {
  return (ops, cx) => {
    const bad = arity(ops, 1, cx, 'rd');
    if (bad) return bad;
    const rd = cx.p.reg(ops[0]);
    if (isColError(rd)) return rd;
    return [insn('csrrs', { rd, csr, rs1: 0 }, cx)];
  };
}

/** `lw rd, sym` (auipc rd + lw) and `sw rs2, sym, rt` (auipc rt + sw). */
function loadSymbol(name: string): Handler {
  return (ops, cx) => {
    if (ops.length !== 2 || cx.p.mem(ops[1]) !== null) return null;
    // a register or a malformed `off(reg` is a mistake in the real form: let the row report it
    if (cx.p.regOf(ops[1]) !== null || ops[1].tokens.some((t) => t.kind === 'punct' && t.text === '(')) return null;
    const rd = cx.p.reg(ops[0]);
    if (isColError(rd)) return rd;
    const e = cx.p.expr(ops[1]);
    if (isColError(e)) return e;
    return pcrelPair(rd, row(name), { rd, rs1: rd }, e, ops[1].col, cx);
  };
}

function storeSymbol(name: string): Handler {
  return (ops, cx) => {
    if (ops.length !== 3) return null;
    const r = regs(ops, cx, 0, 2);
    if (isColError(r)) return r;
    const e = cx.p.expr(ops[1]);
    if (isColError(e)) return e;
    return pcrelPair(r[1], row(name), { rs2: r[0], rs1: r[1] }, e, ops[1].col, cx);
  };
}

function noOperands(make: (cx: InsnContext) => InsnReq[]): Handler {
  return (ops, cx) => (ops.length === 0 ? make(cx) : { col: ops[0].col, message: `${cx.mnemonic} takes no operands` });
}

function callLike(tmp: number | 'rd', link: number | 'rd', nOps: number): Handler {
  return (ops, cx) => {
    if (ops.length !== nOps) return null;
    let rd = 0;
    if (nOps === 2) {
      const r = cx.p.reg(ops[tmp === 'rd' ? 1 : 0]);
      if (isColError(r)) return r;
      rd = r;
    }
    const symOp = tmp === 'rd' ? ops[0] : ops[nOps - 1];
    const e = cx.p.expr(symOp);
    if (isColError(e)) return e;
    const t = tmp === 'rd' ? rd : tmp;
    const l = link === 'rd' ? rd : link;
    return pcrelPair(t, row('jalr'), { rd: l, rs1: t }, e, symOp.col, cx);
  };
}

const X_RA = 1;
const X_T1 = 6;

/** Pseudo-instructions and alternative forms by mnemonic. */
export const PSEUDOS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['nop', noOperands((cx) => [insn('addi', { rd: 0, rs1: 0, imm: 0 }, cx)])],
  ['li', li],
  ['la', (ops, cx) => address(ops, cx)],
  ['lla', (ops, cx) => address(ops, cx)],
  ['mv', twoReg('addi', (rd, rs) => ({ rd, rs1: rs, imm: 0 }))],
  ['move', twoReg('addi', (rd, rs) => ({ rd, rs1: rs, imm: 0 }))],
  ['not', twoReg('xori', (rd, rs) => ({ rd, rs1: rs, imm: -1 }))],
  ['neg', twoReg('sub', (rd, rs) => ({ rd, rs1: 0, rs2: rs }))],
  ['seqz', twoReg('sltiu', (rd, rs) => ({ rd, rs1: rs, imm: 1 }))],
  ['snez', twoReg('sltu', (rd, rs) => ({ rd, rs1: 0, rs2: rs }))],
  ['sltz', twoReg('slt', (rd, rs) => ({ rd, rs1: rs, rs2: 0 }))],
  ['sgtz', twoReg('slt', (rd, rs) => ({ rd, rs1: 0, rs2: rs }))],
  ['zext.b', twoReg('andi', (rd, rs) => ({ rd, rs1: rs, imm: 255 }))],
  ['sgt', sltSwap('slt')],
  ['sgtu', sltSwap('sltu')],
  ['add', immForm('addi')],
  ['and', immForm('andi')],
  ['or', immForm('ori')],
  ['xor', immForm('xori')],
  ['sll', immForm('slli')],
  ['srl', immForm('srli')],
  ['sra', immForm('srai')],
  ['slt', immForm('slti')],
  ['sltu', immForm('sltiu')],
  ['j', (ops, cx) => jumpTo(ops, cx, 0)],
  ['jal', (ops, cx) => (ops.length === 1 ? jumpTo(ops, cx, X_RA) : null)],
  ['jr', jumpReg(0)],
  ['jalr', jumpReg(X_RA)],
  ['ret', noOperands((cx) => [insn('jalr', { rd: 0, rs1: X_RA, imm: 0 }, cx)])],
  ['call', (ops, cx) => (ops.length === 2 ? callLike(X_T1, 'rd', 2)(ops, cx) : callLike(X_RA, X_RA, 1)(ops, cx))],
  ['tail', callLike(X_T1, 0, 1)],
  ['jump', callLike('rd', 0, 2)],
  ['beqz', branchZero('beq', false)],
  ['bnez', branchZero('bne', false)],
  ['blez', branchZero('bge', true)],
  ['bgez', branchZero('bge', false)],
  ['bltz', branchZero('blt', false)],
  ['bgtz', branchZero('blt', true)],
  ['bgt', branchSwap('blt')],
  ['ble', branchSwap('bge')],
  ['bgtu', branchSwap('bltu')],
  ['bleu', branchSwap('bgeu')],
  ['csrr', csrRead],
  ['csrw', csrWrite('w', false)],
  ['csrs', csrWrite('s', false)],
  ['csrc', csrWrite('c', false)],
  ['csrwi', csrWrite('w', true)],
  ['csrsi', csrWrite('s', true)],
  ['csrci', csrWrite('c', true)],
  ['csrrw', csrImmForm('csrrw')],
  ['csrrs', csrImmForm('csrrs')],
  ['csrrc', csrImmForm('csrrc')],
  ['rdcycle', counter(CSR.cycle)],
  ['rdtime', counter(CSR.time)],
  ['rdinstret', counter(CSR.instret)],
  ['rdcycleh', counter(CSR.cycleh)],
  ['rdtimeh', counter(CSR.timeh)],
  ['rdinstreth', counter(CSR.instreth)],
  [
    'unimp',
    noOperands((cx) => [
      { ...insn('csrrw', {}, cx), raw: cx.rvc ? { word: 0, len: 2 } : { word: 0xc0001073, len: 4 } },
    ]),
  ],
  ['c.unimp', noOperands((cx) => [{ ...insn('csrrw', {}, cx), raw: { word: 0, len: 2 } }])],
  ['fence', (ops, cx) => (ops.length === 0 ? [insn('fence', { aux: 0xff }, cx)] : null)],
  ['fence.tso', noOperands((cx) => [{ ...insn('fence', {}, cx), raw: { word: 0x8330000f, len: 4 } }])],
  ['sfence.vma', sfence],
  ['scall', noOperands((cx) => [insn('ecall', {}, cx)])],
  ['sbreak', noOperands((cx) => [insn('ebreak', {}, cx)])],
  ['lb', loadSymbol('lb')],
  ['lh', loadSymbol('lh')],
  ['lw', loadSymbol('lw')],
  ['lbu', loadSymbol('lbu')],
  ['lhu', loadSymbol('lhu')],
  ['sb', storeSymbol('sb')],
  ['sh', storeSymbol('sh')],
  ['sw', storeSymbol('sw')],
  // HINT spellings the disassembler prints
  ['c.nop', (ops, cx) => (ops.length === 1 ? cImm('c.addi', { rd: 0, rs1: 0 }, ops[0], cx) : null)],
  ['c.slli64', shift64('c.slli')],
  ['c.srli64', shift64('c.srli')],
  ['c.srai64', shift64('c.srai')],
]);

function address(ops: Operand[], cx: InsnContext): InsnReq[] | ColError {
  const bad = arity(ops, 2, cx, 'rd, symbol');
  if (bad) return bad;
  const rd = cx.p.reg(ops[0]);
  if (isColError(rd)) return rd;
  const e = cx.p.expr(ops[1]);
  if (isColError(e)) return e;
  return pcrelPair(rd, row('addi'), { rd, rs1: rd }, e, ops[1].col, cx);
}

function sltSwap(name: string): Handler {
  return (ops, cx) => {
    const bad = arity(ops, 3, cx, 'rd, rs1, rs2');
    if (bad) return bad;
    const r = regs(ops, cx, 0, 1, 2);
    if (isColError(r)) return r;
    return [insn(name, { rd: r[0], rs1: r[2], rs2: r[1] }, cx)];
  };
}

function jumpTo(ops: Operand[], cx: InsnContext, rd: number): InsnReq[] | ColError {
  const bad = arity(ops, 1, cx, 'target');
  if (bad) return bad;
  const t = immOf(ops[0], 'target', cx);
  if (isColError(t)) return t;
  return [{ ...insn('jal', { rd }, cx), ...t }];
}

function csrRead(ops: Operand[], cx: InsnContext): InsnReq[] | ColError {
  const bad = arity(ops, 2, cx, 'rd, csr');
  if (bad) return bad;
  const rd = cx.p.reg(ops[0]);
  if (isColError(rd)) return rd;
  const c = csrOperand(ops[1], cx.p);
  if (isColError(c)) return c;
  return [insn('csrrs', { rd, csr: c, rs1: 0 }, cx)];
}

function sfence(ops: Operand[], cx: InsnContext): InsnReq[] | ColError | null {
  if (ops.length > 1) return null;
  const rs1 = ops.length === 1 ? cx.p.reg(ops[0]) : 0;
  if (isColError(rs1)) return rs1;
  return [insn('sfence.vma', { rs1, rs2: 0 }, cx)];
}

function cImm(name: string, fields: Partial<Fields>, op: Operand, cx: InsnContext): InsnReq[] | ColError {
  const t = immOf(op, 'imm', cx);
  if (isColError(t)) return t;
  return [{ ...insn(name, fields, cx), ...t, compress: false }];
}

function shift64(name: string): Handler {
  return (ops, cx) => {
    const bad = arity(ops, 1, cx, 'rd');
    if (bad) return bad;
    const rd = cx.p.reg(ops[0]);
    if (isColError(rd)) return rd;
    return [{ ...insn(name, { rd, rs1: rd, imm: 0 }, cx), compress: false }];
  };
}
