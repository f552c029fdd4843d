import { build } from 'esbuild';
import { createContext, runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  ABI_REGISTER_NAMES,
  COMMAND_KINDS,
  CATCHPOINT_EVENTS,
  EVENT_KINDS,
  LIMITS,
  PROTOCOL_VERSION,
  decodeBase64,
  encodeBase64,
  parseCommand,
  parseEvent,
  parseHello,
  parseMessage,
  parseReply,
  parseResult,
  registerIndex,
  type Command,
  type CommandKind,
  type CommandResult,
  type EngineEvent,
  type EventKind,
} from './protocol';

const b64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64');

/** At least one valid command of every kind (the type makes a new kind need a sample). */
const VALID: { [K in CommandKind]: Extract<Command, { kind: K }>[] } = {
  load: [
    { kind: 'load', path: 'resources/scenarios/counter.xml' },
    { kind: 'load', text: '<config/>', name: 'scratch' },
  ],
  run: [{ kind: 'run' }],
  pause: [{ kind: 'pause' }],
  stepInstruction: [{ kind: 'stepInstruction', thread: 1 }],
  stepOver: [{ kind: 'stepOver', thread: 2 }],
  stepOut: [{ kind: 'stepOut', thread: 3 }],
  stepLine: [{ kind: 'stepLine', thread: 4 }],
  runTo: [
    { kind: 'runTo', pd: 2, address: 0x1000 },
    { kind: 'runTo', pd: 2, thread: 5, symbol: 'main' },
    { kind: 'runTo', pd: 2, file: 'counter.c', line: 12 },
  ],
  pauseThread: [{ kind: 'pauseThread', thread: 7 }],
  resumeThread: [{ kind: 'resumeThread', thread: 7 }],
  breakpointSet: [
    { kind: 'breakpointSet', pd: 3, address: 0xffff_fffe },
    { kind: 'breakpointSet', pd: 3, symbol: 'handle_rpc', condition: 'a0 == 3', hitCount: 2, enabled: false },
    { kind: 'breakpointSet', pd: 3, file: 'src/main.c', line: 1 },
  ],
  breakpointUpdate: [
    { kind: 'breakpointUpdate', id: 1 },
    { kind: 'breakpointUpdate', id: 1, enabled: true, condition: '', hitCount: 0 },
  ],
  breakpointRemove: [{ kind: 'breakpointRemove', id: 9 }],
  watchpointSet: [
    { kind: 'watchpointSet', pd: 1, address: 0x2000, length: 4, access: 'write' },
    { kind: 'watchpointSet', pd: 1, address: 0xffff_f000, length: LIMITS.watchLength, access: 'access' },
    { kind: 'watchpointSet', pd: 1, address: 0, length: 1, access: 'read' },
  ],
  watchpointRemove: [{ kind: 'watchpointRemove', id: 2 }],
  catchpointSet: [
    ...(['pageFault', 'exception', 'signal', 'sessionOpen', 'sessionClose', 'quotaExhausted', 'deadlock'] as const).map(
      (event) => ({ kind: 'catchpointSet', event }) as const,
    ),
    { kind: 'catchpointSet', event: 'irq' },
    { kind: 'catchpointSet', event: 'irq', irq: 10 },
    { kind: 'catchpointSet', event: 'rpc', service: 'LOG' },
    { kind: 'catchpointSet', event: 'log', pattern: 'Error' },
  ],
  catchpointRemove: [{ kind: 'catchpointRemove', id: 4 }],
  breakpointList: [{ kind: 'breakpointList' }],
  registersRead: [{ kind: 'registersRead', thread: 1 }],
  registerWrite: [
    { kind: 'registerWrite', thread: 1, reg: 'x31', value: 0xffff_ffff },
    { kind: 'registerWrite', thread: 1, reg: 'a0', value: 0 },
    { kind: 'registerWrite', thread: 1, reg: 'fp', value: 1 },
    { kind: 'registerWrite', thread: 1, reg: 'pc', value: 0x1_0000 },
  ],
  memoryRead: [
    { kind: 'memoryRead', space: { pd: 2 }, address: 0x1000, length: 16 },
    { kind: 'memoryRead', space: 'physical', address: 0x8000_0000, length: LIMITS.memoryBytes },
    { kind: 'memoryRead', space: 'physical', address: 0xffff_ffff, length: 1 },
  ],
  memoryWrite: [
    { kind: 'memoryWrite', space: { pd: 2 }, address: 0x1000, bytes: b64([1, 2, 3]) },
    { kind: 'memoryWrite', space: 'physical', address: 0, bytes: b64(new Array(LIMITS.memoryBytes).fill(0xaa)) },
  ],
  disassemble: [{ kind: 'disassemble', pd: 1, address: 0x1000, count: LIMITS.disassembleCount }],
  backtrace: [{ kind: 'backtrace', thread: 3 }],
  sourceLines: [{ kind: 'sourceLines', pd: 1, file: 'counter.c' }],
  sourceFiles: [{ kind: 'sourceFiles', pd: 1 }],
  sourceText: [{ kind: 'sourceText', pd: 1, file: 'counter.c' }],
  symbolLookup: [{ kind: 'symbolLookup', pd: 1, name: 'main' }],
  topology: [{ kind: 'topology' }],
  capSpace: [{ kind: 'capSpace', pd: 1 }],
  memoryMap: [{ kind: 'memoryMap', pd: 1 }],
  physicalMap: [{ kind: 'physicalMap' }],
  threads: [{ kind: 'threads' }],
  waitForGraph: [{ kind: 'waitForGraph' }],
  traceSince: [
    { kind: 'traceSince', seq: 0 },
    { kind: 'traceSince', seq: 12345, max: 100 },
  ],
  traceExport: [{ kind: 'traceExport' }],
  stats: [{ kind: 'stats' }],
  configApply: [{ kind: 'configApply', xml: '<config><start name="a"/></config>' }],
  scenario: [{ kind: 'scenario' }],
  snapshotSave: [{ kind: 'snapshotSave', path: '/tmp/a.snap' }],
  snapshotLoad: [{ kind: 'snapshotLoad', path: '/tmp/a.snap' }],
  reverseStep: [{ kind: 'reverseStep', thread: 3 }],
  reverseContinue: [{ kind: 'reverseContinue' }],
  travel: [
    { kind: 'travel', position: 12345 },
    { kind: 'travel', timeUs: 1.5 },
  ],
  history: [{ kind: 'history' }],
  recording: [{ kind: 'recording' }, { kind: 'recording', intervalCycles: 1000, budgetMiB: 64 }],
  uartInput: [{ kind: 'uartInput', text: 'hello\r' }],
  componentCheckpoint: [{ kind: 'componentCheckpoint', label: 'counter', path: '/tmp/c.ckpt' }],
  componentRestore: [
    { kind: 'componentRestore', path: '/tmp/c.ckpt' },
    { kind: 'componentRestore', path: '/tmp/c.ckpt', name: 'counter2' },
  ],
  gdbServer: [
    { kind: 'gdbServer', enable: true },
    { kind: 'gdbServer', enable: true, port: 0 },
    { kind: 'gdbServer', enable: false },
  ],
};

