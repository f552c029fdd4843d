/**
 * Genode *init* configuration: parser into a typed model, and session routing.
 *
 * The accepted language follows Genode's init (repos/os/src/lib/sandbox): a `<config>` root
 * with `<parent-provides>`, `<default-route>`, `<default caps ram>`, `<affinity-space>` and
 * `<start>` nodes; each start may carry `<binary>`, `<resource>`, `<affinity>`, `<provides>`,
 * `<route>` and the child's own `<config>`, whose source text is kept verbatim (the child reads
 * it as its "config" ROM).
 *
 * Errors are values: {@link parseInitConfig} never throws for bad input. Fatal problems (the
 * config cannot be run as written) come back as one {@link ConfigIssue}, the earliest in the
 * document; things Genode would skip come back as warnings, so configs from real run scripts
 * still load.
 *
 * Choices where Genode leaves room or where we are stricter:
 * - Nodes this model does not support (`<alias>`, `<report>`, `<heartbeat>`, `<service>` at top
 *   level, `<resource name="X">` with unknown X, route targets such as `<local/>`, ...) are
 *   warnings and are ignored.
 * - Unknown attributes are ignored silently, except on route rules and route targets: there a
 *   typo such as `lable=` would silently widen a route, so it is warned about.
 * - A repeated single node (`<route>`, `<config>`, `<binary>`, `<affinity>`, `<provides>`,
 *   `<default-route>`, `<default>`, `<affinity-space>`, `<parent-provides>`) is a warning; the
 *   first one applies, as in Genode.
 * - `caps` defaults to `<default caps>`, else 0 with a warning (Genode starts such a child with
 *   no capability quota, so it cannot run; the runtime reports that when starting it). `ram`
 *   defaults to `<default ram>`, else 0. A `<resource name="RAM">` node overrides `ram=`.
 * - `cpuPercent` (from `<resource name="CPU" quantum>`) defaults to 0, meaning "no CPU quota
 *   given"; values above 100 are errors.
 * - `prio_levels` absent or 0 means one level (only priority 0 is valid); it must be a power of
 *   two of at most 65536 (Genode disables priorities with a warning instead; we reject it).
 *   A priority outside 0 .. -(prio_levels-1) is an error (Genode clamps it with a warning).
 * - An affinity outside the affinity space is an error (Genode ignores it with a warning).
 * - Sizes are an unsigned decimal or `0x` hexadecimal integer with an optional `K`, `M` or `G`
 *   suffix (powers of 1024); fractions ("1.5M") and lower-case suffixes are rejected because
 *   Genode would silently misread them.
 * - `<start checkpoint="yes|no|wait">` is Corescope's own: it puts the child under the
 *   checkpointing runtime (core/runtime/component_runtime.ts); Genode's init has no such thing
 *   (there, the runtime would be a component between init and the child).
 * - Columns are 1-based and count UTF-16 code units; `\n`, `\r\n` and a lone `\r` end a line.
 */
import { SaxesParser } from 'saxes';

// ------------------------------------------------------------------------ model --

/** A problem in the config, with the position of the node or attribute it concerns. */
export interface ConfigIssue {
  /** 1-based line. */
  line: number;
  /** 1-based column (UTF-16 code units). */
  column: number;
  /** Name of the XML node concerned ('' for document-level XML errors). */
  node: string;
  /** The attribute concerned, if any. */
  attribute?: string;
  message: string;
}

/** One target of a route rule: where a matching session request may go. */
export interface RouteTarget {
  kind: 'parent' | 'child' | 'any-child';
  /** The server child's name (kind 'child' only). */
  name?: string;
  /** Replaces the whole session label passed on to the server (see {@link targetLabel}). */
  label?: string;
}

