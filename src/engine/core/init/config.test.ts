import { describe, expect, it } from 'vitest';
import {
  formatIssue,
  parseInitConfig,
  parseSize,
  resolveRoute,
  routeCandidates,
  sessionLabel,
  targetLabel,
  type ConfigIssue,
  type InitConfig,
  type StartNode,
} from './config';

function ok(xml: string): InitConfig {
  const r = parseInitConfig(xml);
  if (!r.ok) throw new Error(`unexpected error: ${formatIssue('test.xml', r.error)}`);
  return r.config;
}

function fail(xml: string): ConfigIssue {
  const r = parseInitConfig(xml);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

function child(cfg: InitConfig, name: string): StartNode {
  const c = cfg.children.find((s) => s.name === name);
  if (!c) throw new Error(`no child ${name}`);
  return c;
}

/** Wraps start nodes (or other content) in a typical init config; content starts on line 8. */
function wrap(body: string, rootAttrs = 'prio_levels="4"'): string {
  return `<config ${rootAttrs}>
  <parent-provides> <service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/> </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <affinity-space width="2" height="1"/>
  <start name="server"> <provides> <service name="Hello"/> </provides> </start>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
${body}
</config>`;
}

const FULL = `<?xml version="1.0"?>
<!-- a comment before the root -->
<config prio_levels="4" verbose="yes">
  <parent-provides>
    <service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
  </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <affinity-space width="2" height="1"/>
  <start name="server">
    <provides> <service name="Hello"/> </provides>
  </start>
  <start name="timer"> <provides><service name="Timer"/></provides> </start>
  <start name="counter" caps="120" ram="2M" priority="-1">
    <binary name="counter_bin"/>
    <resource name="CPU" quantum="10"/>
    <affinity xpos="1" ypos="0" width="1" height="1"/>
    <provides> <service name="Counter"/> </provides>
    <route>
      <service name="Hello"> <child name="server"/> </service>
      <service name="ROM" label="config"> <parent label="counter.config"/> </service>
      <service name="LOG" label_prefix="x" label_suffix="y"> <parent/> </service>
      <service name="Timer"> <any-child/> </service>
      <any-service> <parent/> <any-child/> </any-service>
    </route>
    <config verbose="yes">
      <anything nested="here"/>
    </config>
  </start>
</config>
`;

describe('parseSize', () => {
  it('parses plain numbers and K/M/G suffixes', () => {
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('0')).toBe(0);
    expect(parseSize('16K')).toBe(16 * 1024);
    expect(parseSize('1M')).toBe(1024 * 1024);
    expect(parseSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseSize('0x1000')).toBe(4096);
    expect(parseSize('0x10K')).toBe(16 * 1024);
  });

  it('rejects everything else', () => {
    for (const bad of ['', '12Q', '1.5M', '16k', '-1M', ' 1M', '1M ', 'M', '1MB', '0x', '99999999999999999999']) {
      expect(parseSize(bad), bad).toBeNull();
    }
  });
});

describe('sessionLabel / targetLabel / formatIssue', () => {
  it('builds session labels', () => {
    expect(sessionLabel('client', '')).toBe('client');
    expect(sessionLabel('client', 'foo')).toBe('client -> foo');
    expect(sessionLabel('client', 'a -> b')).toBe('client -> a -> b');
  });

  it('rewrites the whole label only when the target says so', () => {
    const cfg = ok(FULL);
    const c = child(cfg, 'counter');
    expect(targetLabel(c, 'foo', { kind: 'parent' })).toBe('counter -> foo');
    expect(targetLabel(c, '', { kind: 'parent' })).toBe('counter');
    expect(targetLabel(c, 'config', { kind: 'parent', label: 'counter.config' })).toBe('counter.config');
  });

  it('formats issues with and without attribute and node', () => {
    expect(formatIssue('init.xml', { line: 3, column: 5, node: 'start', attribute: 'ram', message: 'bad' })).toBe(
      'init.xml:3:5: <start ram>: bad',
    );
    expect(formatIssue('init.xml', { line: 3, column: 5, node: 'start', message: 'bad' })).toBe(
      'init.xml:3:5: <start>: bad',
    );
    expect(formatIssue('init.xml', { line: 1, column: 1, node: '', message: 'no root' })).toBe('init.xml:1:1: no root');
  });
});

