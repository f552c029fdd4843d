import { describe, expect, it } from 'vitest';
import type { TraceEventInfo } from '../../../engine/protocol';
import {
  ALL_KINDS,
  KIND_NAMES,
  MARKER_CATEGORIES,
  RUN_KINDS,
  TimelineFrame,
  TimelineModel,
  categoryOf,
  formatTicks,
  formatTime,
  kindMask,
  namesFromMaps,
  type TraceKindName,
} from './model';
import { syntheticTrace } from './synthetic';

/** Builds an event stream with consecutive sequence numbers. */
class Stream {
  events: TraceEventInfo[] = [];
  seq = 0;
  /** PD of each thread (threads 1, 2 in PD 10; 3 in PD 20 unless set). */
  pdOf = new Map<number, number>([
    [1, 10],
    [2, 10],
    [3, 20],
  ]);

  add(time: number, kind: TraceKindName, thread: number, cpu = 0, a = 0, b = 0): this {
    const pd = thread === 0 ? 0 : (this.pdOf.get(thread) ?? 30);
    this.events.push({ seq: this.seq++, time, cpu, thread, pd, kind, a, b });
    return this;
  }

  run(thread: number, cpu: number, start: number, end: number): this {
    return this.add(start, 'schedule-in', thread, cpu).add(end, 'schedule-out', thread, cpu);
  }
}

function model(s: Stream): TimelineModel {
  const m = new TimelineModel();
  m.append(s.events);
  return m;
}

/** Spans of the lane named `key` for the whole trace at a resolution fine enough to merge nothing. */
function spansOf(m: TimelineModel, key: string, t0 = 0, t1 = m.endTime + 1, px = 100_000) {
  const f = m.query(t0, t1, px);
  const k = f.lanes.findIndex((l) => l.key === key);
  expect(k).toBeGreaterThanOrEqual(0);
  return f.spans(k).map((s) => ({ start: s.start, end: s.end, thread: s.thread }));
}

describe('TimelineModel: kinds', () => {
  it('lists the kinds in the engine numbering and gives every non-schedule kind a category', () => {
    expect(KIND_NAMES.length).toBe(21);
    expect(KIND_NAMES[0]).toBe('schedule-in');
    expect(KIND_NAMES[9]).toBe('page-fault-unresolved');
    for (const k of KIND_NAMES) {
      if (k === 'schedule-in' || k === 'schedule-out') expect(categoryOf(k)).toBeNull();
      else expect(MARKER_CATEGORIES).toContain(categoryOf(k));
    }
    expect(kindMask(['schedule-in', 'schedule-out'])).toBe(RUN_KINDS);
    expect(kindMask(KIND_NAMES)).toBe(ALL_KINDS);
  });
});

