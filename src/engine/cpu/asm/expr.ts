/**
 * Assembler expressions: parsing tokens into a tree and evaluating it.
 *
 * Operators and precedence follow GNU as (highest first): unary `- ~ ! +`; `* / % << >>`;
 * `| & ^ !`; `+ - == != <> < > <= >=`; `&& ||`. Arithmetic is 64-bit signed as in gas;
 * callers check the ranges they need. Operand modifiers `%hi(e)`, `%lo(e)`, `%pcrel_hi(e)`
 * and `%pcrel_lo(label)` are unary nodes whose meaning the evaluation environment supplies.
 *
 * A value is absolute (`sec` null) or relative to a section (`sec` names it, `v` is the offset
 * or address); relocatable values may be added to or subtracted from absolute ones, and the
 * difference of two values in the same section is absolute.
 */
import type { Token } from './lexer';

export type Modifier = 'hi' | 'lo' | 'pcrel_hi' | 'pcrel_lo';
const MODIFIERS = new Set<string>(['hi', 'lo', 'pcrel_hi', 'pcrel_lo']);

/** Expression tree. `col` is the 1-based column of the node's first token. */
export type Expr =
  | { k: 'num'; v: number; col: number }
  | { k: 'sym'; name: string; display: string; col: number }
  | { k: 'dot'; col: number }
  | { k: 'un'; op: string; e: Expr; col: number }
  | { k: 'bin'; op: string; l: Expr; r: Expr; col: number }
  | { k: 'mod'; m: Modifier; e: Expr; col: number };

/** A parse or evaluation error at a column. */
export interface ExprError {
  col: number;
  message: string;
}

export const isExprError = (x: unknown): x is ExprError =>
  typeof x === 'object' && x !== null && 'message' in x && 'col' in x && !('k' in x);

const LEVELS: string[][] = [
  ['&&', '||'],
  ['+', '-', '==', '!=', '<>', '<', '>', '<=', '>='],
  ['|', '&', '^', '!'],
  ['*', '/', '%', '<<', '>>'],
];

/**
 * Parses a whole token list as one expression. `localName` maps a numeric local reference
 * (`1f`, `2b`) to the internal symbol name it stands for.
 */
export function parseExpr(tokens: Token[], localName: (tok: Token) => string): Expr | ExprError {
  let pos = 0;
  const endCol = (): number =>
    tokens.length ? tokens[tokens.length - 1].col + tokens[tokens.length - 1].text.length : 1;
  const peek = (): Token | undefined => tokens[pos];
  const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && t.kind === 'punct' && t.text === p;

  const primary = (): Expr | ExprError => {
    const t = tokens[pos];
    if (!t) return { col: endCol(), message: 'expected an expression' };
    if (t.kind === 'num') {
      pos++;
      return { k: 'num', v: t.value, col: t.col };
    }
    if (t.kind === 'ident') {
      pos++;
      if (t.text === '.') return { k: 'dot', col: t.col };
      return { k: 'sym', name: t.text, display: t.text, col: t.col };
    }
    if (t.kind === 'localref') {
      pos++;
      return { k: 'sym', name: localName(t), display: t.text, col: t.col };
    }
    if (t.kind === 'punct') {
      if (t.text === '(') {
        pos++;
        const e = binary(0);
        if (isExprError(e)) return e;
        if (!isPunct(peek(), ')')) return { col: peek()?.col ?? endCol(), message: "expected ')'" };
        pos++;
        return e;
      }
      if (t.text === '%') {
        const name = tokens[pos + 1];
        if (!name || name.kind !== 'ident' || !MODIFIERS.has(name.text)) {
          return { col: t.col, message: `unknown operand modifier '%${name?.text ?? ''}'` };
        }
        if (!isPunct(tokens[pos + 2], '(')) return { col: name.col, message: `expected '(' after %${name.text}` };
        pos += 3;
        const e = binary(0);
        if (isExprError(e)) return e;
        if (!isPunct(peek(), ')')) return { col: peek()?.col ?? endCol(), message: "expected ')'" };
        pos++;
        return { k: 'mod', m: name.text as Modifier, e, col: t.col };
      }
      if (t.text === '-' || t.text === '+' || t.text === '~' || t.text === '!') {
        pos++;
        const e = primary();
        if (isExprError(e)) return e;
        return { k: 'un', op: t.text, e, col: t.col };
      }
    }
    return { col: t.col, message: `unexpected '${t.text}' in expression` };
  };

  const binary = (level: number): Expr | ExprError => {
    if (level === LEVELS.length) return primary();
    let l = binary(level + 1);
    if (isExprError(l)) return l;
    for (;;) {
      const t = peek();
      if (!t || t.kind !== 'punct' || !LEVELS[level].includes(t.text)) return l;
      pos++;
      const r = binary(level + 1);
      if (isExprError(r)) return r;
      l = { k: 'bin', op: t.text, l, r, col: l.col };
    }
  };

  const e = binary(0);
  if (isExprError(e)) return e;
  if (pos < tokens.length)
    return { col: tokens[pos].col, message: `unexpected '${tokens[pos].text}' after expression` };
  return e;
}

