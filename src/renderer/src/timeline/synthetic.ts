/**
 * A synthetic TRACE stream with the shape of a busy system: CPUs switching among threads, RPC,
 * signals, LOG and IRQ markers, page faults and their resolutions. The model's million-event
 * test and `npm run bench:ui` both use it (the engine's own trace buffer holds far fewer).
 */
import type { TraceEventInfo } from '../../../engine/protocol';
import { categoryOf, type MarkerCategory, type TraceKindName } from './model';

export interface SyntheticTrace {
  /** Marker counts per category, page faults excepted (resolved ones merge with their fault). */
  expected: Partial<Record<MarkerCategory, number>>;
  events: number;
}

/**
 * Generates `count` events on `cpus` CPUs among `threads` threads (PDs 100..107), handing them
 * to `sink` in batches of 65,536.
 */
export function syntheticTrace(
  count: number,
  sink: (batch: TraceEventInfo[]) => void,
  cpus = 4,
  threads = 32,
): SyntheticTrace {
  const running = new Array<number>(cpus).fill(0);
  const batch: TraceEventInfo[] = [];
  const other: TraceKindName[] = ['rpc-call', 'rpc-dispatch', 'rpc-reply', 'signal-submit', 'log', 'irq-ack'];
  const expected: Partial<Record<MarkerCategory, number>> = {};
  let seq = 0;
  let time = 0;
  let next = 1;
  const push = (kind: TraceKindName, thread: number, cpu: number, a = 0, b = 0): void => {
    batch.push({ seq: seq++, time, cpu, thread, pd: thread === 0 ? 0 : 100 + (thread % 8), kind, a, b });
    const c = categoryOf(kind);
    if (c !== null && kind !== 'page-fault') expected[c] = (expected[c] ?? 0) + 1;
    if (batch.length === 65536) {
      sink(batch.splice(0));
    }
  };
  while (seq < count) {
    const cpu = seq % cpus;
    time += 7 + (seq % 13);
    if (running[cpu] !== 0) push('schedule-out', running[cpu]!, cpu);
    const t = (next++ % threads) + 1;
    if (running.includes(t)) {
      running[cpu] = 0;
      continue;
    }
    running[cpu] = t;
    push('schedule-in', t, cpu);
    for (let i = 0; i < 3; i++) push(other[(seq + i) % other.length]!, t, cpu, i, seq);
    if (seq % 5 === 0) {
      const address = (seq * 4096) >>> 0;
      push('page-fault', t, cpu, address, 1);
      push('page-fault-resolved', t, cpu, address, 1);
    }
    if (seq % 97 === 0) push('irq', t, cpu, 3);
  }
  if (batch.length) sink(batch.splice(0));
  return { expected, events: seq };
}
