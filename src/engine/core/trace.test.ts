import { describe, expect, it } from 'vitest';
import { TRACE_KIND } from './abi';
import { TRACE_KIND_NAMES, TraceBuffer, TraceKind } from './trace';

describe('TraceBuffer', () => {
  it('numbers kinds as the guest ABI does', () => {
    expect(Object.keys(TRACE_KIND)).toHaveLength(TRACE_KIND_NAMES.length);
    expect(TRACE_KIND.PAGE_FAULT).toBe(TraceKind.PAGE_FAULT);
    expect(TRACE_KIND.THREAD_EXIT).toBe(TraceKind.THREAD_EXIT);
    for (const [k, v] of Object.entries(TRACE_KIND))
      expect(TRACE_KIND_NAMES[v]).toBe(k.toLowerCase().replace(/_/g, '-'));
  });

  it('keeps the newest events of a bounded ring and per-subject buffers by policy', () => {
    const tb = new TraceBuffer(4);
    for (let i = 0; i < 6; i++) tb.emit(i, 0, null, TraceKind.IRQ, i, 0);
    expect(tb.count).toBe(6);
    expect(tb.since(0).map((e) => e.a)).toEqual([2, 3, 4, 5]);
    const fake = { id: 7, pd: { id: 3 } } as never;
    tb.subscribe(7, 1 << TraceKind.LOG, 2);
    tb.emit(10, 1, fake, TraceKind.IRQ, 1, 0);
    tb.emit(11, 1, fake, TraceKind.LOG, 2, 0, 'x');
    tb.emit(12, 1, fake, TraceKind.LOG, 3, 0, 'y');
    tb.emit(13, 1, fake, TraceKind.LOG, 4, 0, 'z');
    const got = tb.take(7, 10)!;
    expect(got.map((e) => e.a)).toEqual([3, 4]);
    expect(got[0].pd).toBe(3);
    expect(tb.textOf(tb.count - 1)).toBe('z');
    expect(tb.take(8, 1)).toBeNull();
  });
});
