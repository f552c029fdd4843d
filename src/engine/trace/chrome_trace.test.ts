import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootScenario, runUntil } from '../../../test/scenarios/harness';
import { bootMain } from '../../cli/boot';
import { SCENARIO_ROOT } from '../../cli/scenario_files';
import { TraceKind, type TraceEvent } from '../core/trace';
import {
  CORE_PID,
  CORE_TID_BASE,
  ChromeTraceWriter,
  chromeTraceString,
  kernelTraceNames,
  type TraceNames,
} from './chrome_trace';

interface Ev {
  ph: string;
  name: string;
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  s?: string;
  id?: number;
  cat?: string;
  bp?: string;
  args?: Record<string, unknown>;
}

const SESSION_RAM = 16 * 1024; // HELLO_SESSION_ARGS in resources/guest/basics/hello_session.h

/**
 * The structural rules every export must keep; returns the events for further checks.
 * Metadata names each pid and (pid, tid) before its first use; every event has ph/ts/pid/tid;
 * time on a thread never runs backwards (execution slices are written when they end, so they
 * are checked among themselves); slices on a thread do not overlap; each flow step or end
 * follows its start.
 */
function checkStructure(doc: { displayTimeUnit: string; traceEvents: Ev[] }): Ev[] {
  expect(doc.displayTimeUnit).toBe('ns');
  const events = doc.traceEvents;
  expect(Array.isArray(events)).toBe(true);
  const processes = new Map<number, string>();
  const threads = new Map<number, { pid: number; name: string }>();
  const lastTs = new Map<number, number>();
  const lastRunEnd = new Map<number, number>();
  const flows = new Map<number, Ev>();
  for (const e of events) {
    expect(typeof e.ph).toBe('string');
    expect(Number.isFinite(e.ts) && e.ts >= 0).toBe(true);
    expect(Number.isInteger(e.pid)).toBe(true);
    expect(Number.isInteger(e.tid)).toBe(true);
    if (e.ph === 'M') {
      const name = e.args!.name as string;
      expect(typeof name).toBe('string');
      if (e.name === 'process_name') processes.set(e.pid, name);
      else if (e.name === 'thread_name') threads.set(e.tid, { pid: e.pid, name });
      else throw new Error(`unexpected metadata ${e.name}`);
      continue;
    }
    expect(processes.has(e.pid), `process_name of pid ${e.pid} before use`).toBe(true);
    expect(threads.get(e.tid)?.pid, `thread_name of tid ${e.tid} (pid ${e.pid}) before use`).toBe(e.pid);
    if (e.ph === 'X') {
      expect(e.dur!).toBeGreaterThanOrEqual(0);
      expect(e.ts, `run slices of tid ${e.tid} overlap`).toBeGreaterThanOrEqual(lastRunEnd.get(e.tid) ?? 0);
      lastRunEnd.set(e.tid, e.ts + e.dur!);
      continue;
    }
    expect(e.ts, `time runs backwards on tid ${e.tid}`).toBeGreaterThanOrEqual(lastTs.get(e.tid) ?? 0);
    lastTs.set(e.tid, e.ts);
    if (e.ph === 'i') expect(e.s).toBe('t');
    if (e.ph === 's') {
      expect(flows.has(e.id!), `flow id ${e.id} reused`).toBe(false);
      flows.set(e.id!, e);
    } else if (e.ph === 't' || e.ph === 'f') {
      const s = flows.get(e.id!);
      expect(s, `flow ${e.ph} ${e.id} without start`).toBeDefined();
      expect([e.name, e.cat]).toEqual([s!.name, s!.cat]);
      expect(e.ts).toBeGreaterThanOrEqual(s!.ts);
      if (e.ph === 'f') expect(e.bp).toBe('e');
    }
  }
  return events;
}

/** Exports a hand-made event stream; returns the parsed document and the writer. */
function exportEvents(
  events: Omit<TraceEvent, 'seq'>[],
  opts: { end?: number; seqs?: number[] } = {},
): { doc: { displayTimeUnit: string; traceEvents: Ev[]; otherData: { lostEvents: number } }; w: ChromeTraceWriter } {
  const names: TraceNames = {
    pd: (id) => ({ 1: 'alpha', 2: 'beta' })[id],
    thread: (id) => ({ 11: 'a-main', 21: 'b-ep' })[id],
    cpus: 2,
  };
  const chunks: string[] = [];
  const w = new ChromeTraceWriter((c) => chunks.push(c), names, { ticksPerUs: 10 });
  events.forEach((e, i) => w.add({ ...e, seq: opts.seqs?.[i] ?? i }, e.kind === TraceKind.LOG ? 'hi' : undefined));
  w.finish(opts.end);
  return { doc: JSON.parse(chunks.join('')), w };
}