const cmd = (c: unknown, id = 1): unknown => ({ type: 'cmd', id, cmd: c });

describe('valid commands', () => {
  it('has a sample for every kind, and every kind parses', () => {
    expect(Object.keys(VALID).sort()).toEqual([...COMMAND_KINDS].sort());
    expect(COMMAND_KINDS.length).toBe(50);
    let id = 0;
    for (const kind of COMMAND_KINDS) {
      for (const c of VALID[kind]) {
        const r = parseCommand(cmd(c, ++id));
        if (!r.ok) throw new Error(`${kind}: ${r.error.message}`);
        expect(r.value).toEqual({ type: 'cmd', id, cmd: c });
      }
    }
  });

  it('covers every catchpoint event', () => {
    const events = VALID.catchpointSet.map((c) => c.event);
    expect(new Set(events)).toEqual(new Set(CATCHPOINT_EVENTS));
  });

  it('parses through parseMessage too', () => {
    const r = parseMessage(cmd({ kind: 'run' }, 42));
    expect(r).toEqual({ ok: true, value: { type: 'cmd', id: 42, cmd: { kind: 'run' } } });
  });
});

/** [what, command, field, message]; the message is compared whole. */
const INVALID: [string, unknown, string, string][] = [
  [
    'address below range',
    { kind: 'memoryRead', space: 'physical', address: -1, length: 4 },
    'cmd.address',
    'cmd.address: expected a uint32 (0..4294967295), got -1',
  ],
  [
    'address above range',
    { kind: 'disassemble', pd: 1, address: 2 ** 32, count: 1 },
    'cmd.address',
    'cmd.address: expected a uint32 (0..4294967295), got 4294967296',
  ],
  [
    'address not an integer',
    { kind: 'breakpointSet', pd: 1, address: 4.5 },
    'cmd.address',
    'cmd.address: expected a uint32 (0..4294967295), got 4.5',
  ],
  [
    'address as a string',
    { kind: 'runTo', pd: 1, address: '0x1000' },
    'cmd.address',
    'cmd.address: expected a uint32 (0..4294967295), got "0x1000"',
  ],
  [
    'memoryRead length too big',
    { kind: 'memoryRead', space: 'physical', address: 0, length: 65537 },
    'cmd.length',
    'cmd.length: expected a length 1..65536, got 65537',
  ],
  [
    'memoryRead length zero',
    { kind: 'memoryRead', space: 'physical', address: 0, length: 0 },
    'cmd.length',
    'cmd.length: expected a length 1..65536, got 0',
  ],
  [
    'memoryRead past the end of the address space',
    { kind: 'memoryRead', space: { pd: 1 }, address: 0xffff_fff0, length: 17 },
    'cmd.length',
    'cmd.length: address + length runs past the end of the address space (0xffffffff)',
  ],
  [
    'watchpoint length too big',
    { kind: 'watchpointSet', pd: 1, address: 0, length: 4097, access: 'write' },
    'cmd.length',
    'cmd.length: expected a length 1..4096, got 4097',
  ],
  [
    'watchpoint access unknown',
    { kind: 'watchpointSet', pd: 1, address: 0, length: 4, access: 'execute' },
    'cmd.access',
    `cmd.access: expected one of 'read' | 'write' | 'access', got "execute"`,
  ],
  [
    'disassemble count too big',
    { kind: 'disassemble', pd: 1, address: 0, count: 513 },
    'cmd.count',
    'cmd.count: expected a count 1..512, got 513',
  ],
  [
    'memoryWrite too many bytes',
    { kind: 'memoryWrite', space: 'physical', address: 0, bytes: b64(new Array(65540).fill(1)) },
    'cmd.bytes',
    'cmd.bytes: expected at most 65536 bytes of base64, got 87388 characters',
  ],
  [
    'memoryWrite one byte too many',
    { kind: 'memoryWrite', space: 'physical', address: 0, bytes: b64(new Array(65537).fill(1)) },
    'cmd.bytes',
    'cmd.bytes: expected at most 65536 bytes',
  ],
  [
    'memoryWrite 65536 bytes + 1 in a padded last group',
    { kind: 'memoryWrite', space: 'physical', address: 0, bytes: b64(new Array(65536).fill(1)).slice(0, -4) + 'AQE=' },
    'cmd.bytes',
    'cmd.bytes: expected at most 65536 bytes',
  ],
  [
    'memoryWrite not base64',
    { kind: 'memoryWrite', space: 'physical', address: 0, bytes: 'AQI' },
    'cmd.bytes',
    'cmd.bytes: expected standard padded base64, got "AQI"',
  ],
  [
    'memoryWrite as a number array',
    { kind: 'memoryWrite', space: 'physical', address: 0, bytes: [1, 2] },
    'cmd.bytes',
    'cmd.bytes: expected base64 text, got an array',
  ],
  [
    'memoryWrite of nothing',
    { kind: 'memoryWrite', space: 'physical', address: 0, bytes: '' },
    'cmd.bytes',
    'cmd.bytes: expected at least 1 byte',
  ],
  [
    'memoryWrite past the end',
    { kind: 'memoryWrite', space: 'physical', address: 0xffff_ffff, bytes: b64([1, 2]) },
    'cmd.bytes',
    'cmd.bytes: address + length runs past the end of the address space (0xffffffff)',
  ],
  [
    'memory space unknown',
    { kind: 'memoryRead', space: 'virtual', address: 0, length: 1 },
    'cmd.space',
    `cmd.space: expected 'physical' or {pd}, got "virtual"`,
  ],
  [
    'memory space pd zero',
    { kind: 'memoryRead', space: { pd: 0 }, address: 0, length: 1 },
    'cmd.space.pd',
    'cmd.space.pd: expected a positive integer id (1..2147483647), got 0',
  ],
  [
    'thread id as a string',
    { kind: 'stepOver', thread: '3' },
    'cmd.thread',
    'cmd.thread: expected a positive integer id (1..2147483647), got "3"',
  ],
  [
    'thread id negative',
    { kind: 'pauseThread', thread: -2 },
    'cmd.thread',
    'cmd.thread: expected a positive integer id (1..2147483647), got -2',
  ],
  ['missing field', { kind: 'breakpointRemove' }, 'cmd.id', 'cmd.id: required field of breakpointRemove is missing'],
  [
    'missing field among others',
    { kind: 'watchpointSet', pd: 1, address: 0, access: 'read' },
    'cmd.length',
    'cmd.length: required field of watchpointSet is missing',
  ],
  ['extra field', { kind: 'run', now: true }, 'cmd.now', 'cmd.now: unknown field (not part of run)'],
  [
    'misspelt optional field',
    { kind: 'breakpointSet', pd: 1, address: 4, hitcount: 3 },
    'cmd.hitcount',
    'cmd.hitcount: unknown field (not part of breakpointSet)',
  ],
  [
    'catchpoint parameter on the wrong event',
    { kind: 'catchpointSet', event: 'pageFault', irq: 3 },
    'cmd.irq',
    'cmd.irq: unknown field (not part of catchpointSet (event pageFault))',
  ],
  [
    'catchpoint event unknown',
    { kind: 'catchpointSet', event: 'syscall' },
    'cmd.event',
    'cmd.event: unknown event "syscall"; allowed: pageFault, exception, signal, sessionOpen, sessionClose, quotaExhausted, deadlock, irq, rpc, log',
  ],
  [
    'catchpoint irq out of range',
    { kind: 'catchpointSet', event: 'irq', irq: 1024 },
    'cmd.irq',
    'cmd.irq: expected an IRQ number 0..1023, got 1024',
  ],
  [
    'breakpoint without a location',
    { kind: 'breakpointSet', pd: 1 },
    'cmd',
    'cmd: give exactly one location: address, symbol, or file with line',
  ],
  [
    'breakpoint with two locations',
    { kind: 'breakpointSet', pd: 1, address: 4, symbol: 'main' },
    'cmd',
    'cmd: give exactly one location: address, symbol, or file with line',
  ],
  [
    'runTo with a file but no line',
    { kind: 'runTo', pd: 1, file: 'main.c' },
    'cmd',
    'cmd: give exactly one location: address, symbol, or file with line',
  ],
  [
    'line zero',
    { kind: 'runTo', pd: 1, file: 'a.c', line: 0 },
    'cmd.line',
    'cmd.line: expected a line number (1 or more), got 0',
  ],
  ['load with path and text', { kind: 'load', path: 'a', text: 'b' }, 'cmd', 'cmd: give either path or text'],
  ['load with neither', { kind: 'load' }, 'cmd', 'cmd: give either path or text'],
  ['load name without text', { kind: 'load', path: 'a', name: 'x' }, 'cmd', 'cmd: name goes with text only'],
  [
    'path too long',
    { kind: 'load', path: 'x'.repeat(LIMITS.path + 1) },
    'cmd.path',
    'cmd.path: expected a string of 1..4096 characters, got 4097 characters',
  ],
  [
    'empty symbol name',
    { kind: 'symbolLookup', pd: 1, name: '' },
    'cmd.name',
    'cmd.name: expected a string of 1..256 characters, got 0 characters',
  ],
  [
    'register unknown',
    { kind: 'registerWrite', thread: 1, reg: 'x32', value: 0 },
    'cmd.reg',
    'cmd.reg: expected a register name (x0..x31, an ABI name such as a0 or sp, or pc), got "x32"',
  ],
  [
    'register value negative',
    { kind: 'registerWrite', thread: 1, reg: 'a0', value: -1 },
    'cmd.value',
    'cmd.value: expected a uint32 (0..4294967295), got -1',
  ],
  [
    'gdb port too big',
    { kind: 'gdbServer', enable: true, port: 70000 },
    'cmd.port',
    'cmd.port: expected a port 0..65535, got 70000',
  ],
  ['enable not a boolean', { kind: 'gdbServer', enable: 1 }, 'cmd.enable', 'cmd.enable: expected true or false, got 1'],
  ['traceSince max 0', { kind: 'traceSince', seq: 0, max: 0 }, 'cmd.max', 'cmd.max: expected a count 1..65536, got 0'],
  ['command not an object', 'run', 'cmd', 'cmd: expected a command object, got "run"'],
  ['command null', null, 'cmd', 'cmd: expected a command object, got null'],
];

