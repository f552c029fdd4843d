import { describe, expect, it } from 'vitest';
import { COMMANDS, complete } from './commands';
import {
  ansiLine,
  cellOf,
  compileQuery,
  completeLine,
  hexColour,
  hslToRgb,
  indexOfSeq,
  isDark,
  labelColour,
  parseColour,
  passesFilter,
  pdNames,
  plainText,
  renderLines,
  sanitize,
  startRowFromEnd,
  stepMatch,
  usableQuery,
  type Line,
  type Palette,
  type Query,
} from './format';

const rgb = (r: number, g: number, b: number) => ({ r, g, b });
const palette: Palette = {
  fg: rgb(212, 212, 212),
  bg: rgb(30, 30, 30),
  muted: rgb(138, 138, 138),
  accent: rgb(79, 193, 255),
  danger: rgb(241, 76, 76),
  warn: rgb(226, 192, 141),
  selection: rgb(38, 79, 120),
};

const log = (seq: number, label: string, text: string): Line => ({ seq, kind: 'log', label, text });
const other = (seq: number, kind: Line['kind'], text: string): Line => ({ seq, kind, label: '', text });
const query = (s: string): Query => usableQuery(compileQuery(s))!;
/** The visible text of ANSI data (SGR sequences removed). */
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('colours', () => {
  it('parses the colour notations getComputedStyle and the themes use', () => {
    expect(parseColour('#1e1e1e')).toEqual(rgb(30, 30, 30));
    expect(parseColour(' #FFF ')).toEqual(rgb(255, 255, 255));
    expect(parseColour('#0066b8cc')).toEqual(rgb(0, 102, 184));
    expect(parseColour('rgb(212, 212, 212)')).toEqual(rgb(212, 212, 212));
    expect(parseColour('rgba(1, 2, 3, 0.5)')).toEqual(rgb(1, 2, 3));
    expect(parseColour('rgb(1 2 3 / 50%)')).toEqual(rgb(1, 2, 3));
    expect(parseColour('hsl(0 0% 0%)')).toBeNull();
    expect(parseColour('')).toBeNull();
  });

  it('writes hex with an optional alpha, and tells dark from light backgrounds', () => {
    expect(hexColour(rgb(79, 193, 255))).toBe('#4fc1ff');
    expect(hexColour(rgb(79, 193, 255), 0.5)).toBe('#4fc1ff80');
    expect(isDark(rgb(30, 30, 30))).toBe(true);
    expect(isDark(rgb(255, 255, 255))).toBe(false);
  });

  it('converts HSL', () => {
    expect(hslToRgb(0, 1, 0.5)).toEqual(rgb(255, 0, 0));
    expect(hslToRgb(120, 1, 0.5)).toEqual(rgb(0, 255, 0));
    expect(hslToRgb(240, 1, 0.25)).toEqual(rgb(0, 0, 128));
    expect(hslToRgb(0, 0, 1)).toEqual(rgb(255, 255, 255));
  });

  it('gives a label the same colour every time, light on dark and dark on light', () => {
    expect(labelColour('init -> counter', true)).toEqual(labelColour('init -> counter', true));
    const lum = (c: { r: number; g: number; b: number }) => 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
    const labels = ['init', 'init -> counter', 'init -> timer', 'core', 'init -> hello', 'a', 'b'];
    for (const l of labels) {
      expect(lum(labelColour(l, true))).toBeGreaterThan(110);
      expect(lum(labelColour(l, false))).toBeLessThan(140);
    }
    // Different labels mostly get different hues.
    const hues = new Set(labels.map((l) => hexColour(labelColour(l, true))));
    expect(hues.size).toBeGreaterThan(labels.length - 2);
  });
});

describe('text', () => {
  it('expands tabs to 8-column stops from the given column', () => {
    expect(sanitize('a\tb')).toBe('a       b');
    expect(sanitize('a\tb', 4)).toBe('a   b');
    expect(sanitize('\t', 8)).toBe('        ');
  });

  it('shows control characters as pictures, so no escape sequence reaches the terminal', () => {
    expect(sanitize('\x1b[2Jboom\r\n')).toBe('\u241b[2Jboom\u240d\u240a');
    expect(sanitize('del\x7f c1\x9b')).toBe('del\u2421 c1\ufffd');
    expect(sanitize('plain ascii')).toBe('plain ascii');
  });

  it('renders each kind of line as plain text', () => {
    expect(plainText(log(0, 'init -> counter', 'count 3'))).toBe('[init -> counter] count 3');
    expect(plainText(other(1, 'cmd', 'info threads'))).toBe('(corescope) info threads');
    expect(plainText(other(2, 'out', '0x00010000:  0x00000013'))).toBe('0x00010000:  0x00000013');
    expect(plainText(other(3, 'err', 'unknown command "x"'))).toBe('unknown command "x"');
    // A tab in a LOG line stops at the terminal's tab stops, the label included.
    expect(plainText(log(4, 'ab', 'x\ty'))).toBe('[ab] x  y');
  });
});

