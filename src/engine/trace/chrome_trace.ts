/**
 * Chrome trace-event JSON from TRACE events, which Perfetto and chrome://tracing open.
 *
 * PDs are processes (pid = PD id, named by label), threads are threads (tid = thread id);
 * events without a thread (core's LOG lines, sessions, quota, IRQs on an idle CPU) go to the
 * process "core" (pid 0) on one track per CPU. Execution is complete slices ("X", from
 * SCHEDULE_IN to SCHEDULE_OUT); page faults, IRQs, signals, exceptions, LOG lines, sessions
 * and thread start/exit are thread-scoped instants ("i"); an RPC is a flow from the caller's
 * RPC_CALL ("s") over the server's RPC_DISPATCH ("t") to the RPC_REPLY ("f"); quota accounts
 * are counters ("C") sampled where QUOTA_TRANSFER and SESSION_* events carry them.
 *
 * The writer is incremental: events go in one at a time in sequence order and JSON text comes
 * out in bounded chunks through a sink, so a trace of any length never becomes one string.
 * Its state is bounded by the numbers of threads, tracks and outstanding calls.
 */
import { causeName } from '../cpu/user_mode';
import type { Kernel } from '../core/kernel';
import { TRACE_KIND_NAMES, TraceKind, type QuotaSample, type TraceBuffer, type TraceEvent } from '../core/trace';

/** Names for processes and threads, looked up when an id first appears in the output. */
export interface TraceNames {
  /** Label of PD `id` (undefined: unknown, then "pd <id>"). */
  pd(id: number): string | undefined;
  /** Name of thread `id` (undefined: unknown, then "thread <id>"). */
  thread(id: number): string | undefined;
  /** CPUs of the machine: core's events get one track per CPU. */
  cpus: number;
}

export interface ChromeTraceOptions {
  /** mtime ticks per microsecond (`Kernel.ticksPerUs`). */
  ticksPerUs: number;
  /** Size of the chunks handed to the sink, in characters (default 64 Ki); one larger event goes alone. */
  chunkChars?: number;
}

/** The process of core and the kernel (events without a thread). */
export const CORE_PID = 0;
/**
 * Thread ids of core's per-CPU tracks (CORE_TID_BASE + cpu): far above every kernel object id,
 * so they never collide with a thread's. Perfetto keys threads by tid alone and treats tid 0
 * specially, hence no small numbers here.
 */
export const CORE_TID_BASE = 0x7fff_ff00;
/** Name and category of the RPC flows (Perfetto matches flow events by id, name and category). */
export const RPC_FLOW = 'rpc';

const DEFAULT_CHUNK = 64 * 1024;
/** Calls remembered for their reply; beyond this the oldest are forgotten (callers that died). */
const MAX_OPEN_CALLS = 1 << 16;
const FAULT_TYPE_NAMES = ['none', 'read', 'write', 'exec'];
const KIND_NAMES_JSON = TRACE_KIND_NAMES.map((n) => JSON.stringify(n));

interface Running {
  pid: number;
  /** Start in ns. */
  start: number;
  cpu: number;
}

interface OpenCall {
  /** Time of the call (or of its dispatch, once dispatched) in ns. */
  ts: number;
  object: number;
}

function hex(v: number): string {
  return `"0x${(v >>> 0).toString(16)}"`;
}

/** Writes one Chrome trace-event document, chunk by chunk, as events are added. */
export class ChromeTraceWriter {
  /** Trace events written so far (JSON objects in "traceEvents"). */
  written = 0;
  /** Events missing from the sequence (overwritten in the ring before they were read). */
  lost = 0;

  private readonly sink: (chunk: string) => void;
  private readonly names: TraceNames;
  private readonly nsPerTick: number;
  private readonly chunkChars: number;
  private buf = '{"displayTimeUnit":"ns","traceEvents":[\n';
  private first = true;
  private finished = false;
  private nextSeq = 0;
  /** Latest timestamp written (ns). */
  private maxTs = 0;
  private readonly namedPids = new Set<number>();
  private readonly namedTids = new Set<number>();
  /** Last timestamp per track (tid), in ns: time never runs backwards on a thread. */
  private readonly last = new Map<number, number>();
  private readonly running = new Map<number, Running>();
  private readonly calls = new Map<number, OpenCall>();
  /** Last counter values per PD and counter: unchanged samples are skipped. */
  private readonly quotas = new Map<string, string>();

