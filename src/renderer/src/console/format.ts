/**
 * Pure helpers of the console (views/ConsoleView.vue): how a console line looks in the terminal
 * (plain text and ANSI truecolour), a stable colour per component label, the filter and search
 * queries, the mapping from a logical line to the terminal's rows, and command-line completion.
 * Nothing here touches the DOM or xterm, so all of it is tested in Node.
 *
 * Columns: a line's plain text is what the terminal shows, one UTF-16 unit per cell. Tabs are
 * expanded and control characters replaced by their Unicode pictures, so the text can neither
 * move the cursor nor inject escape sequences, and a search match's column is a terminal
 * column. (Wide characters, CJK and emoji, take two cells: a match after one is selected one
 * cell early. LOG lines are ASCII in practice.)
 */
import type { ConsoleLine } from '../stores/console';

/** What the console needs of a line. */
export type Line = Pick<ConsoleLine, 'seq' | 'kind' | 'label' | 'text'>;

// ------------------------------------------------------------- colours --

export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

/** The theme as resolved from the CSS variables. */
export interface Palette {
  readonly fg: Rgb;
  readonly bg: Rgb;
  readonly muted: Rgb;
  readonly accent: Rgb;
  readonly danger: Rgb;
  readonly warn: Rgb;
  readonly selection: Rgb;
}

const byte = (n: number): number => Math.max(0, Math.min(255, Math.round(n)));

/**
 * Parses `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb(r, g, b)`, `rgba(r, g, b, a)` and
 * `rgb(r g b / a)` (what getComputedStyle returns); the alpha is dropped. Null otherwise.
 */
export function parseColour(css: string): Rgb | null {
  const s = css.trim().toLowerCase();
  const h = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s)?.[1];
  if (h !== undefined) {
    const full = h.length <= 4 ? [...h].map((c) => c + c).join('') : h;
    return { r: parseInt(full.slice(0, 2), 16), g: parseInt(full.slice(2, 4), 16), b: parseInt(full.slice(4, 6), 16) };
  }
  const m = /^rgba?\(\s*([\d.]+)\s*[,\s]\s*([\d.]+)\s*[,\s]\s*([\d.]+)\s*(?:[,/][^)]*)?\)$/.exec(s);
  if (m) return { r: byte(Number(m[1])), g: byte(Number(m[2])), b: byte(Number(m[3])) };
  return null;
}

/** `#rrggbb`, or `#rrggbbaa` with an alpha in [0, 1]. */
export function hexColour(c: Rgb, alpha?: number): string {
  const two = (n: number) => byte(n).toString(16).padStart(2, '0');
  return `#${two(c.r)}${two(c.g)}${two(c.b)}${alpha === undefined ? '' : two(alpha * 255)}`;
}

/** True when text on `bg` should be light (a dark theme). */
export function isDark(bg: Rgb): boolean {
  return 0.2126 * bg.r + 0.7152 * bg.g + 0.0722 * bg.b < 128;
}

/** HSL (hue in degrees, saturation and lightness in [0, 1]) to RGB. */
export function hslToRgb(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return 255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1)));
  };
  return { r: byte(f(0)), g: byte(f(8)), b: byte(f(4)) };
}

/** FNV-1a over UTF-16 units: a stable hash of a label, the same in every session. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * A stable colour per component label: the hue comes from the label, the lightness from the
 * theme, so the same component has the same hue in both themes and stays readable on both.
 */
export function labelColour(label: string, dark: boolean): Rgb {
  const h = hash(label);
  return hslToRgb(h % 360, 0.55 + ((h >>> 9) % 3) * 0.1, dark ? 0.68 : 0.36);
}

/** SGR sequences (24-bit colour). */
export const SGR_RESET = '\x1b[0m';
export const sgrFg = (c: Rgb): string => `\x1b[38;2;${c.r};${c.g};${c.b}m`;
export const sgrBg = (c: Rgb): string => `\x1b[48;2;${c.r};${c.g};${c.b}m`;

// ---------------------------------------------------------------- text --

const TAB = 8;

/**
 * `text` as terminal cells when it starts at `column`: tabs expanded to the next multiple of 8,
 * C0 controls and DEL shown as their Unicode control pictures (U+2400..), C1 controls as U+FFFD.
 */