describe('invalid commands', () => {
  it('names an unknown kind and lists the allowed ones', () => {
    const r = parseCommand(cmd({ kind: 'fly', thread: 1 }, 5));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid');
    expect(r.error.field).toBe('cmd.kind');
    expect(r.error.message).toBe(`cmd.kind: unknown command kind "fly"; allowed: ${COMMAND_KINDS.join(', ')}`);
    expect(r.id).toBe(5);
  });

  it('says when the kind is missing', () => {
    const r = parseCommand(cmd({ thread: 1 }));
    expect(!r.ok && r.error.message).toBe(`cmd.kind: missing command kind; allowed: ${COMMAND_KINDS.join(', ')}`);
  });

  it.each(INVALID)('%s', (_what, c, field, message) => {
    const r = parseCommand(cmd(c, 77));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toEqual({ code: 'invalid', message, field });
    // The id is kept so that the host can reply to the refused command.
    expect(r.id).toBe(77);
  });

  it('checks the envelope', () => {
    const cases: [unknown, string, string][] = [
      [null, '', 'message: expected an object, got null'],
      [[1], 'type', 'type: required field is missing'],
      [{ type: 'event', event: { kind: 'running' } }, 'type', 'type: expected "cmd", got "event"'],
      [{ type: 'cmd', cmd: { kind: 'run' } }, 'id', 'id: required field is missing'],
      [{ type: 'cmd', id: -1, cmd: { kind: 'run' } }, 'id', 'id: expected a non-negative integer, got -1'],
      [{ type: 'cmd', id: 1, cmd: { kind: 'run' }, extra: 1 }, 'extra', 'extra: unknown field'],
    ];
    for (const [json, field, message] of cases) {
      const r = parseCommand(json);
      expect(r.ok).toBe(false);
      if (!r.ok) expect([r.error.field, r.error.message]).toEqual([field, message]);
    }
  });

  it('never throws, whatever comes in', () => {
    const junk: unknown[] = [undefined, 0, '', 'cmd', [], {}, { type: 'cmd' }, { type: 'cmd', id: 1, cmd: [] }];
    const cyclic: Record<string, unknown> = { type: 'cmd', id: 1 };
    cyclic.cmd = cyclic;
    junk.push(cyclic, Object.create(null), { type: 'cmd', id: 1, cmd: { kind: 'toString' } });
    for (const j of junk) expect(parseCommand(j).ok).toBe(false);
  });
});