  constructor(sink: (chunk: string) => void, names: TraceNames, options: ChromeTraceOptions) {
    if (!(options.ticksPerUs > 0)) throw new RangeError('ChromeTraceWriter: ticksPerUs must be positive');
    this.sink = sink;
    this.names = names;
    this.nsPerTick = 1000 / options.ticksPerUs;
    this.chunkChars = Math.max(256, options.chunkChars ?? DEFAULT_CHUNK);
  }

  // ------------------------------------------------------------------ input --

  /**
   * Adds one event (in sequence order) with what the buffer attached to it: the text of a LOG
   * line, the quota samples of QUOTA_TRANSFER and SESSION_* events.
   */
  add(e: TraceEvent, text?: string, quota?: readonly QuotaSample[]): void {
    if (this.finished) throw new Error('ChromeTraceWriter: add after finish');
    if (e.seq > this.nextSeq) this.lost += e.seq - this.nextSeq;
    this.nextSeq = Math.max(this.nextSeq, e.seq + 1);

    const core = e.thread === 0;
    const cpu = Math.min(Math.max(e.cpu | 0, 0), Math.max(this.names.cpus, 1) - 1);
    const pid = core ? CORE_PID : e.pd;
    const tid = core ? CORE_TID_BASE + cpu : e.thread;
    this.track(pid, tid);
    const raw = Math.round(e.time * this.nsPerTick);
    const a = e.a;
    const b = e.b;
    switch (e.kind) {
      case TraceKind.SCHEDULE_IN: {
        const ts = this.stamp(tid, raw);
        if (core) return this.instant(e.kind, ts, pid, tid, `"cpu":${e.cpu}`);
        this.close(tid, ts);
        this.running.set(tid, { pid, start: ts, cpu: e.cpu });
        return;
      }
      case TraceKind.SCHEDULE_OUT: {
        const ts = this.stamp(tid, raw);
        if (core) return this.instant(e.kind, ts, pid, tid, `"cpu":${e.cpu}`);
        this.close(tid, ts);
        return;
      }
      case TraceKind.RPC_CALL: {
        const ts = this.stamp(tid, raw);
        this.instant(e.kind, ts, pid, tid, `"object":${a},"call":${b}`);
        if (b === 0) return;
        if (this.calls.size >= MAX_OPEN_CALLS) this.calls.delete(this.calls.keys().next().value!);
        this.calls.set(b, { ts, object: a });
        this.flow('s', b, ts, pid, tid);
        return;
      }
      case TraceKind.RPC_DISPATCH: {
        const call = b !== 0 ? this.calls.get(b) : undefined;
        const ts = this.stamp(tid, raw, call?.ts);
        this.instant(e.kind, ts, pid, tid, `"object":${a},"call":${b}`);
        if (call) {
          call.ts = ts;
          this.flow('t', b, ts, pid, tid);
        }
        return;
      }
      case TraceKind.RPC_REPLY: {
        const call = a !== 0 ? this.calls.get(a) : undefined;
        const ts = this.stamp(tid, raw, call?.ts);
        const object = call ? `,"object":${call.object}` : '';
        this.instant(e.kind, ts, pid, tid, `"call":${a},"result":${b}${object}`);
        if (call) {
          this.calls.delete(a);
          this.flow('f', a, ts, pid, tid);
        }
        return;
      }
      case TraceKind.SIGNAL_SUBMIT:
      case TraceKind.SIGNAL_RECEIVE:
        return this.instant(e.kind, this.stamp(tid, raw), pid, tid, `"context":${a},"count":${b >>> 0}`);
      case TraceKind.PAGE_FAULT:
      case TraceKind.PAGE_FAULT_RESOLVED:
      case TraceKind.PAGE_FAULT_UNRESOLVED: {
        const type = JSON.stringify(FAULT_TYPE_NAMES[b] ?? `type ${b}`);
        return this.instant(e.kind, this.stamp(tid, raw), pid, tid, `"address":${hex(a)},"type":${type}`);
      }
      case TraceKind.IRQ:
      case TraceKind.IRQ_ACK:
        return this.instant(e.kind, this.stamp(tid, raw), pid, tid, `"irq":${a},"cpu":${e.cpu}`);
      case TraceKind.SESSION_OPEN:
      case TraceKind.SESSION_UPGRADE:
      case TraceKind.SESSION_CLOSE:
      case TraceKind.QUOTA_TRANSFER: {
        const args =
          e.kind === TraceKind.QUOTA_TRANSFER
            ? `"to":${a},"amount":${b >>> 0}`
            : e.kind === TraceKind.SESSION_CLOSE
              ? `"session":${a}`
              : `"session":${a},"ram":${b >>> 0}`;
        this.instant(e.kind, this.stamp(tid, raw), pid, tid, args);
        for (const q of quota ?? []) this.counters(q, raw);
        return;
      }
      case TraceKind.EXCEPTION:
        return this.instant(
          e.kind,
          this.stamp(tid, raw),
          pid,
          tid,
          `"cause":${a},"what":${JSON.stringify(causeName(a))},"tval":${hex(b)}`,
        );
      case TraceKind.LOG:
        return this.instant(e.kind, this.stamp(tid, raw), pid, tid, `"text":${JSON.stringify(text ?? '')}`);
      case TraceKind.THREAD_START:
        return this.instant(e.kind, this.stamp(tid, raw), pid, tid, `"ip":${hex(a)},"sp":${hex(b)}`);
      case TraceKind.THREAD_EXIT: {
        const ts = this.stamp(tid, raw);
        this.close(tid, ts);
        return this.instant(e.kind, ts, pid, tid, '');
      }
      default:
        return this.instant(e.kind, this.stamp(tid, raw), pid, tid, `"a":${a >>> 0},"b":${b >>> 0}`);
    }
  }

