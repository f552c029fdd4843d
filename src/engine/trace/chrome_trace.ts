/**
 * Chrome trace-event JSON from the kernel's TRACE buffer, which Perfetto and chrome://tracing
 * open: PDs are processes, threads are threads, scheduling gives execution slices ("X"
 * events) and every other event is an instant ("i") with its arguments.
 */
import type { Kernel } from '../core/kernel';
import { TRACE_KIND_NAMES, TraceKind, type TraceEvent } from '../core/trace';

interface ChromeEvent {
  name: string;
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  s?: string;
  args?: Record<string, unknown>;
}

/** Builds the trace-event document for everything the kernel's ring still holds. */
export function chromeTrace(
  kernel: Kernel,
  names: { pd: Map<number, string>; thread: Map<number, string> },
): { traceEvents: ChromeEvent[]; displayTimeUnit: string } {
  const perUs = kernel.ticksPerUs;
  const out: ChromeEvent[] = [];
  const running = new Map<number, TraceEvent>();
  const events = kernel.trace.since(0);
  const pdOfThread = new Map<number, number>();
  for (const e of events) if (e.thread) pdOfThread.set(e.thread, e.pd);
  for (const [pid, name] of names.pd) out.push({ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name } });
  for (const [tid, name] of names.thread)
    out.push({ name: 'thread_name', ph: 'M', ts: 0, pid: pdOfThread.get(tid) ?? 0, tid, args: { name } });
  out.push({ name: 'process_name', ph: 'M', ts: 0, pid: 0, tid: 0, args: { name: 'core' } });
  for (const e of events) {
    const ts = e.time / perUs;
    if (e.kind === TraceKind.SCHEDULE_IN) {
      running.set(e.thread, e);
      continue;
    }
    if (e.kind === TraceKind.SCHEDULE_OUT) {
      const start = running.get(e.thread);
      running.delete(e.thread);
      if (start)
        out.push({
          name: 'run',
          ph: 'X',
          ts: start.time / perUs,
          dur: ts - start.time / perUs,
          pid: e.pd,
          tid: e.thread,
          args: { cpu: e.cpu },
        });
      continue;
    }
    const text = kernel.trace.textOf(e.seq);
    out.push({
      name: TRACE_KIND_NAMES[e.kind] ?? `event ${e.kind}`,
      ph: 'i',
      s: 't',
      ts,
      pid: e.pd,
      tid: e.thread,
      args: { cpu: e.cpu, a: e.a >>> 0, b: e.b >>> 0, ...(text ? { text } : {}) },
    });
  }
  const end = kernel.nowUs();
  for (const [tid, start] of running)
    out.push({
      name: 'run',
      ph: 'X',
      ts: start.time / perUs,
      dur: end - start.time / perUs,
      pid: start.pd,
      tid,
      args: { cpu: start.cpu },
    });
  return { traceEvents: out, displayTimeUnit: 'ns' };
}
