/**
 * Breakpoint conditions: C-like expressions over a thread's registers and its PD's memory,
 * e.g. `a0 == 3 && u32(sp + 8) > 100`, `pc == 0x10234 || s1 != 0`.
 *
 * Parsed with jsep (a small, maintained expression parser that builds an AST and never uses
 * eval, so it works under a strict CSP); evaluated here. Values are 32-bit integers:
 * - registers by number or ABI name (`x10`, `a0`, `sp`, `fp`/`s0`, `pc`) read as signed
 *   32-bit values, like C ints;
 * - memory through `u8 u16 u32 i8 i16 i32 (address)`, read from the PD's virtual memory as the
 *   region maps resolve it; a read that cannot be resolved is an error, not a false condition;
 * - operators: + - * / % & | ^ << >> >>> == != < <= > >= && || ! ~ unary minus, and ?:.
 *   Comparisons are signed; `==` and `!=` compare the 32-bit patterns (so `a0 == 0xffffffff`
 *   and `a0 == -1` agree). Division by zero is an error.
 */
import jsep from 'jsep';
import { ABI_NAMES, registerNumber } from '../cpu/registers';

export type Expr = jsep.Expression;

/** What an expression may read. */
export interface ExprEnv {
  /** Register `n` (0..31) as a signed 32-bit value. */
  reg(n: number): number;
  pc(): number;
  /** `width` bytes at virtual `addr` (unsigned), or an error message. */
  read(addr: number, width: 1 | 2 | 4): number | string;
}

/** The ABI name of register `n`. */
export function abiName(n: number): string {
  return ABI_NAMES[n];
}

export { registerNumber };

const READERS: Record<string, { width: 1 | 2 | 4; signed: boolean }> = {
  u8: { width: 1, signed: false },
  u16: { width: 2, signed: false },
  u32: { width: 4, signed: false },
  i8: { width: 1, signed: true },
  i16: { width: 2, signed: true },
  i32: { width: 4, signed: true },
};

/** Parses a condition; returns the AST or an error naming the position. */
export function parseExpression(text: string): { ok: true; expr: Expr } | { ok: false; error: string } {
  if (text.trim() === '') return { ok: false, error: 'empty expression' };
  try {
    // jsep reads decimal literals only: hexadecimal ones become decimal first.
    const expr = jsep(text.replace(/\b0[xX]([0-9a-fA-F]+)\b/g, (_, h: string) => String(parseInt(h, 16))));
    const bad = check(expr);
    return bad ? { ok: false, error: bad } : { ok: true, expr };
  } catch (e) {
    const err = e as { description?: string; index?: number; message?: string };
    const at = err.index !== undefined ? ` at column ${err.index + 1}` : '';
    return { ok: false, error: `${err.description ?? err.message ?? String(e)}${at}` };
  }
}

/** Rejects what evaluation could not handle (unknown names and functions, arrays, members). */
function check(e: Expr): string | null {
  switch (e.type) {
    case 'Literal':
      return typeof e.value === 'number' && Number.isInteger(e.value) ? null : `not an integer: ${String(e.raw)}`;
    case 'Identifier':
      return registerNumber(e.name as string) === null ? `unknown register "${String(e.name)}"` : null;
    case 'UnaryExpression':
      return ['-', '!', '~', '+'].includes(e.operator as string)
        ? check(e.argument as Expr)
        : `unsupported operator ${String(e.operator)}`;
    case 'BinaryExpression':
      return check(e.left as Expr) ?? check(e.right as Expr);
    case 'ConditionalExpression':
      return check(e.test as Expr) ?? check(e.consequent as Expr) ?? check(e.alternate as Expr);
    case 'CallExpression': {
      const callee = e.callee as Expr;
      const name = callee.type === 'Identifier' ? (callee.name as string) : '';
      if (!(name in READERS)) return `unknown function "${name || '?'}" (memory reads: u8 u16 u32 i8 i16 i32)`;
      const args = e.arguments as Expr[];
      if (args.length !== 1) return `${name}() takes one address`;
      return check(args[0]);
    }
    default:
      return `unsupported expression (${e.type})`;
  }
}

class EvalError extends Error {}

/** Evaluates a parsed expression; returns its 32-bit value or an error message. */
export function evaluate(expr: Expr, env: ExprEnv): number | string {
  try {
    return ev(expr, env) | 0;
  } catch (e) {
    if (e instanceof EvalError) return e.message;
    throw e;
  }
}

function ev(e: Expr, env: ExprEnv): number {
  switch (e.type) {
    case 'Literal':
      return (e.value as number) | 0;
    case 'Identifier': {
      const n = registerNumber(e.name as string)!;
      return n < 0 ? env.pc() | 0 : n === 0 ? 0 : env.reg(n) | 0;
    }
    case 'UnaryExpression': {
      const v = ev(e.argument as Expr, env);
      switch (e.operator) {
        case '-':
          return -v | 0;
        case '+':
          return v;
        case '!':
          return v === 0 ? 1 : 0;
        case '~':
          return ~v;
      }
      break;
    }
    case 'BinaryExpression': {
      const op = e.operator as string;
      const a = ev(e.left as Expr, env);
      if (op === '&&') return a !== 0 && ev(e.right as Expr, env) !== 0 ? 1 : 0;
      if (op === '||') return a !== 0 || ev(e.right as Expr, env) !== 0 ? 1 : 0;
      const b = ev(e.right as Expr, env);
      switch (op) {
        case '+':
          return (a + b) | 0;
        case '-':
          return (a - b) | 0;
        case '*':
          return Math.imul(a, b);
        case '/':
          if (b === 0) throw new EvalError('division by zero');
          return (a / b) | 0;
        case '%':
          if (b === 0) throw new EvalError('division by zero');
          return (a % b) | 0;
        case '&':
          return a & b;
        case '|':
          return a | b;
        case '^':
          return a ^ b;
        case '<<':
          return a << b;
        case '>>':
          return a >> b;
        case '>>>':
          return (a >>> b) | 0;
        case '==':
        case '===':
          return a === b ? 1 : 0;
        case '!=':
        case '!==':
          return a !== b ? 1 : 0;
        case '<':
          return a < b ? 1 : 0;
        case '<=':
          return a <= b ? 1 : 0;
        case '>':
          return a > b ? 1 : 0;
        case '>=':
          return a >= b ? 1 : 0;
      }
      throw new EvalError(`unsupported operator ${op}`);
    }
    case 'ConditionalExpression':
      return ev(e.test as Expr, env) !== 0 ? ev(e.consequent as Expr, env) : ev(e.alternate as Expr, env);
    case 'CallExpression': {
      const r = READERS[(e.callee as Expr).name as string];
      const addr = ev((e.arguments as Expr[])[0], env) >>> 0;
      const v = env.read(addr, r.width);
      if (typeof v === 'string') throw new EvalError(v);
      if (!r.signed) return v | 0;
      return r.width === 1 ? (v << 24) >> 24 : r.width === 2 ? (v << 16) >> 16 : v | 0;
    }
  }
  throw new EvalError(`unsupported expression (${e.type})`);
}
