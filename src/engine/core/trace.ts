/**
 * TRACE events: what the kernel and core emit (schedule in/out, RPC, signals, page faults,
 * IRQs, sessions, quota, exceptions, LOG output), each with virtual time, CPU, thread and PD.
 *
 * Events go into one bounded ring (the debugger's timeline reads it) stored column-wise in
 * typed arrays, so a million events cost a few tens of MiB and no garbage. TRACE sessions
 * subscribe per subject (thread) with a policy (a bit mask of kinds) and get their own
 * bounded buffers.
 */
import type { Thread } from './kernel_objects';

export const enum TraceKind {
  SCHEDULE_IN = 0,
  SCHEDULE_OUT = 1,
  /** a: RPC object id, b: call id (the same in the call's RPC_DISPATCH and RPC_REPLY). */
  RPC_CALL = 2,
  /** On the server thread. a: RPC object id, b: call id. */
  RPC_DISPATCH = 3,
  /** a: call id, b: result (core's result code; the low byte of a guest server's). */
  RPC_REPLY = 4,
  SIGNAL_SUBMIT = 5,
  SIGNAL_RECEIVE = 6,
  PAGE_FAULT = 7,
  PAGE_FAULT_RESOLVED = 8,
  PAGE_FAULT_UNRESOLVED = 9,
  IRQ = 10,
  IRQ_ACK = 11,
  SESSION_OPEN = 12,
  SESSION_UPGRADE = 13,
  SESSION_CLOSE = 14,
  QUOTA_TRANSFER = 15,
  EXCEPTION = 16,
  LOG = 17,
  THREAD_START = 18,
  THREAD_EXIT = 19,
  /** A core or parent request failed for quota. a: the RPC result (OUT_OF_RAM, OUT_OF_CAPS), b: 0 RAM, 1 caps. */
  QUOTA_EXHAUSTED = 20,
}

export const TRACE_KIND_NAMES = [
  'schedule-in',
  'schedule-out',
  'rpc-call',
  'rpc-dispatch',
  'rpc-reply',
  'signal-submit',
  'signal-receive',
  'page-fault',
  'page-fault-resolved',
  'page-fault-unresolved',
  'irq',
  'irq-ack',
  'session-open',
  'session-upgrade',
  'session-close',
  'quota-transfer',
  'exception',
  'log',
  'thread-start',
  'thread-exit',
  'quota-exhausted',
] as const;

export interface TraceEvent {
  /** Sequence number (never reused). */
  seq: number;
  /** Virtual time in mtime ticks. */
  time: number;
  cpu: number;
  /** Thread id (0: none, e.g. core). */
  thread: number;
  /** PD id (0: none). */
  pd: number;
  kind: TraceKind;
  a: number;
  b: number;
}

/**
 * A quota account at the moment of an event: QUOTA_TRANSFER and SESSION_* events carry one per
 * account they changed (PD id 0: core's own account).
 */
export interface QuotaSample {
  pd: number;
  ramUsed: number;
  ramLimit: number;
  capsUsed: number;
  capsLimit: number;
}

/** The sample of an account with RAM quota `ram` and capability quota `caps`. */
export function quotaSample(
  pd: number,
  ram: { used: number; limit: number },
  caps: { used: number; limit: number },
): QuotaSample {
  return { pd, ramUsed: ram.used, ramLimit: ram.limit, capsUsed: caps.used, capsLimit: caps.limit };
}

interface Subscription {
  policy: number;
  capacity: number;
  events: TraceEvent[];
  paused: boolean;
  dropped: number;
}

export class TraceBuffer {
  readonly capacity: number;
  private readonly time: Float64Array;
  private readonly meta: Int32Array; // cpu, thread, pd, kind, a, b per event
  private head = 0;
  /** Events ever emitted. */
  count = 0;
  /** Per-thread subscriptions (TRACE sessions). */
  private readonly subs = new Map<number, Subscription>();
  /** Strings attached to events (LOG lines), by sequence number; bounded like the ring. */
  private readonly text = new Map<number, string>();
  /** Quota samples attached to events, by sequence number; bounded like the ring. */
  private readonly quota = new Map<number, readonly QuotaSample[]>();
  /** Names of started threads and their PDs, kept after they are gone (for export). */
  private readonly threadNames = new Map<number, string>();
  private readonly pdLabels = new Map<number, string>();
  enabled = true;

  constructor(capacity = 1 << 20) {
    this.capacity = capacity;
    this.time = new Float64Array(capacity);
    this.meta = new Int32Array(capacity * 6);
  }