/** One `<service>` or `<any-service>` node of a `<route>` or `<default-route>`. */
export interface RouteRule {
  /** The service name, or '*' for `<any-service>`. */
  service: string | '*';
  /** Client-chosen label must equal this. */
  label?: string;
  /** Client-chosen label must start with this. */
  labelPrefix?: string;
  /** Client-chosen label must end with this. */
  labelSuffix?: string;
  /** Last element of the full session label must equal this (Genode's `label_last`). */
  labelLast?: string;
  /** The full session label ("child -> label") must equal this; other label constraints are then ignored. */
  unscopedLabel?: string;
  /** Targets in order of preference; empty means matching requests are denied. */
  targets: RouteTarget[];
  line: number;
  column: number;
}

/** A `<start>` node: one child of init. */
export interface StartNode {
  name: string;
  line: number;
  column: number;
  /** ROM module to load; `<binary name>` or the start name. */
  binary: string;
  caps: number;
  /** RAM quota in bytes. */
  ram: number;
  /** CPU quota in percent (0 = none given). */
  cpuPercent: number;
  /** 0 (highest) down to -(prioLevels-1). */
  priority: number;
  /** Location within the affinity space, or null if not given (the whole space). */
  affinity: { x: number; y: number; width: number; height: number } | null;
  /** Services the child announces (`<provides>`). */
  provides: string[];
  /** The child's own `<route>` rules, or null to use the default route. */
  route: RouteRule[] | null;
  /** Source text of the child's `<config>` node, from `<config` to its end, or null. */
  config: string | null;
  /** Line of the child's `<config>` node, or 0 if there is none. */
  configLine: number;
  /**
   * `checkpoint`: 'yes' runs the child under the checkpointing runtime (core/runtime), which
   * virtualizes its sessions; 'wait' also does, but init does not start it: the component
   * arrives by a restore (rolled back or migrated from another machine); 'no' (the default)
   * is a plain child.
   */
  checkpoint: CheckpointMode;
}

/** How init runs a child with respect to checkpointing (see {@link StartNode.checkpoint}). */
export type CheckpointMode = 'no' | 'yes' | 'wait';

/** The parsed init configuration. */
export interface InitConfig {
  prioLevels: number;
  verbose: boolean;
  parentProvides: string[];
  defaultRoute: RouteRule[];
  defaultCaps: number;
  /** Default RAM quota in bytes. */
  defaultRam: number;
  affinitySpace: { width: number; height: number };
  children: StartNode[];
  /** Non-fatal issues in document order. */
  warnings: ConfigIssue[];
}

/** Where a session request goes, or why it is denied. */
export type RouteDecision =
  | { kind: 'parent'; label: string }
  | { kind: 'child'; name: string; label: string }
  | { kind: 'any-child'; label: string }
  | { kind: 'denied'; reason: string };

// ---------------------------------------------------------------- small helpers --

const SIZE_RE = /^(0[xX][0-9a-fA-F]+|[0-9]+)([KMG]?)$/;
const UINT_RE = /^(0[xX][0-9a-fA-F]+|[0-9]+)$/;
const INT_RE = /^-?[0-9]+$/;
const SIZE_FACTOR: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
const MAX_PRIO_LEVELS = 65536; // Genode's CPU-session priority range

/**
 * Parses a Genode size ("4096", "16K", "1M", "2G", "0x1000"): the byte count, or null if the
 * text is not a size or exceeds `Number.MAX_SAFE_INTEGER`.
 */
export function parseSize(text: string): number | null {
  const m = SIZE_RE.exec(text);
  if (!m) return null;
  const value = Number(m[1]) * SIZE_FACTOR[m[2]];
  return Number.isSafeInteger(value) ? value : null;
}