export function sanitize(text: string, column = 0): string {
  // Fast path: nothing to replace (almost every LOG line).
  if (!/[\x00-\x1f\x7f-\x9f]/.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (ch === '\t') out += ' '.repeat(TAB - ((column + out.length) % TAB));
    else if (c < 0x20) out += String.fromCharCode(0x2400 + c);
    else if (c === 0x7f) out += '\u2421';
    else if (c >= 0x80 && c <= 0x9f) out += '\ufffd';
    else out += ch;
  }
  return out;
}

/** The prompt shown before a command the user typed, as GDB shows its own. */
export const PROMPT = '(corescope) ';

/** A line's leading part (the component label, or the prompt) and its body, sanitized. */
export function lineParts(line: Line): { prefix: string; body: string } {
  const prefix = line.kind === 'log' ? `[${sanitize(line.label)}] ` : line.kind === 'cmd' ? PROMPT : '';
  return { prefix, body: sanitize(line.text, prefix.length) };
}

/** What the terminal shows of a line, without colours (the text the filter and search see). */
export function plainText(line: Line): string {
  const { prefix, body } = lineParts(line);
  return prefix + body;
}

// ------------------------------------------------------------- queries --

/** A filter or search query, compiled. */
export interface Query {
  /** The match ranges [start, end) in `text`, left to right, not overlapping, not empty. */
  find(text: string): [number, number][];
  test(text: string): boolean;
}

/** At most this many matches per line (a one-letter search over a long line stays cheap). */
const MAX_MATCHES_PER_LINE = 256;

/**
 * Compiles what the user typed: `/regex/` is a regular expression, anything else a literal
 * substring. Smart case: case-insensitive unless the query has an upper-case letter. An empty
 * query is `null`; a bad regular expression is `{ error }`.
 */