// ----------------------------------------------------------------- results --

const topology: CommandResult<'topology'> = {
  pds: [
    {
      id: 1,
      label: 'init',
      parent: null,
      child: null,
      ram: { used: 1 << 20, limit: 8 << 20 },
      caps: { used: 20, limit: 300 },
      threads: [
        {
          id: 1,
          pd: 1,
          name: 'init',
          cpu: 0,
          priority: 0,
          state: 'blocked',
          reason: 'waiting for a signal',
          pc: 0x1000,
          execUs: 12,
        },
      ],
      exitCode: null,
    },
    {
      id: 2,
      label: 'init -> counter',
      parent: null,
      child: 'counter',
      ram: { used: 4096, limit: 1 << 20 },
      caps: { used: 5, limit: 50 },
      threads: [
        { id: 4, pd: 2, name: 'ep', cpu: 1, priority: 1, state: 'running', reason: null, pc: 0x1040, execUs: 3 },
      ],
      exitCode: null,
    },
  ],
  sessions: [
    { id: 7, service: 'LOG', label: 'counter', client: 2, server: 'core', ram: 4096, caps: 2, args: 'label="counter"' },
  ],
  services: [{ name: 'Hello', server: 2 }],
  routes: [{ client: 2, service: '*', match: '', targets: ['parent'], line: 12 }],
};