describe('parseInitConfig: model', () => {
  it('parses a complete config', () => {
    const cfg = ok(FULL);
    expect(cfg.prioLevels).toBe(4);
    expect(cfg.verbose).toBe(true);
    expect(cfg.parentProvides).toEqual(['ROM', 'PD', 'CPU', 'LOG']);
    expect(cfg.defaultCaps).toBe(100);
    expect(cfg.defaultRam).toBe(1024 * 1024);
    expect(cfg.affinitySpace).toEqual({ width: 2, height: 1 });
    expect(cfg.warnings).toEqual([]);
    expect(cfg.defaultRoute).toEqual([
      { service: '*', targets: [{ kind: 'parent' }, { kind: 'any-child' }], line: 7, column: 19 },
    ]);
    expect(cfg.children.map((c) => c.name)).toEqual(['server', 'timer', 'counter']);

    const counter = child(cfg, 'counter');
    expect(counter).toMatchObject({
      name: 'counter',
      line: 14,
      column: 3,
      binary: 'counter_bin',
      caps: 120,
      ram: 2 * 1024 * 1024,
      cpuPercent: 10,
      priority: -1,
      affinity: { x: 1, y: 0, width: 1, height: 1 },
      provides: ['Counter'],
      configLine: 26,
    });
    expect(counter.route).toEqual([
      { service: 'Hello', targets: [{ kind: 'child', name: 'server' }], line: 20, column: 7 },
      { service: 'ROM', label: 'config', targets: [{ kind: 'parent', label: 'counter.config' }], line: 21, column: 7 },
      { service: 'LOG', labelPrefix: 'x', labelSuffix: 'y', targets: [{ kind: 'parent' }], line: 22, column: 7 },
      { service: 'Timer', targets: [{ kind: 'any-child' }], line: 23, column: 7 },
      { service: '*', targets: [{ kind: 'parent' }, { kind: 'any-child' }], line: 24, column: 7 },
    ]);
  });

  it('keeps the exact source text of the child config', () => {
    const counter = child(ok(FULL), 'counter');
    expect(counter.config).toBe('<config verbose="yes">\n      <anything nested="here"/>\n    </config>');
  });

  it('keeps self-closing, entity-laden and CDATA child configs verbatim', () => {
    const cfg = ok(
      wrap(`  <start name="a"><config/></start>
  <start name="b"><config   x="&lt;1&gt;"><![CDATA[ <not> a tag ]]><!-- c --><config>nested</config></config></start>`),
    );
    expect(child(cfg, 'a').config).toBe('<config/>');
    expect(child(cfg, 'a').configLine).toBe(8);
    expect(child(cfg, 'b').config).toBe(
      '<config   x="&lt;1&gt;"><![CDATA[ <not> a tag ]]><!-- c --><config>nested</config></config>',
    );
    expect(child(cfg, 'b').configLine).toBe(9);
    const spaced = ok(wrap('  <start name="c">\r\n<config\r\n  a="1"\r\n></config\r\n>\r\n</start>'));
    expect(child(spaced, 'c').config).toBe('<config\r\n  a="1"\r\n></config\r\n>');
    expect(child(spaced, 'c').configLine).toBe(9);
  });

  it('does not validate or warn about the contents of a child config', () => {
    const cfg = ok(wrap(`  <start name="a"><config><start/><alias/><route><bogus/></route></config></start>`));
    expect(cfg.warnings).toEqual([]);
  });

  it('applies defaults', () => {
    const cfg = ok(wrap(`  <start name="plain"/>`));
    const plain = child(cfg, 'plain');
    expect(plain).toEqual({
      name: 'plain',
      line: 8,
      column: 3,
      binary: 'plain',
      caps: 100,
      ram: 1024 * 1024,
      cpuPercent: 0,
      priority: 0,
      affinity: null,
      provides: [],
      route: null,
      config: null,
      configLine: 0,
      checkpoint: 'no',
    });
  });

  it('reads the checkpoint mode of a start node', () => {
    const cfg = ok(
      wrap(`  <start name="a" checkpoint="yes"/>
  <start name="b" checkpoint="wait"/>
  <start name="c" checkpoint="no"/>
  <start name="d" checkpoint="true"/>
  <start name="e" checkpoint="off"/>`),
    );
    expect(cfg.children.map((c) => [c.name, c.checkpoint])).toEqual([
      ['server', 'no'],
      ['timer', 'no'],
      ['a', 'yes'],
      ['b', 'wait'],
      ['c', 'no'],
      ['d', 'yes'],
      ['e', 'no'],
    ]);
    expect(cfg.warnings).toEqual([]);
  });

  it('uses minimal defaults for a bare config and warns about missing caps', () => {
    const cfg = ok('<config>\n  <start name="x"/>\n</config>');
    expect(cfg).toMatchObject({
      prioLevels: 1,
      verbose: false,
      parentProvides: [],
      defaultRoute: [],
      defaultCaps: 0,
      defaultRam: 0,
      affinitySpace: { width: 1, height: 1 },
    });
    expect(child(cfg, 'x')).toMatchObject({ caps: 0, ram: 0 });
    expect(cfg.warnings).toEqual([
      {
        line: 2,
        column: 3,
        node: 'start',
        message: 'child "x" has no caps attribute and there is no <default caps>; it gets 0 capabilities',
      },
    ]);
  });

  it('does not warn about missing caps when the start node has them', () => {
    expect(ok('<config><start name="x" caps="50"/></config>').warnings).toEqual([]);
  });

  it('treats prio_levels="0" as one level', () => {
    expect(ok('<config prio_levels="0"/>').prioLevels).toBe(1);
  });

  it('reads the older <resource name="RAM"> syntax', () => {
    const cfg = ok(wrap(`  <start name="a"><resource name="RAM" quantum="16K"/></start>`));
    expect(child(cfg, 'a').ram).toBe(16 * 1024);
    expect(cfg.warnings).toEqual([]);
  });

  it('lets <resource name="RAM"> override ram= with a warning if they differ', () => {
    const cfg = ok(wrap(`  <start name="a" ram="4M">\n    <resource name="RAM" quantum="8M"/></start>`));
    expect(child(cfg, 'a').ram).toBe(8 * 1024 * 1024);
    expect(cfg.warnings).toEqual([
      {
        line: 9,
        column: 26,
        node: 'resource',
        attribute: 'quantum',
        message: 'child "a": <resource name="RAM"> overrides ram="4M"',
      },
    ]);
  });

  it('accepts the boolean spellings Genode accepts', () => {
    for (const [text, value] of [
      ['yes', true],
      ['true', true],
      ['no', false],
      ['false', false],
    ] as const) {
      expect(ok(`<config verbose="${text}"/>`).verbose).toBe(value);
    }
  });

  it('handles CRLF line ends and attributes spread over lines', () => {
    const cfg = ok(
      '<config>\r\n<default caps="1"/>\r\n<start\r\n   name="x"\r\n   ram="12Q"/></config>'.replace('12Q', '1K'),
    );
    expect(child(cfg, 'x')).toMatchObject({ line: 3, column: 1, ram: 1024 });
    const e = fail('<config>\r\n<default caps="1"/>\r\n<start\r\n   name="x"\r\n   ram="12Q"/></config>');
    expect(e).toMatchObject({ line: 5, column: 4, node: 'start', attribute: 'ram' });
  });
});