describe('TimelineModel: slices', () => {
  it('derives execution slices per thread and per CPU from schedule events', () => {
    const s = new Stream()
      .add(0, 'schedule-in', 1, 0)
      .add(50, 'schedule-in', 3, 1)
      .add(100, 'schedule-out', 1, 0)
      .add(100, 'schedule-in', 2, 0)
      .add(300, 'schedule-out', 2, 0)
      .add(400, 'thread-exit', 3, 1);
    const m = model(s);
    expect(m.lanes().map((l) => l.key)).toEqual(['cpu0', 'cpu1', 'thread1', 'thread2', 'thread3']);
    expect(spansOf(m, 'thread1')).toEqual([{ start: 0, end: 100, thread: 1 }]);
    expect(spansOf(m, 'thread2')).toEqual([{ start: 100, end: 300, thread: 2 }]);
    expect(spansOf(m, 'thread3')).toEqual([{ start: 50, end: 400, thread: 3 }]);
    // Thread 1 and 2 touch at 100: at this resolution (tiny pixels) they stay apart.
    expect(spansOf(m, 'cpu0')).toEqual([
      { start: 0, end: 100, thread: 1 },
      { start: 100, end: 300, thread: 2 },
    ]);
    expect(spansOf(m, 'cpu1')).toEqual([{ start: 50, end: 400, thread: 3 }]);
  });

  it('closes a slice whose switch-out was lost when another thread comes onto its CPU or it migrates', () => {
    const s = new Stream()
      .add(0, 'schedule-in', 1, 0)
      .add(100, 'schedule-in', 2, 0) // thread 1's schedule-out on cpu0 was lost
      .add(150, 'schedule-in', 2, 1) // thread 2 migrates without a schedule-out
      .add(200, 'schedule-out', 2, 1)
      .add(250, 'log', 0, 0);
    const m = model(s);
    expect(spansOf(m, 'thread1')).toEqual([{ start: 0, end: 100, thread: 1 }]);
    expect(spansOf(m, 'thread2')).toEqual([
      { start: 100, end: 150, thread: 2 },
      { start: 150, end: 200, thread: 2 },
    ]);
    expect(spansOf(m, 'cpu0')).toEqual([
      { start: 0, end: 100, thread: 1 },
      { start: 100, end: 150, thread: 2 },
    ]);
    expect(spansOf(m, 'cpu1')).toEqual([{ start: 150, end: 200, thread: 2 }]);
  });

  it('shows a slice still running up to the latest event, and closes it when it ends', () => {
    const s = new Stream().add(10, 'schedule-in', 1, 0).add(90, 'log', 0, 0);
    const m = model(s);
    expect(spansOf(m, 'thread1')).toEqual([{ start: 10, end: 90, thread: 1 }]);
    const hit = m.pick('thread1', 50, 0);
    expect(hit).toMatchObject({ type: 'slice', start: 10, end: 90, open: true, thread: 1, cpu: 0 });
    m.append([{ seq: 2, time: 120, cpu: 0, thread: 1, pd: 10, kind: 'schedule-out', a: 0, b: 0 }]);
    expect(spansOf(m, 'thread1')).toEqual([{ start: 10, end: 120, thread: 1 }]);
    expect(m.pick('thread1', 50, 0)).toMatchObject({ type: 'slice', open: false, end: 120 });
  });

  it('never lets time run backwards within a lane', () => {
    const s = new Stream()
      .run(1, 0, 100, 200)
      .run(1, 1, 150, 300) // starts before the previous slice ended (clocks of two harts)
      .add(250, 'log', 1)
      .add(240, 'log', 1); // earlier than the lane's last marker
    const m = model(s);
    expect(spansOf(m, 'thread1')).toEqual([
      { start: 100, end: 200, thread: 1 },
      { start: 200, end: 300, thread: 1 },
    ]);
    const f = m.query(0, 400, 400);
    const k = f.lanes.findIndex((l) => l.key === 'thread1');
    expect(f.markers(k)).toEqual([{ col: 250, n: 2, category: 'log', event: -1 }]);
    // The event itself keeps its own time.
    expect(m.eventAt(5).time).toBe(240);
  });
});