function parseUint(text: string): number | null {
  if (!UINT_RE.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/** "file:LINE:COL: <node attr>: message" (the node part is left out for document-level errors). */
export function formatIssue(file: string, e: ConfigIssue): string {
  const where = e.node === '' ? '' : `<${e.node}${e.attribute !== undefined ? ` ${e.attribute}` : ''}>: `;
  return `${file}:${e.line}:${e.column}: ${where}${e.message}`;
}

/** The session label init presents for a request: "child" if clientLabel is empty, else "child -> clientLabel". */
export function sessionLabel(childName: string, clientLabel: string): string {
  return clientLabel === '' ? childName : `${childName} -> ${clientLabel}`;
}

/** The label passed on to the server when `target` is used: its `label` rewrite, else the session label. */
export function targetLabel(child: StartNode, clientLabel: string, target: RouteTarget): string {
  return target.label ?? sessionLabel(child.name, clientLabel);
}

function lastElement(label: string): string {
  const i = label.lastIndexOf(' -> ');
  return i < 0 ? label : label.slice(i + 4);
}

// ------------------------------------------------------------------- XML tree --

interface Attr {
  value: string;
  offset: number;
}

/** An element with source offsets: `offset` is at its '<', `end` just past its end tag. */
interface El {
  name: string;
  offset: number;
  end: number;
  attrs: Map<string, Attr>;
  children: El[];
}

/** Maps string offsets to 1-based line/column. */
class LineTable {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) this.starts.push(i + 1);
      else if (c === 0x0d) {
        if (text.charCodeAt(i + 1) === 0x0a) i++;
        this.starts.push(i + 1);
      }
    }
  }

  at(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Builds the element tree; on malformed XML returns saxes' first error and where it happened. */
function parseTree(xml: string): { root: El } | { offset: number; node: string; message: string } {
  const parser = new SaxesParser({ position: true });
  const stack: El[] = [];
  // An object, because TypeScript does not see assignments made inside the event handlers.
  const out: { root: El | null; failure: { offset: number; node: string; message: string } | null } = {
    root: null,
    failure: null,
  };
  let cursor = 0; // end of the tag name or of the previous attribute: the next attribute starts after whitespace

  parser.on('opentagstart', (tag) => {
    // saxes reports this after the name and the character that ended it (two code units for
    // "\r\n"); '<' directly precedes the name in XML.
    const offset = xml.lastIndexOf(`<${tag.name}`, parser.position - tag.name.length - 2);
    const el: El = {
      name: tag.name,
      offset,
      end: -1,
      attrs: new Map(),
      children: [],
    };
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    else out.root ??= el;
    stack.push(el);
    cursor = offset + 1 + tag.name.length;
  });
  parser.on('attribute', (attr) => {
    let start = cursor;
    while (start < xml.length && isSpace(xml.charCodeAt(start))) start++;
    stack[stack.length - 1]?.attrs.set(attr.name, { value: attr.value, offset: start });
    cursor = parser.position;
  });
  parser.on('closetag', () => {
    const el = stack.pop();
    if (el) el.end = parser.position;
  });
  parser.on('error', (err) => {
    if (out.failure) return;
    // saxes prefixes "line:col: " (0-based column); we report positions ourselves.
    const message = err.message.replace(/^\d+:\d+: /, '').replace(/\.$/, '');
    const open = stack.length > 0 ? stack[stack.length - 1] : null;
    // An unclosed tag is found at the end of the input; its start tag is the useful place.
    const offset = open && message.startsWith('unclosed tag') ? open.offset : parser.position;
    out.failure = { offset, node: open ? open.name : '', message };
  });

  try {
    parser.write(xml).close();
  } catch (e) {
    // Only reached if saxes throws despite the error handler; keep errors as values.
    out.failure ??= { offset: parser.position, node: '', message: e instanceof Error ? e.message : String(e) };
  }
  if (out.failure) return out.failure;
  if (!out.root) return { offset: 0, node: '', message: 'document must contain a root element' };
  return { root: out.root };
}

// ------------------------------------------------------------------ semantics --

const RULE_ATTRS = new Set(['name', 'label', 'label_prefix', 'label_suffix', 'label_last', 'unscoped_label']);
const TARGET_ATTRS: Record<string, Set<string>> = {
  parent: new Set(['label', 'diag']),
  child: new Set(['name', 'label', 'diag']),
  'any-child': new Set(['label', 'diag']),
};

/** Collects issues while walking the tree; numeric readers fall back to a default after reporting. */
class Builder {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];
  private readonly lines: LineTable;

  constructor(
    readonly xml: string,
    lines: LineTable,
  ) {
    this.lines = lines;
  }

  pos(offset: number): { line: number; column: number } {
    return this.lines.at(offset);
  }

  private issue(el: El, attribute: string | undefined, message: string): ConfigIssue {
    const a = attribute !== undefined ? el.attrs.get(attribute) : undefined;
    const { line, column } = this.pos(a ? a.offset : el.offset);
    return attribute !== undefined && a
      ? { line, column, node: el.name, attribute, message }
      : { line, column, node: el.name, message };
  }

  error(el: El, attribute: string | undefined, message: string): void {
    this.errors.push(this.issue(el, attribute, message));
  }

  warn(el: El, attribute: string | undefined, message: string): void {
    this.warnings.push(this.issue(el, attribute, message));
  }

  str(el: El, name: string): string | undefined {
    return el.attrs.get(name)?.value;
  }

  /** A required, non-empty `name` attribute, or null after reporting its absence. */
  name(el: El): string | null {
    const value = this.str(el, 'name');
    if (value === undefined || value === '') {
      this.error(el, value === undefined ? undefined : 'name', `missing name attribute`);
      return null;
    }
    return value;
  }

  uint(el: El, name: string, fallback: number): number {
    const text = this.str(el, name);
    if (text === undefined) return fallback;
    const value = parseUint(text);
    if (value === null) {
      this.error(el, name, text.startsWith('-') ? `must not be negative: "${text}"` : `bad number "${text}"`);
      return fallback;
    }
    return value;
  }

  size(el: El, name: string, fallback: number): number {
    const text = this.str(el, name);
    if (text === undefined) return fallback;
    const value = parseSize(text);
    if (value === null) {
      this.error(
        el,
        name,
        text.startsWith('-')
          ? `quota must not be negative: "${text}"`
          : `bad size "${text}" (expected an integer with an optional K, M or G suffix)`,
      );
      return fallback;
    }
    return value;
  }

  int(el: El, name: string, fallback: number): number {
    const text = this.str(el, name);
    if (text === undefined) return fallback;
    const value = INT_RE.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value)) {
      this.error(el, name, `bad number "${text}"`);
      return fallback;
    }
    return value;
  }

  bool(el: El, name: string, fallback: boolean): boolean {
    const text = this.str(el, name);
    if (text === undefined) return fallback;
    if (['yes', 'true', 'on', '1'].includes(text)) return true;
    if (['no', 'false', 'off', '0'].includes(text)) return false;
    this.error(el, name, `bad boolean "${text}" (expected yes or no)`);
    return fallback;
  }

  /** The first sub-node called `name`, warning about any further ones. */
  single(parent: El, name: string): El | null {
    const found = parent.children.filter((c) => c.name === name);
    for (const extra of found.slice(1)) {
      this.warn(extra, undefined, `duplicate <${name}> in <${parent.name}> is ignored; the first one applies`);
    }
    return found[0] ?? null;
  }

  /** Names of the `<service name>` sub-nodes of a `<parent-provides>` or `<provides>` node. */
  services(el: El): string[] {
    const names: string[] = [];
    for (const c of el.children) {
      if (c.name !== 'service') {
        this.warn(c, undefined, `unsupported node <${c.name}> in <${el.name}> is ignored`);
        continue;
      }
      const name = this.name(c);
      if (name !== null && !names.includes(name)) names.push(name);
    }
    return names;
  }
}