describe('parseInitConfig: warnings', () => {
  it('warns about unknown nodes everywhere, with positions, in document order', () => {
    const cfg = ok(
      wrap(`  <alias name="srv" child="server"/>
  <report delay_ms="100"/>
  <service name="LOG"> <default-policy> <child name="server"/> </default-policy> </service>
  <start name="a">
    <heartbeat/>
    <resource name="CAP" quantum="10"/>
    <provides> <service name="X"/> <bogus/> </provides>
    <route>
      <weird/>
      <service name="LOG"> <local/> <parent/> </service>
    </route>
  </start>`),
    );
    expect(cfg.warnings.map((w) => [w.line, w.column, w.node, w.attribute, w.message])).toEqual([
      [8, 3, 'alias', undefined, 'unsupported node <alias> is ignored'],
      [9, 3, 'report', undefined, 'unsupported node <report> is ignored'],
      [10, 3, 'service', undefined, 'unsupported node <service> is ignored'],
      [12, 5, 'heartbeat', undefined, 'unsupported node <heartbeat> in <start> is ignored'],
      [13, 15, 'resource', 'name', 'unsupported resource "CAP" is ignored'],
      [14, 36, 'bogus', undefined, 'unsupported node <bogus> in <provides> is ignored'],
      [16, 7, 'weird', undefined, 'unsupported node <weird> in <route> is ignored'],
      [17, 28, 'local', undefined, 'unsupported route target <local> is ignored'],
    ]);
    const a = child(cfg, 'a');
    expect(a.provides).toEqual(['X']);
    expect(a.route).toEqual([{ service: 'LOG', targets: [{ kind: 'parent' }], line: 17, column: 7 }]);
  });

  it('warns about unknown attributes on route rules and targets only', () => {
    const cfg = ok(
      wrap(`  <start name="a" ld="no" managing_system="yes" version="2">
    <route>
      <service name="ROM" lable="config"> <parent labl="x"/> </service>
      <any-service name="ROM"> <parent/> </any-service>
    </route>
  </start>`),
    );
    expect(cfg.warnings).toEqual([
      { line: 10, column: 27, node: 'service', attribute: 'lable', message: 'unknown attribute "lable" is ignored' },
      { line: 10, column: 51, node: 'parent', attribute: 'labl', message: 'unknown attribute "labl" is ignored' },
      { line: 11, column: 20, node: 'any-service', attribute: 'name', message: 'unknown attribute "name" is ignored' },
    ]);
  });

  it('warns about repeated single nodes and uses the first', () => {
    const cfg = ok(`<config>
  <default caps="10"/>
  <default caps="20"/>
  <start name="a">
    <binary name="first"/>
    <binary name="second"/>
    <config>one</config>
    <config>two</config>
  </start>
</config>`);
    expect(cfg.defaultCaps).toBe(10);
    expect(child(cfg, 'a')).toMatchObject({ binary: 'first', config: '<config>one</config>', configLine: 7 });
    expect(cfg.warnings.map((w) => [w.line, w.node, w.message])).toEqual([
      [3, 'default', 'duplicate <default> in <config> is ignored; the first one applies'],
      [6, 'binary', 'duplicate <binary> in <start> is ignored; the first one applies'],
      [8, 'config', 'duplicate <config> in <start> is ignored; the first one applies'],
    ]);
  });

  it('warns about rules without targets, mixed label attributes and routes to non-providers', () => {
    const cfg = ok(
      wrap(`  <start name="a">
    <route>
      <service name="Hello"/>
      <service name="LOG" unscoped_label="a" label="b"> <parent/> </service>
      <service name="Timer"> <child name="server"/> </service>
    </route>
  </start>`),
    );
    expect(cfg.warnings).toEqual([
      {
        line: 10,
        column: 7,
        node: 'service',
        message: 'route rule for service "Hello" has no targets; matching requests are denied',
      },
      {
        line: 11,
        column: 27,
        node: 'service',
        attribute: 'unscoped_label',
        message: 'unscoped_label given together with scoped label attributes, which are ignored',
      },
      {
        line: 12,
        column: 37,
        node: 'child',
        attribute: 'name',
        message: 'child "a" routes "Timer" to child "server", which does not provide it',
      },
    ]);
  });
});