describe('queries', () => {
  it('matches literal text case-insensitively unless the query has capitals (smart case)', () => {
    expect(query('counter').find('Counter counter')).toEqual([
      [0, 7],
      [8, 15],
    ]);
    expect(query('Counter').find('Counter counter')).toEqual([[0, 7]]);
    // Regular expression characters in a literal query are literal.
    expect(query('a.b (x)').find('a.b (x) axb (x)')).toEqual([[0, 7]]);
    expect(query('[init').test('[init -> counter] hi')).toBe(true);
  });

  it('matches /regular expressions/, skips empty matches and reports bad ones', () => {
    expect(query('/0x[0-9a-f]+/').find('pc 0x1f and 0X2')).toEqual([
      [3, 7],
      [12, 15],
    ]);
    expect(query('/\\S+/').find('ab cd')).toEqual([
      [0, 2],
      [3, 5],
    ]);
    expect(query('/x*/').find('axxb')).toEqual([[1, 3]]);
    const bad = compileQuery('/(/');
    expect(bad).toHaveProperty('error');
    expect(usableQuery(bad)).toBeNull();
    expect(compileQuery('   ')).toBeNull();
  });

  it('answers the same on repeated calls (the global regex is rewound)', () => {
    const q = query('a');
    expect(q.test('a')).toBe(true);
    expect(q.test('a')).toBe(true);
    expect(q.find('aa')).toHaveLength(2);
    expect(q.find('aa')).toHaveLength(2);
  });

  it('filters LOG lines only: commands and their replies always show', () => {
    const f = query('counter');
    expect(passesFilter(log(0, 'init -> counter', 'tick'), f)).toBe(true);
    expect(passesFilter(log(1, 'init -> timer', 'tick'), f)).toBe(false);
    expect(passesFilter(log(2, 'init -> timer', 'counter asked'), f)).toBe(true);
    expect(passesFilter(other(3, 'cmd', 'info threads'), f)).toBe(true);
    expect(passesFilter(other(4, 'out', 'x'), f)).toBe(true);
    expect(passesFilter(other(5, 'err', 'y'), f)).toBe(true);
    expect(passesFilter(log(6, 'x', 'y'), null)).toBe(true);
  });
});

describe('ANSI rendering', () => {
  it('colours the label with the 24-bit colour of its component and leaves the text plain', () => {
    const c = labelColour('init', true);
    expect(ansiLine(log(0, 'init', 'hello'), palette, true)).toBe(`\x1b[38;2;${c.r};${c.g};${c.b}m[init] \x1b[0mhello`);
  });

  it('shows commands in the accent colour after a muted prompt, errors in the danger colour', () => {
    expect(ansiLine(other(0, 'cmd', 'bt'), palette, true)).toBe(
      '\x1b[38;2;138;138;138m(corescope) \x1b[0m\x1b[38;2;79;193;255mbt\x1b[0m',
    );
    expect(ansiLine(other(1, 'err', 'no'), palette, true)).toBe('\x1b[38;2;241;76;76mno\x1b[0m');
    expect(ansiLine(other(2, 'out', 'ok'), palette, true)).toBe('ok');
  });

  it('marks matches, also across the label and the text, keeping the visible text', () => {
    const line = log(0, 'init', 'tick tock');
    const marks = query('t').find(plainText(line));
    const out = ansiLine(line, palette, true, marks);
    expect(strip(out)).toBe('[init] tick tock');
    const marked = '\x1b[48;2;226;192;141m\x1b[38;2;30;30;30m';
    expect(out.split(marked).length - 1).toBe(marks.length);
    // A match over the label's end and the text's start is cut in two at the boundary.
    const across = ansiLine(line, palette, true, query('] t').find(plainText(line)));
    expect(strip(across)).toBe('[init] tick tock');
    expect(across.split(marked).length - 1).toBe(2);
  });

  it('renders lines joined by CR LF, continuing after earlier lines, with the matches found', () => {
    const lines = [log(5, 'a', 'one'), other(6, 'out', 'two one'), log(7, 'b', 'three')];
    const r = renderLines(lines, palette, true, query('one'), false);
    expect(strip(r.data)).toBe('[a] one\r\ntwo one\r\n[b] three');
    expect(r.matches).toEqual([
      { seq: 5, start: 4, end: 7 },
      { seq: 6, start: 4, end: 7 },
    ]);
    expect(strip(renderLines(lines.slice(0, 1), palette, true, null, true).data)).toBe('\r\n[a] one');
    expect(renderLines([], palette, true, null, true)).toEqual({ data: '', matches: [] });
  });
});

