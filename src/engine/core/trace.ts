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
  RPC_CALL = 2,
  RPC_DISPATCH = 3,
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
  enabled = true;

  constructor(capacity = 1 << 20) {
    this.capacity = capacity;
    this.time = new Float64Array(capacity);
    this.meta = new Int32Array(capacity * 6);
  }

  emit(time: number, cpu: number, thread: Thread | null, kind: TraceKind, a: number, b: number, text?: string): void {
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
      this.text.delete(this.count - this.capacity);
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
