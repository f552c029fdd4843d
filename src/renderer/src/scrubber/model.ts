/**
 * The time scrubber's arithmetic: where on the bar a moment of the recorded history is, and
 * which moment a point of the bar means. Pure, so it is tested without a DOM.
 */

/** What the scrubber shows: the reachable history, in µs of virtual time. */
export interface ScrubRange {
  /** The oldest moment a replay can reach (the oldest snapshot). */
  earliestUs: number;
  /** Now (the newest moment; nothing after it exists). */
  nowUs: number;
  /** The snapshots, in µs (ticks on the bar: moments reached without a long replay). */
  snapshotsUs: readonly number[];
}

/** The x (0..width) of moment `us` on a bar `width` px wide. */
export function xOf(r: ScrubRange, us: number, width: number): number {
  const span = r.nowUs - r.earliestUs;
  if (span <= 0) return width;
  return Math.max(0, Math.min(width, ((us - r.earliestUs) / span) * width));
}

/** The moment at `x` on a bar `width` px wide, clamped to the history. */
export function usAt(r: ScrubRange, x: number, width: number): number {
  if (width <= 0) return r.nowUs;
  const f = Math.max(0, Math.min(1, x / width));
  return r.earliestUs + f * (r.nowUs - r.earliestUs);
}

/**
 * A keyboard step from `us`: `dir` -1 or +1, `big` for a tenth of the history (else a
 * hundredth), clamped.
 */
export function stepKey(r: ScrubRange, us: number, dir: -1 | 1, big: boolean): number {
  const d = ((r.nowUs - r.earliestUs) / (big ? 10 : 100)) * dir;
  return Math.max(r.earliestUs, Math.min(r.nowUs, us + d));
}

/** Tick labels: about `n` round times (1, 2 or 5 × 10^k µs apart) inside the range. */
export function ticks(r: ScrubRange, n = 5): number[] {
  const span = r.nowUs - r.earliestUs;
  if (span <= 0) return [];
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.ceil(r.earliestUs / step) * step; t <= r.nowUs; t += step) out.push(t);
  return out;
}

/** "1.5 ms", "2 s", "350 µs". */
export function formatShort(us: number): string {
  if (us >= 1e6) return `${+(us / 1e6).toFixed(3)} s`;
  if (us >= 1e3) return `${+(us / 1e3).toFixed(3)} ms`;
  return `${+us.toFixed(1)} µs`;
}