/** A valid result for every kind. */
const RESULTS: { [K in CommandKind]: CommandResult<K> } = {
  load: { name: 'counter' },
  run: null,
  pause: null,
  stepInstruction: null,
  stepOver: null,
  stepOut: null,
  stepLine: null,
  runTo: null,
  pauseThread: null,
  resumeThread: null,
  breakpointSet: { id: 1, address: 0x1000, symbol: 'main', file: 'main.c', line: 3 },
  breakpointUpdate: null,
  breakpointRemove: null,
  watchpointSet: { id: 2 },
  watchpointRemove: null,
  catchpointSet: { id: 3 },
  catchpointRemove: null,
  breakpointList: {
    breakpoints: [
      {
        id: 1,
        pd: 2,
        address: 0x1000,
        location: 'main',
        condition: 'a0 == 3',
        hitCount: 0,
        hits: 2,
        enabled: true,
        pending: false,
      },
    ],
    watchpoints: [{ id: 2, pd: 2, address: 0x2000, length: 4, access: 'write', hits: 0 }],
    catchpoints: [{ id: 3, event: 'log', detail: 'LOG line matching /tick/', hits: 1 }],
  },
  registersRead: {
    pc: 0x1000,
    x: Array.from({ length: 32 }, (_, i) => i * 0x0800_0000),
    names: [...ABI_REGISTER_NAMES],
    csrs: [
      { name: 'priv', value: 0 },
      { name: 'satp', value: 0x8040_0123 },
    ],
  },
  registerWrite: null,
  memoryRead: { address: 0x1000, bytes: b64([0xde, 0xad, 0xbe, 0xef]) },
  memoryWrite: null,
  disassemble: {
    lines: [
      { address: 0x1000, bytes: '00a50513', text: 'addi a0, a0, 10', symbol: 'main+0', source: 'main.c:3' },
      { address: 0x1004, bytes: '4505', text: 'c.li a0, 1' },
    ],
  },
  backtrace: {
    frames: [
      { pc: 0x1010, fp: 0x4000, function: 'leaf', offset: 16, file: 'main.c', line: 9 },
      { pc: 0x2000, fp: 0x4010 },
    ],
  },
  sourceLines: { file: 'main.c', lines: [{ line: 3, address: 0x1000 }] },
  sourceFiles: { files: ['main.c', '../sdk/src/crt0.S'] },
  sourceText: { file: 'main.c', path: '/guest/main.c', text: 'int main(void) {}\n' },
  symbolLookup: { symbols: [{ name: 'main', address: 0x1000, size: 64, kind: 'function', file: 'main.c', line: 3 }] },
  topology,
  capSpace: {
    pd: 2,
    rows: [
      {
        slot: 0,
        type: 'rpc',
        object: 'PD session',
        objectId: 10,
        origin: 'core',
        badge: 0,
        session: topology.sessions[0],
      },
      {
        slot: 5,
        type: 'signal context',
        object: 'signal context 11',
        objectId: 11,
        origin: 2,
        badge: 0xffff_ffff,
        session: null,
      },
    ],
  },
  memoryMap: {
    pd: 2,
    tree: {
      id: 20,
      name: 'address space',
      size: 0xffff_f000,
      kind: 'address space',
      faults: [],
      regions: [
        {
          at: 0x1000,
          va: 0x1000,
          size: 0x2000,
          offset: 0,
          ds: { id: 30, kind: 'rom', name: 'counter', size: 0x2000, phys: 0x8010_0000 },
          writeable: false,
          executable: true,
          mapped: [1, 2],
          nested: null,
        },
        {
          at: 0x4000_0000,
          va: 0x4000_0000,
          size: 0x1000_0000,
          offset: 0,
          ds: { id: 31, kind: 'managed', name: 'stack area', size: 0x1000_0000, phys: null },
          writeable: true,
          executable: false,
          mapped: [],
          nested: {
            id: 21,
            name: 'stack area',
            size: 0x1000_0000,
            kind: 'stack area',
            faults: [{ thread: 4, addr: 0x4000_0ff0, type: 1 }],
            regions: [
              {
                at: 0,
                va: 0x4000_0000,
                size: 0x1000,
                offset: 0,
                ds: { id: 32, kind: 'ram', name: 'stack', size: 0x1000, phys: 0x8020_0000 },
                writeable: true,
                executable: false,
                mapped: [0x40000],
                nested: null,
              },
            ],
          },
        },
      ],
    },
  },
  physicalMap: {
    ram: { base: 0x8000_0000, size: 128 << 20 },
    ranges: [{ base: 0x8000_0000, size: 1 << 20, owner: 'core' }],
    devices: [{ base: 0x1000_0000, size: 0x100, name: 'uart' }],
  },
  threads: {
    threads: [
      {
        id: 4,
        pd: 2,
        name: 'ep',
        cpu: 0,
        priority: 1,
        state: 'paused',
        reason: 'paused by the debugger',
        pc: 0x1040,
        execUs: 99,
      },
    ],
  },
  waitForGraph: {
    edges: [
      { from: 4, to: 5, why: 'RPC call' },
      { from: 5, to: 4, why: 'RPC call' },
    ],
    cycles: [{ threads: [4, 5], text: 'a/ep -> b/ep' }],
  },
  traceSince: {
    events: [{ seq: 10, time: 1234, cpu: 0, thread: 4, pd: 2, kind: 'rpc-call', a: 7, b: -1 }],
    next: 11,
    dropped: 0,
  },
  traceExport: { token: 'export-1' },
  stats: { mips: 12.5, virtualTimeUs: 1000.25, instructions: 123456789, threads: [{ id: 4, load: 0.5 }] },
  configApply: null,
  scenario: { name: 'demo', file: '/x/demo.xml', config: '<config/>' },
  snapshotSave: { path: '/tmp/a.snap', bytes: 123456 },
  snapshotLoad: { name: 'demo' },
  reverseStep: null,
  reverseContinue: null,
  travel: null,
  history: {
    now: 1000,
    nowUs: 10,
    earliest: 0,
    earliestUs: 0,
    snapshots: [0, 500],
    harts: 1,
    cyclesPerUs: 100,
    bytes: 8192,
    budgetBytes: 1 << 29,
    intervalCycles: 5_000_000,
    inputs: 0,
  },
  recording: null,
  uartInput: null,
  componentCheckpoint: { path: '/tmp/c.ckpt', bytes: 4096, name: 'counter', instructions: 123 },
  componentRestore: { name: 'counter', replaced: true, sessions: 6, threads: 1, dataspaces: 9 },
  gdbServer: { enabled: true, port: 40123 },
};