describe('TimelineModel: level of detail', () => {
  /** A thread with `n` slices of random lengths and gaps (some far below a pixel). */
  function busyThread(n: number, seed: number): { m: TimelineModel; slices: [number, number][] } {
    let x = seed;
    const rnd = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const s = new Stream();
    const slices: [number, number][] = [];
    let t = 0;
    for (let i = 0; i < n; i++) {
      const gap = rnd() < 0.9 ? Math.floor(rnd() * 20) : Math.floor(rnd() * 5000);
      const len = rnd() < 0.8 ? Math.floor(rnd() * 10) : Math.floor(rnd() * 3000);
      t += gap;
      s.run(1, 0, t, t + len);
      slices.push([t, t + len]);
      t += len;
    }
    return { m: model(s), slices };
  }

  it('merges narrow slices closer than a pixel and keeps their total coverage', () => {
    const { m, slices } = busyThread(20_000, 7);
    const end = m.endTime;
    for (const [t0, t1, px] of [
      [0, end, 1000],
      [0, end, 37],
      [end * 0.3, end * 0.31, 800],
      [end * 0.5, end * 0.5 + 2000, 2000],
    ]) {
      const f = m.query(t0, t1, px);
      const k = f.lanes.findIndex((l) => l.key === 'thread1');
      const spans = f.spans(k);
      const tpp = f.ticksPerPx;
      // Work is bounded by pixels, not slices: each span is a pixel wide or a pixel from the next.
      expect(spans.length).toBeLessThanOrEqual(2 * px + 3);
      // Every slice in view lies in exactly one span; a span is one slice, or a run of slices
      // narrower than a pixel with gaps under a pixel; its busy share is exactly the time its
      // slices cover; two spans less than a pixel apart are not both runs of narrow slices.
      const visible = slices.filter(([s, e]) => e >= t0 && s <= t1);
      let v = 0;
      let busyTotal = 0;
      let sliceTotal = 0;
      let prevSpan: (typeof spans)[number] | null = null;
      const narrow = (sp: (typeof spans)[number]) => sp.slices > 1 || sp.end - sp.start < tpp;
      for (const span of spans) {
        if (prevSpan) {
          expect(span.start).toBeGreaterThanOrEqual(prevSpan.end);
          if (span.start - prevSpan.end < tpp) expect(narrow(span) && narrow(prevSpan)).toBe(false);
        }
        prevSpan = span;
        let covered = 0;
        let prevEnd = span.start;
        while (v < visible.length && visible[v][0] < span.start) v++;
        const first = v;
        while (v < visible.length && visible[v][1] <= span.end && visible[v][0] >= span.start) {
          expect(visible[v][0] - prevEnd).toBeLessThan(tpp);
          if (span.slices > 1) expect(visible[v][1] - visible[v][0]).toBeLessThan(tpp);
          covered += visible[v][1] - visible[v][0];
          prevEnd = visible[v][1];
          v++;
        }
        expect(v).toBeGreaterThan(first);
        expect(prevEnd).toBe(span.end);
        expect(span.slices).toBe(v - first);
        busyTotal += span.busy * (span.end - span.start);
        sliceTotal += covered;
      }
      expect(v).toBeGreaterThanOrEqual(visible.length);
      expect(Math.abs(busyTotal - sliceTotal) / Math.max(1, sliceTotal)).toBeLessThan(1e-5);
    }
  });

  it('keeps wide slices apart and merges a dense run into one span', () => {
    const s = new Stream();
    // Two wide slices of different threads back to back on cpu0, then 1000 tiny ones.
    s.run(1, 0, 0, 1000).run(2, 0, 1000, 2000);
    for (let i = 0; i < 1000; i++) s.run(1 + (i % 2), 0, 2000 + i * 2, 2001 + i * 2);
    const m = model(s);
    const f = m.query(0, 4000, 40);
    const cpu0 = f.spans(0).map((x) => [x.start, x.end, x.slices, x.thread]);
    expect(cpu0).toEqual([
      [0, 1000, 1, 1],
      [1000, 2000, 1, 2],
      [2000, 3999, 1000, -1],
    ]);
    expect(f.spans(0)[2].busy).toBeCloseTo(0.5, 3);
  });

  it('buckets markers per pixel column with counts and a dominant category', () => {
    const s = new Stream();
    // Column 0 (ticks 0..9): three RPC calls and one signal -> rpcCall.
    s.add(1, 'rpc-call', 1, 0, 5, 1).add(2, 'rpc-call', 1, 0, 5, 2).add(3, 'rpc-call', 1, 0, 5, 3);
    s.add(4, 'signal-submit', 1);
    // Column 2: five RPC replies and one unresolved page fault -> the alert wins.
    for (let i = 0; i < 5; i++) s.add(21 + i, 'rpc-reply', 1, 0, 1, 0);
    s.add(27, 'page-fault-unresolved', 1, 0, 0x1000, 2);
    // Column 9: a single LOG line; tick 100 is outside [0, 100).
    s.add(95, 'log', 1).add(100, 'log', 1);
    const m = model(s);
    const f = m.query(0, 100, 10);
    const k = f.lanes.findIndex((l) => l.key === 'thread1');
    expect(f.markers(k)).toEqual([
      { col: 0, n: 4, category: 'rpcCall', event: -1 },
      { col: 2, n: 6, category: 'pageFaultUnresolved', event: -1 },
      { col: 9, n: 1, category: 'log', event: 10 },
    ]);
    expect(f.markerCounts()).toMatchObject({ rpcCall: 3, signal: 1, rpcReply: 5, pageFaultUnresolved: 1, log: 1 });
  });

  it('counts the same as visiting every event, through the block summaries, under kind filters', () => {
    let x = 3;
    const rnd = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const kinds: TraceKindName[] = [
      'rpc-call',
      'rpc-reply',
      'signal-submit',
      'log',
      'irq-ack',
      'exception',
      'session-open',
    ];
    const s = new Stream();
    let t = 0;
    for (let i = 0; i < 50_000; i++) {
      t += rnd() < 0.95 ? Math.floor(rnd() * 3) : Math.floor(rnd() * 400);
      s.add(t, kinds[Math.floor(rnd() * kinds.length)], 1 + (i % 3));
    }
    const m = model(s);
    const masks = [ALL_KINDS, kindMask(['rpc-call', 'log']), kindMask(['exception'])];
    for (const mask of masks) {
      for (const [t0, t1, px] of [
        [0, t + 1, 500],
        [0, t + 1, 7],
        [t * 0.2, t * 0.25, 1200],
      ]) {
        const f = m.query(t0, t1, px, { filter: { kinds: mask } });
        const want = new Map<string, number>();
        for (const e of s.events) {
          if (e.time < t0 || e.time >= t1 || !(mask & kindMask([e.kind]))) continue;
          const col = Math.min(px - 1, Math.floor((e.time - t0) / f.ticksPerPx));
          const key = `thread${e.thread}/${col}`;
          want.set(key, (want.get(key) ?? 0) + 1);
        }
        const got = new Map<string, number>();
        f.lanes.forEach((lane, k) => {
          for (const b of f.markers(k)) got.set(`${lane.key}/${b.col}`, b.n);
        });
        expect(got).toEqual(want);
        const total = [...want.values()].reduce((p, q) => p + q, 0);
        expect(Object.values(f.markerCounts()).reduce((p, q) => p + q, 0)).toBe(total);
      }
    }
  });

  it('computes only the window of lanes asked for and reuses a frame', () => {
    const s = new Stream().run(1, 0, 0, 10).run(2, 1, 0, 10).run(3, 2, 0, 10);
    const m = model(s);
    expect(m.lanes().length).toBe(6);
    const frame = new TimelineFrame();
    const f = m.query(0, 20, 20, { laneFrom: 4, laneCount: 5 }, frame);
    expect(f).toBe(frame);
    expect(f.laneFrom).toBe(4);
    expect(f.lanes.map((l) => l.key)).toEqual(['thread2', 'thread3']);
    expect(f.spans(1)).toHaveLength(1);
    m.query(5, 5, 20, {}, frame);
    expect(frame.spanCount).toBe(0);
  });
});