describe('parseInitConfig: errors', () => {
  function expectError(xml: string, expected: Partial<ConfigIssue>): void {
    const e = fail(xml);
    expect(e).toMatchObject(expected);
    if (!('attribute' in expected)) expect(e.attribute).toBeUndefined();
  }

  it('reports malformed XML at the saxes position', () => {
    // saxes notices the duplicate after reading the end of the tag.
    expectError('<config>\n  <start name="a" name="b"/>\n</config>', {
      line: 2,
      column: 29,
      node: 'start',
      message: 'duplicate attribute: name',
    });
    // saxes closes the open <start> when it meets </config>, then reports that end tag.
    expectError('<config>\n  <start name="a">\n</config>', {
      line: 3,
      column: 10,
      node: 'config',
      message: 'unexpected close tag',
    });
    expectError('<config>\n  <start name="a">', { line: 2, column: 3, node: 'start', message: 'unclosed tag: start' });
    expectError('<config>\n  <start name=a/>\n</config>', {
      line: 2,
      column: 16,
      node: 'start',
      message: 'unquoted attribute value',
    });
    expectError('', { line: 1, column: 1, node: '', message: 'document must contain a root element' });
    expectError('<config/><config/>', {
      line: 1,
      column: 18,
      node: 'config',
      message: 'documents may contain only one root',
    });
  });

  it('requires a <config> root', () => {
    expectError('<?xml version="1.0"?>\n<init/>', {
      line: 2,
      column: 1,
      node: 'init',
      message: 'root node must be <config>, not <init>',
    });
  });

  it('requires start names, and unique ones', () => {
    expectError(wrap('  <start caps="1"/>'), {
      line: 8,
      column: 3,
      node: 'start',
      message: 'missing name attribute',
    });
    expectError(wrap('  <start name=""/>'), { line: 8, column: 10, node: 'start', attribute: 'name' });
    expectError(wrap('  <start name="server"/>'), {
      line: 8,
      column: 10,
      node: 'start',
      attribute: 'name',
      message: 'duplicate start name "server" (first defined at line 6)',
    });
  });

  it('rejects bad numbers, sizes and negative quotas', () => {
    expectError(wrap('  <start name="a" ram="12Q"/>'), {
      line: 8,
      column: 19,
      node: 'start',
      attribute: 'ram',
      message: 'bad size "12Q" (expected an integer with an optional K, M or G suffix)',
    });
    expectError(wrap('  <start name="a" ram="-1M"/>'), {
      line: 8,
      column: 19,
      attribute: 'ram',
      message: 'quota must not be negative: "-1M"',
    });
    expectError(wrap('  <start name="a" caps="-5"/>'), {
      line: 8,
      column: 19,
      attribute: 'caps',
      message: 'must not be negative: "-5"',
    });
    expectError(wrap('  <start name="a" caps="lots"/>'), { attribute: 'caps', message: 'bad number "lots"' });
    expectError(wrap('  <start name="a" priority="high"/>'), { attribute: 'priority', message: 'bad number "high"' });
    expectError(wrap('  <start name="a"><resource name="RAM" quantum="1.5M"/></start>'), {
      line: 8,
      column: 40,
      node: 'resource',
      attribute: 'quantum',
    });
    expectError(wrap('  <start name="a"><resource name="RAM"/></start>'), {
      line: 8,
      column: 19,
      node: 'resource',
      message: 'missing quantum attribute',
    });
    expectError(wrap('  <start name="a"><resource name="CPU" quantum="150"/></start>'), {
      node: 'resource',
      attribute: 'quantum',
      message: 'CPU quantum 150 exceeds 100 percent',
    });
    expectError('<config>\n  <default caps="x"/>\n</config>', {
      line: 2,
      column: 12,
      node: 'default',
      attribute: 'caps',
    });
    expectError('<config>\n  <default ram="1 M"/>\n</config>', {
      line: 2,
      column: 12,
      node: 'default',
      attribute: 'ram',
    });
    expectError('<config verbose="maybe"/>', {
      line: 1,
      column: 9,
      node: 'config',
      attribute: 'verbose',
      message: 'bad boolean "maybe" (expected yes or no)',
    });
  });

  it('rejects an unknown checkpoint mode, at the attribute', () => {
    expectError(wrap('  <start name="a" checkpoint="later"/>'), {
      line: 8,
      column: 19,
      node: 'start',
      attribute: 'checkpoint',
      message: 'bad checkpoint mode "later" (expected yes, no or wait)',
    });
    expectError(wrap('  <start name="a"\n         checkpoint="WAIT"/>'), {
      line: 9,
      column: 10,
      attribute: 'checkpoint',
      message: 'bad checkpoint mode "WAIT" (expected yes, no or wait)',
    });
  });

  it('checks priorities against prio_levels', () => {
    expect(child(ok(wrap('  <start name="a" priority="-3"/>')), 'a').priority).toBe(-3);
    expectError(wrap('  <start name="a" priority="-4"/>'), {
      line: 8,
      column: 19,
      node: 'start',
      attribute: 'priority',
      message: 'priority -4 outside 0 .. -3 (prio_levels="4")',
    });
    expectError(wrap('  <start name="a" priority="1"/>'), { attribute: 'priority' });
    expectError('<config>\n<start name="a" caps="1" priority="-1"/></config>', {
      line: 2,
      column: 26,
      attribute: 'priority',
      message: 'priority -1 outside 0 .. 0 (prio_levels="1")',
    });
    expectError('<config prio_levels="3"/>', {
      line: 1,
      column: 9,
      node: 'config',
      attribute: 'prio_levels',
      message: 'prio_levels must be a power of two up to 65536, not 3',
    });
  });

  it('checks affinities against the affinity space', () => {
    expectError(wrap('  <start name="a"><affinity xpos="2"/></start>'), {
      line: 8,
      column: 29,
      node: 'affinity',
      attribute: 'xpos',
      message: 'affinity xpos 2 lies outside the affinity space 2x1',
    });
    expectError(wrap('  <start name="a"><affinity xpos="1" width="2"/></start>'), {
      line: 8,
      column: 38,
      attribute: 'width',
      message: 'affinity xpos 1 + width 2 lies outside the affinity space 2x1',
    });
    expectError(wrap('  <start name="a"><affinity ypos="1"/></start>'), { attribute: 'ypos' });
    expectError(wrap('  <start name="a"><affinity height="2"/></start>'), { attribute: 'height' });
    expectError(wrap('  <start name="a"><affinity width="0"/></start>'), {
      attribute: 'width',
      message: 'affinity width must be at least 1',
    });
    expectError('<config><affinity-space width="0"/></config>', {
      node: 'affinity-space',
      attribute: 'width',
      column: 25,
    });
    // The affinity space applies even when it is declared after the start node.
    expect(
      child(
        ok(
          '<config><default caps="1"/><start name="a"><affinity xpos="3"/></start><affinity-space width="4"/></config>',
        ),
        'a',
      ).affinity,
    ).toEqual({ x: 3, y: 0, width: 1, height: 1 });
  });

  it('rejects routes to children that do not exist', () => {
    expectError(
      wrap('  <start name="a"><route>\n    <service name="Hello"> <child name="nobody"/> </service></route></start>'),
      {
        line: 9,
        column: 35,
        node: 'child',
        attribute: 'name',
        message: 'route of child "a" names child "nobody", which does not exist',
      },
    );
    expectError('<config>\n<default-route><any-service><child name="x"/></any-service></default-route></config>', {
      line: 2,
      column: 36,
      node: 'child',
      attribute: 'name',
      message: 'route of the default route names child "x", which does not exist',
    });
    expectError(wrap('  <start name="a"><route><any-service><child/></any-service></route></start>'), {
      line: 8,
      column: 39,
      node: 'child',
      message: 'missing name attribute',
    });
  });

  it('accepts routes to children defined further down', () => {
    const cfg = ok(
      wrap(`  <start name="a"><route><service name="Late"><child name="late"/></service></route></start>
  <start name="late"><provides><service name="Late"/></provides></start>`),
    );
    expect(cfg.warnings).toEqual([]);
  });

  it('requires names on route <service>, <provides> and <parent-provides> services, and <binary>', () => {
    expectError(wrap('  <start name="a"><route><service> <parent/> </service></route></start>'), {
      line: 8,
      column: 26,
      node: 'service',
      message: 'missing name attribute',
    });
    expectError(wrap('  <start name="a"><provides><service/></provides></start>'), {
      line: 8,
      column: 29,
      node: 'service',
    });
    expectError('<config><parent-provides><service nam="LOG"/></parent-provides></config>', {
      line: 1,
      column: 26,
      node: 'service',
    });
    expectError(wrap('  <start name="a"><binary/></start>'), { line: 8, column: 19, node: 'binary' });
  });

  it('reports the earliest of several errors', () => {
    expectError(
      `<config>
  <default caps="1"/>
  <start name="a" ram="bad"/>
  <start name="a"/>
</config>`,
      { line: 3, attribute: 'ram' },
    );
    expectError(
      `<config>
  <start name="a" caps="1"><route><service name="X"><child name="zz"/></service></route></start>
  <start name="a" caps="1"/>
</config>`,
      { line: 2, node: 'child', attribute: 'name' },
    );
  });
});

