import { describe, expect, it } from 'vitest';
import { formatShort, stepKey, ticks, usAt, xOf, type ScrubRange } from './model';

const r: ScrubRange = { earliestUs: 1000, nowUs: 11_000, snapshotsUs: [1000, 6000] };

describe('time scrubber model', () => {
  it('maps moments to x and back, clamped to the history', () => {
    expect(xOf(r, 1000, 200)).toBe(0);
    expect(xOf(r, 11_000, 200)).toBe(200);
    expect(xOf(r, 6000, 200)).toBe(100);
    expect(xOf(r, 50_000, 200)).toBe(200);
    expect(usAt(r, 100, 200)).toBe(6000);
    expect(usAt(r, -5, 200)).toBe(1000);
    expect(usAt(r, 999, 200)).toBe(11_000);
    // An empty history: everything is now.
    const empty = { earliestUs: 5, nowUs: 5, snapshotsUs: [] };
    expect(xOf(empty, 5, 100)).toBe(100);
    expect(usAt(empty, 0, 100)).toBe(5);
  });

  it('steps with the keys by a hundredth or a tenth of the history', () => {
    expect(stepKey(r, 6000, -1, false)).toBe(5900);
    expect(stepKey(r, 6000, 1, true)).toBe(7000);
    expect(stepKey(r, 1050, -1, true)).toBe(1000);
    expect(stepKey(r, 10_990, 1, false)).toBe(11_000);
  });

  it('labels round times', () => {
    expect(ticks(r)).toEqual([2000, 4000, 6000, 8000, 10_000]);
    expect(ticks({ earliestUs: 0, nowUs: 0, snapshotsUs: [] })).toEqual([]);
    expect(formatShort(350)).toBe('350 µs');
    expect(formatShort(1500)).toBe('1.5 ms');
    expect(formatShort(2_000_000)).toBe('2 s');
  });
});