describe('search positions', () => {
  it('steps through matches, wrapping, starting at an end', () => {
    expect(stepMatch(-1, 0, 1)).toBe(-1);
    expect(stepMatch(-1, 3, 1)).toBe(0);
    expect(stepMatch(-1, 3, -1)).toBe(2);
    expect(stepMatch(2, 3, 1)).toBe(0);
    expect(stepMatch(0, 3, -1)).toBe(2);
    expect(stepMatch(1, 3, 1)).toBe(2);
  });

  it('finds a line by sequence number', () => {
    const lines = [log(3, 'a', ''), log(5, 'a', ''), log(9, 'a', '')];
    expect(indexOfSeq(lines, 5)).toBe(1);
    expect(indexOfSeq(lines, 9)).toBe(2);
    expect(indexOfSeq(lines, 4)).toBe(-1);
    expect(indexOfSeq([], 4)).toBe(-1);
  });

  it('maps a logical line to its first row, counting soft-wrapped rows', () => {
    // Rows: 0 "a", 1 "b…", 2 "…b", 3 "…b", 4 "c"; rows 5.. are empty below the cursor.
    const wrapped = new Set([2, 3]);
    const isWrapped = (r: number) => wrapped.has(r);
    expect(startRowFromEnd(0, 4, isWrapped)).toBe(4);
    expect(startRowFromEnd(1, 4, isWrapped)).toBe(1);
    expect(startRowFromEnd(2, 4, isWrapped)).toBe(0);
    expect(startRowFromEnd(3, 4, isWrapped)).toBeNull();
  });

  it('finds the cell of a column in a wrapped line', () => {
    expect(cellOf(10, 5, 80)).toEqual({ row: 10, column: 5 });
    expect(cellOf(10, 80, 80)).toEqual({ row: 11, column: 0 });
    expect(cellOf(10, 170, 80)).toEqual({ row: 12, column: 10 });
  });
});

describe('completion', () => {
  const pds = pdNames(['init', 'init -> counter', 'init -> timer', 'init -> timer -> tick', 'core']);

  it('names PDs by the last element of their label', () => {
    expect(pds).toEqual(['core', 'counter', 'init', 'tick', 'timer']);
  });

  it('completes a command whole, with a space after it, except x/', () => {
    expect(completeLine('cont', complete, pds)).toEqual({ line: 'continue ', options: [] });
    expect(completeLine('  info th', complete, pds)).toEqual({ line: '  info threads ', options: [] });
    expect(completeLine('x', complete, pds)).toEqual({ line: 'x/', options: [] });
  });

  it('extends several candidates to their common prefix and lists them', () => {
    expect(completeLine('ste', complete, pds)).toEqual({ line: 'step', options: ['step', 'stepi'] });
    const info = completeLine('info ', complete, pds);
    expect(info.line).toBe('info ');
    expect(info.options).toEqual(COMMANDS.filter((c) => c.startsWith('info ')));
    expect(completeLine('frob', complete, pds)).toEqual({ line: 'frob', options: [] });
  });

  it('completes PD names where a command takes one', () => {
    expect(completeLine('info caps cou', complete, pds)).toEqual({ line: 'info caps counter ', options: [] });
    expect(completeLine('info map ', complete, pds).options).toEqual(pds);
    expect(completeLine('i map ti', complete, pds)).toEqual({ line: 'i map ti', options: ['tick', 'timer'] });
    expect(completeLine('x/16xw 0x1000 co', complete, pds)).toEqual({
      line: 'x/16xw 0x1000 co',
      options: ['core', 'counter'],
    });
    expect(completeLine('break main cou', complete, pds).line).toBe('break main counter ');
  });
});
