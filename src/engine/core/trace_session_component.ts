/**
 * Core's TRACE service: subjects are threads (with session label, thread name, state,
 * execution time, priority and affinity); a policy picks the event kinds recorded in a
 * subject's own bounded buffer, which the client reads.
 */
import { RPC, TRACE_SESSION } from './abi';
import { CoreSession, type SessionFactory } from './core';
import type { CoreCall, CoreReply } from './kernel_objects';

export class TraceSessionComponent extends CoreSession {
  readonly iface = TRACE_SESSION;
  private readonly traced = new Set<number>();

  dispatch(call: CoreCall): CoreReply {
    const k = this.core.kernel;
    const a = call.args;
    switch (call.op) {
      case 'subjects': {
        const ids = [...k.threads.keys()].sort((x, y) => x - y).slice(a.first as number, (a.first as number) + 64);
        return { result: RPC.OK, words: [ids.length, ...ids] };
      }
      case 'subject_info': {
        const t = k.threads.get(a.id as number);
        if (!t) return { result: RPC.NOT_FOUND };
        const state = t.runnable ? 0 : t.paused ? 2 : 1;
        return {
          result: RPC.OK,
          words: [
            state,
            t.priority >>> 0,
            t.cpu,
            t.execCycles % 0x1_0000_0000,
            Math.floor(t.execCycles / 0x1_0000_0000),
            t.sessionLabel,
            t.name,
          ],
        };
      }
      case 'trace': {
        const id = a.id as number;
        if (!k.threads.has(id)) return { result: RPC.NOT_FOUND };
        const size = Math.max(16, Math.min(a.buffer_size as number, 1 << 16));
        if (!this.traced.has(id) && this.ram.limit - this.ram.used < size) return { result: RPC.OUT_OF_RAM };
        if (!this.traced.has(id)) this.ram.used += size;
        this.traced.add(id);
        k.trace.subscribe(id, a.policy as number, Math.floor(size / 16));
        return { result: RPC.OK };
      }
      case 'pause':
      case 'resume':
        return { result: k.trace.setPaused(a.id as number, call.op === 'pause') ? RPC.OK : RPC.NOT_FOUND };
      case 'read': {
        const ev = k.trace.take(a.id as number, Math.min(a.max as number, 200));
        if (ev === null) return { result: RPC.NOT_FOUND };
        const words: number[] = [ev.length];
        for (const e of ev) words.push(Math.floor(e.time) >>> 0, e.kind, e.a >>> 0, e.b >>> 0);
        return { result: RPC.OK, words };
      }
    }
    return { result: RPC.UNKNOWN_OP };
  }

  protected release(): void {
    for (const id of this.traced) this.core.kernel.trace.unsubscribe(id);
  }
}

export const createTraceSession: SessionFactory = (core, label, args, payer) =>
  new TraceSessionComponent(core, 'TRACE', label, args, payer);