/** A route target naming a child, checked against `<provides>` once all children are known. */
interface ChildTargetCheck {
  el: El;
  service: string;
  child: string;
  owner: string;
}

function parseRoute(
  b: Builder,
  routeEl: El,
  childNames: Set<string>,
  owner: string,
  checks: ChildTargetCheck[],
): RouteRule[] {
  const rules: RouteRule[] = [];
  for (const ruleEl of routeEl.children) {
    let service: string;
    if (ruleEl.name === 'any-service') service = '*';
    else if (ruleEl.name === 'service') {
      const name = b.name(ruleEl);
      if (name === null) continue;
      service = name;
    } else {
      b.warn(ruleEl, undefined, `unsupported node <${ruleEl.name}> in <${routeEl.name}> is ignored`);
      continue;
    }
    for (const a of ruleEl.attrs.keys()) {
      if (!RULE_ATTRS.has(a) || (a === 'name' && service === '*')) {
        b.warn(ruleEl, a, `unknown attribute "${a}" is ignored`);
      }
    }
    const { line, column } = b.pos(ruleEl.offset);
    const rule: RouteRule = { service, targets: [], line, column };
    const label = b.str(ruleEl, 'label');
    const labelPrefix = b.str(ruleEl, 'label_prefix');
    const labelSuffix = b.str(ruleEl, 'label_suffix');
    const labelLast = b.str(ruleEl, 'label_last');
    const unscopedLabel = b.str(ruleEl, 'unscoped_label');
    if (label !== undefined) rule.label = label;
    if (labelPrefix !== undefined) rule.labelPrefix = labelPrefix;
    if (labelSuffix !== undefined) rule.labelSuffix = labelSuffix;
    if (labelLast !== undefined) rule.labelLast = labelLast;
    if (unscopedLabel !== undefined) {
      rule.unscopedLabel = unscopedLabel;
      if ([label, labelPrefix, labelSuffix, labelLast].some((v) => v !== undefined)) {
        b.warn(
          ruleEl,
          'unscoped_label',
          'unscoped_label given together with scoped label attributes, which are ignored',
        );
      }
    }

    for (const t of ruleEl.children) {
      const known = TARGET_ATTRS[t.name];
      if (!known) {
        b.warn(t, undefined, `unsupported route target <${t.name}> is ignored`);
        continue;
      }
      for (const a of t.attrs.keys()) {
        if (!known.has(a)) b.warn(t, a, `unknown attribute "${a}" is ignored`);
      }
      const target: RouteTarget = { kind: t.name as RouteTarget['kind'] };
      if (t.name === 'child') {
        const name = b.name(t);
        if (name === null) continue;
        if (!childNames.has(name)) {
          b.error(t, 'name', `route of ${owner} names child "${name}", which does not exist`);
          continue;
        }
        target.name = name;
        if (service !== '*') checks.push({ el: t, service, child: name, owner });
      }
      const tl = b.str(t, 'label');
      if (tl !== undefined) target.label = tl;
      rule.targets.push(target);
    }
    if (ruleEl.children.length === 0) {
      b.warn(
        ruleEl,
        undefined,
        `route rule for ${service === '*' ? 'any service' : `service "${service}"`} has no targets; matching requests are denied`,
      );
    }
    rules.push(rule);
  }
  return rules;
}