describe('replies', () => {
  it('accepts a valid result for every kind', () => {
    for (const kind of COMMAND_KINDS) {
      const r = parseReply({ type: 'reply', id: 3, ok: true, result: RESULTS[kind] }, kind);
      if (!r.ok) throw new Error(`${kind}: ${r.error.message}`);
      expect(r.value).toEqual({ type: 'reply', id: 3, ok: true, result: RESULTS[kind] });
    }
  });

  it('checks the result against its command kind', () => {
    const bad = { ...RESULTS.registersRead, x: [1, 2, 3] };
    const r = parseReply({ type: 'reply', id: 3, ok: true, result: bad }, 'registersRead');
    expect(r).toEqual({
      ok: false,
      id: 3,
      error: { code: 'invalid', field: 'result.x', message: 'result.x: expected 32 registers, got 3' },
    });
    // Without the kind, the result is left to parseResult.
    expect(parseReply({ type: 'reply', id: 3, ok: true, result: bad }).ok).toBe(true);
  });

  it('names the field deep inside a nested result', () => {
    const tree = structuredClone(RESULTS.memoryMap);
    tree.tree.regions[1].nested!.regions[0].ds.phys = -4;
    const r = parseResult('memoryMap', tree);
    expect(!r.ok && r.error.message).toBe(
      'result.tree.regions[1].nested.regions[0].ds.phys: expected a uint32 (0..4294967295), got -4',
    );
    const topo = structuredClone(topology);
    (topo.pds[1].threads[0] as { state: string }).state = 'sleeping';
    const t = parseResult('topology', topo);
    expect(!t.ok && t.error.field).toBe('result.pds[1].threads[0].state');
  });

  it('accepts error replies and checks their code', () => {
    const error = { code: 'notFound', message: 'no thread 9', field: 'cmd.thread' };
    expect(parseReply({ type: 'reply', id: 1, ok: false, error })).toEqual({
      ok: true,
      value: { type: 'reply', id: 1, ok: false, error },
    });
    const r = parseReply({ type: 'reply', id: 1, ok: false, error: { code: 'oops', message: '' } });
    expect(!r.ok && r.error.field).toBe('error.code');
    const s = parseReply({ type: 'reply', id: 1, ok: 'yes' });
    expect(!s.ok && s.error.message).toBe('ok: unknown ok value "yes"; allowed: true, false');
  });

  it('gives a refused command a reply that itself parses', () => {
    const refused = parseCommand(cmd({ kind: 'memoryRead', space: 'physical', address: -1, length: 4 }, 12));
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    const reply = { type: 'reply', id: refused.id, ok: false, error: refused.error };
    expect(parseMessage(JSON.parse(JSON.stringify(reply))).ok).toBe(true);
  });
});

