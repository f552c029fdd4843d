/**
 * The engine host end to end: commands in, replies and events out, every message round-tripped
 * through JSON and validated with the protocol's parsers exactly as a client does. The
 * scenarios are the ones a user opens in the app.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GUEST_ROOT, SCENARIO_ROOT } from '../../src/cli/scenario_files';
import { EngineHost } from '../../src/engine/host/engine_host';
import { EngineWebSocketServer, connectWebSocketFromNode } from '../../src/engine/host/transport_websocket';
import {
  COMMAND_KINDS,
  decodeBase64,
  encodeBase64,
  parseEvent,
  parseMessage,
  parseReply,
  type Command,
  type CommandKind,
  type CommandResult,
  type EngineError,
  type EngineEvent,
  type EventOf,
} from '../../src/engine/protocol';

const COUNTER = join(SCENARIO_ROOT, 'counter.xml');

type KindOf<C> = C extends { kind: infer K } ? K : never;

/** A client of a host in this process: JSON on the wire, validation on arrival. */
function connect(host: EngineHost) {
  let id = 0;
  const events: EngineEvent[] = [];
  const invalid: string[] = [];
  host.onEvent((e) => {
    const p = parseEvent(JSON.parse(JSON.stringify({ type: 'event', event: e })));
    if (p.ok) events.push(p.value.event);
    else invalid.push(`${e.kind}: ${p.error.message}`);
  });
  const send = async (cmd: unknown) => {
    const reply = await host.receive(JSON.parse(JSON.stringify({ type: 'cmd', id: ++id, cmd })));
    return { reply, kind: (cmd as { kind: string }).kind };
  };
  return {
    events,
    invalid,
    /** Sends a command and returns its checked result; a failure throws with the error. */
    async call<C extends Command>(cmd: C): Promise<CommandResult<KindOf<C>>> {
      const { reply } = await send(cmd);
      const p = parseReply(JSON.parse(JSON.stringify(reply)), cmd.kind);
      if (!p.ok) throw new Error(`${cmd.kind}: reply invalid: ${p.error.message}`);
      if (!p.value.ok) throw new Error(`${cmd.kind}: ${p.value.error.code}: ${p.value.error.message}`);
      return p.value.result as CommandResult<KindOf<C>>;
    },
    /** Sends something (maybe malformed) that must fail; returns the error. */
    async refuse(cmd: unknown): Promise<EngineError> {
      const { reply } = await send(cmd);
      const p = parseMessage(JSON.parse(JSON.stringify(reply)));
      if (!p.ok || p.value.type !== 'reply') throw new Error(`no valid reply: ${JSON.stringify(reply)}`);
      if (p.value.ok) throw new Error(`expected an error, got ${JSON.stringify(p.value.result)}`);
      return p.value.error;
    },
    /** Waits (on the event loop, as a remote client does) for an event matching `pred`. */
    async until<K extends EngineEvent['kind']>(
      kind: K,
      pred: (e: EventOf<K>) => boolean = () => true,
      ms = 20_000,
    ): Promise<EventOf<K>> {
      const end = Date.now() + ms;
      let seen = 0;
      for (;;) {
        for (; seen < events.length; seen++) {
          const e = events[seen];
          if (e.kind === kind && pred(e as EventOf<K>)) {
            events.splice(0, seen + 1);
            return e as EventOf<K>;
          }
        }
        if (Date.now() > end) throw new Error(`no ${kind} event within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 1));
      }
    },
  };
}

let hosts: EngineHost[] = [];
afterEach(async () => {
  for (const h of hosts) await h.dispose();
  hosts = [];
});

function newHost(): EngineHost {
  const h = EngineHost.create();
  hosts.push(h);
  return h;
}

async function counterHost() {
  const host = newHost();
  const c = connect(host);
  expect(await c.call({ kind: 'load', path: COUNTER })).toEqual({ name: 'counter' });
  return { host, c, pd: host.pdIdOf('counter')!, ep: host.threadIdOf('counter', 'ep')! };
}

describe('loading', () => {
  it('loads a scenario by path and announces its topology', async () => {
    const { c, pd } = await counterHost();
    const topo = await c.until('topologyChanged');
    const counter = topo.topology.pds.find((p) => p.id === pd)!;
    expect(counter.child).toBe('counter');
    expect(counter.threads.map((t) => t.name)).toEqual(['ep']);
    expect(topo.topology.routes).toContainEqual(
      expect.objectContaining({ client: pd, service: '*', targets: ['parent'] }),
    );
  });

  it('loads a scenario from text, and names the file and line of errors', async () => {
    const host = newHost();
    const c = connect(host);
    const xml = `<config>
  <parent-provides> <service name="LOG"/> <service name="PD"/> <service name="CPU"/> <service name="ROM"/> </parent-provides>
  <default-route> <any-service> <parent/> </any-service> </default-route>
  <start name="hello" caps="100" ram="1M"/>
</config>`;
    expect(await c.call({ kind: 'load', text: xml, name: 'mine.xml' })).toEqual({ name: 'mine' });

    const missing = await c.refuse({ kind: 'load', path: '/nonexistent/x.xml' });
    expect(missing).toMatchObject({ code: 'invalid', field: 'cmd.path' });
    expect(missing.message).toContain('cannot read /nonexistent/x.xml: ENOENT');

    const broken = await c.refuse({ kind: 'load', text: '<config>\n  <start name="a">\n</config>', name: 'b.xml' });
    expect(broken.code).toBe('invalid');
    expect(broken.message).toMatch(/^b\.xml:3:/);

    const noBinary = await c.refuse({ kind: 'load', text: xml.replace('"hello"', '"nosuch"'), name: 'c.xml' });
    expect(noBinary.message).toContain('c.xml:4: binary "nosuch"');
    // The scenario loaded first is still there.
    expect(host.pdIdOf('hello')).not.toBeNull();
    expect(await c.call({ kind: 'scenario' })).toEqual({ name: 'mine', file: 'mine.xml', config: xml });
  });

  it("tells the scenario's current init config: the file's, then each applied one", async () => {
    const { c } = await counterHost();
    const first = await c.call({ kind: 'scenario' });
    expect(first.name).toBe('counter');
    expect(first.file).toBe(COUNTER);
    expect(first.config).toBe(readFileSync(COUNTER, 'utf8'));
    const changed = first.config.replace('</config>', '<!-- edited -->\n</config>');
    await c.call({ kind: 'configApply', xml: changed });
    expect((await c.call({ kind: 'scenario' })).config).toBe(changed);
    // A config with errors is refused and the text stays as it was.
    await c.refuse({ kind: 'configApply', xml: '<config>\n<start name="x">' });
    expect((await c.call({ kind: 'scenario' })).config).toBe(changed);
  });

  it('answers commands before a load with a state error', async () => {
    const c = connect(newHost());
    expect(await c.refuse({ kind: 'threads' })).toMatchObject({ code: 'state' });
  });
});

describe('invalid commands', () => {
  it('get structured errors and leave the engine unchanged', async () => {
    const { host, c, ep } = await counterHost();
    await c.call({ kind: 'runTo', pd: host.pdIdOf('counter')!, symbol: 'timer_msleep' });
    await c.until('stopped');
    const before = host.system!.machine.stateHash();
    const bps = await c.call({ kind: 'breakpointList' });

    expect(await c.refuse({ kind: 'jump', thread: ep })).toMatchObject({ code: 'invalid', field: 'cmd.kind' });
    expect(await c.refuse({ kind: 'registersRead' })).toMatchObject({ code: 'invalid', field: 'cmd.thread' });
    expect(await c.refuse({ kind: 'registersRead', thread: 999 })).toEqual({
      code: 'notFound',
      message: 'no thread 999',
      field: 'cmd.thread',
    });
    expect(await c.refuse({ kind: 'memoryRead', space: 'physical', address: 0xffff_fff0, length: 32 })).toMatchObject({
      code: 'invalid',
      field: 'cmd.length',
    });
    const fault = await c.refuse({
      kind: 'memoryRead',
      space: { pd: host.pdIdOf('counter')! },
      address: 0xf000_0000,
      length: 4,
    });
    expect(fault.code).toBe('fault');
    expect(fault.message).toMatch(/^0xf0000000: /);
    expect(await c.refuse({ kind: 'breakpointSet', pd: host.pdIdOf('counter')!, symbol: 'no_such_fn' })).toMatchObject({
      code: 'notFound',
      field: 'cmd.symbol',
    });
    expect(
      await c.refuse({
        kind: 'breakpointSet',
        pd: host.pdIdOf('counter')!,
        symbol: 'component_construct',
        condition: 'a0 ==',
      }),
    ).toMatchObject({ code: 'failed' });
    const badConfig = await c.refuse({ kind: 'configApply', xml: '<config>\n<start name="x">' });
    expect(badConfig).toMatchObject({ code: 'invalid', field: 'cmd.xml' });
    expect(badConfig.message).toMatch(/^config:\d+:\d+: /);
    expect(await c.refuse({ kind: 'watchpointRemove', id: 77 })).toMatchObject({ code: 'notFound' });

    expect(host.system!.machine.stateHash()).toBe(before);
    expect(await c.call({ kind: 'breakpointList' })).toEqual(bps);
    expect(c.invalid).toEqual([]);
  });
});

describe('running', () => {
  it('runs in slices, streams log lines, trace and stats, answers while running, and pauses', async () => {
    const { host, c, ep } = await counterHost();
    await c.call({ kind: 'run' });
    await c.until('running');
    const log = await c.until('log', (e) => e.lines.some((l) => l.label === 'init -> counter' && l.text === '2'));
    expect(log.lines.every((l) => typeof l.time === 'number')).toBe(true);
    const trace = await c.until('trace', (e) => e.events.length > 0);
    expect(trace.events[0]).toHaveProperty('kind');
    // A command while the guest runs is answered between two slices.
    const threads = await c.call({ kind: 'threads' });
    expect(host.debugger!.running).toBe(true);
    expect(threads.threads.find((t) => t.id === ep)?.name).toBe('ep');
    const stats = await c.until('stats', (e) => e.instructions > 0);
    expect(stats.virtualTimeUs).toBeGreaterThan(0);

    await c.call({ kind: 'pause' });
    const stop = await c.until('stopped');
    expect(stop).toMatchObject({ kind: 'stopped', reason: 'pause' });
    expect(host.debugger!.running).toBe(false);
    expect(c.invalid).toEqual([]);
  });

  it('breakpoint, registers, step, backtrace, disassembly, memory and sources through the protocol', async () => {
    const { host, c, pd, ep } = await counterHost();
    const bp = await c.call({ kind: 'breakpointSet', pd, symbol: 'timer_msleep' });
    expect(bp.symbol).toBe('timer_msleep');
    await c.call({ kind: 'run' });
    const hit = await c.until('stopped');
    expect(hit).toMatchObject({ reason: 'breakpoint', thread: ep, pd, pc: bp.address, breakpoint: bp.id });

    const regs = await c.call({ kind: 'registersRead', thread: ep });
    expect(regs.pc).toBe(bp.address);
    expect(regs.names[10]).toBe('a0');
    expect(regs.csrs.find((r) => r.name === 'satp')!.value >>> 31).toBe(1);

    const frames = await c.call({ kind: 'backtrace', thread: ep });
    expect(frames.frames.map((f) => f.function).slice(0, 2)).toEqual(['timer_msleep', 'component_construct']);
    expect(frames.frames[1].file).toMatch(/counter\.c$/);

    const dis = await c.call({ kind: 'disassemble', pd, address: bp.address, count: 4 });
    expect(dis.lines[0]).toMatchObject({ address: bp.address, symbol: 'timer_msleep' });
    expect(dis.lines).toHaveLength(4);

    await c.call({ kind: 'stepInstruction', thread: ep });
    const step = await c.until('stopped');
    expect(step).toMatchObject({ reason: 'step', thread: ep, pc: dis.lines[1].address });

    // Registers: write a0 and read it back; x0 stays 0.
    await c.call({ kind: 'registerWrite', thread: ep, reg: 'a5', value: 0x1234_5678 });
    await c.call({ kind: 'registerWrite', thread: ep, reg: 'x0', value: 7 });
    const after = await c.call({ kind: 'registersRead', thread: ep });
    expect(after.x[15]).toBe(0x1234_5678);
    expect(after.x[0]).toBe(0);

    // Memory by virtual address (the stack), written and read back.
    const sp = after.x[2];
    const old = await c.call({ kind: 'memoryRead', space: { pd }, address: sp, length: 8 });
    await c.call({
      kind: 'memoryWrite',
      space: { pd },
      address: sp,
      bytes: encodeBase64(new Uint8Array([1, 2, 3, 4])),
    });
    const now = await c.call({ kind: 'memoryRead', space: { pd }, address: sp, length: 8 });
    expect([...decodeBase64(now.bytes)!]).toEqual([1, 2, 3, 4, ...decodeBase64(old.bytes)!.slice(4)]);
    await c.call({ kind: 'memoryWrite', space: { pd }, address: sp, bytes: old.bytes });

    const src = await c.call({ kind: 'sourceLines', pd, file: 'counter.c' });
    expect(src.file).toMatch(/counter\.c$/);
    expect(src.lines.length).toBeGreaterThan(3);
    const files = await c.call({ kind: 'sourceFiles', pd });
    expect(files.files).toContain(src.file);
    expect(files.files.some((f) => f.endsWith('crt0.S'))).toBe(true);
    const text = await c.call({ kind: 'sourceText', pd, file: 'counter.c' });
    expect(text.path).toBe(join(GUEST_ROOT, 'basics', 'counter.c'));
    expect(text.text).toBe(readFileSync(text.path, 'utf8'));
    // The lines with code are lines of that text.
    expect(Math.max(...src.lines.map((l) => l.line))).toBeLessThanOrEqual(text.text.split('\n').length);
    const crt0 = files.files.find((f) => f.endsWith('crt0.S'))!;
    expect((await c.call({ kind: 'sourceText', pd, file: crt0 })).text).toContain('_start');
    // Only what the line table names: no other files of the host.
    expect(await c.refuse({ kind: 'sourceText', pd, file: '../../../../etc/passwd' })).toMatchObject({
      code: 'notFound',
      field: 'cmd.file',
    });
    const sym = await c.call({ kind: 'symbolLookup', pd, name: 'component_construct' });
    expect(sym.symbols[0]).toMatchObject({ name: 'component_construct', kind: 'function' });

    const list = await c.call({ kind: 'breakpointList' });
    expect(list.breakpoints).toEqual([expect.objectContaining({ id: bp.id, hits: 1, enabled: true, pending: false })]);

    // Run on to the next hit, one second later in virtual time.
    await c.call({ kind: 'run' });
    expect(await c.until('stopped')).toMatchObject({ reason: 'breakpoint', breakpoint: bp.id });
    expect(host.system!.transcript().filter((l) => l.startsWith('[init -> counter]'))).toEqual([
      '[init -> counter] 0',
      '[init -> counter] 1',
    ]);
    expect(c.invalid).toEqual([]);
  });

  it('inspection results validate against the protocol', async () => {
    const { c, pd } = await counterHost();
    await c.call({ kind: 'runTo', pd, symbol: 'timer_msleep' });
    await c.until('stopped');
    const topo = await c.call({ kind: 'topology' });
    expect(topo.sessions.some((s) => s.service === 'Timer' && s.client === pd)).toBe(true);
    const caps = await c.call({ kind: 'capSpace', pd });
    expect(caps.rows.some((r) => r.session?.service === 'Timer')).toBe(true);
    const mm = await c.call({ kind: 'memoryMap', pd });
    expect(mm.tree.kind).toBe('address space');
    expect(mm.tree.regions.some((r) => r.nested?.kind === 'stack area')).toBe(true);
    const phys = await c.call({ kind: 'physicalMap' });
    expect(phys.ranges.some((r) => r.owner.includes('counter'))).toBe(true);
    const wfg = await c.call({ kind: 'waitForGraph' });
    expect(wfg.cycles).toEqual([]);
  });

  it('catchpoints and watchpoints stop with their ids', async () => {
    const { c, pd, ep } = await counterHost();
    const cp = await c.call({ kind: 'catchpointSet', event: 'log', pattern: '^1$' });
    await c.call({ kind: 'run' });
    expect(await c.until('stopped')).toMatchObject({ reason: 'catchpoint', catchpoint: cp.id });
    await c.call({ kind: 'catchpointRemove', id: cp.id });

    const regs = await c.call({ kind: 'registersRead', thread: ep });
    const sp = regs.x[2];
    const wp = await c.call({ kind: 'watchpointSet', pd, address: (sp - 64) >>> 0, length: 64, access: 'write' });
    await c.call({ kind: 'run' });
    expect(await c.until('stopped')).toMatchObject({ reason: 'watchpoint', watchpoint: wp.id, pd });
  });

  it('exports the trace as Chrome trace JSON in chunks and pages through it with traceSince', async () => {
    const { host, c } = await counterHost();
    await c.call({ kind: 'run' });
    await c.until('log', (e) => e.lines.some((l) => l.text === '3'));
    await c.call({ kind: 'pause' });
    await c.until('stopped');
    const count = host.system!.kernel.trace.count;
    const page = await c.call({ kind: 'traceSince', seq: 0, max: 100 });
    expect(page.events).toHaveLength(100);
    expect(page.next).toBe(100);
    const rest = await c.call({ kind: 'traceSince', seq: page.next });
    expect(rest.next).toBe(count);

    const { token } = await c.call({ kind: 'traceExport' });
    let text = '';
    for (;;) {
      const chunk = await c.until('traceChunk', (e) => e.token === token);
      text += chunk.chunk;
      if (chunk.done) break;
    }
    const doc = JSON.parse(text) as { traceEvents: { ph: string; name: string }[] };
    expect(doc.traceEvents.some((e) => e.ph === 'X')).toBe(true);
    expect(doc.traceEvents.some((e) => e.ph === 'M' && e.name === 'process_name')).toBe(true);
  });
});

describe('over a WebSocket', () => {
  it('says hello, loads, answers and pushes events to a remote client', async () => {
    const host = newHost();
    const server = await EngineWebSocketServer.listen({}, (t) => host.attach(t));
    try {
      const t = await connectWebSocketFromNode(server.url);
      const received: unknown[] = [];
      t.onMessage((m) => received.push(m));
      const wait = async (pred: (m: { type: string; id?: number; event?: { kind: string } }) => boolean) => {
        for (let i = 0; i < 5000; i++) {
          const m = received.find((x) => pred(x as never));
          if (m) return m as { type: string; ok?: boolean; result?: unknown; event?: EngineEvent };
          await new Promise((r) => setTimeout(r, 2));
        }
        throw new Error('timed out');
      };
      expect(await wait((m) => m.type === 'hello')).toEqual({ type: 'hello', version: 1 });
      t.send({ type: 'cmd', id: 1, cmd: { kind: 'load', path: COUNTER } });
      expect(await wait((m) => m.type === 'reply' && m.id === 1)).toMatchObject({
        ok: true,
        result: { name: 'counter' },
      });
      t.send({ type: 'cmd', id: 2, cmd: { kind: 'run' } });
      await wait((m) => m.type === 'event' && m.event?.kind === 'log');
      t.send({ type: 'cmd', id: 3, cmd: { kind: 'pause' } });
      const stopped = await wait((m) => m.type === 'event' && m.event?.kind === 'stopped');
      expect(stopped.event).toMatchObject({ reason: 'pause' });
      // Everything that arrived is a valid message.
      for (const m of received) expect(parseMessage(m).ok).toBe(true);
      t.close();
    } finally {
      await server.close();
    }
  });
});

describe('snapshots and reverse execution', () => {
  it('saves a snapshot, runs on, loads it back: the same moment, breakpoints and all', async () => {
    const { host, c, pd, ep } = await counterHost();
    const bp = await c.call({ kind: 'breakpointSet', pd, symbol: 'timer_msleep' });
    await c.call({ kind: 'run' });
    expect(await c.until('stopped')).toMatchObject({ reason: 'breakpoint', breakpoint: bp.id });
    const dir = mkdtempSync(join(tmpdir(), 'corescope-snap-'));
    const file = join(dir, 'counter.snap');
    const saved = await c.call({ kind: 'snapshotSave', path: file });
    expect(saved.bytes).toBe(readFileSync(file).length);
    const regs = await c.call({ kind: 'registersRead', thread: ep });
    const stats = await c.call({ kind: 'stats' });
    const hash = host.system!.machine.stateHash();
    await c.call({ kind: 'run' });
    await c.until('stopped');
    expect((await c.call({ kind: 'stats' })).instructions).toBeGreaterThan(stats.instructions);

    // A damaged file is refused, naming the problem, and the system stays as it is.
    const bad = join(dir, 'bad.snap');
    writeFileSync(bad, readFileSync(file).subarray(0, 1000));
    const before = host.system;
    expect(await c.refuse({ kind: 'snapshotLoad', path: bad })).toMatchObject({
      code: 'invalid',
      field: 'cmd.path',
      message: expect.stringMatching(/truncated/),
    });
    expect(host.system).toBe(before);

    expect(await c.call({ kind: 'snapshotLoad', path: file })).toEqual({ name: 'counter' });
    expect(await c.until('travelled')).toMatchObject({ position: host.system!.machine.position });
    expect(host.system!.machine.stateHash()).toBe(hash);
    expect(await c.call({ kind: 'registersRead', thread: ep })).toEqual(regs);
    expect((await c.call({ kind: 'stats' })).instructions).toBe(stats.instructions);
    expect((await c.call({ kind: 'breakpointList' })).breakpoints).toEqual([
      expect.objectContaining({ id: bp.id, hits: 1, enabled: true }),
    ]);
    // It runs on from there as it did the first time: the next hit logs "1".
    await c.call({ kind: 'run' });
    expect(await c.until('stopped')).toMatchObject({ reason: 'breakpoint', breakpoint: bp.id });
    expect(host.system!.transcript().filter((l) => l.startsWith('[init -> counter]'))).toEqual([
      '[init -> counter] 0',
      '[init -> counter] 1',
    ]);
  });

  it('reverse step, reverse continue and travel over the protocol', async () => {
    const { host, c, pd, ep } = await counterHost();
    // The counter mostly sleeps (a few thousand instructions a second): a snapshot every 1000
    // executed cycles gives several.
    await c.call({ kind: 'recording', intervalCycles: 1000 });
    const bp = await c.call({ kind: 'breakpointSet', pd, symbol: 'timer_msleep' });
    const hits: { position: number; pc: number }[] = [];
    for (let i = 0; i < 3; i++) {
      await c.call({ kind: 'run' });
      const s = await c.until('stopped');
      expect(s).toMatchObject({ reason: 'breakpoint', breakpoint: bp.id });
      hits.push({ position: host.system!.machine.position, pc: s.pc! });
    }
    const h = await c.call({ kind: 'history' });
    expect(h.now).toBe(hits[2].position);
    expect(h.earliest).toBe(0);
    expect(h.snapshots.length).toBeGreaterThan(1);

    await c.call({ kind: 'reverseStep', thread: ep });
    const back = await c.until('stopped');
    expect(back).toMatchObject({ reason: 'step', thread: ep });
    expect(back.pc).not.toBe(hits[2].pc);
    expect(host.system!.machine.position).toBeLessThan(hits[2].position);

    await c.call({ kind: 'reverseContinue' });
    expect(await c.until('stopped')).toMatchObject({ reason: 'breakpoint', breakpoint: bp.id, pc: hits[1].pc });
    expect(host.system!.machine.position).toBe(hits[1].position);
    expect(host.system!.transcript().filter((l) => l.startsWith('[init -> counter]'))).toEqual([
      '[init -> counter] 0',
      '[init -> counter] 1',
    ]);

    // To the first hit's moment by time; the future is gone, the past is there.
    await c.call({ kind: 'travel', position: hits[0].position });
    const arrived = await c.until('travelled');
    expect(arrived.position).toBe(hits[0].position);
    expect(await c.refuse({ kind: 'travel', position: hits[2].position })).toMatchObject({ field: 'cmd.position' });
    // A UART input is recorded (replays give it again).
    await c.call({ kind: 'uartInput', text: 'hi' });
    expect((await c.call({ kind: 'history' })).inputs).toBe(1);
  });
});

describe('components: checkpoint, roll back, migrate to a second machine', () => {
  it('the counter, checkpointed, rolls back; migrated to a second engine, it counts on from where it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corescope-ckpt-'));
    const file = join(dir, 'counter.ckpt');
    const a = newHost();
    const ca = connect(a);
    await ca.call({ kind: 'load', path: join(SCENARIO_ROOT, 'checkpoint.xml') });
    // The topology says which components can be checkpointed (those under the runtime).
    const topo = await ca.call({ kind: 'topology' });
    expect(topo.pds.find((p) => p.child === 'counter')?.checkpointable).toBe(true);
    expect(topo.pds.find((p) => p.child === 'ticker')?.checkpointable).toBeUndefined();
    const counted = (h: EngineHost, who: string) =>
      h
        .system!.transcript()
        .filter((l) => l.startsWith(`[init -> ${who}] `))
        .map((l) => Number(l.split('] ')[1]));
    await ca.call({ kind: 'run' });
    await ca.until('log', () => counted(a, 'counter').length >= 3);
    await ca.call({ kind: 'pause' });
    await ca.until('stopped');
    const at = counted(a, 'counter').at(-1)!;
    const saved = await ca.call({ kind: 'componentCheckpoint', label: 'counter', path: file });
    expect(saved).toMatchObject({ path: file, name: 'counter' });
    expect(readFileSync(file).length).toBe(saved.bytes);
    // Run on, then roll back: the counter logs the number after the checkpoint's again.
    await ca.call({ kind: 'run' });
    await ca.until('log', () => counted(a, 'counter').at(-1)! >= at + 2);
    await ca.call({ kind: 'pause' });
    await ca.until('stopped');
    const ticker = counted(a, 'ticker').at(-1)!;
    expect(await ca.call({ kind: 'componentRestore', path: file })).toMatchObject({ name: 'counter', replaced: true });
    await ca.call({ kind: 'run' });
    await ca.until('log', () => counted(a, 'counter').filter((n) => n === at + 1).length === 2);
    await ca.call({ kind: 'pause' });
    await ca.until('stopped');
    // The ticker was not rolled back.
    expect(Math.min(...counted(a, 'ticker').slice(counted(a, 'ticker').indexOf(ticker)))).toBe(ticker);

    // A second machine (another engine host) with a waiting slot: the counter migrates.
    const b = newHost();
    const cb = connect(b);
    await cb.call({ kind: 'load', path: join(SCENARIO_ROOT, 'ecu2.xml') });
    expect(counted(b, 'counter')).toEqual([]);
    expect(await cb.call({ kind: 'componentRestore', path: file })).toMatchObject({ name: 'counter', replaced: false });
    await cb.call({ kind: 'run' });
    await cb.until('log', () => counted(b, 'counter').length >= 2);
    expect(counted(b, 'counter').slice(0, 2)).toEqual([at + 1, at + 2]);

    // Bad input names the problem; the system stays.
    expect(await cb.refuse({ kind: 'componentCheckpoint', label: 'nobody', path: file })).toMatchObject({
      code: 'invalid',
      field: 'cmd.label',
    });
    writeFileSync(join(dir, 'bad.ckpt'), 'not a checkpoint');
    expect(await cb.refuse({ kind: 'componentRestore', path: join(dir, 'bad.ckpt') })).toMatchObject({
      code: 'invalid',
      field: 'cmd.path',
    });
  });
});

describe('coverage of the protocol', () => {
  it('handles every command kind (none is unsupported or an engine error)', async () => {
    const { host, c, pd, ep } = await counterHost();
    await c.call({ kind: 'runTo', pd, symbol: 'timer_msleep' });
    await c.until('stopped');
    const sp = (await c.call({ kind: 'registersRead', thread: ep })).x[2];
    const config = host.system!.core.romData('config')!;
    const scratch = mkdtempSync(join(tmpdir(), 'corescope-host-'));
    const samples: Record<CommandKind, Command> = {
      load: { kind: 'load', path: COUNTER },
      run: { kind: 'run' },
      pause: { kind: 'pause' },
      stepInstruction: { kind: 'stepInstruction', thread: ep },
      stepOver: { kind: 'stepOver', thread: ep },
      stepOut: { kind: 'stepOut', thread: ep },
      stepLine: { kind: 'stepLine', thread: ep },
      runTo: { kind: 'runTo', pd, symbol: 'timer_msleep' },
      pauseThread: { kind: 'pauseThread', thread: ep },
      resumeThread: { kind: 'resumeThread', thread: ep },
      breakpointSet: { kind: 'breakpointSet', pd, file: 'counter.c', line: 24 },
      breakpointUpdate: { kind: 'breakpointUpdate', id: 1, enabled: false },
      breakpointRemove: { kind: 'breakpointRemove', id: 1 },
      watchpointSet: { kind: 'watchpointSet', pd, address: sp, length: 4, access: 'access' },
      watchpointRemove: { kind: 'watchpointRemove', id: 2 },
      catchpointSet: { kind: 'catchpointSet', event: 'rpc', service: 'Timer' },
      catchpointRemove: { kind: 'catchpointRemove', id: 3 },
      breakpointList: { kind: 'breakpointList' },
      registersRead: { kind: 'registersRead', thread: ep },
      registerWrite: { kind: 'registerWrite', thread: ep, reg: 't0', value: 5 },
      memoryRead: { kind: 'memoryRead', space: 'physical', address: 0x8000_0000, length: 16 },
      memoryWrite: { kind: 'memoryWrite', space: { pd }, address: sp, bytes: 'AAAAAA==' },
      disassemble: { kind: 'disassemble', pd, address: 0x1_0000, count: 8 },
      backtrace: { kind: 'backtrace', thread: ep },
      sourceLines: { kind: 'sourceLines', pd, file: 'counter.c' },
      sourceFiles: { kind: 'sourceFiles', pd },
      sourceText: { kind: 'sourceText', pd, file: 'counter.c' },
      symbolLookup: { kind: 'symbolLookup', pd, name: 'timer' },
      topology: { kind: 'topology' },
      capSpace: { kind: 'capSpace', pd },
      memoryMap: { kind: 'memoryMap', pd },
      physicalMap: { kind: 'physicalMap' },
      threads: { kind: 'threads' },
      waitForGraph: { kind: 'waitForGraph' },
      traceSince: { kind: 'traceSince', seq: 0, max: 10 },
      traceExport: { kind: 'traceExport' },
      stats: { kind: 'stats' },
      configApply: { kind: 'configApply', xml: new TextDecoder().decode(config) },
      gdbServer: { kind: 'gdbServer', enable: false },
      scenario: { kind: 'scenario' },
      snapshotSave: { kind: 'snapshotSave', path: join(scratch, 'coverage.snap') },
      snapshotLoad: { kind: 'snapshotLoad', path: join(scratch, 'coverage.snap') },
      history: { kind: 'history' },
      travel: { kind: 'travel', position: 0 },
      reverseStep: { kind: 'reverseStep', thread: ep },
      reverseContinue: { kind: 'reverseContinue' },
      recording: { kind: 'recording', intervalCycles: 100_000 },
      uartInput: { kind: 'uartInput', text: 'x' },
      componentCheckpoint: { kind: 'componentCheckpoint', label: 'counter', path: join(scratch, 'counter.ckpt') },
      componentRestore: { kind: 'componentRestore', path: join(scratch, 'counter.ckpt') },
    };
    // The last load is of a scenario with a component under the checkpointing runtime.
    samples.load = { kind: 'load', path: join(SCENARIO_ROOT, 'checkpoint.xml') };
    // Commands that need the machine stopped go first; each one's stop is waited for.
    const order: CommandKind[] = [
      'registersRead',
      'registerWrite',
      'memoryRead',
      'memoryWrite',
      'disassemble',
      'backtrace',
      'sourceLines',
      'sourceFiles',
      'sourceText',
      'symbolLookup',
      'topology',
      'capSpace',
      'memoryMap',
      'physicalMap',
      'threads',
      'waitForGraph',
      'traceSince',
      'traceExport',
      'stats',
      'breakpointSet',
      'breakpointUpdate',
      'breakpointRemove',
      'watchpointSet',
      'watchpointRemove',
      'catchpointSet',
      'catchpointRemove',
      'breakpointList',
      'pauseThread',
      'resumeThread',
      'stepInstruction',
      'stepOver',
      'stepLine',
      'stepOut',
      'runTo',
      'run',
      'pause',
      'configApply',
      'scenario',
      'gdbServer',
      'pause',
      'snapshotSave',
      'reverseStep',
      'reverseContinue',
      'history',
      'travel',
      'snapshotLoad',
      'recording',
      'uartInput',
      'load',
      'componentCheckpoint',
      'componentRestore',
    ];
    expect([...new Set(order)].sort()).toEqual([...COMMAND_KINDS].sort());
    for (const kind of order) {
      const r = await c.call(samples[kind]).catch((e: Error) => e);
      if (r instanceof Error) throw new Error(`${kind}: ${r.message}`);
      if (host.debugger?.running && kind !== 'run') {
        await c.until('stopped');
      }
    }
    expect(c.invalid).toEqual([]);
  });
});

describe('pacing', () => {
  it('realtime: virtual time does not run ahead of host time; flat: it does', async () => {
    const measure = async (pace: 'flat' | 'realtime') => {
      const host = EngineHost.create({ pace });
      hosts.push(host);
      const c = connect(host);
      await c.call({ kind: 'load', path: COUNTER });
      const t0 = performance.now();
      await c.call({ kind: 'run' });
      await new Promise((r) => setTimeout(r, 300));
      await c.call({ kind: 'pause' });
      const wallUs = (performance.now() - t0) * 1000;
      return { virtualUs: (await c.call({ kind: 'stats' })).virtualTimeUs, wallUs };
    };
    const paced = await measure('realtime');
    expect(paced.virtualUs).toBeLessThanOrEqual(paced.wallUs + 5_000);
    expect(paced.virtualUs).toBeGreaterThan(0);
    const flat = await measure('flat');
    expect(flat.virtualUs).toBeGreaterThan(flat.wallUs * 2); // the counter sleeps: flat out skips ahead
  });
});
