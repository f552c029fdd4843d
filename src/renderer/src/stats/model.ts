/**
 * The stats plot's data: the session store's samples (virtual time, MIPS, per-thread load)
 * turned into uPlot's aligned arrays, with the busiest threads as their own series and the
 * rest summed as "other".
 *
 * Only the newest run is shown: when virtual time goes backwards (a scenario was loaded again)
 * the samples before are dropped, and samples that do not advance virtual time (taken while
 * the machine was stopped) are skipped, since uPlot needs x in ascending order.
 *
 * Which threads get a series changes with hysteresis ({@link pickThreads}), so that two threads
 * of similar load do not swap places on every sample; the view re-creates its load chart only
 * when the set of series changes ({@link seriesKey}) and otherwise updates it in place.
 */

/** One sample of the session store's history. */
export interface StatsSample {
  /** Virtual time in microseconds. */
  t: number;
  /** Million guest instructions per host second. */
  mips: number;
  /** Share of CPU time per thread id over the last interval, 0..1. */
  loads: Record<number, number>;
}

/** A load series: one thread, or (id null) every thread without a series of its own. */
export interface LoadSeries {
  id: number | null;
  label: string;
}

export interface StatsFrame {
  /** Virtual time of each sample, in seconds. */
  x: number[];
  mips: number[];
  series: LoadSeries[];
  /** loads[i][j]: series i's load (0..1) at sample j. */
  loads: number[][];
  /** Running sums for a stacked plot: stacked[i][j] = loads[0][j] + ... + loads[i][j]. */
  stacked: number[][];
}

/** Threads with a series of their own, by default. */
export const TOP_THREADS = 6;
/** A thread takes a series from a shown one only when it is this much busier. */
const TAKEOVER = 1.25;

/** The samples of the newest run, each advancing virtual time. */
export function currentRun(history: readonly StatsSample[]): StatsSample[] {
  let start = 0;
  for (let i = 1; i < history.length; i++) if (history[i].t < history[i - 1].t) start = i;
  const out: StatsSample[] = [];
  for (let i = start; i < history.length; i++) {
    const s = history[i];
    if (out.length === 0 || s.t > out[out.length - 1].t) out.push(s);
  }
  return out;
}

/** Each thread's summed load over `samples`. */
function totals(samples: readonly StatsSample[]): Map<number, number> {
  const sum = new Map<number, number>();
  for (const s of samples) {
    for (const [key, load] of Object.entries(s.loads)) {
      const id = Number(key);
      if (Number.isFinite(load) && load > 0) sum.set(id, (sum.get(id) ?? 0) + load);
    }
  }
  return sum;
}

/**
 * The threads (at most `n`, ascending ids) to give a series of their own: the busiest ones,
 * except that a thread shown before (`previous`) keeps its series until one not shown is
 * {@link TAKEOVER} times busier. Idle threads get none.
 */
export function pickThreads(samples: readonly StatsSample[], n: number, previous: readonly number[] = []): number[] {
  const sum = totals(samples);
  const load = (id: number): number => sum.get(id) ?? 0;
  const byLoad = (a: number, b: number): number => load(b) - load(a) || a - b;
  const chosen = previous
    .filter((id) => load(id) > 0)
    .sort(byLoad)
    .slice(0, Math.max(0, n));
  const rest = [...sum.keys()].filter((id) => !chosen.includes(id)).sort(byLoad);
  while (chosen.length < n && rest.length > 0) chosen.push(rest.shift()!);
  chosen.sort(byLoad);
  // Swap while the busiest outsider clearly beats the weakest shown thread.
  while (rest.length > 0 && chosen.length > 0 && load(rest[0]) > load(chosen[chosen.length - 1]) * TAKEOVER) {
    const out = chosen.pop()!;
    chosen.push(rest.shift()!);
    rest.push(out);
    chosen.sort(byLoad);
    rest.sort(byLoad);
  }
  return chosen.sort((a, b) => a - b);
}

/** A thread's label: its name, else "#id". */
export function threadLabel(id: number, names: Readonly<Record<number, string>>): string {
  const name = names[id];
  return name ? name : `#${id}`;
}

/**
 * The plot data for `history`: the newest run, up to `top` threads as series (see
 * {@link pickThreads}, `previous` being the ids shown so far) and "other" when any thread is
 * left out with some load.
 */
export function statsFrame(
  history: readonly StatsSample[],
  names: Readonly<Record<number, string>>,
  opts: { top?: number; previous?: readonly number[] } = {},
): StatsFrame {
  const run = currentRun(history);
  const ids = pickThreads(run, opts.top ?? TOP_THREADS, opts.previous ?? []);
  const shown = new Set(ids);
  const series: LoadSeries[] = ids.map((id) => ({ id, label: threadLabel(id, names) }));
  const loads = ids.map((id) => run.map((s) => clampLoad(s.loads[id])));
  const other = run.map((s) => {
    let sum = 0;
    for (const [key, load] of Object.entries(s.loads)) if (!shown.has(Number(key))) sum += clampLoad(load);
    return sum;
  });
  if (other.some((v) => v > 0)) {
    series.push({ id: null, label: 'other' });
    loads.push(other);
  }
  const stacked: number[][] = [];
  let below = run.map(() => 0);
  for (const row of loads) {
    below = row.map((v, j) => below[j] + v);
    stacked.push(below);
  }
  return { x: run.map((s) => s.t / 1e6), mips: run.map((s) => s.mips), series, loads, stacked };
}

function clampLoad(v: number | undefined): number {
  return v === undefined || !Number.isFinite(v) ? 0 : Math.min(1, Math.max(0, v));
}

/** Changes exactly when the load chart's series (ids or labels) change. */
export function seriesKey(frame: StatsFrame): string {
  return JSON.stringify(frame.series.map((s) => [s.id, s.label]));
}

/** uPlot's aligned data for the MIPS chart. */
export function mipsData(frame: StatsFrame): [number[], number[]] {
  return [frame.x, frame.mips];
}

/** uPlot's aligned data for the stacked load chart. */
export function loadData(frame: StatsFrame): number[][] {
  return [frame.x, ...frame.stacked];
}

/** uPlot's bands between neighbouring stacked series (uPlot series index = load index + 1). */
export function stackBands(frame: StatsFrame): { series: [number, number] }[] {
  return frame.series.slice(1).map((_, i) => ({ series: [i + 2, i + 1] }));
}

// ------------------------------------------------------------- formatting --

/** Virtual time in seconds, as "0 s", "250 µs", "12.5 ms", "3.2 s". */
export function formatVirtualTime(seconds: number): string {
  const a = Math.abs(seconds);
  if (a === 0) return '0 s';
  if (a < 1e-3) return `${trim(seconds * 1e6)} µs`;
  if (a < 1) return `${trim(seconds * 1e3)} ms`;
  return `${trim(seconds)} s`;
}

/** A load 0..1 as a percentage. */
export function formatLoad(load: number): string {
  return `${Math.round(load * 100)} %`;
}

export function formatMips(mips: number): string {
  return mips >= 100 ? mips.toFixed(0) : mips >= 10 ? mips.toFixed(1) : mips.toFixed(2);
}

/** Up to three significant digits, without trailing zeros. */
function trim(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** A colour per thread, stable across samples and themes; "other" (null) is grey. */
export function seriesColor(id: number | null, alpha = 1): string {
  if (id === null) return `hsla(0, 0%, 55%, ${alpha})`;
  const hue = Math.round((id * 137.508) % 360);
  return `hsla(${hue}, 65%, 55%, ${alpha})`;
}