describe('TimelineModel: markers', () => {
  it('shows a page fault and its outcome as one marker', () => {
    const s = new Stream()
      .add(10, 'page-fault', 1, 0, 0x4000, 1)
      .add(10, 'page-fault-resolved', 1, 0, 0x4000, 1)
      .add(20, 'page-fault', 2, 0, 0x8000, 2)
      .add(21, 'log', 0, 0)
      .add(22, 'page-fault-unresolved', 2, 0, 0x8000, 2)
      .add(30, 'page-fault', 3, 0, 0x9000, 3);
    const m = model(s);
    const f = m.query(0, 40, 40);
    expect(f.markerCounts()).toMatchObject({ pageFault: 2, pageFaultUnresolved: 1, log: 1 });
    const hit = m.pick('thread2', 20, 1);
    expect(hit?.type === 'event' && hit.event.kind).toBe('page-fault-unresolved');
    const sel = m.describe(hit!);
    expect(sel).toMatchObject({
      type: 'event',
      title: 'page-fault-unresolved',
      thread: 2,
      pd: 10,
      details: { address: '0x00008000', access: 'write' },
    });
    expect(JSON.parse(JSON.stringify(sel))).toEqual(sel);
  });

  it('puts core events and IRQs on the CPU lanes and everything else on the thread lanes', () => {
    const s = new Stream()
      .add(1, 'log', 0, 1)
      .add(2, 'irq', 1, 1, 10)
      .add(3, 'irq-ack', 1, 0, 10)
      .add(4, 'exception', 3, 0, 2, 0xdead);
    const m = model(s);
    const f = m.query(0, 10, 10);
    const byLane = Object.fromEntries(
      f.lanes.map((l, k) => [l.key, f.markers(k).map((b) => `${b.col}:${b.category}`)]),
    );
    expect(byLane).toEqual({
      cpu0: [],
      cpu1: ['1:log', '2:irq'],
      thread1: ['3:irq'],
      thread3: ['4:exception'],
    });
    expect(m.describe(m.pick('thread3', 4, 0)!).details).toMatchObject({
      cause: '2 (illegal instruction)',
      tval: '0x0000dead',
    });
  });

  it('pairs an RPC call with its dispatch and reply in the details', () => {
    const s = new Stream()
      .add(100, 'rpc-call', 1, 0, 7, 42)
      .add(130, 'rpc-dispatch', 3, 1, 7, 42)
      .add(250, 'rpc-reply', 3, 1, 42, 0);
    const m = model(s);
    m.setNames(
      namesFromMaps(
        new Map([
          [10, 'init'],
          [20, 'timer'],
        ]),
        new Map([
          [1, 'ep'],
          [3, 'server'],
        ]),
      ),
    );
    const call = m.describe(m.pick('thread1', 100, 0)!);
    expect(call.details).toMatchObject({
      object: '7',
      call: '42',
      caller: 'init / ep',
      server: 'timer / server',
      latency: '15 µs',
      result: '0',
    });
    const reply = m.describe(m.pick('thread3', 250, 0)!);
    expect(reply.details).toMatchObject({ call: '42', object: '7', result: '0', latency: '15 µs' });
  });
});