interface Defaults {
  caps: number | null;
  ram: number;
  prioLevels: number;
  space: { width: number; height: number };
}

function parseStart(
  b: Builder,
  el: El,
  name: string,
  defaults: Defaults,
  childNames: Set<string>,
  checks: ChildTargetCheck[],
): StartNode {
  const { line, column } = b.pos(el.offset);
  const owner = `child "${name}"`;

  let caps = defaults.caps ?? 0;
  if (el.attrs.has('caps')) caps = b.uint(el, 'caps', caps);
  else if (defaults.caps === null)
    b.warn(el, undefined, `${owner} has no caps attribute and there is no <default caps>; it gets 0 capabilities`);
  let ram = b.size(el, 'ram', defaults.ram);
  let cpuPercent = 0;
  const checkpoint = parseCheckpoint(b, el);

  const priority = b.int(el, 'priority', 0);
  if (priority > 0 || priority <= -defaults.prioLevels) {
    b.error(
      el,
      'priority',
      `priority ${priority} outside 0 .. ${-(defaults.prioLevels - 1)} (prio_levels="${defaults.prioLevels}")`,
    );
  }

  let binary = name;
  let affinity: StartNode['affinity'] = null;
  let provides: string[] = [];
  let route: RouteRule[] | null = null;
  let config: string | null = null;
  let configLine = 0;
  const seen = new Set<string>();

  for (const c of el.children) {
    const first = !seen.has(c.name);
    seen.add(c.name);
    switch (c.name) {
      case 'resource': {
        const rname = b.str(c, 'name');
        if (rname === 'RAM') {
          if (!c.attrs.has('quantum')) b.error(c, undefined, 'missing quantum attribute');
          const q = b.size(c, 'quantum', ram);
          if (el.attrs.has('ram') && q !== ram)
            b.warn(c, 'quantum', `${owner}: <resource name="RAM"> overrides ram="${b.str(el, 'ram')}"`);
          ram = q;
        } else if (rname === 'CPU') {
          if (!c.attrs.has('quantum')) b.error(c, undefined, 'missing quantum attribute');
          cpuPercent = b.uint(c, 'quantum', cpuPercent);
          if (cpuPercent > 100) {
            b.error(c, 'quantum', `CPU quantum ${cpuPercent} exceeds 100 percent`);
            cpuPercent = 100;
          }
        } else {
          b.warn(
            c,
            rname === undefined ? undefined : 'name',
            `unsupported resource ${rname === undefined ? 'without name' : `"${rname}"`} is ignored`,
          );
        }
        break;
      }
      case 'binary':
      case 'affinity':
      case 'provides':
      case 'route':
      case 'config':
        if (!first) {
          b.warn(c, undefined, `duplicate <${c.name}> in <start> is ignored; the first one applies`);
          break;
        }
        if (c.name === 'binary') binary = b.name(c) ?? binary;
        else if (c.name === 'affinity') affinity = parseAffinity(b, c, defaults.space);
        else if (c.name === 'provides') provides = b.services(c);
        else if (c.name === 'route') route = parseRoute(b, c, childNames, owner, checks);
        else {
          config = b.xml.slice(c.offset, c.end);
          configLine = b.pos(c.offset).line;
        }
        break;
      default:
        b.warn(c, undefined, `unsupported node <${c.name}> in <start> is ignored`);
    }
  }

  return {
    name,
    line,
    column,
    binary,
    caps,
    ram,
    cpuPercent,
    priority,
    affinity,
    provides,
    route,
    config,
    configLine,
    checkpoint,
  };
}