  /**
   * Adds the events of `buffer` from sequence number `from` on, in batches (never the whole
   * ring as one array). Returns the sequence number to continue from.
   */
  drain(buffer: TraceBuffer, from: number, batch = 4096): number {
    let next = from;
    while (next < buffer.count) {
      const events = buffer.since(next, batch);
      if (events.length === 0) break;
      for (const e of events) this.add(e, buffer.textOf(e.seq), buffer.quotaOf(e.seq));
      next = events[events.length - 1].seq + 1;
    }
    return next;
  }

  /**
   * Closes the slices still open (at `endTicks` or the last timestamp seen, whichever is
   * later), ends the document and hands the last chunk to the sink. Nothing can be added after.
   */
  finish(endTicks = 0): void {
    if (this.finished) return;
    const end = Math.max(this.maxTs, Math.round(endTicks * this.nsPerTick));
    for (const tid of [...this.running.keys()]) this.close(tid, this.stamp(tid, end));
    this.finished = true;
    this.buf += `\n],"otherData":{"lostEvents":${this.lost}}}\n`;
    this.flush();
  }

  // ----------------------------------------------------------------- output --

  /** Writes the metadata of a process and a thread the first time they are used. */
  private track(pid: number, tid: number): void {
    if (!this.namedPids.has(pid)) {
      this.namedPids.add(pid);
      const name = pid === CORE_PID ? 'core' : (this.names.pd(pid) ?? `pd ${pid}`);
      // The process's own track (tid = pid: kernel ids are shared, so no thread has it).
      const own = this.processTid(pid);
      this.meta('process_name', pid, own, name);
      this.track(pid, own);
    }
    if (!this.namedTids.has(tid)) {
      this.namedTids.add(tid);
      const name =
        tid >= CORE_TID_BASE
          ? `cpu${tid - CORE_TID_BASE}`
          : tid === pid
            ? 'quota'
            : (this.names.thread(tid) ?? `thread ${tid}`);
      this.meta('thread_name', pid, tid, name);
    }
  }

  private processTid(pid: number): number {
    return pid === CORE_PID ? CORE_TID_BASE : pid;
  }

  /** `ts` (ns) moved up to the last time on track `tid` and to `floor`; becomes the last time. */
  private stamp(tid: number, ts: number, floor = 0): number {
    const last = this.last.get(tid) ?? 0;
    const t = Math.max(ts, last, floor);
    this.last.set(tid, t);
    if (t > this.maxTs) this.maxTs = t;
    return t;
  }