// ------------------------------------------------------------------ events --

const EVENTS: { [K in EventKind]: Extract<EngineEvent, { kind: K }> } = {
  stopped: { kind: 'stopped', reason: 'breakpoint', thread: 4, pc: 0x1000, detail: 'breakpoint 1' },
  running: { kind: 'running' },
  log: { kind: 'log', lines: [{ label: 'counter', text: 'count 1', time: 1500 }] },
  topologyChanged: { kind: 'topologyChanged', topology },
  trace: { kind: 'trace', events: [{ seq: 1, time: 2, cpu: 0, thread: 0, pd: 0, kind: 'irq', a: 10, b: 0 }] },
  stats: { kind: 'stats', mips: 1, virtualTimeUs: 2, instructions: 3, threads: [] },
  traceChunk: { kind: 'traceChunk', token: 'export-1', chunk: '{"traceEvents":[', done: false },
  travelled: { kind: 'travelled', position: 100, timeUs: 1, traceCount: 5, logLines: 2 },
  error: { kind: 'error', message: 'the frame is not JSON' },
};

describe('events', () => {
  it('parses every kind', () => {
    expect(Object.keys(EVENTS).sort()).toEqual([...EVENT_KINDS].sort());
    for (const kind of EVENT_KINDS) {
      const msg = { type: 'event', event: EVENTS[kind] };
      expect(parseEvent(msg)).toEqual({ ok: true, value: msg });
      expect(parseMessage(msg).ok).toBe(true);
    }
    expect(parseEvent({ type: 'event', event: { kind: 'stopped', reason: 'idle' } }).ok).toBe(true);
  });

  it('refuses unknown kinds and bad fields', () => {
    const r = parseEvent({ type: 'event', event: { kind: 'exploded' } });
    expect(!r.ok && r.error.message).toBe(
      `event.kind: unknown event kind "exploded"; allowed: ${EVENT_KINDS.join(', ')}`,
    );
    const s = parseEvent({ type: 'event', event: { kind: 'stopped', reason: 'tired' } });
    expect(!s.ok && s.error.field).toBe('event.reason');
    const t = parseEvent({
      type: 'event',
      event: { kind: 'trace', events: [{ ...EVENTS.trace.events[0], kind: 'nap' }] },
    });
    expect(!t.ok && t.error.field).toBe('event.events[0].kind');
  });
});

