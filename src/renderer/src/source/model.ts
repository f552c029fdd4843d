/**
 * Pure helpers of the source view (views/SourceView.vue): which rows of a long file to render
 * (it renders only the rows in view, so a 5000-line file costs what 60 lines cost), and where to
 * scroll so that the current line is in view.
 */

/** The rows [start, end) (0-based) to render: those in view and `overscan` more on each side. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 20,
): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const inView = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(count, first - overscan));
  const end = Math.max(start, Math.min(count, first + inView + overscan));
  return { start, end };
}

/**
 * The scrollTop that shows `line` (1-based), or null when it is in view already with `margin`
 * rows around it. A line out of view is centred, as debuggers do when they stop somewhere else.
 */
export function scrollTopFor(
  line: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  margin = 2,
): number | null {
  if (line < 1 || line > count) return null;
  const top = (line - 1) * rowHeight;
  const m = Math.min(margin * rowHeight, Math.max(0, (viewportHeight - rowHeight) / 2));
  if (top >= scrollTop + m && top + rowHeight <= scrollTop + viewportHeight - m) return null;
  const max = Math.max(0, count * rowHeight - viewportHeight);
  return Math.max(0, Math.min(max, Math.round(top - (viewportHeight - rowHeight) / 2)));
}

/** Characters of the widest line number. */
export function lineNumberWidth(count: number): number {
  return Math.max(3, String(Math.max(1, count)).length);
}
