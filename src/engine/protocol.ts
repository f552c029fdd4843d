/**
 * The protocol between the UI (renderer or browser) and the engine host: every command, reply
 * and event is declared here once, as a valibot schema, and the TypeScript types are derived
 * from the schemas. Both ends import this module; nothing that crosses a process boundary is
 * used before one of the `parse*` functions below has accepted it.
 *
 * Wire format: plain JSON-able objects (a MessagePort clones them, the WebSocket transport
 * sends them as JSON text frames).
 *
 *   { type: 'hello', version }                          both ends, first message
 *   { type: 'cmd', id, cmd: { kind, ... } }             UI -> engine
 *   { type: 'reply', id, ok: true, result }             engine -> UI, one per command
 *   { type: 'reply', id, ok: false, error }
 *   { type: 'event', event: { kind, ... } }             engine -> UI, unsolicited, batched
 *
 * A reply does not name its command's kind; the UI remembers which kind it sent under which
 * `id` and checks the result with {@link parseResult} (or passes the kind to
 * {@link parseReply}).
 *
 * Unknown fields are rejected everywhere (`v.strictObject`): a misspelt optional field such as
 * `hitcount` would otherwise be dropped silently and the command would do something else than
 * asked.
 *
 * valibot builds no code at run time (no `eval`, no `new Function`), so this module also works
 * under a strict Content-Security-Policy (the test runs it in a `vm` context with code
 * generation from strings disabled).
 */
import * as v from 'valibot';
import { ABI_NAMES, registerNumber } from './cpu/registers';
import { TRACE_KIND_NAMES } from './core/trace';

/** Trace event kinds by the engine's numbering (core/trace.ts), for clients of the protocol. */
export { TRACE_KIND_NAMES };

/** Bumped on every incompatible change; both ends exchange it in their hello. */
export const PROTOCOL_VERSION = 1;

/** Bounds on what a command may ask for or carry. */
export const LIMITS = {
  /** memoryRead length and memoryWrite payload, in bytes. */
  memoryBytes: 65536,
  /** Instructions per disassemble command. */
  disassembleCount: 512,
  /** Watched range, in bytes. */
  watchLength: 4096,
  /** Events per traceSince reply. */
  traceEvents: 65536,
  /** Scenario XML (load text, configApply) and one traceChunk, in characters. */
  document: 1 << 20,
  /** A file system path. */
  path: 4096,
  /** A symbol, file, label, service, register or thread name. */
  name: 256,
  /** A breakpoint condition or log pattern. */
  expression: 1024,
  /** A human-readable message (error text, log line, reason). */
  text: 65536,
} as const;

const MAX_ID = 0x7fff_ffff;
const UINT32_MAX = 0xffff_ffff;

// ------------------------------------------------------------ field types --

/** A readable rendering of a rejected value, for error messages. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** An error message "expected <what>, got <value>" for any issue. */
const expected =
  (what: string) =>
  (issue: v.BaseIssue<unknown>): string =>
    `expected ${what}, got ${show(issue.input)}`;

/** An integer in [min, max]. */
function int(min: number, max: number, what: string) {
  const m = expected(what);
  return v.pipe(v.number(m), v.integer(m), v.minValue(min, m), v.maxValue(max, m));
}

/** A finite number, at least `min`. */
function real(min: number, what: string) {
  const m = expected(what);
  return v.pipe(v.number(m), v.finite(m), v.minValue(min, m));
}

/** A string of min..max characters. */
function str(min: number, max: number) {
  const what = min > 0 ? `a string of ${min}..${max} characters` : `a string of at most ${max} characters`;
  const m = expected(what);
  const len = (issue: v.BaseIssue<unknown>): string => `expected ${what}, got ${issue.received} characters`;
  return v.pipe(v.string(m), v.minLength(min, len), v.maxLength(max, len));
}

/** One of a fixed list of strings. */
function oneOf<const T extends readonly [string, ...string[]]>(options: T) {
  return v.picklist(options, expected(`one of ${options.map((o) => `'${o}'`).join(' | ')}`));
}

/** An array of at most `max` items. */
function list<T extends v.GenericSchema>(item: T, max: number) {
  return v.pipe(
    v.array(item, expected('an array')),
    v.maxLength(max, (issue) => `expected at most ${max} items, got ${issue.received}`),
  );
}

const bool = v.boolean(expected('true or false'));

/** A virtual or physical address. */
export const Uint32Schema = int(0, UINT32_MAX, 'a uint32 (0..4294967295)');
/** Thread, PD, breakpoint, watchpoint, catchpoint, session and object ids. */
export const IdSchema = int(1, MAX_ID, `a positive integer id (1..${MAX_ID})`);
/** Counts, sequence numbers, message ids. */
export const CountSchema = int(0, Number.MAX_SAFE_INTEGER, 'a non-negative integer');

const Uint32 = Uint32Schema;
const Id = IdSchema;
const Count = CountSchema;
const Name = str(1, LIMITS.name);
const Label = str(0, LIMITS.name);
const Path = str(1, LIMITS.path);
const Text = str(0, LIMITS.text);
const Document = str(0, LIMITS.document);
const Expression = str(0, LIMITS.expression);

/** A PD id, or 'core' (core is not a PD but serves sessions and creates objects). */
const PdRef = v.union([Id, v.literal('core')], expected("a PD id or 'core'"));

// ----------------------------------------------------------- base64 bytes --

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_INDEX = new Map([...BASE64].map((c, i) => [c, i]));

/** Standard padded base64 (RFC 4648 section 4) of `bytes`. */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64[n >>> 18] + BASE64[(n >>> 12) & 63];
    out += i + 1 < bytes.length ? BASE64[(n >>> 6) & 63] : '=';
    out += i + 2 < bytes.length ? BASE64[n & 63] : '=';
  }
  return out;
}