  /** Ends the execution slice open on `tid`, if any, at `end` (ns). */
  private close(tid: number, end: number): void {
    const r = this.running.get(tid);
    if (!r) return;
    this.running.delete(tid);
    this.put(
      `{"ph":"X","name":"run","ts":${r.start / 1000},"dur":${(end - r.start) / 1000},"pid":${r.pid},"tid":${tid},"args":{"cpu":${r.cpu}}}`,
    );
  }

  private instant(kind: TraceKind, ts: number, pid: number, tid: number, args: string): void {
    const name = KIND_NAMES_JSON[kind] ?? JSON.stringify(`event ${kind}`);
    this.put(`{"ph":"i","s":"t","name":${name},"ts":${ts / 1000},"pid":${pid},"tid":${tid},"args":{${args}}}`);
  }

  private flow(ph: 's' | 't' | 'f', id: number, ts: number, pid: number, tid: number): void {
    const bind = ph === 'f' ? ',"bp":"e"' : '';
    this.put(
      `{"ph":"${ph}","name":"${RPC_FLOW}","cat":"${RPC_FLOW}","id":${id}${bind},"ts":${ts / 1000},"pid":${pid},"tid":${tid}}`,
    );
  }

  private counters(q: QuotaSample, raw: number): void {
    const tid = this.processTid(q.pd);
    this.track(q.pd, tid);
    const ts = this.stamp(tid, raw) / 1000;
    this.counter('RAM quota', q.pd, tid, ts, q.ramUsed, q.ramLimit);
    this.counter('cap quota', q.pd, tid, ts, q.capsUsed, q.capsLimit);
  }

  /** A counter sample of `used` and `limit`, unless it repeats the last one of this PD. */
  private counter(name: string, pid: number, tid: number, ts: number, used: number, limit: number): void {
    const key = `${pid} ${name}`;
    const value = `"used":${used},"limit":${limit}`;
    if (this.quotas.get(key) === value) return;
    this.quotas.set(key, value);
    this.put(`{"ph":"C","name":"${name}","ts":${ts},"pid":${pid},"tid":${tid},"args":{${value}}}`);
  }

  private meta(name: 'process_name' | 'thread_name', pid: number, tid: number, value: string): void {
    this.put(`{"ph":"M","name":"${name}","ts":0,"pid":${pid},"tid":${tid},"args":{"name":${JSON.stringify(value)}}}`);
  }

  /** Appends one event; hands the buffer to the sink first when the event would overfill it. */
  private put(json: string): void {
    const piece = this.first ? json : ',\n' + json;
    this.first = false;
    this.written++;
    if (this.buf.length > 0 && this.buf.length + piece.length > this.chunkChars) this.flush();
    this.buf += piece;
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    const chunk = this.buf;
    this.buf = '';
    this.sink(chunk);
  }
}

// -------------------------------------------------------------- conveniences --

/**
 * Names from the kernel's objects, and for PDs and threads that are gone, from what the TRACE
 * buffer remembered when their threads started.
 */
export function kernelTraceNames(kernel: Kernel): TraceNames {
  return {
    pd: (id) => kernel.pds.get(id)?.label ?? kernel.trace.pdLabel(id),
    thread: (id) => kernel.threads.get(id)?.name ?? kernel.trace.threadName(id),
    cpus: kernel.cpus.length,
  };
}

/**
 * Streams everything the kernel's TRACE ring still holds to `sink` as one document; returns
 * the writer (for `written` and `lost`).
 */
export function exportChromeTrace(
  kernel: Kernel,
  sink: (chunk: string) => void,
  names: TraceNames = kernelTraceNames(kernel),
  chunkChars?: number,
): ChromeTraceWriter {
  const w = new ChromeTraceWriter(sink, names, { ticksPerUs: kernel.ticksPerUs, chunkChars });
  w.drain(kernel.trace, 0);
  w.finish(kernel.now());
  return w;
}

/** The whole document as one string: for small traces and tests. */
export function chromeTraceString(kernel: Kernel, names?: TraceNames): string {
  const chunks: string[] = [];
  exportChromeTrace(kernel, (c) => chunks.push(c), names);
  return chunks.join('');
}
