import { describe, expect, it } from 'vitest';
import {
  currentRun,
  formatLoad,
  formatMips,
  formatVirtualTime,
  loadData,
  mipsData,
  pickThreads,
  seriesColor,
  seriesKey,
  stackBands,
  statsFrame,
  threadLabel,
  type StatsSample,
} from './model';

/** A sample at `tMs` milliseconds of virtual time. */
const at = (tMs: number, loads: Record<number, number> = {}, mips = 10): StatsSample => ({
  t: tMs * 1000,
  mips,
  loads,
});

describe('currentRun', () => {
  it('keeps a history that only moves forward', () => {
    const h = [at(0), at(250), at(500)];
    expect(currentRun(h)).toEqual(h);
  });

  it('starts over where virtual time went backwards (a new load)', () => {
    const h = [at(100), at(200), at(300), at(0), at(50)];
    expect(currentRun(h).map((s) => s.t)).toEqual([0, 50_000]);
  });

  it('skips samples that do not advance virtual time (machine stopped)', () => {
    const h = [at(100), at(200, {}, 9), at(200, {}, 0), at(200, {}, 0), at(300)];
    const run = currentRun(h);
    expect(run.map((s) => s.t)).toEqual([100_000, 200_000, 300_000]);
    expect(run[1].mips).toBe(9);
  });

  it('is empty for an empty history', () => {
    expect(currentRun([])).toEqual([]);
  });
});

describe('pickThreads', () => {
  const h = [at(1, { 1: 0.1, 2: 0.5, 3: 0.3, 4: 0 }), at(2, { 1: 0.1, 2: 0.4, 3: 0.3, 5: 0.05 })];

  it('takes the busiest threads, returned by id', () => {
    expect(pickThreads(h, 2)).toEqual([2, 3]);
    expect(pickThreads(h, 10)).toEqual([1, 2, 3, 5]);
  });

  it('gives idle threads no series', () => {
    expect(pickThreads(h, 10)).not.toContain(4);
    expect(pickThreads([at(1, { 1: 0 })], 3)).toEqual([]);
  });

  it('keeps a shown thread until another is clearly busier', () => {
    // 1 is slightly less busy than 3, but shown already: it stays.
    const close = [at(1, { 1: 0.28, 2: 0.5, 3: 0.3 })];
    expect(pickThreads(close, 2)).toEqual([2, 3]);
    expect(pickThreads(close, 2, [1, 2])).toEqual([1, 2]);
    // Far busier: 3 takes over.
    const far = [at(1, { 1: 0.1, 2: 0.5, 3: 0.3 })];
    expect(pickThreads(far, 2, [1, 2])).toEqual([2, 3]);
  });

  it('lets a new busy thread in at once, and drops shown threads that went idle', () => {
    const h2 = [at(1, { 1: 0.2, 2: 0.2, 9: 0.9 })];
    expect(pickThreads(h2, 2, [1, 2])).toEqual([1, 9]);
    expect(pickThreads([at(1, { 2: 0.5, 3: 0.1 })], 2, [1, 2])).toEqual([2, 3]);
  });

  it('keeps at most n threads even when more were shown', () => {
    expect(pickThreads(h, 1, [1, 2, 3])).toEqual([2]);
    expect(pickThreads(h, 0, [1, 2, 3])).toEqual([]);
  });
});