describe('TimelineModel: filters', () => {
  const s = new Stream()
    .run(1, 0, 0, 100)
    .run(3, 0, 100, 200)
    .run(2, 1, 0, 300)
    .add(50, 'rpc-call', 1, 0, 1, 1)
    .add(150, 'signal-submit', 3, 0)
    .add(160, 'log', 0, 0)
    .add(170, 'irq', 3, 1, 4);

  it('leaves out kinds: no slices without the schedule kinds, no markers of hidden kinds', () => {
    const m = model(s);
    const f = m.query(0, 300, 300, { filter: { kinds: ALL_KINDS & ~RUN_KINDS & ~kindMask(['rpc-call']) } });
    expect(f.spanCount).toBe(0);
    expect(f.markerCounts()).toMatchObject({ rpcCall: 0, signal: 1, log: 1, irq: 1 });
    expect(m.pick('thread1', 50, 5, { kinds: kindMask(['log']) })).toBeNull();
    expect(m.pick('thread1', 50, 5)).toMatchObject({ type: 'event' });
  });

  it('leaves out PDs: their thread lanes, their slices on CPU lanes, and core markers unless 0 is in', () => {
    const m = model(s);
    const pds = new Set([10]);
    expect(m.lanes({ pds }).map((l) => l.key)).toEqual(['cpu0', 'cpu1', 'thread1', 'thread2']);
    const f = m.query(0, 300, 3000, { filter: { pds } });
    const spans = (key: string) => f.spans(f.lanes.findIndex((l) => l.key === key)).map((x) => [x.start, x.end]);
    expect(spans('cpu0')).toEqual([[0, 100]]);
    expect(spans('cpu1')).toEqual([[0, 300]]);
    expect(f.markerCounts()).toMatchObject({ rpcCall: 1, signal: 0, log: 0, irq: 0 });
    expect(m.pick('cpu0', 150, 0, { pds })).toBeNull();
    expect(m.pick('thread3', 150, 0, { pds })).toBeNull();
    const withCore = m.query(0, 300, 3000, { filter: { pds: new Set([0, 20]) } });
    expect(withCore.markerCounts()).toMatchObject({ rpcCall: 0, signal: 1, log: 1, irq: 1 });
    expect(withCore.lanes.map((l) => l.key)).toEqual(['cpu0', 'cpu1', 'thread3']);
  });

  it('merges the remaining slices of a CPU lane under a PD filter', () => {
    const t = new Stream();
    for (let i = 0; i < 100; i++) t.run(1 + (i % 2), 0, i * 10, i * 10 + 9);
    const m = model(t);
    const f = m.query(0, 1000, 50, { filter: { pds: new Set([10]) } });
    const cpu0 = f.spans(0);
    expect(cpu0).toHaveLength(1);
    expect(cpu0[0]).toMatchObject({ start: 0, end: 999, slices: 100, thread: -1 });
    expect(cpu0[0].busy).toBeCloseTo(0.9, 2);
  });
});