function ev(time: number, thread: number, pd: number, kind: TraceKind, a = 0, b = 0, cpu = 0): Omit<TraceEvent, 'seq'> {
  return { time, cpu, thread, pd, kind, a, b };
}

describe('ChromeTraceWriter', () => {
  it('turns schedule events into run slices and closes open ones at the end', () => {
    const { doc } = exportEvents(
      [
        ev(10, 11, 1, TraceKind.SCHEDULE_IN, 0, 0, 1),
        ev(30, 11, 1, TraceKind.SCHEDULE_OUT, 0, 0, 1),
        ev(40, 21, 2, TraceKind.SCHEDULE_IN),
        ev(55, 0, 0, TraceKind.IRQ, 7, 0, 1),
      ],
      { end: 100 },
    );
    const events = checkStructure(doc);
    const runs = events.filter((e) => e.ph === 'X');
    expect(runs.map((e) => [e.tid, e.ts, e.dur, e.args!.cpu])).toEqual([
      [11, 1, 2, 1],
      [21, 4, 6, 0], // still running: closed at finish (100 ticks = 10 µs)
    ]);
    const irq = events.find((e) => e.name === 'irq')!;
    expect([irq.pid, irq.tid, irq.ts, irq.args!.irq]).toEqual([CORE_PID, CORE_TID_BASE + 1, 5.5, 7]);
    const meta = events.filter((e) => e.ph === 'M').map((e) => `${e.name} ${e.pid}/${e.tid} ${e.args!.name}`);
    expect(meta).toContain('process_name 1/1 alpha');
    expect(meta).toContain('thread_name 1/11 a-main');
    expect(meta).toContain('process_name 2/2 beta');
    expect(meta).toContain(`process_name 0/${CORE_TID_BASE} core`);
    expect(meta).toContain(`thread_name 0/${CORE_TID_BASE + 1} cpu1`);
  });

  it('keeps time monotonic per thread, matches flows by call id and counts lost events', () => {
    const { doc, w } = exportEvents(
      [
        ev(100, 11, 1, TraceKind.RPC_CALL, 5, 42),
        ev(90, 11, 1, TraceKind.LOG), // another CPU's clock lags: moved up to 10 µs
        ev(95, 21, 2, TraceKind.RPC_DISPATCH, 5, 42), // before the call in time: moved to it
        ev(120, 21, 2, TraceKind.RPC_REPLY, 42, 0),
        ev(130, 21, 2, TraceKind.RPC_REPLY, 77, 0), // unknown call: no flow end
        ev(140, 12, 1, TraceKind.PAGE_FAULT, 0x4000, 2),
      ],
      { seqs: [0, 1, 2, 3, 4, 9] },
    );
    const events = checkStructure(doc);
    expect(events.find((e) => e.name === 'log')!.ts).toBe(10);
    expect(events.find((e) => e.name === 'log')!.args!.text).toBe('hi');
    const flow = events.filter((e) => e.ph === 's' || e.ph === 't' || e.ph === 'f');
    expect(flow.map((e) => [e.ph, e.id, e.ts, e.tid])).toEqual([
      ['s', 42, 10, 11],
      ['t', 42, 10, 21],
      ['f', 42, 12, 21],
    ]);
    expect(events.find((e) => e.name === 'rpc-reply' && e.args!.call === 42)!.args!.object).toBe(5);
    const pf = events.find((e) => e.name === 'page-fault')!;
    expect(pf.args).toEqual({ address: '0x4000', type: 'write' });
    expect(events.find((e) => e.tid === 12 && e.ph === 'M')!.args!.name).toBe('thread 12'); // unnamed
    expect(w.lost).toBe(4);
    expect(doc.otherData.lostEvents).toBe(4);
  });

  it('streams a million events in bounded chunks that are each valid JSON pieces', () => {
    const CHUNK = 64 * 1024;
    const names: TraceNames = { pd: (id) => `pd-${id}`, thread: (id) => `t-${id}`, cpus: 2 };
    let chunks = 0;
    let maxChunk = 0;
    let total = 0;
    let parsed = 0;
    const phases: Record<string, number> = {};
    let tail = '';
    const sink = (chunk: string): void => {
      chunks++;
      maxChunk = Math.max(maxChunk, chunk.length);
      total += chunk.length;
      // Each chunk holds whole events: check them now and keep nothing.
      let body = chunk;
      if (chunks === 1) {
        expect(body.startsWith('{"displayTimeUnit":"ns","traceEvents":[\n')).toBe(true);
        body = body.slice(body.indexOf('[') + 1);
      }
      const end = body.lastIndexOf('\n]');
      if (end >= 0) {
        tail = body.slice(end);
        body = body.slice(0, end);
      }
      body = body.replace(/^,?\n?/, '');
      if (body === '') return;
      for (const e of JSON.parse(`[${body}]`) as Ev[]) {
        parsed++;
        phases[e.ph] = (phases[e.ph] ?? 0) + 1;
      }
    };
    const w = new ChromeTraceWriter(sink, names, { ticksPerUs: 10, chunkChars: CHUNK });
    // One mutable event: the writer must not keep what it is given.
    const e: TraceEvent = { seq: 0, time: 0, cpu: 0, thread: 0, pd: 0, kind: TraceKind.IRQ, a: 0, b: 0 };
    const put = (thread: number, pd: number, kind: TraceKind, a = 0, b = 0, text?: string): void => {
      e.time += 3;
      e.thread = thread;
      e.pd = pd;
      e.kind = kind;
      e.a = a;
      e.b = b;
      w.add(e, text);
      e.seq++;
    };
    const N = 1_000_000;
    const ROUNDS = N / 10;
    for (let i = 0; i < ROUNDS; i++) {
      const client = 101 + (i % 4);
      const server = 201 + (i % 2);
      const call = i + 1;
      put(client, 100, TraceKind.SCHEDULE_IN);
      put(client, 100, TraceKind.PAGE_FAULT, 0x1000 * (i % 1024), 1);
      put(client, 100, TraceKind.RPC_CALL, 7, call);
      put(client, 100, TraceKind.SCHEDULE_OUT);
      put(server, 200, TraceKind.SCHEDULE_IN);
      put(server, 200, TraceKind.RPC_DISPATCH, 7, call);
      put(server, 200, TraceKind.LOG, 0, 0, `[server] call ${call} "quoted" \\ \u00e9`);
      put(server, 200, TraceKind.RPC_REPLY, call, 0);
      put(server, 200, TraceKind.SCHEDULE_OUT);
      put(0, 0, TraceKind.IRQ, 10 + (i % 3));
    }
    expect(e.seq).toBe(N);
    w.finish();
    expect(tail).toBe('\n],"otherData":{"lostEvents":0}}\n');
    expect(w.lost).toBe(0);
    expect(parsed).toBe(w.written);
    expect(maxChunk).toBeLessThanOrEqual(CHUNK);
    expect(chunks).toBeGreaterThanOrEqual(Math.ceil(total / CHUNK));
    expect(chunks).toBeGreaterThan(1000);
    // Three processes (100, 200, core) with their own tracks, six threads.
    expect(phases).toEqual({ M: 12, X: 2 * ROUNDS, i: 6 * ROUNDS, s: ROUNDS, t: ROUNDS, f: ROUNDS });
  });
});