/** The bytes of standard padded base64 text, or null when `text` is not that. */
export function decodeBase64(text: string): Uint8Array | null {
  if (!BASE64_RE.test(text)) return null;
  const out = new Uint8Array(base64Length(text));
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n =
      (BASE64_INDEX.get(text[i])! << 18) |
      (BASE64_INDEX.get(text[i + 1])! << 12) |
      ((BASE64_INDEX.get(text[i + 2]) ?? 0) << 6) |
      (BASE64_INDEX.get(text[i + 3]) ?? 0);
    out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** The number of bytes that well-formed padded base64 `text` decodes to. */
function base64Length(text: string): number {
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - pad;
}

/**
 * Memory contents on the wire: standard padded base64, not a number array. It is a third of
 * the size of the JSON number list, one string check instead of 65536 element checks, and the
 * same form in both directions (memoryWrite and the memoryRead reply).
 */
const Bytes = (maxBytes: number) =>
  v.pipe(
    v.string(expected('base64 text')),
    v.maxLength(
      Math.ceil(maxBytes / 3) * 4,
      (issue) => `expected at most ${maxBytes} bytes of base64, got ${issue.received} characters`,
    ),
    v.regex(BASE64_RE, (issue) => `expected standard padded base64, got ${show(issue.input)}`),
    v.check((s) => base64Length(s) <= maxBytes, `expected at most ${maxBytes} bytes`),
  );

// ---------------------------------------------------------------- register --

/** RISC-V ABI register names, x0..x31 in order. */
// prettier-ignore
export const ABI_REGISTER_NAMES = ABI_NAMES;

/** Names registerWrite accepts: x0..x31, the ABI names, 'fp' (= s0) and 'pc'. */
export const REGISTER_NAMES = [
  ...Array.from({ length: 32 }, (_, i) => `x${i}`),
  ...ABI_REGISTER_NAMES,
  'fp',
  'pc',
] as const;

/** The register index (0..31) a register name stands for, or 'pc'. */
export function registerIndex(name: string): number | 'pc' | null {
  const n = registerNumber(name);
  return n === -1 ? 'pc' : n;
}

const Register = v.pipe(
  v.string(expected('a register name')),
  v.check(
    (name) => registerIndex(name) !== null,
    (issue) => `expected a register name (x0..x31, an ABI name such as a0 or sp, or pc), got ${show(issue.input)}`,
  ),
);

// --------------------------------------------------------------- commands --

/** A command object `{kind, ...entries}`, with no other fields. */
function command<K extends string, E extends v.ObjectEntries>(kind: K, entries: E) {
  return v.strictObject({ kind: v.literal(kind), ...entries });
}

/**
 * Where a breakpoint or runTo stops: exactly one of `address`, `symbol`, or `file` with
 * `line`.
 */
const locationEntries = {
  address: v.optional(Uint32),
  symbol: v.optional(Name),
  file: v.optional(Path),
  line: v.optional(int(1, MAX_ID, 'a line number (1 or more)')),
};

const LOCATION_HINT = 'give exactly one location: address, symbol, or file with line';

function oneLocation(c: { address?: number; symbol?: string; file?: string; line?: number }): boolean {
  const byLine = c.file !== undefined || c.line !== undefined;
  if (byLine && (c.file === undefined || c.line === undefined)) return false;
  return (c.address !== undefined ? 1 : 0) + (c.symbol !== undefined ? 1 : 0) + (byLine ? 1 : 0) === 1;
}

/** Memory of a PD's address space, or physical memory. */
const Space = v.union([v.literal('physical'), v.strictObject({ pd: Id })], expected("'physical' or {pd}"));

/** A range [address, address + length) must not wrap past 0xffffffff. */
const RANGE_HINT = 'address + length runs past the end of the address space (0xffffffff)';
const inRange = (address: number, length: number): boolean => address + length <= UINT32_MAX + 1;

export const WATCH_ACCESS = ['read', 'write', 'access'] as const;

/** Catchpoint events without a parameter. */
const PLAIN_CATCH_EVENTS = [
  'pageFault',
  'exception',
  'signal',
  'sessionOpen',
  'sessionClose',
  'quotaExhausted',
  'deadlock',
] as const;

/** What a catchpoint can stop on. */
export const CATCHPOINT_EVENTS = [...PLAIN_CATCH_EVENTS, 'irq', 'rpc', 'log'] as const;

const threadOnly = { thread: Id };
const pdOnly = { pd: Id };

// ----------------------------------------------------------------- results --

/** `null`: a command whose reply carries nothing (its effect shows in events). */
const Done = v.null(expected('null'));

const Quota = v.strictObject({ used: Count, limit: Count });

/** Thread states (see inspect.ts `threadInfo`). */
export const THREAD_STATES = ['running', 'ready', 'blocked', 'paused', 'stopped', 'not started', 'dead'] as const;

export const ThreadInfoSchema = v.strictObject({
  id: Id,
  pd: Id,
  name: Label,
  cpu: Count,
  priority: int(-1024, 1024, 'a priority'),
  state: oneOf(THREAD_STATES),
  /** Why it does not run ("blocked calling PD session of core", "paused by the debugger"), or null. */
  reason: v.nullable(Text),
  pc: Uint32,
  /** CPU time used, in microseconds of virtual time. */
  execUs: Count,
});

export const SessionInfoSchema = v.strictObject({
  id: Id,
  service: Name,
  label: Label,
  client: Id,
  server: PdRef,
  /** RAM and capability quota donated to the session. */
  ram: Count,
  caps: Count,
  /** The session arguments as Genode writes them (`ram_quota=8192, label=...`); '' if not kept. */
  args: Text,
});

export const TopologySchema = v.strictObject({
  pds: list(
    v.strictObject({
      id: Id,
      label: Label,
      /** The PD that created it through a PD session; null for init's children and core's own. */
      parent: v.nullable(Id),
      /** Init's child name, if it is one of init's children. */
      child: v.nullable(Label),
      /** It runs under the checkpointing runtime (checkpoint="yes"): it can be checkpointed. */
      checkpointable: v.optional(bool),
      ram: Quota,
      caps: Quota,
      threads: list(ThreadInfoSchema, 1 << 16),
      exitCode: v.nullable(v.pipe(v.number(expected('an integer')), v.integer(expected('an integer')))),
    }),
    1 << 16,
  ),
  sessions: list(SessionInfoSchema, 1 << 16),
  /** Services children announced, with the announcing PD. */
  services: list(v.strictObject({ name: Name, server: Id }), 1 << 16),
  /**
   * Init's routing rules per child, in order of preference: a request of `client` for
   * `service` ('*': any) whose label matches `match` ('' always) goes to the first of
   * `targets` ('parent', 'child NAME', 'any-child'); no target means denied.
   */
  routes: list(
    v.strictObject({ client: Id, service: Name, match: Text, targets: list(Label, 64), line: Count }),
    1 << 16,
  ),
});

/** Read-only machine and thread state shown beside the registers. */
export const CSR_VIEW_NAMES = ['priv', 'satp', 'cycle', 'time', 'instret'] as const;

export const RegistersSchema = v.strictObject({
  pc: Uint32,
  /** x0..x31, unsigned. */
  x: v.pipe(
    v.array(Uint32, expected('an array')),
    v.length(32, (issue) => `expected 32 registers, got ${issue.received}`),
  ),
  /** The ABI names of x0..x31. */
  names: v.pipe(
    v.array(Name, expected('an array')),
    v.length(32, (issue) => `expected 32 names, got ${issue.received}`),
  ),
  /** CSRs as the thread sees them (low words of the counters); read-only. */
  csrs: list(v.strictObject({ name: oneOf(CSR_VIEW_NAMES), value: Uint32 }), CSR_VIEW_NAMES.length),
});

export const MemorySchema = v.strictObject({ address: Uint32, bytes: Bytes(LIMITS.memoryBytes) });

export const DisassemblySchema = v.strictObject({
  lines: list(
    v.strictObject({
      address: Uint32,
      /** The encoding as objdump prints it: hex, 4 digits (compressed) or 8. */
      bytes: v.pipe(
        v.string(expected('hex digits')),
        v.regex(/^[0-9a-f]{2,8}$/, expected('2 to 8 lowercase hex digits')),
      ),
      text: Text,
      /** `function+offset` when the address has a symbol. */
      symbol: v.optional(Label),
      /** `file:line` when the line table covers the address. */
      source: v.optional(Label),
    }),
    LIMITS.disassembleCount,
  ),
});

export const BacktraceSchema = v.strictObject({
  frames: list(
    v.strictObject({
      pc: Uint32,
      fp: Uint32,
      function: v.optional(Label),
      offset: v.optional(Count),
      file: v.optional(Path),
      line: v.optional(Count),
    }),
    1024,
  ),
});

export const CapSpaceSchema = v.strictObject({
  pd: Id,
  rows: list(
    v.strictObject({
      /** Capability selector. */
      slot: Count,
      /** 'rpc', 'signal source' or 'signal context'. */
      type: Label,
      /** What the object is: "PD session", "RPC object of hello (entrypoint ep)". */
      object: Text,
      /** Object identity: equal in two rows means the same object. */
      objectId: Id,
      /** Who created the object. */
      origin: PdRef,
      badge: v.nullable(Uint32),
      /** The session the capability belongs to. */
      session: v.nullable(SessionInfoSchema),
    }),
    1 << 20,
  ),
});

export const REGION_MAP_KINDS = ['address space', 'stack area', 'linker area', 'managed'] as const;
export const DATASPACE_KINDS = ['ram', 'rom', 'io_mem', 'managed', 'utcb'] as const;

/**
 * A region map and what is attached in it. Written out because the type is recursive (a
 * managed dataspace nests its own region map), which TypeScript cannot infer from the schema.
 */
export interface RegionMapInfo {
  id: number;
  name: string;
  size: number;
  kind: (typeof REGION_MAP_KINDS)[number];
  regions: {
    /** Offset of the region in this region map. */
    at: number;
    /** Its virtual address in the PD; null when the map is not reachable from the address space. */
    va: number | null;
    size: number;
    /** Offset into the dataspace. */
    offset: number;
    writeable: boolean;
    executable: boolean;
    ds: {
      id: number;
      kind: (typeof DATASPACE_KINDS)[number];
      name: string;
      size: number;
      /** Physical base; null for a managed dataspace. */
      phys: number | null;
    };
    /** Virtual pages (address / 4096) of this PD mapped through this region right now. */
    mapped: number[];
    /** The region map of a managed dataspace. */
    nested: RegionMapInfo | null;
  }[];
  /** Unresolved faults waiting for the region map's fault handler (`type`: 0 read, 1 write, 2 exec). */
  faults: { thread: number; addr: number; type: number }[];
}

export const RegionMapInfoSchema: v.GenericSchema<RegionMapInfo> = v.strictObject({
  id: Count,
  name: Label,
  size: Count,
  kind: oneOf(REGION_MAP_KINDS),
  regions: list(
    v.strictObject({
      at: Count,
      va: v.nullable(Count),
      size: Count,
      offset: Count,
      ds: v.strictObject({
        id: Count,
        kind: oneOf(DATASPACE_KINDS),
        name: Label,
        size: Count,
        phys: v.nullable(Uint32),
      }),
      writeable: bool,
      executable: bool,
      mapped: list(int(0, 1 << 20, 'a page number'), 1 << 20),
      nested: v.nullable(v.lazy(() => RegionMapInfoSchema)),
    }),
    1 << 16,
  ),
  faults: list(v.strictObject({ thread: Id, addr: Uint32, type: Count }), 1 << 16),
});

export const MemoryMapSchema = v.strictObject({ pd: Id, tree: RegionMapInfoSchema });

export const PhysicalMapSchema = v.strictObject({
  ram: v.strictObject({ base: Uint32, size: Count }),
  /** Allocated frames with their owners ("RAM of init -> counter", "page table of ..."). */
  ranges: list(v.strictObject({ base: Uint32, size: Count, owner: Label }), 1 << 20),
  devices: list(v.strictObject({ base: Uint32, size: Count, name: Label }), 1024),
});

export const WaitForGraphSchema = v.strictObject({
  /** Thread `from` waits for thread `to`. */
  edges: list(v.strictObject({ from: Id, to: Id, why: Text }), 1 << 16),
  /** Each cycle is a deadlock: thread ids in waiting order, and a sentence naming them. */
  cycles: list(v.strictObject({ threads: list(Id, 1 << 16), text: Text }), 1 << 16),
});

export const TraceEventSchema = v.strictObject({
  seq: Count,
  /** Virtual time in mtime ticks. */
  time: Count,
  cpu: Count,
  /** 0: no thread (core). */
  thread: Count,
  /** 0: no PD. */
  pd: Count,
  kind: oneOf(TRACE_KIND_NAMES),
  /** Kind-specific arguments (see core/trace.ts). */
  a: v.pipe(v.number(expected('an integer')), v.integer(expected('an integer'))),
  b: v.pipe(v.number(expected('an integer')), v.integer(expected('an integer'))),
});

const statsEntries = {
  /** Million guest instructions per host second, recently. */
  mips: real(0, 'a non-negative number'),
  virtualTimeUs: real(0, 'a non-negative number'),
  instructions: Count,
  /** Share of CPU time per thread over the last interval, 0..1. */
  threads: list(
    v.strictObject({ id: Id, load: v.pipe(real(0, 'a load 0..1'), v.maxValue(1, expected('a load 0..1'))) }),
    1 << 16,
  ),
};

export const StatsSchema = v.strictObject(statsEntries);

// ------------------------------------------------------------- the table --

/**
 * Every command: the shape of the command (`cmd`) and of its reply's `result`. The order here
 * is the order of {@link COMMAND_KINDS}.
 */
const COMMANDS = {
  /** Loads a scenario from a file (`path`) or from configuration XML text (`text`). */
  load: {
    cmd: v.pipe(
      command('load', {
        path: v.optional(Path),
        text: v.optional(Document),
        name: v.optional(Name),
        /** CPUs (harts) of the machine; default 1. */
        cpus: v.optional(int(1, 8, 'a CPU count 1..8')),
      }),
      v.check((c) => (c.path === undefined) !== (c.text === undefined), 'give either path or text'),
      v.check((c) => c.name === undefined || c.text !== undefined, 'name goes with text only'),
    ),
    result: v.strictObject({ name: Label }),
  },
  run: { cmd: command('run', {}), result: Done },
  pause: { cmd: command('pause', {}), result: Done },
  stepInstruction: { cmd: command('stepInstruction', threadOnly), result: Done },
  stepOver: { cmd: command('stepOver', threadOnly), result: Done },
  stepOut: { cmd: command('stepOut', threadOnly), result: Done },
  stepLine: { cmd: command('stepLine', threadOnly), result: Done },
  /** Runs until a thread (any of `pd`'s when none is given) reaches the location. */
  runTo: {
    cmd: v.pipe(
      command('runTo', { thread: v.optional(Id), pd: Id, ...locationEntries }),
      v.check((c) => oneLocation(c), LOCATION_HINT),
    ),
    result: Done,
  },
  pauseThread: { cmd: command('pauseThread', threadOnly), result: Done },
  resumeThread: { cmd: command('resumeThread', threadOnly), result: Done },
  /**
   * Sets a breakpoint in `pd`. `hitCount` is an ignore count: the first `hitCount` hits do not
   * stop. `condition` is an expression over registers; '' means none.
   */
  breakpointSet: {
    cmd: v.pipe(
      command('breakpointSet', {
        pd: Id,
        ...locationEntries,
        condition: v.optional(Expression),
        hitCount: v.optional(Count),
        enabled: v.optional(bool),
      }),
      v.check((c) => oneLocation(c), LOCATION_HINT),
    ),
    result: v.strictObject({
      id: Id,
      address: Uint32,
      symbol: v.optional(Label),
      file: v.optional(Path),
      line: v.optional(Count),
    }),
  },
  /** Changes what is given; `condition: ''` removes the condition. */
  breakpointUpdate: {
    cmd: command('breakpointUpdate', {
      id: Id,
      enabled: v.optional(bool),
      condition: v.optional(Expression),
      hitCount: v.optional(Count),
    }),
    result: Done,
  },
  breakpointRemove: { cmd: command('breakpointRemove', { id: Id }), result: Done },
  watchpointSet: {
    cmd: v.pipe(
      command('watchpointSet', {
        pd: Id,
        address: Uint32,
        length: int(1, LIMITS.watchLength, `a length 1..${LIMITS.watchLength}`),
        access: oneOf(WATCH_ACCESS),
      }),
      v.forward(
        v.partialCheck([['address'], ['length']], (c) => inRange(c.address, c.length), RANGE_HINT),
        ['length'],
      ),
    ),
    result: v.strictObject({ id: Id }),
  },
  watchpointRemove: { cmd: command('watchpointRemove', { id: Id }), result: Done },
  /**
   * Stops when `event` happens. `irq` (an IRQ number), `service` (an RPC's service name) and
   * `pattern` (a substring of a log line) narrow it; absent means any.
   */
  catchpointSet: {
    cmd: v.variant('event', [
      command('catchpointSet', { event: oneOf(PLAIN_CATCH_EVENTS) }),
      command('catchpointSet', { event: v.literal('irq'), irq: v.optional(int(0, 1023, 'an IRQ number 0..1023')) }),
      command('catchpointSet', { event: v.literal('rpc'), service: v.optional(Name) }),
      command('catchpointSet', { event: v.literal('log'), pattern: v.optional(str(1, LIMITS.expression)) }),
    ]),
    result: v.strictObject({ id: Id }),
  },
  catchpointRemove: { cmd: command('catchpointRemove', { id: Id }), result: Done },
  /** Every breakpoint, watchpoint and catchpoint with its hit count. */
  breakpointList: {
    cmd: command('breakpointList', {}),
    result: v.strictObject({
      breakpoints: list(
        v.strictObject({
          id: Id,
          pd: Id,
          address: Uint32,
          /** As it was given: a symbol, file:line, or the address in hex. */
          location: Label,
          condition: v.nullable(Expression),
          hitCount: Count,
          hits: Count,
          enabled: bool,
          /** Not armed yet: the page holding it is not mapped. */
          pending: bool,
        }),
        1 << 16,
      ),
      watchpoints: list(
        v.strictObject({ id: Id, pd: Id, address: Uint32, length: Count, access: oneOf(WATCH_ACCESS), hits: Count }),
        1 << 16,
      ),
      catchpoints: list(
        v.strictObject({ id: Id, event: oneOf(CATCHPOINT_EVENTS), detail: Label, hits: Count }),
        1 << 16,
      ),
    }),
  },
  registersRead: { cmd: command('registersRead', threadOnly), result: RegistersSchema },
  /** `reg`: x0..x31, an ABI name (a0, sp, fp, ...) or pc. Writes to x0 are ignored. */
  registerWrite: { cmd: command('registerWrite', { thread: Id, reg: Register, value: Uint32 }), result: Done },
  memoryRead: {
    cmd: v.pipe(
      command('memoryRead', {
        space: Space,
        address: Uint32,
        length: int(1, LIMITS.memoryBytes, `a length 1..${LIMITS.memoryBytes}`),
      }),
      v.forward(
        v.partialCheck([['address'], ['length']], (c) => inRange(c.address, c.length), RANGE_HINT),
        ['length'],
      ),
    ),
    result: MemorySchema,
  },
  /** Writes `bytes` (standard padded base64, 1..65536 bytes) at `address`. */
  memoryWrite: {
    cmd: v.pipe(
      command('memoryWrite', {
        space: Space,
        address: Uint32,
        bytes: v.pipe(
          Bytes(LIMITS.memoryBytes),
          v.check((s) => s.length > 0, 'expected at least 1 byte'),
        ),
      }),
      v.forward(
        v.partialCheck([['address'], ['bytes']], (c) => inRange(c.address, base64Length(c.bytes)), RANGE_HINT),
        ['bytes'],
      ),
    ),
    result: Done,
  },
  disassemble: {
    cmd: command('disassemble', {
      pd: Id,
      address: Uint32,
      count: int(1, LIMITS.disassembleCount, `a count 1..${LIMITS.disassembleCount}`),
    }),
    result: DisassemblySchema,
  },
  backtrace: { cmd: command('backtrace', threadOnly), result: BacktraceSchema },
  /** The lines of `file` that have code, each with its first address (for the breakpoint gutter). */
  sourceLines: {
    cmd: command('sourceLines', { pd: Id, file: Path }),
    result: v.strictObject({ file: Path, lines: list(v.strictObject({ line: Count, address: Uint32 }), 1 << 20) }),
  },
  /** The source files of `pd`'s program that have code (as its line table names them). */
  sourceFiles: {
    cmd: command('sourceFiles', pdOnly),
    result: v.strictObject({ files: list(Path, 1 << 14) }),
  },
  /** The text of one of them (`file` as sourceLines takes it); `path` is where the host found it. */
  sourceText: {
    cmd: command('sourceText', { pd: Id, file: Path }),
    result: v.strictObject({ file: Path, path: Path, text: Document }),
  },
  /** Symbols of `pd`'s program named `name`. */
  symbolLookup: {
    cmd: command('symbolLookup', { pd: Id, name: Name }),
    result: v.strictObject({
      symbols: list(
        v.strictObject({
          name: Label,
          address: Uint32,
          size: Count,
          kind: oneOf(['function', 'object', 'other']),
          file: v.optional(Path),
          line: v.optional(Count),
        }),
        1024,
      ),
    }),
  },
  topology: { cmd: command('topology', {}), result: TopologySchema },
  capSpace: { cmd: command('capSpace', pdOnly), result: CapSpaceSchema },
  memoryMap: { cmd: command('memoryMap', pdOnly), result: MemoryMapSchema },
  physicalMap: { cmd: command('physicalMap', {}), result: PhysicalMapSchema },
  threads: {
    cmd: command('threads', {}),
    result: v.strictObject({ threads: list(ThreadInfoSchema, 1 << 16) }),
  },
  waitForGraph: { cmd: command('waitForGraph', {}), result: WaitForGraphSchema },
  /**
   * Trace events with sequence number >= `seq`, at most `max`. `next` is the `seq` to ask for
   * next; `dropped` counts events that were overwritten in the ring before they were read.
   */
  traceSince: {
    cmd: command('traceSince', {
      seq: Count,
      max: v.optional(int(1, LIMITS.traceEvents, `a count 1..${LIMITS.traceEvents}`)),
    }),
    result: v.strictObject({ events: list(TraceEventSchema, LIMITS.traceEvents), next: Count, dropped: Count }),
  },
  /**
   * Exports the trace as Chrome trace-event JSON. The reply carries a token; the text follows
   * in 'traceChunk' events with that token, the last one with `done: true`.
   */
  traceExport: { cmd: command('traceExport', {}), result: v.strictObject({ token: Name }) },
  stats: { cmd: command('stats', {}), result: StatsSchema },
  /** Applies a new init configuration (dynamic config ROM) to the running scenario. */
  configApply: { cmd: command('configApply', { xml: Document }), result: Done },
  /** The loaded scenario: its name, file, and init's configuration as it is now (the editor's text). */
  scenario: {
    cmd: command('scenario', {}),
    result: v.strictObject({ name: Label, file: Label, config: Document }),
  },
  /**
   * Saves the whole system (RAM, harts, devices, kernel, core and init, breakpoints) to a
   * snapshot file; written atomically. Only while stopped.
   */
  snapshotSave: {
    cmd: command('snapshotSave', { path: Path }),
    result: v.strictObject({ path: Label, bytes: int(0, Number.MAX_SAFE_INTEGER, 'a size') }),
  },
  /** Loads a snapshot file in place of the running system (which stays if the file is bad). */
  snapshotLoad: { cmd: command('snapshotLoad', { path: Path }), result: v.strictObject({ name: Label }) },
  /** Goes back one instruction of `thread` (reverse-stepi). Only while stopped. */
  reverseStep: { cmd: command('reverseStep', threadOnly), result: Done },
  /** Goes back to the last breakpoint or watchpoint hit (reverse-continue). Only while stopped. */
  reverseContinue: { cmd: command('reverseContinue', {}), result: Done },
  /**
   * Moves the whole system to an earlier moment: a `position` (see `history`) or a virtual
   * time in microseconds (the start of that moment's round). Only while stopped.
   */
  travel: {
    cmd: v.pipe(
      command('travel', {
        position: v.optional(int(0, Number.MAX_SAFE_INTEGER, 'a position')),
        timeUs: v.optional(real(0, 'a time in microseconds')),
      }),
      v.check((c) => (c.position === undefined) !== (c.timeUs === undefined), 'give either position or timeUs'),
    ),
    result: Done,
  },
  /**
   * What reverse execution can reach: the current moment, the snapshots (oldest first), and
   * how positions relate to virtual time (`timeUs = position / harts / cyclesPerUs`).
   */
  history: {
    cmd: command('history', {}),
    result: v.strictObject({
      now: int(0, Number.MAX_SAFE_INTEGER, 'a position'),
      nowUs: real(0, 'a time'),
      earliest: v.nullable(int(0, Number.MAX_SAFE_INTEGER, 'a position')),
      earliestUs: v.nullable(real(0, 'a time')),
      snapshots: list(int(0, Number.MAX_SAFE_INTEGER, 'a position'), 1 << 20),
      harts: int(1, 8, 'a hart count'),
      cyclesPerUs: real(0, 'cycles per microsecond'),
      bytes: int(0, Number.MAX_SAFE_INTEGER, 'a size'),
      budgetBytes: int(0, Number.MAX_SAFE_INTEGER, 'a size'),
      intervalCycles: int(0, Number.MAX_SAFE_INTEGER, 'a cycle count'),
      inputs: int(0, Number.MAX_SAFE_INTEGER, 'a count'),
    }),
  },
  /** Sets the automatic snapshot interval and memory budget of reverse execution. */
  recording: {
    cmd: command('recording', {
      intervalCycles: v.optional(int(1000, Number.MAX_SAFE_INTEGER, 'a cycle count of at least 1000')),
      budgetMiB: v.optional(int(1, 1 << 20, 'a size in MiB')),
    }),
    result: Done,
  },
  /**
   * Checkpoints one component that runs under the checkpointing runtime (its start node has
   * checkpoint="yes"): its RAM, region maps, threads, capability space and session records, to
   * a file (written atomically). `label`: the start name or the PD label.
   */
  componentCheckpoint: {
    cmd: command('componentCheckpoint', { label: Label, path: Path }),
    result: v.strictObject({
      path: Label,
      bytes: int(0, Number.MAX_SAFE_INTEGER, 'a size'),
      name: Label,
      instructions: int(0, Number.MAX_SAFE_INTEGER, 'a count'),
    }),
  },
  /**
   * Restores a component checkpoint file into this system: rolls a running component of that
   * name back, or fills a waiting slot (checkpoint="wait"); `name` restores it under another
   * start name. The sessions are made again through this system's routing.
   */
  componentRestore: {
    cmd: command('componentRestore', { path: Path, name: v.optional(Label) }),
    result: v.strictObject({
      name: Label,
      replaced: bool,
      sessions: int(0, 1 << 20, 'a count'),
      threads: int(0, 1 << 20, 'a count'),
      dataspaces: int(0, 1 << 20, 'a count'),
    }),
  },
  /** Sends bytes to the UART's receiver (recorded, so replays give them again). */
  uartInput: { cmd: command('uartInput', { text: str(1, 4096) }), result: Done },
  /** Starts (port 0: any free port) or stops the GDB remote stub on 127.0.0.1. */
  gdbServer: {
    cmd: command('gdbServer', { enable: bool, port: v.optional(int(0, 65535, 'a port 0..65535')) }),
    result: v.strictObject({ enabled: bool, port: v.optional(int(1, 65535, 'a port 1..65535')) }),
  },
};

export type CommandKind = keyof typeof COMMANDS;

/** Every command kind, in declaration order. */
export const COMMAND_KINDS = Object.keys(COMMANDS) as CommandKind[];

export const CommandSchema = v.variant(
  'kind',
  COMMAND_KINDS.map((kind) => COMMANDS[kind].cmd),
  unknownDiscriminator('command'),
);

export type Command = v.InferOutput<typeof CommandSchema>;
export type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;

/** The result schema of each command kind. */
export const RESULT_SCHEMAS = Object.fromEntries(COMMAND_KINDS.map((kind) => [kind, COMMANDS[kind].result])) as {
  [K in CommandKind]: (typeof COMMANDS)[K]['result'];
};

export type CommandResult<K extends CommandKind> = v.InferOutput<(typeof COMMANDS)[K]['result']>;

export type Topology = v.InferOutput<typeof TopologySchema>;
export type SessionInfo = v.InferOutput<typeof SessionInfoSchema>;
export type ThreadInfo = v.InferOutput<typeof ThreadInfoSchema>;
export type Registers = v.InferOutput<typeof RegistersSchema>;
export type Memory = v.InferOutput<typeof MemorySchema>;
export type Disassembly = v.InferOutput<typeof DisassemblySchema>;
export type Backtrace = v.InferOutput<typeof BacktraceSchema>;
export type CapSpace = v.InferOutput<typeof CapSpaceSchema>;
export type MemoryMap = v.InferOutput<typeof MemoryMapSchema>;
export type PhysicalMap = v.InferOutput<typeof PhysicalMapSchema>;
export type WaitForGraph = v.InferOutput<typeof WaitForGraphSchema>;
export type TraceEventInfo = v.InferOutput<typeof TraceEventSchema>;
export type Stats = v.InferOutput<typeof StatsSchema>;

// ------------------------------------------------------------------ events --

export const STOP_REASONS = [
  'breakpoint',
  'watchpoint',
  'step',
  'pause',
  'catchpoint',
  'exception',
  'fault',
  'deadlock',
  'exited',
  'idle',
  'halted',
] as const;

function event<K extends string, E extends v.ObjectEntries>(kind: K, entries: E) {
  return v.strictObject({ kind: v.literal(kind), ...entries });
}

const EVENTS = {
  /** The machine stopped; `thread` and `pc` say where when one thread caused it. */
  stopped: event('stopped', {
    reason: oneOf(STOP_REASONS),
    thread: v.optional(Id),
    pc: v.optional(Uint32),
    /** Human-readable detail ("breakpoint 3 at counter.c:14 (main+0x1c)", "store page fault at 0x2000"). */
    detail: v.optional(Text),
    /** The PD of `thread`. */
    pd: v.optional(Id),
    breakpoint: v.optional(Id),
    watchpoint: v.optional(Id),
    catchpoint: v.optional(Id),
  }),
  running: event('running', {}),
  /** LOG output since the last log event; `time` is virtual time in microseconds. */
  log: event('log', { lines: list(v.strictObject({ label: Label, text: Text, time: real(0, 'a time') }), 1 << 16) }),
  topologyChanged: event('topologyChanged', { topology: TopologySchema }),
  /** New trace events since the last trace event. */
  trace: event('trace', { events: list(TraceEventSchema, LIMITS.traceEvents) }),
  stats: event('stats', statsEntries),
  /** A piece of a traceExport (see there). */
  traceChunk: event('traceChunk', { token: Name, chunk: Document, done: bool }),
  /**
   * The system moved to another moment (reverse execution, a snapshot load): views drop what
   * they hold from after it. `traceCount` is the trace's event count there (later sequence
   * numbers are gone); `logLines` the number of LOG lines.
   */
  travelled: event('travelled', {
    position: int(0, Number.MAX_SAFE_INTEGER, 'a position'),
    timeUs: real(0, 'a time'),
    traceCount: int(0, Number.MAX_SAFE_INTEGER, 'a count'),
    logLines: int(0, Number.MAX_SAFE_INTEGER, 'a count'),
  }),
  /** Something went wrong outside any command (e.g. an undecodable frame). */
  error: event('error', { message: Text }),
};

export type EventKind = keyof typeof EVENTS;

/** Every event kind, in declaration order. */
export const EVENT_KINDS = Object.keys(EVENTS) as EventKind[];

export const EngineEventSchema = v.variant(
  'kind',
  EVENT_KINDS.map((kind) => EVENTS[kind]),
  unknownDiscriminator('event'),
);

export type EngineEvent = v.InferOutput<typeof EngineEventSchema>;
export type EventOf<K extends EventKind> = Extract<EngineEvent, { kind: K }>;

// --------------------------------------------------------------- envelopes --

/**
 * Error codes in replies: 'invalid' (the message failed validation), 'version' (protocol
 * mismatch), 'state' (not possible now: nothing loaded, thread not stopped, ...), 'notFound'
 * (no such thread, PD, breakpoint, symbol or file), 'fault' (the memory is not accessible),
 * 'unsupported', 'failed' (the engine tried and could not), 'internal' (an engine bug).
 */
export const ERROR_CODES = [
  'invalid',
  'version',
  'state',
  'notFound',
  'fault',
  'unsupported',
  'failed',
  'internal',
] as const;

export const EngineErrorSchema = v.strictObject({
  code: oneOf(ERROR_CODES),
  message: Text,
  /** The offending field's path ('cmd.address') when one field is to blame. */
  field: v.optional(Label),
});

export type EngineError = v.InferOutput<typeof EngineErrorSchema>;
export type ErrorCode = EngineError['code'];

/** The first message each end sends. */
export const HelloSchema = v.strictObject({ type: v.literal('hello'), version: Id });

export const CommandMessageSchema = v.strictObject({ type: v.literal('cmd'), id: Count, cmd: CommandSchema });

const ReplyOkSchema = v.strictObject({ type: v.literal('reply'), id: Count, ok: v.literal(true), result: v.unknown() });
const ReplyErrorSchema = v.strictObject({
  type: v.literal('reply'),
  id: Count,
  ok: v.literal(false),
  error: EngineErrorSchema,
});

/** A reply; `result` is checked against the command's result schema by {@link parseResult}. */
export const ReplyMessageSchema = v.variant('ok', [ReplyOkSchema, ReplyErrorSchema], unknownDiscriminator('reply'));

export const EventMessageSchema = v.strictObject({ type: v.literal('event'), event: EngineEventSchema });

export const MessageSchema = v.variant(
  'type',
  [HelloSchema, CommandMessageSchema, ReplyMessageSchema, EventMessageSchema],
  unknownDiscriminator('message'),
);

export type Hello = v.InferOutput<typeof HelloSchema>;
export type CommandMessage = v.InferOutput<typeof CommandMessageSchema>;
export type ReplyMessage = v.InferOutput<typeof ReplyMessageSchema>;
export type EventMessage = v.InferOutput<typeof EventMessageSchema>;
/** Any message, in either direction. */
export type Message = v.InferOutput<typeof MessageSchema>;

/** This end's hello. */
export const HELLO: Hello = { type: 'hello', version: PROTOCOL_VERSION };

// ----------------------------------------------------------------- parsing --

/** Why a message was refused; usable as a reply's `error` as it is. */
export interface ProtocolError {
  code: 'invalid' | 'version';
  /** "<field>: <problem>", e.g. "cmd.address: expected a uint32 (0..4294967295), got -1". */
  message: string;
  /** The field path ('cmd.address'); '' for the message as a whole. */
  field: string;
}

export type ParseResult<T> =
  | { ok: true; value: T }
  /** `id`: the message's id when it had a usable one, so that the refusal can be replied to. */
  | { ok: false; error: ProtocolError; id?: number };

/** Readable forms of valibot's `expected` for schemas without a message of ours. */
const EXPECTS: Record<string, string> = { '': 'something else', Object: 'an object', Array: 'an array' };

const PARSE_CONFIG: v.Config<v.BaseIssue<unknown>> = {
  abortEarly: true,
  message: (issue) => `expected ${EXPECTS[issue.expected ?? ''] ?? issue.expected}, got ${show(issue.input)}`,
};

/** The message for a variant whose discriminator (kind, event, type, ok) matched no option. */
function unknownDiscriminator(noun: string) {
  return (issue: v.BaseIssue<unknown>): string => {
    if (!issue.path) return `expected a ${noun} object, got ${show(issue.input)}`;
    const key = String(issue.path?.[issue.path.length - 1]?.key ?? 'kind');
    const allowed = [...(issue.expected ?? '').matchAll(/"([^"]*)"|\b(true|false)\b/g)].map((m) => m[1] ?? m[2]);
    const what = key === 'kind' || key === 'type' ? `${noun} ${key}` : key === 'ok' ? 'ok value' : key;
    const problem = issue.input === undefined ? `missing ${what}` : `unknown ${what} ${show(issue.input)}`;
    return `${problem}; allowed: ${allowed.join(', ')}`;
  };
}

/** 'cmd.lines[3].text' for an issue path. */
function fieldPath(path: readonly { key: unknown }[] | undefined, prefix = ''): string {
  let out = prefix;
  for (const item of path ?? []) {
    if (typeof item.key === 'number') out += `[${item.key}]`;
    else out += out === '' ? String(item.key) : `.${String(item.key)}`;
  }
  return out;
}

type AnyIssue = v.BaseIssue<unknown>;

/** Turns valibot's first issue into a {@link ProtocolError}. */
function describe(first: AnyIssue, prefix: string): ProtocolError {
  let issue = first;
  let field = fieldPath(issue.path, prefix);
  // A union of shapes ('physical' | {pd}): report the option that got furthest.
  while (issue.type === 'union' && issue.issues && issue.issues.length > 0) {
    const best = issue.issues.reduce((a, b) => ((b.path?.length ?? 0) > (a.path?.length ?? 0) ? b : a));
    if (!best.path?.length) break;
    field = fieldPath(best.path, field);
    issue = best;
  }
  const last = issue.path?.[issue.path.length - 1];
  let message = issue.message;
  if (issue.type === 'strict_object' && last?.origin === 'key') {
    const owner = last.input as Record<string, unknown>;
    const kind = typeof owner.kind === 'string' ? ` of ${owner.kind}` : '';
    const of = typeof owner.event === 'string' && kind ? `${kind} (event ${owner.event})` : kind;
    message =
      issue.expected === 'never' ? `unknown field${of && ` (not part${of})`}` : `required field${of} is missing`;
  }
  return { code: 'invalid', message: `${field || 'message'}: ${message}`, field };
}

function parseWith<T>(schema: v.GenericSchema<unknown, T>, json: unknown, prefix = ''): ParseResult<T> {
  const r = v.safeParse(schema, json, PARSE_CONFIG);
  if (r.success) return { ok: true, value: r.output };
  const result: ParseResult<T> = { ok: false, error: describe(r.issues[0], prefix) };
  const id = (json as { id?: unknown } | null)?.id;
  if (typeof json === 'object' && json !== null && v.is(Count, id)) result.id = id;
  return result;
}

function versionError(version: number): ProtocolError {
  return {
    code: 'version',
    message: `version: this end speaks protocol version ${PROTOCOL_VERSION}, the peer speaks ${version}`,
    field: 'version',
  };
}

/** Checks a command message `{type: 'cmd', id, cmd}` (a decoded JSON value). */
export function parseCommand(json: unknown): ParseResult<CommandMessage> {
  return parseWith(CommandMessageSchema, json);
}

/**
 * Checks a reply `{type: 'reply', id, ok, ...}`. With `kind` (the kind of the command sent
 * under this id) a successful reply's result is checked too; the value then has that type.
 */
export function parseReply(json: unknown, kind?: CommandKind): ParseResult<ReplyMessage> {
  const reply = parseWith(ReplyMessageSchema, json);
  if (!reply.ok || kind === undefined || !reply.value.ok) return reply;
  const result = parseResult(kind, reply.value.result);
  if (!result.ok) return { ok: false, error: result.error, id: reply.value.id };
  return { ok: true, value: { ...reply.value, result: result.value } };
}

/** Checks a reply's `result` against the result schema of command kind `kind`. */
export function parseResult<K extends CommandKind>(kind: K, result: unknown): ParseResult<CommandResult<K>> {
  const schema = RESULT_SCHEMAS[kind] as v.GenericSchema<unknown, CommandResult<K>>;
  return parseWith(schema, result, 'result');
}

/** Checks an event message `{type: 'event', event}`. */
export function parseEvent(json: unknown): ParseResult<EventMessage> {
  return parseWith(EventMessageSchema, json);
}

/** Checks a hello, including that the peer speaks {@link PROTOCOL_VERSION}. */
export function parseHello(json: unknown): ParseResult<Hello> {
  const hello = parseWith(HelloSchema, json);
  if (hello.ok && hello.value.version !== PROTOCOL_VERSION)
    return { ok: false, error: versionError(hello.value.version) };
  return hello;
}

/** Checks any incoming message, for either end; a hello must carry {@link PROTOCOL_VERSION}. */
export function parseMessage(json: unknown): ParseResult<Message> {
  const msg = parseWith(MessageSchema, json);
  if (msg.ok && msg.value.type === 'hello' && msg.value.version !== PROTOCOL_VERSION) {
    return { ok: false, error: versionError(msg.value.version) };
  }
  return msg;
}