/** The `checkpoint` attribute of a start node: a boolean, or "wait". */
function parseCheckpoint(b: Builder, el: El): CheckpointMode {
  const text = b.str(el, 'checkpoint');
  if (text === undefined) return 'no';
  if (text === 'wait') return 'wait';
  if (['yes', 'true', 'on', '1'].includes(text)) return 'yes';
  if (['no', 'false', 'off', '0'].includes(text)) return 'no';
  b.error(el, 'checkpoint', `bad checkpoint mode "${text}" (expected yes, no or wait)`);
  return 'no';
}

function parseAffinity(b: Builder, el: El, space: { width: number; height: number }): StartNode['affinity'] {
  const x = b.uint(el, 'xpos', 0);
  const y = b.uint(el, 'ypos', 0);
  const width = b.uint(el, 'width', 1);
  const height = b.uint(el, 'height', 1);
  const outside = (attr: string, what: string) =>
    b.error(el, attr, `affinity ${what} lies outside the affinity space ${space.width}x${space.height}`);
  if (width === 0) b.error(el, 'width', 'affinity width must be at least 1');
  else if (x >= space.width) outside('xpos', `xpos ${x}`);
  else if (x + width > space.width) outside('width', `xpos ${x} + width ${width}`);
  if (height === 0) b.error(el, 'height', 'affinity height must be at least 1');
  else if (y >= space.height) outside('ypos', `ypos ${y}`);
  else if (y + height > space.height) outside('height', `ypos ${y} + height ${height}`);
  return { x, y, width, height };
}