describe('TimelineModel: pick', () => {
  const s = new Stream()
    .run(1, 0, 100, 200)
    .add(150, 'log', 1)
    .add(158, 'rpc-call', 1, 0, 3, 9)
    .add(300, 'exception', 1, 0, 13, 0);

  it('finds the nearest marker within the tolerance, else the slice, else nothing', () => {
    const m = model(s);
    expect(m.pick('thread1', 153, 5)).toMatchObject({ type: 'event', event: { kind: 'log', time: 150, seq: 2 } });
    expect(m.pick('thread1', 155, 5)).toMatchObject({ type: 'event', event: { kind: 'rpc-call' } });
    expect(m.pick('thread1', 120, 5)).toMatchObject({ type: 'slice', start: 100, end: 200, thread: 1 });
    expect(m.pick('thread1', 203, 5)).toMatchObject({ type: 'slice', start: 100 });
    expect(m.pick('thread1', 250, 5)).toBeNull();
    expect(m.pick('thread1', 296, 5)).toMatchObject({ type: 'event', event: { kind: 'exception' } });
    expect(m.pick('cpu0', 120, 0)).toMatchObject({ type: 'slice', thread: 1, lane: 'cpu0' });
    expect(m.pick('nothing', 120, 0)).toBeNull();
    const sel = m.describe(m.pick('thread1', 120, 0)!);
    expect(sel).toMatchObject({ type: 'slice', title: 'run', time: 100, end: 200, cpu: 0, thread: 1 });
    expect(sel.details.duration).toBe('10 µs');
  });
});

