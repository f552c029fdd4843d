/**
 * Parser of the assembler: turns lexed statements into labels plus one instruction, directive
 * or assignment each, with comma-separated operands kept as token lists (the assembler knows
 * what each operand should be).
 *
 * Numeric local labels (`1:` referenced as `1b`/`1f`) are resolved here, in source order:
 * each definition gets a unique internal name `.L<n>^B<k>` (never emitted), a backward
 * reference names the latest definition, a forward reference the next one.
 */
import type { LexError, SourceStatement, Token } from './lexer';

/** One operand: its tokens and the column where it starts. */
export interface Operand {
  tokens: Token[];
  col: number;
}

export interface Label {
  /** Symbol name (internal `.L<n>^B<k>` for numeric labels). */
  name: string;
  /** As written, for messages. */
  display: string;
  col: number;
  /** Numeric local labels are not emitted to the symbol table. */
  local: boolean;
}

export type StatementBody =
  | { kind: 'insn'; name: string; col: number; operands: Operand[] }
  | { kind: 'directive'; name: string; col: number; operands: Operand[] }
  | { kind: 'assign'; name: string; col: number; value: Operand };

export interface Statement {
  line: number;
  labels: Label[];
  body: StatementBody | null;
}

/** Internal name of the `k`th definition (1-based) of numeric label `n`. */
export const localLabelName = (n: number, k: number): string => `.L${n}\u0002${k}`;

/**
 * Splits tokens at top-level commas (commas inside parentheses belong to the operand). An empty
 * operand (`a,,b`) is kept with no tokens; whoever needs a value there reports it.
 */
export function splitOperands(tokens: Token[], start: number): Operand[] {
  const out: Operand[] = [];
  if (start >= tokens.length) return out;
  let cur: Token[] = [];
  let depth = 0;
  let col = tokens[start].col;
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    if (t.kind === 'punct' && t.text === ',' && depth === 0) {
      out.push({ tokens: cur, col: cur.length ? cur[0].col : col });
      cur = [];
      col = t.col + 1;
      continue;
    }
    cur.push(t);
  }
  out.push({ tokens: cur, col: cur.length ? cur[0].col : col });
  return out;
}

/** Parses lexed statements. Local label references in the tokens get their `ref` name. */
export function parseStatements(src: SourceStatement[]): { statements: Statement[]; errors: LexError[] } {
  const errors: LexError[] = [];
  const statements: Statement[] = [];
  const defs = new Map<number, number>(); // numeric label -> definitions so far
  for (const { line, tokens } of src) {
    const labels: Label[] = [];
    let i = 0;
    // labels: `name:` or `123:`
    while (i + 1 < tokens.length && tokens[i + 1].kind === 'punct' && tokens[i + 1].text === ':') {
      const t = tokens[i];
      if (t.kind === 'ident') labels.push({ name: t.text, display: t.text, col: t.col, local: false });
      else if (t.kind === 'num' && /^[0-9]+$/.test(t.text)) {
        const n = Number(t.text);
        const k = (defs.get(n) ?? 0) + 1;
        defs.set(n, k);
        labels.push({ name: localLabelName(n, k), display: `${n}`, col: t.col, local: true });
      } else {
        errors.push({ line, column: t.col, message: `'${t.text}' is not a valid label name` });
      }
      i += 2;
    }
    // resolve local references after the labels of this statement are defined
    for (let j = i; j < tokens.length; j++) {
      const t = tokens[j];
      if (t.kind !== 'localref') continue;
      const n = t.value;
      const k = defs.get(n) ?? 0;
      tokens[j] = { ...t, ref: localLabelName(n, t.text.endsWith('b') ? k : k + 1) };
    }
    if (i >= tokens.length) {
      statements.push({ line, labels, body: null });
      continue;
    }
    const head = tokens[i];
    if (head.kind !== 'ident') {
      errors.push({ line, column: head.col, message: `expected an instruction or directive, found '${head.text}'` });
      statements.push({ line, labels, body: null });
      continue;
    }
    const next = tokens[i + 1];
    if (next && next.kind === 'punct' && next.text === '=') {
      const rest = tokens.slice(i + 2);
      if (rest.length === 0) {
        errors.push({ line, column: next.col + 1, message: `missing value for '${head.text}'` });
        statements.push({ line, labels, body: null });
      } else {
        statements.push({
          line,
          labels,
          body: { kind: 'assign', name: head.text, col: head.col, value: { tokens: rest, col: rest[0].col } },
        });
      }
      continue;
    }
    const operands = splitOperands(tokens, i + 1);
    const name = head.text.toLowerCase();
    const kind = name.startsWith('.') ? 'directive' : 'insn';
    statements.push({ line, labels, body: { kind, name, col: head.col, operands } });
  }
  return { statements, errors };
}
