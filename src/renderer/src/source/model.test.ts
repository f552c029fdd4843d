import { describe, expect, it } from 'vitest';
import { lineNumberWidth, scrollTopFor, visibleRange } from './model';

describe('visible rows', () => {
  it('renders the rows in view plus the overscan, within the file', () => {
    // 18 px rows, 180 px viewport: 10 rows in view (+1 for a partly shown row).
    expect(visibleRange(0, 180, 18, 5000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRange(18 * 100, 180, 18, 5000, 5)).toEqual({ start: 95, end: 116 });
    expect(visibleRange(18 * 4995, 180, 18, 5000, 5)).toEqual({ start: 4990, end: 5000 });
  });

  it('copes with short files, no size yet and overscrolling', () => {
    expect(visibleRange(0, 180, 18, 3)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(0, 0, 18, 100, 0)).toEqual({ start: 0, end: 1 });
    expect(visibleRange(-50, 180, 18, 100, 0)).toEqual({ start: 0, end: 11 });
    expect(visibleRange(1e6, 180, 18, 100, 5)).toEqual({ start: 100, end: 100 });
    expect(visibleRange(0, 180, 18, 0)).toEqual({ start: 0, end: 0 });
  });
});

describe('scrolling to the current line', () => {
  const rowH = 18;
  const viewH = 180;

  it('leaves the view alone when the line is in view, away from the edges', () => {
    expect(scrollTopFor(5, 0, viewH, rowH, 1000)).toBeNull();
    expect(scrollTopFor(105, 100 * rowH, viewH, rowH, 1000)).toBeNull();
  });

  it('centres a line out of view or at an edge', () => {
    expect(scrollTopFor(500, 0, viewH, rowH, 1000)).toBe(499 * rowH - (viewH - rowH) / 2);
    expect(scrollTopFor(10, 0, viewH, rowH, 1000)).toBe(9 * rowH - (viewH - rowH) / 2);
    expect(scrollTopFor(101, 100 * rowH, viewH, rowH, 1000)).toBe(100 * rowH - (viewH - rowH) / 2);
  });

  it('stays within the file', () => {
    expect(scrollTopFor(1, 500, viewH, rowH, 1000)).toBe(0);
    expect(scrollTopFor(1000, 0, viewH, rowH, 1000)).toBe(1000 * rowH - viewH);
    expect(scrollTopFor(3, 0, viewH, rowH, 5)).toBeNull();
    expect(scrollTopFor(0, 0, viewH, rowH, 5)).toBeNull();
    expect(scrollTopFor(6, 0, viewH, rowH, 5)).toBeNull();
  });

  it('sizes the line number column for the longest number', () => {
    expect(lineNumberWidth(0)).toBe(3);
    expect(lineNumberWidth(99)).toBe(3);
    expect(lineNumberWidth(5000)).toBe(4);
  });
});