describe('TimelineModel: ingest', () => {
  it('skips duplicates, counts gaps and keeps each event its sequence number', () => {
    const m = new TimelineModel();
    const e = (seq: number, time: number): TraceEventInfo => ({
      seq,
      time,
      cpu: 0,
      thread: 1,
      pd: 10,
      kind: 'log',
      a: 0,
      b: 0,
    });
    expect(m.append([e(5, 1), e(6, 2)])).toBe(2);
    expect(m.version).toBe(1);
    expect(m.append([e(6, 2), e(9, 3), e(10, 4)])).toBe(2);
    expect(m.append([e(3, 1)])).toBe(0);
    expect(m.version).toBe(2);
    expect(m.size).toBe(4);
    expect(m.lost).toBe(2);
    expect([0, 1, 2, 3].map((i) => m.eventAt(i).seq)).toEqual([5, 6, 9, 10]);
    expect(m.startTime).toBe(1);
    expect(m.endTime).toBe(4);
  });

  it('labels lanes from the names, keeping names the source forgets', () => {
    const m = model(new Stream().run(1, 0, 0, 1).run(3, 0, 1, 2));
    expect(m.lanes().map((l) => l.label)).toEqual(['cpu0', 'thread 1', 'thread 3']);
    const v = m.version;
    m.setNames(namesFromMaps(new Map([[10, 'init']]), new Map([[1, 'ep']])));
    expect(m.version).toBe(v + 1);
    expect(m.lanes().map((l) => [l.label, l.group])).toEqual([
      ['cpu0', ''],
      ['ep', 'init'],
      ['thread 3', 'pd 20'],
    ]);
    m.setNames(namesFromMaps(new Map(), new Map()));
    expect(m.lanes()[1]).toMatchObject({ label: 'ep', group: 'init' });
    expect(m.pds()).toEqual([
      { id: 10, label: 'init' },
      { id: 20, label: 'pd 20' },
    ]);
  });

  it('holds a million events in typed arrays of bounded size and still answers queries', () => {
    const m = new TimelineModel();
    const CPUS = 4;
    const THREADS = 32;
    const { expected, events } = syntheticTrace(1_000_000, (batch) => m.append(batch), CPUS, THREADS);
    const seq = events;
    expect(m.size).toBe(seq);
    expect(m.lanes().length).toBe(CPUS + THREADS);
    // 22 bytes an event in the store, ~13 a marker and 2 x 28 a slice in the lanes, and the
    // slack of doubling (JavaScript objects would take well over 100 bytes an event).
    const bytes = m.bytes();
    expect(bytes).toBeLessThan(64 * 1024 * 1024);
    expect(bytes / m.size).toBeLessThan(64);

    const f = m.query(m.startTime, m.endTime + 1, 1500);
    expect(f.spanCount).toBeLessThanOrEqual(f.lanes.length * 1502);
    expect(f.markCount).toBeLessThanOrEqual(f.lanes.length * 1500);
    const counts = f.markerCounts();
    for (const c of MARKER_CATEGORIES) expect(counts[c], c).toBe(expected[c] ?? 0);
  });
});

describe('formatTicks and formatTime', () => {
  it('writes virtual time in the unit that fits', () => {
    expect(formatTime(3)).toBe('0.3 µs');
    expect(formatTime(1_308_425)).toBe('130.8425 ms');
    expect(formatTime(123_456_789)).toBe('12.3456789 s');
    expect(formatTicks(3)).toBe('300 ns');
    expect(formatTicks(10)).toBe('1 µs');
    expect(formatTicks(1234)).toBe('123.4 µs');
    expect(formatTicks(45_600)).toBe('4.56 ms');
    expect(formatTicks(12_345_678)).toBe('1.235 s');
  });
});

describe('TimelineModel: going back in time', () => {
  it('truncated(n) keeps exactly the events before sequence number n, slices recomputed', () => {
    const s = new Stream()
      .add(0, 'schedule-in', 1, 0)
      .add(100, 'schedule-out', 1, 0)
      .add(100, 'schedule-in', 2, 0)
      .add(300, 'schedule-out', 2, 0)
      .add(400, 'schedule-in', 1, 0);
    const m = model(s);
    const back = m.truncated(3);
    expect(back.size).toBe(3);
    expect(back.endTime).toBe(100);
    expect(spansOf(back, 'thread1')).toEqual([{ start: 0, end: 100, thread: 1 }]);
    // Thread 2's slice has begun and not ended: it stays open to the end of the trace.
    expect(back.eventAt(2)).toMatchObject({ seq: 2, kind: 'schedule-in', thread: 2 });
    // New events continue the sequence where it was cut.
    back.append([{ seq: 3, time: 150, cpu: 0, thread: 2, pd: 10, kind: 'schedule-out', a: 0, b: 0 }]);
    expect(spansOf(back, 'thread2')).toEqual([{ start: 100, end: 150, thread: 2 }]);
    expect(back.lost).toBe(0);
    // The original is unchanged.
    expect(m.size).toBe(5);
  });
});