/** A value: absolute when `sec` is null, else relative to section `sec`. */
export interface Value {
  v: number;
  sec: string | null;
}

/** What evaluation needs from the assembler. */
export interface EvalEnv {
  /** A symbol's value, `undefined` if not (yet) known, or an error. */
  symbol(name: string, display: string, col: number): Value | undefined | ExprError;
  /** The location counter. */
  dot(): Value;
  /** %pcrel_hi / %pcrel_lo: the assembler knows which instruction they belong to. */
  modifier(m: Modifier, e: Expr, col: number): Value | undefined | ExprError;
}

const big = (v: number): bigint => BigInt(Math.trunc(v));
const fromBig = (b: bigint): number => Number(BigInt.asIntN(64, b));

/** %hi: the upper 20 bits, rounded so that %lo is a signed 12-bit addend. */
export const hi20 = (v: number): number => ((v + 0x800) >>> 12) & 0xfffff;
/** %lo: the signed low 12 bits. */
export const lo12 = (v: number): number => ((v & 0xfff) << 20) >> 20;

/**
 * Evaluates `e`. Returns the value, `undefined` when a symbol is not known yet, or an error
 * (undefined symbol, division by zero, an operation on relocatable values that has no meaning).
 */
export function evaluate(e: Expr, env: EvalEnv): Value | undefined | ExprError {
  switch (e.k) {
    case 'num':
      return { v: e.v, sec: null };
    case 'sym':
      return env.symbol(e.name, e.display, e.col);
    case 'dot':
      return env.dot();
    case 'mod': {
      if (e.m === 'pcrel_hi' || e.m === 'pcrel_lo') return env.modifier(e.m, e.e, e.col);
      const x = evaluate(e.e, env);
      if (x === undefined || isExprError(x)) return x;
      if (x.sec !== null) return undefined; // an address: known once sections are placed
      return { v: e.m === 'hi' ? hi20(x.v) : lo12(x.v), sec: null };
    }
    case 'un': {
      const x = evaluate(e.e, env);
      if (x === undefined || isExprError(x)) return x;
      if (e.op === '+') return x;
      if (x.sec !== null) return { col: e.col, message: `operator '${e.op}' needs an absolute value` };
      if (e.op === '-') return { v: -x.v, sec: null };
      if (e.op === '~') return { v: fromBig(~big(x.v)), sec: null };
      return { v: x.v === 0 ? 1 : 0, sec: null };
    }
    case 'bin': {
      const l = evaluate(e.l, env);
      if (isExprError(l)) return l;
      const r = evaluate(e.r, env);
      if (isExprError(r)) return r;
      if (l === undefined || r === undefined) return undefined;
      return binaryOp(e.op, l, r, e.col);
    }
  }
}

function binaryOp(op: string, l: Value, r: Value, col: number): Value | ExprError {
  if (op === '+') {
    if (l.sec !== null && r.sec !== null) return { col, message: 'cannot add two addresses' };
    return { v: l.v + r.v, sec: l.sec ?? r.sec };
  }
  if (op === '-') {
    if (r.sec !== null) {
      if (l.sec === r.sec) return { v: l.v - r.v, sec: null };
      return {
        col,
        message:
          l.sec === null
            ? 'cannot subtract an address from a number'
            : 'cannot subtract addresses in different sections',
      };
    }
    return { v: l.v - r.v, sec: l.sec };
  }
  const cmp = ['==', '!=', '<>', '<', '>', '<=', '>='].includes(op);
  if (cmp && l.sec === r.sec) {
    const c = l.v - r.v;
    // gas yields -1 for true
    const t =
      op === '=='
        ? c === 0
        : op === '<'
          ? c < 0
          : op === '>'
            ? c > 0
            : op === '<='
              ? c <= 0
              : op === '>='
                ? c >= 0
                : c !== 0;
    return { v: t ? -1 : 0, sec: null };
  }
  if (l.sec !== null || r.sec !== null) return { col, message: `operator '${op}' needs absolute values` };
  const a = l.v;
  const b = r.v;
  switch (op) {
    case '*':
      return { v: fromBig(big(a) * big(b)), sec: null };
    case '/':
    case '%':
      if (b === 0) return { col, message: 'division by zero' };
      return { v: fromBig(op === '/' ? big(a) / big(b) : big(a) % big(b)), sec: null };
    case '<<':
      return { v: b < 0 || b > 63 ? 0 : fromBig(big(a) << big(b)), sec: null };
    case '>>':
      return { v: b < 0 || b > 63 ? (a < 0 ? -1 : 0) : fromBig(big(a) >> big(b)), sec: null };
    case '&':
      return { v: fromBig(big(a) & big(b)), sec: null };
    case '|':
      return { v: fromBig(big(a) | big(b)), sec: null };
    case '^':
      return { v: fromBig(big(a) ^ big(b)), sec: null };
    case '!':
      return { v: fromBig(big(a) | ~big(b)), sec: null }; // gas: a OR NOT b
    case '&&':
      return { v: a !== 0 && b !== 0 ? 1 : 0, sec: null };
    case '||':
      return { v: a !== 0 || b !== 0 ? 1 : 0, sec: null };
    default:
      return { col, message: `unknown operator '${op}'` };
  }
}