describe('routeCandidates', () => {
  const cfg = ok(FULL);
  const counter = child(cfg, 'counter');
  const server = child(cfg, 'server');

  it('takes the first rule matching the service', () => {
    expect(routeCandidates(cfg, counter, 'Hello', '')).toEqual([{ kind: 'child', name: 'server' }]);
    expect(routeCandidates(cfg, counter, 'Timer', 'x')).toEqual([{ kind: 'any-child' }]);
  });

  it('matches exact labels and passes on the label rewrite', () => {
    expect(routeCandidates(cfg, counter, 'ROM', 'config')).toEqual([{ kind: 'parent', label: 'counter.config' }]);
    // Other ROM labels fall through to <any-service>.
    expect(routeCandidates(cfg, counter, 'ROM', 'config2')).toEqual([{ kind: 'parent' }, { kind: 'any-child' }]);
    expect(routeCandidates(cfg, counter, 'ROM', '')).toEqual([{ kind: 'parent' }, { kind: 'any-child' }]);
  });

  it('requires both prefix and suffix when both are given', () => {
    expect(routeCandidates(cfg, counter, 'LOG', 'x-y')).toEqual([{ kind: 'parent' }]);
    expect(routeCandidates(cfg, counter, 'LOG', 'xy')).toEqual([{ kind: 'parent' }]);
    const fallback = [{ kind: 'parent' }, { kind: 'any-child' }];
    expect(routeCandidates(cfg, counter, 'LOG', 'x-z')).toEqual(fallback);
    expect(routeCandidates(cfg, counter, 'LOG', 'a-y')).toEqual(fallback);
  });

  it('uses the default route for children without <route>', () => {
    expect(routeCandidates(cfg, server, 'Timer', '')).toEqual([{ kind: 'parent' }, { kind: 'any-child' }]);
  });

  it('denies with a reason naming service, label and child', () => {
    const c = ok(
      wrap(`  <start name="client"><route>
    <service name="LOG"> <parent/> </service>
  </route></start>
  <start name="nothing"><route/></start>`),
    );
    expect(routeCandidates(c, child(c, 'client'), 'Hello', 'foo')).toEqual({
      denied: 'no route for service "Hello" (label "foo") of child "client"',
    });
    // An empty <route> denies everything; it does not fall back to <default-route>.
    expect(routeCandidates(c, child(c, 'nothing'), 'LOG', '')).toEqual({
      denied: 'no route for service "LOG" (label "") of child "nothing"',
    });
    // No default route at all.
    const bare = ok('<config><default caps="1"/><start name="x"/></config>');
    expect(routeCandidates(bare, child(bare, 'x'), 'LOG', '')).toEqual({
      denied: 'no route for service "LOG" (label "") of child "x"',
    });
  });

  it('denies requests matching a rule without targets, naming the rule', () => {
    const c = ok(
      wrap(`  <start name="client"><route>
    <service name="Hello" label="blocked"/>
    <any-service> <parent/> <any-child/> </any-service>
  </route></start>`),
    );
    expect(routeCandidates(c, child(c, 'client'), 'Hello', 'blocked')).toEqual({
      denied: 'route rule at line 9 for service "Hello" (label "blocked") of child "client" has no targets',
    });
    expect(routeCandidates(c, child(c, 'client'), 'Hello', 'ok')).toEqual([{ kind: 'parent' }, { kind: 'any-child' }]);
  });

  it('supports label_last and unscoped_label against the full session label', () => {
    const c = ok(
      wrap(`  <start name="client"><route>
    <service name="ROM" unscoped_label="client"> <parent label="binary"/> </service>
    <service name="ROM" label_last="font"> <parent label="font.tff"/> </service>
    <service name="ROM" unscoped_label="client -> exact"> <parent label="exact"/> </service>
    <service name="ROM" label_prefix="fs/"> <child name="server"/> </service>
  </route></start>`),
    );
    const cl = child(c, 'client');
    expect(routeCandidates(c, cl, 'ROM', '')).toEqual([{ kind: 'parent', label: 'binary' }]);
    expect(routeCandidates(c, cl, 'ROM', 'gui -> font')).toEqual([{ kind: 'parent', label: 'font.tff' }]);
    expect(routeCandidates(c, cl, 'ROM', 'font')).toEqual([{ kind: 'parent', label: 'font.tff' }]);
    expect(routeCandidates(c, cl, 'ROM', 'exact')).toEqual([{ kind: 'parent', label: 'exact' }]);
    expect(routeCandidates(c, cl, 'ROM', 'fs/a')).toEqual([{ kind: 'child', name: 'server' }]);
    expect(routeCandidates(c, cl, 'ROM', 'other')).toEqual({
      denied: 'no route for service "ROM" (label "other") of child "client"',
    });
  });

  it('matches an empty label attribute only against an empty client label', () => {
    const c = ok(
      wrap(`  <start name="client"><route><service name="LOG" label=""><parent/></service></route></start>`),
    );
    expect(routeCandidates(c, child(c, 'client'), 'LOG', '')).toEqual([{ kind: 'parent' }]);
    expect(Array.isArray(routeCandidates(c, child(c, 'client'), 'LOG', 'x'))).toBe(false);
  });
});