export function compileQuery(source: string): Query | { error: string } | null {
  if (source.trim() === '') return null;
  const re = /^\/(.+)\/$/.exec(source);
  const pattern = re ? re[1] : source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const flags = /\p{Lu}/u.test(re ? pattern.replace(/\\./g, '') : source) ? 'g' : 'gi';
  let rx: RegExp;
  try {
    rx = new RegExp(pattern, flags);
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  return {
    find(text) {
      const out: [number, number][] = [];
      rx.lastIndex = 0;
      for (let m = rx.exec(text); m !== null && out.length < MAX_MATCHES_PER_LINE; m = rx.exec(text)) {
        if (m[0].length === 0) {
          rx.lastIndex++;
          continue;
        }
        out.push([m.index, m.index + m[0].length]);
      }
      return out;
    },
    test(text) {
      rx.lastIndex = 0;
      return rx.test(text);
    },
  };
}

/** A compiled query or null (an empty query, or a bad one: the caller shows its error). */
export function usableQuery(q: ReturnType<typeof compileQuery>): Query | null {
  return q !== null && 'find' in q ? q : null;
}

/**
 * Whether the filter lets a line through. The filter is for LOG lines: what the user typed
 * and the debugger's answers always show, so a command's reply is never hidden by a filter set
 * for something else.
 */
export function passesFilter(line: Line, filter: Query | null): boolean {
  return filter === null || line.kind !== 'log' || filter.test(plainText(line));
}

// ------------------------------------------------------------ rendering --

/** A search match: line `seq`, columns [start, end) of its plain text. */
export interface Match {
  readonly seq: number;
  readonly start: number;
  readonly end: number;
}

/** One line in ANSI: label or prompt coloured, errors in the danger colour, matches marked. */
export function ansiLine(line: Line, palette: Palette, dark: boolean, marks: readonly [number, number][] = []): string {
  const { prefix, body } = lineParts(line);
  const text = prefix + body;
  const prefixColour = line.kind === 'log' ? labelColour(line.label, dark) : line.kind === 'cmd' ? palette.muted : null;
  const bodyColour = line.kind === 'cmd' ? palette.accent : line.kind === 'err' ? palette.danger : null;
  // Cut the text where the colour or the marking changes.
  const cuts = new Set<number>([0, prefix.length, text.length]);
  for (const [a, b] of marks) cuts.add(a).add(b);
  const at = [...cuts].filter((c) => c >= 0 && c <= text.length).sort((x, y) => x - y);
  let out = '';
  let mark = 0;
  for (let i = 0; i + 1 < at.length; i++) {
    const [a, b] = [at[i], at[i + 1]];
    if (a === b) continue;
    while (mark < marks.length && marks[mark][1] <= a) mark++;
    const marked = mark < marks.length && marks[mark][0] <= a;
    const fg = a < prefix.length ? prefixColour : bodyColour;
    const style = marked ? sgrBg(palette.warn) + sgrFg(palette.bg) : fg ? sgrFg(fg) : '';
    out += style ? `${style}${text.slice(a, b)}${SGR_RESET}` : text.slice(a, b);
  }
  return out;
}

/**
 * The terminal data for `lines` (each after a CR LF when `continues`, i.e. the terminal
 * already shows lines; the cursor stays at the end of the last line, so there is no empty row
 * at the bottom) and the search matches in them.
 */
export function renderLines(
  lines: readonly Line[],
  palette: Palette,
  dark: boolean,
  search: Query | null,
  continues: boolean,
): { data: string; matches: Match[] } {
  const parts: string[] = [];
  const matches: Match[] = [];
  for (const line of lines) {
    const marks = search ? search.find(plainText(line)) : [];
    for (const [start, end] of marks) matches.push({ seq: line.seq, start, end });
    parts.push(ansiLine(line, palette, dark, marks));
  }
  const data = parts.join('\r\n');
  return { data: continues && lines.length > 0 ? `\r\n${data}` : data, matches };
}

/** Full reset (RIS) and cursor hidden: what a re-render starts with. */
export const TERMINAL_RESET = '\x1bc\x1b[?25l';

// ------------------------------------------------------ search positions --

/** The next match index from `current` in direction `dir` (wrapping); -1 when there is none. */
export function stepMatch(current: number, count: number, dir: 1 | -1): number {
  if (count === 0) return -1;
  if (current < 0 || current >= count) return dir > 0 ? 0 : count - 1;
  return (current + dir + count) % count;
}

/** Index of the line with sequence number `seq` in `lines` (ascending by seq), or -1. */
export function indexOfSeq(lines: readonly Line[], seq: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lines[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo < lines.length && lines[lo].seq === seq ? lo : -1;
}

/**
 * The buffer row where the `fromEnd`-th logical line from the end starts (0: the last line),
 * given the row the last line ends on and whether a row continues a soft-wrapped line. Null
 * when that line has left the scrollback.
 */
export function startRowFromEnd(fromEnd: number, lastRow: number, isWrapped: (row: number) => boolean): number | null {
  let seen = -1;
  for (let row = lastRow; row >= 0; row--) {
    if (isWrapped(row)) continue;
    if (++seen === fromEnd) return row;
  }
  return null;
}

/** The cell of `column` of a logical line starting at `startRow`, with `cols` columns per row. */
export function cellOf(startRow: number, column: number, cols: number): { row: number; column: number } {
  return { row: startRow + Math.floor(column / cols), column: column % cols };
}

// ----------------------------------------------------------- completion --

/** What Tab did: the new command line, and the candidates to show when several remain. */
export interface Completion {
  line: string;
  options: string[];
}

/** The names a PD is known by on the command line: its label's last element ("counter"). */
export function pdNames(labels: readonly string[]): string[] {
  return [...new Set(labels.map((l) => l.split(' -> ').pop()!).filter((n) => n && !/\s/.test(n)))].sort();
}

function commonPrefix(words: readonly string[]): string {
  let p = words[0] ?? '';
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** Commands whose last argument is a PD: `info caps PD`, `info map PD`, `break WHERE PD`, `x/FMT ADDR PD`. */
const PD_ARGUMENT = /^(\s*(?:(?:info|i)\s+(?:caps|map)|(?:break|b)\s+\S+|x(?:\/\S*)?\s+\S+)\s+)(\S*)$/;

/**
 * Completes the command line: a command name through `commands` (console/commands.ts
 * `complete`), or a PD name where a command takes one. One candidate is taken whole (with a
 * space after it, except after `x/`); several are extended to their common prefix, and listed
 * in `options`.
 */
export function completeLine(line: string, commands: (line: string) => string[], pds: readonly string[]): Completion {
  const arg = PD_ARGUMENT.exec(line);
  const [head, word, candidates] = arg
    ? [arg[1], arg[2], pds.filter((p) => p.startsWith(arg[2]))]
    : [/^\s*/.exec(line)![0], line.trimStart(), commands(line)];
  if (candidates.length === 0) return { line, options: [] };
  if (candidates.length === 1) {
    const c = candidates[0];
    return { line: head + c + (c.endsWith('/') ? '' : ' '), options: [] };
  }
  const p = commonPrefix(candidates);
  return { line: head + (p.length > word.length ? p : word), options: candidates };
}