const TOP_LEVEL = new Set(['parent-provides', 'default-route', 'default', 'affinity-space', 'start']);

function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  return a.line - b.line || a.column - b.column;
}

/**
 * Parses an init configuration. On success the config carries non-fatal warnings; on failure
 * the error is the earliest fatal issue in the document.
 */
export function parseInitConfig(xml: string): { ok: true; config: InitConfig } | { ok: false; error: ConfigIssue } {
  const lines = new LineTable(xml);
  const tree = parseTree(xml);
  if (!('root' in tree)) {
    const { line, column } = lines.at(tree.offset);
    return { ok: false, error: { line, column, node: tree.node, message: tree.message } };
  }
  const root = tree.root;
  const b = new Builder(xml, lines);
  if (root.name !== 'config') {
    b.error(root, undefined, `root node must be <config>, not <${root.name}>`);
    return { ok: false, error: b.errors[0] };
  }

  let prioLevels = b.uint(root, 'prio_levels', 1);
  if (prioLevels === 0) prioLevels = 1; // Genode: 0 disables priorities, i.e. a single level
  if (prioLevels > MAX_PRIO_LEVELS || (prioLevels & (prioLevels - 1)) !== 0) {
    b.error(root, 'prio_levels', `prio_levels must be a power of two up to ${MAX_PRIO_LEVELS}, not ${prioLevels}`);
    prioLevels = 1;
  }
  const verbose = b.bool(root, 'verbose', false);

  for (const c of root.children) {
    if (!TOP_LEVEL.has(c.name)) b.warn(c, undefined, `unsupported node <${c.name}> is ignored`);
  }

  // Config-wide nodes apply wherever they appear, so read them before the start nodes.
  const space = { width: 1, height: 1 };
  const spaceEl = b.single(root, 'affinity-space');
  if (spaceEl) {
    space.width = b.uint(spaceEl, 'width', 1);
    space.height = b.uint(spaceEl, 'height', 1);
    if (space.width === 0) b.error(spaceEl, 'width', 'affinity-space width must be at least 1');
    if (space.height === 0) b.error(spaceEl, 'height', 'affinity-space height must be at least 1');
    space.width ||= 1;
    space.height ||= 1;
  }

  const defaultEl = b.single(root, 'default');
  const defaults: Defaults = {
    caps: defaultEl && defaultEl.attrs.has('caps') ? b.uint(defaultEl, 'caps', 0) : null,
    ram: defaultEl ? b.size(defaultEl, 'ram', 0) : 0,
    prioLevels,
    space,
  };

  const providesEl = b.single(root, 'parent-provides');
  const parentProvides = providesEl ? b.services(providesEl) : [];

  // Start names first: routes may name children defined further down.
  const starts: { el: El; name: string }[] = [];
  const firstLine = new Map<string, number>();
  for (const el of root.children) {
    if (el.name !== 'start') continue;
    const name = b.name(el);
    if (name === null) continue;
    const prev = firstLine.get(name);
    if (prev !== undefined) {
      b.error(el, 'name', `duplicate start name "${name}" (first defined at line ${prev})`);
      continue;
    }
    firstLine.set(name, b.pos(el.offset).line);
    starts.push({ el, name });
  }
  const childNames = new Set(firstLine.keys());
  const checks: ChildTargetCheck[] = [];

  const routeEl = b.single(root, 'default-route');
  const defaultRoute = routeEl ? parseRoute(b, routeEl, childNames, 'the default route', checks) : [];

  const children = starts.map(({ el, name }) => parseStart(b, el, name, defaults, childNames, checks));

  for (const check of checks) {
    const server = children.find((c) => c.name === check.child);
    if (server && !server.provides.includes(check.service)) {
      b.warn(
        check.el,
        'name',
        `${check.owner} routes "${check.service}" to child "${check.child}", which does not provide it`,
      );
    }
  }

  if (b.errors.length > 0) return { ok: false, error: [...b.errors].sort(byPosition)[0] };
  return {
    ok: true,
    config: {
      prioLevels,
      verbose,
      parentProvides,
      defaultRoute,
      defaultCaps: defaults.caps ?? 0,
      defaultRam: defaults.ram,
      affinitySpace: space,
      children,
      warnings: [...b.warnings].sort(byPosition),
    },
  };
}