describe('resolveRoute', () => {
  const cfg = ok(FULL);
  const counter = child(cfg, 'counter');
  const server = child(cfg, 'server');

  it('prefers the parent when it provides the service', () => {
    expect(resolveRoute(cfg, server, 'LOG', '')).toEqual({ kind: 'parent', label: 'server' });
    expect(resolveRoute(cfg, counter, 'ROM', 'config')).toEqual({ kind: 'parent', label: 'counter.config' });
  });

  it('falls back to the child providing it for <parent/><any-child/>', () => {
    expect(resolveRoute(cfg, server, 'Timer', 'tick')).toEqual({
      kind: 'child',
      name: 'timer',
      label: 'server -> tick',
    });
    expect(resolveRoute(cfg, counter, 'Timer', '')).toEqual({ kind: 'child', name: 'timer', label: 'counter' });
    expect(resolveRoute(cfg, counter, 'Hello', 'h')).toEqual({ kind: 'child', name: 'server', label: 'counter -> h' });
  });

  it('never routes a child to itself through any-child', () => {
    expect(resolveRoute(cfg, counter, 'Counter', '')).toEqual({
      kind: 'denied',
      reason: 'no available provider for service "Counter" (label "") of child "counter"',
    });
    expect(resolveRoute(cfg, server, 'Counter', '')).toEqual({ kind: 'child', name: 'counter', label: 'server' });
  });

  it('denies ambiguous any-child routes and passes on route denials', () => {
    const c = ok(
      wrap(`  <start name="timer2"><provides><service name="Timer"/></provides></start>\n  <start name="c"/>`),
    );
    expect(resolveRoute(c, child(c, 'c'), 'Timer', '')).toEqual({
      kind: 'denied',
      reason: 'ambiguous route for service "Timer" (label "") of child "c": provided by "timer", "timer2"',
    });
    const bare = ok('<config><default caps="1"/><start name="x"/></config>');
    expect(resolveRoute(bare, child(bare, 'x'), 'LOG', 'l')).toEqual({
      kind: 'denied',
      reason: 'no route for service "LOG" (label "l") of child "x"',
    });
  });
});
