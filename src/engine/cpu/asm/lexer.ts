/**
 * Lexer of the assembler: splits source text into statements and statements into tokens.
 *
 * GNU as conventions for RISC-V: `#` and `//` start a comment that runs to the end of the
 * line, `/* ... *\/` comments may span lines, `;` separates statements on one line. Columns
 * are 1-based and refer to the original line, so messages point at what the user wrote.
 */

/** Token kinds. `localref` is a numeric local label reference such as `1f` or `2b`. */
export type TokenKind = 'ident' | 'num' | 'str' | 'punct' | 'localref';

export interface Token {
  kind: TokenKind;
  /** Source spelling (for `str`, the decoded contents). */
  text: string;
  /** Numeric value of `num` tokens (character literals are numbers too). */
  value: number;
  /** Bytes of a `str` token: UTF-8 for source characters, raw values for escapes. */
  bytes?: number[];
  /** Internal symbol a `localref` stands for (set by the parser). */
  ref?: string;
  /** 1-based column of the first character. */
  col: number;
}

/** One statement: the tokens between line starts, `;` separators and line ends. */
export interface SourceStatement {
  /** 1-based line number. */
  line: number;
  tokens: Token[];
}

/** A lexical error at a line and column. */
export interface LexError {
  line: number;
  column: number;
  message: string;
}

const IDENT_START = /[A-Za-z_.$]/;
const IDENT_CHAR = /[A-Za-z0-9_.$]/;
const DIGIT = /[0-9]/;
const TWO_CHAR_PUNCT = new Set(['<<', '>>', '==', '!=', '<=', '>=', '&&', '||', '<>']);
const ONE_CHAR_PUNCT = new Set([...'(),+-*/%&|^~!=:<>@']);

/**
 * Splits `source` into statements of tokens. Comments are dropped; errors (an unterminated
 * string, a stray character) are collected and the rest of that statement is skipped.
 */
export function lex(source: string): { statements: SourceStatement[]; errors: LexError[] } {
  const statements: SourceStatement[] = [];
  const errors: LexError[] = [];
  const lines = source.split(/\r?\n/);
  let inBlock = false; // inside /* */ carried across lines
  for (let li = 0; li < lines.length; li++) {
    const text = lines[li];
    const line = li + 1;
    let tokens: Token[] = [];
    let i = 0;
    const flush = (): void => {
      if (tokens.length > 0) statements.push({ line, tokens });
      tokens = [];
    };
    const fail = (col: number, message: string): void => {
      errors.push({ line, column: col, message });
      tokens = [];
      // skip to the next statement separator
      while (i < text.length && text[i] !== ';') i++;
    };
    while (i < text.length) {
      const c = text[i];
      if (inBlock) {
        const end = text.indexOf('*/', i);
        if (end < 0) {
          i = text.length;
          break;
        }
        inBlock = false;
        i = end + 2;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\f' || c === '\v') {
        i++;
        continue;
      }
      if (c === '#' || (c === '/' && text[i + 1] === '/')) break;
      if (c === '/' && text[i + 1] === '*') {
        inBlock = true;
        i += 2;
        continue;
      }
      if (c === ';') {
        flush();
        i++;
        continue;
      }
      const col = i + 1;
      if (c === '"') {
        const r = readString(text, i);
        if (typeof r === 'string') {
          fail(col, r);
          continue;
        }
        tokens.push({ kind: 'str', text: text.slice(i, r.end), value: 0, bytes: r.bytes, col });
        i = r.end;
        continue;
      }
      if (c === "'") {
        const r = readChar(text, i);
        if (typeof r === 'string') {
          fail(col, r);
          continue;
        }
        tokens.push({ kind: 'num', text: text.slice(i, r.end), value: r.value, col });
        i = r.end;
        continue;
      }
      if (DIGIT.test(c)) {
        let j = i;
        while (j < text.length && IDENT_CHAR.test(text[j]) && text[j] !== '$') j++;
        const word = text.slice(i, j);
        const local = /^([0-9]+)([fb])$/i.exec(word);
        if (local && !/^0[bx][0-9a-f]/i.test(word)) {
          tokens.push({ kind: 'localref', text: word.toLowerCase(), value: Number(local[1]), col });
        } else {
          const v = parseNumber(word);
          if (v === null) {
            fail(col, `invalid number '${word}'`);
            continue;
          }
          tokens.push({ kind: 'num', text: word, value: v, col });
        }
        i = j;
        continue;
      }
      if (IDENT_START.test(c)) {
        let j = i + 1;
        while (j < text.length && IDENT_CHAR.test(text[j])) j++;
        tokens.push({ kind: 'ident', text: text.slice(i, j), value: 0, col });
        i = j;
        continue;
      }
      const two = text.slice(i, i + 2);
      if (TWO_CHAR_PUNCT.has(two)) {
        tokens.push({ kind: 'punct', text: two, value: 0, col });
        i += 2;
        continue;
      }
      if (ONE_CHAR_PUNCT.has(c)) {
        tokens.push({ kind: 'punct', text: c, value: 0, col });
        i++;
        continue;
      }
      fail(col, `unexpected character '${c}'`);
    }
    flush();
  }
  return { statements, errors };
}