// --------------------------------------------------------------------- routing --

function ruleMatches(rule: RouteRule, childName: string, service: string, label: string): boolean {
  if (rule.service !== '*' && rule.service !== service) return false;
  const full = sessionLabel(childName, label);
  if (rule.unscopedLabel !== undefined) return full === rule.unscopedLabel;
  if (rule.labelLast !== undefined) return lastElement(full) === rule.labelLast;
  if (rule.label !== undefined && label !== rule.label) return false;
  if (rule.labelPrefix !== undefined && !label.startsWith(rule.labelPrefix)) return false;
  if (rule.labelSuffix !== undefined && !label.endsWith(rule.labelSuffix)) return false;
  return true;
}

function requestText(child: StartNode, service: string, label: string): string {
  return `service "${service}" (label "${label}") of child "${child.name}"`;
}

/**
 * Resolves a session request of child `child` for `service` with the client-chosen `label` (the
 * part after "child -> "). Tries candidates in order and returns ALL matching targets of the first
 * matching rule so the caller can pick the first that is available (e.g. <parent/><any-child/>:
 * parent if the parent provides it, else a child providing it).
 *
 * The child's `<route>` applies if it has one (even if empty), else `<default-route>`. The
 * inline "config" ROM and the binary's ROM are the caller's business (Genode serves them before
 * routing). Label constraints: `label`, `label_prefix` and `label_suffix` test the client-chosen
 * label (all given ones must hold), `label_last` the last element and `unscoped_label` the whole
 * session label ({@link sessionLabel}).
 */
export function routeCandidates(
  cfg: InitConfig,
  child: StartNode,
  service: string,
  label: string,
): RouteTarget[] | { denied: string } {
  const rules = child.route ?? cfg.defaultRoute;
  for (const rule of rules) {
    if (!ruleMatches(rule, child.name, service, label)) continue;
    if (rule.targets.length === 0) {
      return { denied: `route rule at line ${rule.line} for ${requestText(child, service, label)} has no targets` };
    }
    return rule.targets;
  }
  return { denied: `no route for ${requestText(child, service, label)}` };
}

/**
 * Picks the first target of {@link routeCandidates} that the config declares available: the
 * parent if `<parent-provides>` lists the service, a named child if its `<provides>` does, and
 * for `<any-child/>` the single other child providing it (several are ambiguous and denied, as in
 * Genode; the requester itself is never chosen). Returns a 'child' decision for any-child, naming
 * the chosen server; the label is the one passed on to the server ({@link targetLabel}).
 */
export function resolveRoute(cfg: InitConfig, child: StartNode, service: string, label: string): RouteDecision {
  const candidates = routeCandidates(cfg, child, service, label);
  if (!Array.isArray(candidates)) return { kind: 'denied', reason: candidates.denied };
  for (const t of candidates) {
    const passed = targetLabel(child, label, t);
    if (t.kind === 'parent') {
      if (cfg.parentProvides.includes(service)) return { kind: 'parent', label: passed };
    } else if (t.kind === 'child') {
      const server = cfg.children.find((c) => c.name === t.name);
      if (server?.provides.includes(service)) return { kind: 'child', name: server.name, label: passed };
    } else {
      const servers = cfg.children.filter((c) => c !== child && c.provides.includes(service));
      if (servers.length > 1) {
        return {
          kind: 'denied',
          reason: `ambiguous route for ${requestText(child, service, label)}: provided by ${servers.map((s) => `"${s.name}"`).join(', ')}`,
        };
      }
      if (servers.length === 1) return { kind: 'child', name: servers[0].name, label: passed };
    }
  }
  return { kind: 'denied', reason: `no available provider for ${requestText(child, service, label)}` };
}