describe('chrome trace of a booted scenario', () => {
  it('exports the rpc scenario with names, run slices, RPC flows, page faults and quota counters', () => {
    const sys = bootScenario('rpc');
    const client = sys.init.children.get('hello_client')!;
    const server = sys.init.children.get('hello_server')!;
    expect(runUntil(sys, () => client.exitCode !== null)).toBe(true);
    const ringEvents = sys.kernel.trace.since(0);
    expect(ringEvents.length).toBe(sys.kernel.trace.count); // nothing overwritten

    const chunks: string[] = [];
    const w = new ChromeTraceWriter((c) => chunks.push(c), kernelTraceNames(sys.kernel), {
      ticksPerUs: sys.kernel.ticksPerUs,
      chunkChars: 4096,
    });
    expect(w.drain(sys.kernel.trace, 0)).toBe(sys.kernel.trace.count);
    w.finish(sys.kernel.now());
    expect(chunks.length).toBeGreaterThan(5);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(4096);
    const text = chunks.join('');
    expect(text).toBe(chromeTraceString(sys.kernel)); // the convenience gives the same document
    const events = checkStructure(JSON.parse(text));

    // Processes are PDs named by label, threads are named; core has its own process.
    const procs = new Map(events.filter((e) => e.name === 'process_name').map((e) => [e.pid, e.args!.name]));
    expect(procs.get(CORE_PID)).toBe('core');
    expect(procs.get(client.pd.id)).toBe(client.pd.label);
    expect(procs.get(server.pd.id)).toBe(server.pd.label);
    const serverThread = server.main!.thread;
    expect(events).toContainEqual(
      expect.objectContaining({ ph: 'M', name: 'thread_name', pid: server.pd.id, tid: serverThread.id }),
    );

    // Every kernel event is in the export: one run slice per SCHEDULE_IN, one instant for each
    // other event.
    const count = (k: TraceKind): number => ringEvents.filter((e) => e.kind === k).length;
    const scheduling = count(TraceKind.SCHEDULE_IN) + count(TraceKind.SCHEDULE_OUT);
    expect(events.filter((e) => e.ph === 'X').length).toBe(count(TraceKind.SCHEDULE_IN));
    expect(events.filter((e) => e.ph === 'i').length).toBe(ringEvents.length - scheduling);
    const serverRuns = events.filter((e) => e.ph === 'X' && e.tid === serverThread.id);
    expect(serverRuns.length).toBeGreaterThan(10);

    // Page faults as instants with address and type.
    const faults = events.filter((e) => e.name === 'page-fault');
    expect(faults.length).toBe(count(TraceKind.PAGE_FAULT));
    expect(faults.length).toBeGreaterThan(0);
    for (const f of faults) {
      expect(f.args!.address).toMatch(/^0x[0-9a-f]+$/);
      expect(['read', 'write', 'exec']).toContain(f.args!.type);
    }
    expect(events.filter((e) => e.name === 'page-fault-resolved').length).toBe(count(TraceKind.PAGE_FAULT_RESOLVED));

    // RPC: every reply ends the flow its call started; the client's 57 calls to the Hello
    // server start in the client and end in the server.
    const starts = new Map(events.filter((e) => e.ph === 's').map((e) => [e.id!, e]));
    const ends = events.filter((e) => e.ph === 'f');
    expect(ends.length).toBe(count(TraceKind.RPC_REPLY));
    const clientToServer = ends.filter((f) => f.pid === server.pd.id && starts.get(f.id!)!.pid === client.pd.id);
    expect(clientToServer.length).toBeGreaterThanOrEqual(57);
    for (const f of clientToServer) expect(starts.get(f.id!)!.tid).toBe(client.main!.thread.id);

    // Quota counters: the client's RAM limit drops by the session quota while the Hello
    // session is open and comes back when it closes; the server's rises and falls.
    const ramLimits = (pd: number): number[] =>
      events.filter((e) => e.ph === 'C' && e.name === 'RAM quota' && e.pid === pd).map((e) => e.args!.limit as number);
    const c = ramLimits(client.pd.id);
    const s = ramLimits(server.pd.id);
    expect(c.length).toBeGreaterThan(2);
    expect(c.at(-1)).toBe(client.pd.ram.limit);
    expect(c.at(-2)).toBe(client.pd.ram.limit - SESSION_RAM);
    expect(s.at(-1)).toBe(server.pd.ram.limit);
    expect(s.at(-2)).toBe(server.pd.ram.limit + SESSION_RAM);
    expect(events.some((e) => e.ph === 'C' && e.name === 'cap quota' && e.pid === client.pd.id)).toBe(true);

    // LOG lines with their text.
    expect(events).toContainEqual(
      expect.objectContaining({ name: 'log', args: { text: '[init -> hello_client] 57 calls, 0 wrong' } }),
    );
  });

  it('corescope boot --trace streams the export into a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corescope-trace-'));
    try {
      const file = join(dir, 'out.json');
      const code = bootMain(
        [join(SCENARIO_ROOT, 'rpc.xml'), '--quiet', '--until-log', 'closed session of "hello_client"', '--trace', file],
        () => undefined,
        () => undefined,
      );
      expect(code).toBe(0);
      const events = checkStructure(JSON.parse(readFileSync(file, 'utf8')));
      const procs = events.filter((e) => e.name === 'process_name').map((e) => e.args!.name);
      expect(procs).toEqual(expect.arrayContaining(['core', 'init', 'init -> hello_client', 'init -> hello_server']));
      // lost_client exits early; its thread keeps its name after it is gone.
      const lost = events.find((e) => e.name === 'process_name' && e.args!.name === 'init -> lost_client')!;
      const lostThreads = events.filter((e) => e.name === 'thread_name' && e.pid === lost.pid && e.tid !== lost.pid);
      expect(lostThreads.map((e) => e.args!.name)).toEqual(['ep']);
      expect(events.filter((e) => e.ph === 'f').length).toBeGreaterThanOrEqual(57);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('corescope boot --trace reports a file it cannot write', () => {
    const errs: string[] = [];
    const code = bootMain(
      [
        join(SCENARIO_ROOT, 'hello.xml'),
        '--quiet',
        '--trace',
        join(tmpdir(), 'no-such-dir-corescope', 'x', 'out.json'),
      ],
      () => undefined,
      (s) => errs.push(s),
    );
    expect(code).toBe(2);
    expect(errs.join('')).toMatch(/cannot write trace/);
  });
});