/** Parses a decimal, 0x hex, 0b binary or 0-prefixed octal number (as gas does). */
export function parseNumber(word: string): number | null {
  let m: RegExpExecArray | null;
  if ((m = /^0x([0-9a-f]+)$/i.exec(word))) return parseInt(m[1], 16);
  if ((m = /^0b([01]+)$/i.exec(word))) return parseInt(m[1], 2);
  if (/^0[0-7]+$/.test(word)) return parseInt(word.slice(1), 8);
  if (/^[0-9]+$/.test(word)) return parseInt(word, 10);
  return null;
}

const ESCAPES: Record<string, number> = {
  n: 10,
  t: 9,
  r: 13,
  b: 8,
  f: 12,
  v: 11,
  a: 7,
  e: 27,
  '0': 0,
  '\\': 92,
  "'": 39,
  '"': 34,
};

/** Reads one possibly escaped character at `i`; returns its code and the next index. */
function readEscaped(text: string, i: number): { value: number; end: number; escaped?: true } | string {
  const c = text[i];
  if (c === undefined) return 'unexpected end of line';
  if (c !== '\\') {
    const cp = text.codePointAt(i) ?? 0;
    return { value: cp, end: i + (cp > 0xffff ? 2 : 1) };
  }
  const e = text[i + 1];
  if (e === undefined) return 'unexpected end of line after \\';
  if (e === 'x' || e === 'X') {
    const m = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 2));
    if (!m) return 'invalid \\x escape';
    return { value: parseInt(m[0], 16), end: i + 2 + m[0].length, escaped: true };
  }
  const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1));
  if (oct) return { value: parseInt(oct[0], 8) & 0xff, end: i + 1 + oct[0].length, escaped: true };
  if (e in ESCAPES) return { value: ESCAPES[e], end: i + 2, escaped: true };
  return { value: e.codePointAt(0) ?? 0, end: i + 2 };
}

/** UTF-8 bytes of one code point. */
function utf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}

function readString(text: string, start: number): { bytes: number[]; end: number } | string {
  let i = start + 1;
  const bytes: number[] = [];
  while (i < text.length && text[i] !== '"') {
    const r = readEscaped(text, i);
    if (typeof r === 'string') return r;
    if (r.escaped) bytes.push(r.value & 0xff);
    else bytes.push(...utf8(r.value));
    i = r.end;
  }
  if (text[i] !== '"') return 'unterminated string';
  return { bytes, end: i + 1 };
}

function readChar(text: string, start: number): { value: number; end: number } | string {
  const r = readEscaped(text, start + 1);
  if (typeof r === 'string') return 'invalid character literal';
  // gas accepts 'a without the closing quote; take it when present
  return { value: r.value, end: text[r.end] === "'" ? r.end + 1 : r.end };
}
