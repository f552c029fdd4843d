import { describe, expect, it } from 'vitest';
// The messages under test are the engine's own: a change in their format breaks this test
// rather than the editor's error markers. (Test only; the renderer itself never runs this.)
// eslint-disable-next-line @typescript-eslint/no-restricted-imports
import { formatIssue, parseInitConfig } from '../../../engine/core/init/config';
import { LIMITS, parseCommand } from '../../../engine/protocol';
import {
  describeDiagnostic,
  diagnosticsFromError,
  underlineSpan,
  uniqueDiagnostics,
  wellFormedness,
  type EditorDiagnostic,
} from './diagnostics';

/** The message of the engine's configApply refusal for `xml` (engine_host.ts: formatIssue('config', ...)). */
function applyError(xml: string): { code: 'invalid'; message: string; field: string } {
  const parsed = parseInitConfig(xml);
  if (parsed.ok) throw new Error('expected the engine to refuse this config');
  return { code: 'invalid', message: formatIssue('config', parsed.error), field: 'cmd.xml' };
}

const GOOD = [
  '<config>',
  '  <parent-provides><service name="LOG"/><service name="PD"/></parent-provides>',
  '  <default caps="100" ram="1M"/>',
  '  <start name="hello"/>',
  '</config>',
].join('\n');

/** Broken configurations, each with the line and column the engine blames. */
const BROKEN: { what: string; xml: string; line: number; column: number; mentions: string }[] = [
  {
    what: 'a bad number',
    xml: '<config>\n  <start name="a" caps="x" ram="1M"/>\n</config>',
    line: 2,
    column: 19,
    mentions: 'caps',
  },
  {
    what: 'a duplicate start name (whose message names another line)',
    xml: '<config>\n  <default caps="100"/>\n  <start name="a" ram="1M"/>\n  <start name="a" ram="1M"/>\n</config>',
    line: 4,
    column: 10,
    mentions: 'duplicate start name',
  },
  { what: 'a wrong root', xml: '<foo/>', line: 1, column: 1, mentions: 'root node must be <config>' },
  {
    what: 'an unclosed element',
    xml: '<config>\n  <start name="a">\n',
    line: 2,
    column: 3,
    mentions: 'unclosed tag',
  },
  {
    what: 'a duplicate attribute',
    xml: '<config>\n  <start name="a" caps="1" caps="2"/>\n</config>',
    line: 2,
    column: 38,
    mentions: 'duplicate attribute',
  },
];

describe('diagnosticsFromError: configApply refusals', () => {
  for (const b of BROKEN) {
    it(`puts ${b.what} at the engine's line and column`, () => {
      const [d, ...rest] = diagnosticsFromError(applyError(b.xml));
      expect(rest).toEqual([]);
      expect(d.line).toBe(b.line);
      expect(d.column).toBe(b.column);
      expect(d.message).toContain(b.mentions);
      // The file part ("config:2:19: ") is gone; the node part stays.
      expect(d.message).not.toMatch(/^config:/);
    });
  }

  it('keeps the node and attribute the engine names', () => {
    const [d] = diagnosticsFromError(applyError(BROKEN[0].xml));
    expect(d.message).toBe('<start caps>: bad number "x"');
    expect(describeDiagnostic(d)).toBe('line 2: <start caps>: bad number "x"');
  });

  it('accepts the error as text, as an EngineError and as a CommandFailed-like error', () => {
    const e = applyError(BROKEN[0].xml);
    const expected = diagnosticsFromError(e);
    expect(diagnosticsFromError(e.message)).toEqual(expected);
    expect(diagnosticsFromError(Object.assign(new Error(e.message), { code: 'invalid' }))).toEqual(expected);
  });
});

describe('diagnosticsFromError: load refusals', () => {
  it('reads a scenario name with its position (scenarioFromText: formatIssue(name, ...))', () => {
    const parsed = parseInitConfig(BROKEN[0].xml);
    if (parsed.ok) throw new Error('expected a refusal');
    const [d] = diagnosticsFromError(formatIssue('my scenario.xml', parsed.error));
    expect(d).toEqual({ line: 2, column: 19, message: '<start caps>: bad number "x"' });
  });

  it('reads a Windows path with a drive letter', () => {
    const parsed = parseInitConfig(BROKEN[0].xml);
    if (parsed.ok) throw new Error('expected a refusal');
    const [d] = diagnosticsFromError(formatIssue('C:\\scenarios\\a.xml', parsed.error));
    expect(d.line).toBe(2);
    expect(d.column).toBe(19);
  });

  it('reads a boot failure, which prefixes the scenario file (engine_host.ts load)', () => {
    const parsed = parseInitConfig(BROKEN[1].xml);
    if (parsed.ok) throw new Error('expected a refusal');
    const [d] = diagnosticsFromError(`scenario.xml: ${formatIssue('config', parsed.error)}`);
    expect(d.line).toBe(4);
    expect(d.column).toBe(10);
  });

  it('reads a missing binary, which has a line and no column', () => {
    // Written out: cli/scenario_files.ts reads the disk, which this test does not.
    const message =
      'scenario.xml:3: binary "nope" of <start name="nope"> not found (looked beside the scenario and in /x/guest/*/)';
    expect(diagnosticsFromError({ code: 'invalid', message, field: 'cmd.text' })).toEqual([
      { line: 3, message: message.slice('scenario.xml:3: '.length) },
    ]);
  });
});