describe('statsFrame', () => {
  const names = { 1: 'init/ep', 2: 'hello/main', 3: 'timer/ep' };
  const h = [
    at(0, { 1: 0.1, 2: 0.5, 3: 0.05 }, 12),
    at(250, { 1: 0.2, 2: 0.4, 3: 0.1, 7: 0.1 }, 15),
    at(500, { 2: 0.6 }, 20),
  ];

  it('aligns x (seconds of virtual time), MIPS and one row per series', () => {
    const f = statsFrame(h, names, { top: 2 });
    expect(f.x).toEqual([0, 0.25, 0.5]);
    expect(f.mips).toEqual([12, 15, 20]);
    expect(f.series).toEqual([
      { id: 1, label: 'init/ep' },
      { id: 2, label: 'hello/main' },
      { id: null, label: 'other' },
    ]);
    for (const row of [...f.loads, ...f.stacked]) expect(row).toHaveLength(f.x.length);
  });

  it('sums the threads without a series into "other", 0 where a thread is missing', () => {
    const f = statsFrame(h, names, { top: 2 });
    expect(f.loads[0]).toEqual([0.1, 0.2, 0]);
    expect(f.loads[2].map((v) => Number(v.toFixed(6)))).toEqual([0.05, 0.2, 0]);
  });

  it('stacks the series', () => {
    const f = statsFrame(h, names, { top: 2 });
    const round = (row: number[]) => row.map((v) => Number(v.toFixed(6)));
    expect(round(f.stacked[0])).toEqual([0.1, 0.2, 0]);
    expect(round(f.stacked[1])).toEqual([0.6, 0.6, 0.6]);
    expect(round(f.stacked[2])).toEqual([0.65, 0.8, 0.6]);
  });

  it('has no "other" when every busy thread has a series', () => {
    const f = statsFrame(h, names);
    expect(f.series.map((s) => s.id)).toEqual([1, 2, 3, 7]);
    expect(f.series[3].label).toBe('#7');
  });

  it('clamps loads to 0..1 and ignores non-numbers', () => {
    const f = statsFrame([at(1, { 1: 1.5, 2: Number.NaN, 3: -1 })], {});
    expect(f.series.map((s) => s.id)).toEqual([1]);
    expect(f.loads[0]).toEqual([1]);
  });

  it('gives uPlot aligned arrays and the bands between stacked series', () => {
    const f = statsFrame(h, names, { top: 2 });
    expect(mipsData(f)).toEqual([f.x, f.mips]);
    const data = loadData(f);
    expect(data).toHaveLength(1 + f.series.length);
    expect(data[0]).toBe(f.x);
    expect(stackBands(f)).toEqual([{ series: [2, 1] }, { series: [3, 2] }]);
    expect(stackBands(statsFrame([], {}))).toEqual([]);
  });

  it('is empty but well-formed for no samples', () => {
    const f = statsFrame([], names);
    expect(f).toEqual({ x: [], mips: [], series: [], loads: [], stacked: [] });
    expect(loadData(f)).toEqual([[]]);
  });

  it('keeps its series key while the shown threads stay, and changes it when they change', () => {
    const a = statsFrame(h, names, { top: 2 });
    const b = statsFrame([...h, at(750, { 1: 0.2, 2: 0.5 })], names, { top: 2, previous: [1, 2] });
    expect(seriesKey(b)).toBe(seriesKey(a));
    const renamed = statsFrame(h, { ...names, 1: 'init/entrypoint' }, { top: 2 });
    expect(seriesKey(renamed)).not.toBe(seriesKey(a));
  });
});

describe('formatting', () => {
  it('formats virtual time with a unit', () => {
    expect(formatVirtualTime(0)).toBe('0 s');
    expect(formatVirtualTime(0.00025)).toBe('250 µs');
    expect(formatVirtualTime(0.0125)).toBe('12.5 ms');
    expect(formatVirtualTime(3.2)).toBe('3.2 s');
    expect(formatVirtualTime(120)).toBe('120 s');
  });

  it('formats loads and MIPS', () => {
    expect(formatLoad(0.376)).toBe('38 %');
    expect(formatMips(123.4)).toBe('123');
    expect(formatMips(12.34)).toBe('12.3');
    expect(formatMips(1.234)).toBe('1.23');
  });

  it('names threads and colours them stably', () => {
    expect(threadLabel(3, { 3: 'a/b' })).toBe('a/b');
    expect(threadLabel(4, {})).toBe('#4');
    expect(seriesColor(5)).toBe(seriesColor(5));
    expect(seriesColor(5)).not.toBe(seriesColor(6));
    expect(seriesColor(null, 0.5)).toBe('hsla(0, 0%, 55%, 0.5)');
  });
});