// ------------------------------------------------------------------- hello --

describe('hello', () => {
  it('accepts this version and refuses another one clearly', () => {
    expect(parseMessage({ type: 'hello', version: PROTOCOL_VERSION })).toEqual({
      ok: true,
      value: { type: 'hello', version: PROTOCOL_VERSION },
    });
    const r = parseMessage({ type: 'hello', version: PROTOCOL_VERSION + 1 });
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'version',
        field: 'version',
        message: `version: this end speaks protocol version ${PROTOCOL_VERSION}, the peer speaks ${PROTOCOL_VERSION + 1}`,
      },
    });
    expect(parseHello({ type: 'hello', version: 99 }).ok).toBe(false);
    expect(parseHello({ type: 'hello', version: PROTOCOL_VERSION }).ok).toBe(true);
  });

  it('names the allowed message types', () => {
    const r = parseMessage({ type: 'helo', version: 1 });
    expect(!r.ok && r.error.message).toBe('type: unknown message type "helo"; allowed: hello, cmd, reply, event');
  });
});

// ----------------------------------------------------------------- helpers --

describe('helpers', () => {
  it('base64 agrees with Node in both directions', () => {
    const all = Array.from({ length: 256 }, (_, i) => i);
    for (let n = 0; n <= 7; n++) {
      const bytes = new Uint8Array(all.slice(250 - n * 30, 250 - n * 30 + n));
      expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect(decodeBase64(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
    }
    const big = new Uint8Array(all.concat(all, all));
    expect(decodeBase64(encodeBase64(big))).toEqual(big);
    for (const bad of ['A', 'AB', 'ABC', 'AB=C', '====', 'ab-_', 'AQ==AQ==']) expect(decodeBase64(bad)).toBeNull();
  });

  it('maps register names to indices', () => {
    expect(registerIndex('x0')).toBe(0);
    expect(registerIndex('x31')).toBe(31);
    expect(registerIndex('zero')).toBe(0);
    expect(registerIndex('sp')).toBe(2);
    expect(registerIndex('fp')).toBe(8);
    expect(registerIndex('s0')).toBe(8);
    expect(registerIndex('a0')).toBe(10);
    expect(registerIndex('t6')).toBe(31);
    expect(registerIndex('pc')).toBe('pc');
    for (const bad of ['x32', 'x01', 'X1', 'a8', '', 'pc ']) expect(registerIndex(bad)).toBeNull();
  });
});

// ---------------------------------------------------------- strict CSP (vm) --

describe('without code generation from strings', () => {
  it('parses inside a vm context where eval and new Function are disabled', async () => {
    // Bundle the module with valibot into one script, then run it where a strict CSP would
    // run it: a context in which code generation from strings throws.
    const bundle = await build({
      entryPoints: [new URL('./protocol.ts', import.meta.url).pathname],
      bundle: true,
      format: 'iife',
      globalName: 'protocol',
      platform: 'neutral',
      write: false,
      logLevel: 'silent',
    });
    const context = createContext({}, { codeGeneration: { strings: false, wasm: false } });
    expect(() => runInContext('eval("1")', context)).toThrow(/Code generation from strings disallowed/);
    expect(() => runInContext('new Function("return 1")', context)).toThrow(/Code generation from strings disallowed/);

    runInContext(bundle.outputFiles[0].text, context);
    context.input = {
      good: cmd({ kind: 'breakpointSet', pd: 3, symbol: 'main', hitCount: 1 }),
      bad: cmd({ kind: 'memoryRead', space: 'physical', address: -1, length: 4 }),
      event: { type: 'event', event: EVENTS.topologyChanged },
    };
    const out = runInContext(
      `JSON.stringify([
        protocol.parseCommand(input.good),
        protocol.parseCommand(input.bad),
        protocol.parseMessage(input.event).ok,
        protocol.parseResult('memoryMap', ${JSON.stringify(RESULTS.memoryMap)}).ok,
      ])`,
      context,
    ) as string;
    const [good, bad, event, map] = JSON.parse(out);
    expect(good).toEqual({ ok: true, value: cmd({ kind: 'breakpointSet', pd: 3, symbol: 'main', hitCount: 1 }) });
    expect(bad.error.message).toBe('cmd.address: expected a uint32 (0..4294967295), got -1');
    expect(event).toBe(true);
    expect(map).toBe(true);
  });
});