describe('diagnosticsFromError: errors without a position', () => {
  it('blames the whole document (line 1) for a protocol refusal', () => {
    const r = parseCommand({ type: 'cmd', id: 1, cmd: { kind: 'configApply', xml: 'x'.repeat(LIMITS.document + 1) } });
    if (r.ok) throw new Error('expected the protocol to refuse an oversized document');
    const ds = diagnosticsFromError(r.error);
    expect(ds).toEqual([{ line: 1, message: r.error.message }]);
    expect(ds[0].message).toMatch(/^cmd\.xml: /);
  });

  it('blames line 1 for a state error', () => {
    const message = 'no scenario is loaded; send a load command first';
    expect(diagnosticsFromError({ code: 'state', message })).toEqual([{ line: 1, message }]);
  });

  it('uses a line named in words', () => {
    const message = 'route rule at line 12 for "a" requesting LOG has no targets';
    expect(diagnosticsFromError(message)).toEqual([{ line: 12, message }]);
  });

  it('says something for an empty message', () => {
    expect(diagnosticsFromError('')[0]).toMatchObject({ line: 1 });
    expect(diagnosticsFromError('')[0].message).not.toBe('');
  });
});

describe('wellFormedness', () => {
  it('finds nothing wrong in a well-formed config, nor in one only the engine refuses', () => {
    expect(parseInitConfig(GOOD).ok).toBe(true);
    expect(wellFormedness(GOOD)).toEqual([]);
    // Semantics (numbers, names, routes) are the engine's business.
    expect(wellFormedness(BROKEN[0].xml)).toEqual([]);
  });

  const MALFORMED = [
    '<config>\n  <start name="a">\n</config>',
    '<config>\n  <start name="a"\n</config>',
    '<config>\n  <start name="a" caps="1" caps="2"/>\n</config>',
    '<config>\n  <start name=a/>\n</config>',
    '<config/>\n<x/>',
    '',
    '   ',
    '<config>\n  <start name="a">\n',
    '<foo/>',
    '<config>\r\n  <start name="a" >\r\n  </begin>\r\n</config>',
    '<config>\r  <start name="a" >\r  </begin>\r</config>',
    '<config>\n  &bogus;\n</config>',
    '<config>\n  <!-- unterminated comment\n</config>',
    '<config>\n  <start name="ä😀" caps="1"><x</start>\n</config>',
  ];

  for (const xml of MALFORMED) {
    it(`reports what the engine reports for ${JSON.stringify(xml)}`, () => {
      const engine = diagnosticsFromError(applyError(xml));
      expect(wellFormedness(xml)).toEqual(engine);
    });
  }
});

describe('uniqueDiagnostics', () => {
  it('drops repeats and sorts by position', () => {
    const a: EditorDiagnostic = { line: 3, column: 2, message: 'x' };
    const b: EditorDiagnostic = { line: 1, message: 'y' };
    expect(uniqueDiagnostics([a, b, { ...a }, { line: 3, column: 1, message: 'x' }])).toEqual([
      b,
      { line: 3, column: 1, message: 'x' },
      a,
    ]);
  });

  it('merges the local check with the same error from Apply', () => {
    const xml = '<config>\n  <start name="a" caps="1" caps="2"/>\n</config>';
    expect(uniqueDiagnostics([...wellFormedness(xml), ...diagnosticsFromError(applyError(xml))])).toHaveLength(1);
  });
});

describe('underlineSpan', () => {
  it('covers the whole line without a column', () => {
    expect(underlineSpan('  <start name="a"/>')).toEqual({ from: 0, to: 19 });
  });

  it("covers a tag's name at '<'", () => {
    expect(underlineSpan('  <start name="a"/>', 3)).toEqual({ from: 2, to: 8 });
    expect(underlineSpan('  </config>', 3)).toEqual({ from: 2, to: 10 });
  });

  it("covers an attribute's name and value", () => {
    // Where the engine puts a bad attribute value: at the attribute.
    const [d] = diagnosticsFromError(applyError(BROKEN[0].xml));
    const line = BROKEN[0].xml.split('\n')[d.line - 1];
    const span = underlineSpan(line, d.column);
    expect(line.slice(span.from, span.to)).toBe('caps="x"');
  });

  it('covers one character elsewhere, and the last one past the end', () => {
    expect(underlineSpan('a  b', 2)).toEqual({ from: 1, to: 2 });
    expect(underlineSpan('abc', 10)).toEqual({ from: 2, to: 3 });
    expect(underlineSpan('', 1)).toEqual({ from: 0, to: 0 });
  });
});