  /**
   * The pages of the event arrays written since `count` was the event count (for snapshots
   * that share unchanged pages), or null if it cannot tell (the ring went round).
   */
  pagesWrittenSince(count: number): Map<ArrayBuffer, number[]> | null {
    const n = this.count - count;
    if (n < 0 || n >= this.capacity) return null;
    const time: number[] = [];
    const meta: number[] = [];
    const first = count % this.capacity;
    for (const [lo, hi] of first + n <= this.capacity
      ? [[first, first + n]]
      : [
          [first, this.capacity],
          [0, first + n - this.capacity],
        ]) {
      if (hi <= lo) continue;
      for (let p = (lo * 8) >>> 12; p <= (hi * 8 - 1) >>> 12; p++) time.push(p);
      for (let p = Math.floor((lo * 24) / 4096); p <= Math.floor((hi * 24 - 1) / 4096); p++) meta.push(p);
    }
    return new Map<ArrayBuffer, number[]>([
      [this.time.buffer as ArrayBuffer, time],
      [this.meta.buffer as ArrayBuffer, meta],
    ]);
  }

  /** Sees every event, also while recording is off (the debugger's catchpoints). */
  listener: ((kind: TraceKind, thread: Thread | null, a: number, b: number, text?: string) => void) | null = null;

  emit(
    time: number,
    cpu: number,
    thread: Thread | null,
    kind: TraceKind,
    a: number,
    b: number,
    text?: string,
    quota?: readonly QuotaSample[],
  ): void {
    if (this.listener !== null) this.listener(kind, thread, a, b, text);
    if (kind === TraceKind.THREAD_START && thread !== null) {
      this.threadNames.set(thread.id, thread.name);
      this.pdLabels.set(thread.pd.id, thread.pd.label);
    }
    if (!this.enabled) return;
    const i = this.head;
    this.time[i] = time;
    const m = i * 6;
    const tid = thread?.id ?? 0;
    const pid = thread?.pd.id ?? 0;
    this.meta[m] = cpu;
    this.meta[m + 1] = tid;
    this.meta[m + 2] = pid;
    this.meta[m + 3] = kind;
    this.meta[m + 4] = a | 0;
    this.meta[m + 5] = b | 0;
    if (text !== undefined) {
      this.text.set(this.count, text);
      this.prune(this.text);
    }
    if (quota !== undefined) {
      this.quota.set(this.count, quota);
      this.prune(this.quota);
    }
    this.head = (i + 1) % this.capacity;
    this.count++;
    const sub = tid ? this.subs.get(tid) : undefined;
    if (sub && !sub.paused && sub.policy & (1 << kind)) {
      if (sub.events.length >= sub.capacity) {
        sub.events.shift();
        sub.dropped++;
      }
      sub.events.push({ seq: this.count - 1, time, cpu, thread: tid, pd: pid, kind, a: a | 0, b: b | 0 });
    }
  }

  /** Events with sequence numbers in [from, count), oldest still held first. */
  since(from: number, max = Infinity): TraceEvent[] {
    const first = Math.max(from, this.count - this.capacity, 0);
    const out: TraceEvent[] = [];
    for (let s = first; s < this.count && out.length < max; s++) {
      const i = s % this.capacity;
      const m = i * 6;
      out.push({
        seq: s,
        time: this.time[i],
        cpu: this.meta[m],
        thread: this.meta[m + 1],
        pd: this.meta[m + 2],
        kind: this.meta[m + 3] as TraceKind,
        a: this.meta[m + 4],
        b: this.meta[m + 5],
      });
    }
    return out;
  }

  textOf(seq: number): string | undefined {
    return this.text.get(seq);
  }

  /** The quota samples attached to event `seq` (QUOTA_TRANSFER, SESSION_*). */
  quotaOf(seq: number): readonly QuotaSample[] | undefined {
    return this.quota.get(seq);
  }

  /** Name of a thread that started while this buffer existed (also after it is gone). */
  threadName(id: number): string | undefined {
    return this.threadNames.get(id);
  }

  /** Label of a PD one of whose threads started while this buffer existed. */
  pdLabel(id: number): string | undefined {
    return this.pdLabels.get(id);
  }

  /** Drops attachments of events the ring has overwritten (keys are in emit order). */
  private prune(m: Map<number, unknown>): void {
    const oldest = this.count - this.capacity;
    for (const seq of m.keys()) {
      if (seq > oldest) break;
      m.delete(seq);
    }
  }

  // ---- TRACE-session subscriptions

  subscribe(thread: number, policy: number, capacity: number): void {
    this.subs.set(thread, { policy, capacity: Math.max(1, capacity), events: [], paused: false, dropped: 0 });
  }

  setPaused(thread: number, paused: boolean): boolean {
    const s = this.subs.get(thread);
    if (!s) return false;
    s.paused = paused;
    return true;
  }

  /** Takes up to `max` buffered events of a subject. */
  take(thread: number, max: number): TraceEvent[] | null {
    const s = this.subs.get(thread);
    if (!s) return null;
    return s.events.splice(0, max);
  }

  unsubscribe(thread: number): void {
    this.subs.delete(thread);
  }
}
