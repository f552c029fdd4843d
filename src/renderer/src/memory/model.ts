/**
 * The memory-map inspector and the physical memory view as data: a PD's region-map tree
 * flattened into table rows, bar layouts for a zoom window, mapped-page runs, page-fault
 * markers, the hex view's rows (with the bytes that changed since the last stop), the go-to
 * box's parser and the physical map by owner.
 *
 * Pure TypeScript (no DOM, no Vue), so it runs under vitest in Node.
 *
 * Addresses. A 32-bit address is a plain number in [0, 2^32); the exclusive end of a range is
 * a number in [0, 2^32] (a region at the top of the space ends at exactly {@link SPACE_END},
 * which `>>> 0` would turn into 0, so ends are never wrapped). Only formatting truncates to 32
 * bits. Doubles hold every integer up to 2^53, so sums of an address and a size are exact.
 *
 *   flattenMap       region tree -> rows with depth, absolute start/end, class, visible part
 *   layoutSpans      ranges -> pixel segments for a window [from, to), tiny ones kept visible
 *   zoomAt/panBy     the window, clamped to its limits and a minimum span
 *   pageRuns         mapped virtual pages -> address runs
 *   faultsOf         page-fault trace events + a map's waiting faults -> faults with outcomes
 *   placeFaults      faults -> one marker per pixel column
 *   PageCache        the hex view's bytes by page, this stop's and the previous stop's
 *   hexRows          visible hex rows: bytes, ASCII, state and changed flag per byte
 *   parseAddress     the go-to box
 *   physicalModel    frames by owner (stable colours), RAM bar ranges, device ranges
 */
import type { PhysicalMap, RegionMapInfo, TraceEventInfo } from '../../../engine/protocol';

/** Bytes per page (Sv32). */
export const PAGE_SIZE = 4096;
/** The exclusive end of the 32-bit address space. */
export const SPACE_END = 2 ** 32;
/** The last page number. */
export const LAST_PAGE = SPACE_END / PAGE_SIZE - 1;

// ---------------------------------------------------------------- format --

/** `0x0000abcd`: eight hex digits of the low 32 bits. */
export function hex8(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** A half-open range as its first and last byte ("0x00010000–0x00013fff"), or "(empty)". */
export function formatRange(start: number, end: number): string {
  return end > start ? `${hex8(start)}–${hex8(end - 1)}` : `${hex8(start)} (empty)`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB'] as const;

/** A size in the largest binary unit it reaches: "16 KiB", "1.5 MiB", "4 GiB". */
export function formatSize(n: number): string {
  let i = 0;
  while (i < UNITS.length - 1 && n >= 1024 ** (i + 1)) i++;
  const v = n / 1024 ** i;
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${UNITS[i]}`;
}

// ---------------------------------------------------------- region rows --

type Region = RegionMapInfo['regions'][number];
export type DataspaceKind = Region['ds']['kind'];
export type RegionMapKind = RegionMapInfo['kind'];

/**
 * What a region is, for its colour and its kind column: the well-known areas of a Genode PD
 * (stack area, linker area: managed dataspaces core attaches into every address space), other
 * managed dataspaces, and for plain dataspaces what they hold.
 */
export const REGION_CLASSES = [
  'stack area',
  'linker area',
  'managed',
  'code',
  'data',
  'stack',
  'utcb',
  'rom',
  'io_mem',
] as const;
export type RegionClass = (typeof REGION_CLASSES)[number];

/** A half-open address range [start, end). */
export interface Span {
  start: number;
  end: number;
}

/** One region of the tree as a table row. */
export interface RegionRow extends Span {
  /** Unique in the tree: the region's index path ("3", "3.0"). */
  key: string;
  /** The key of the region whose managed dataspace holds this one; null at the top. */
  parent: string | null;
  /** 0 for the address space's own regions, 1 inside a managed dataspace attached there... */
  depth: number;
  /** The dataspace's name as the engine gives it. */
  name: string;
  cls: RegionClass;
  dsKind: DataspaceKind;
  dsId: number;
  size: number;
  /** Offset into the dataspace. */
  offset: number;
  /** "rw-", "r-x", ... (a region is always readable). */
  rights: string;
  /** Physical address of the region's first byte; null for a managed dataspace. */
  phys: number | null;
  /** Virtual pages (address / 4096) of the PD mapped through this region now. */
  mapped: readonly number[];
  /** Pages the region spans. */
  pages: number;
  /**
   * The part of the region the PD can reach through the attachments above it (a managed
   * dataspace may be attached with an offset or only in part); null when none is.
   */
  visible: Span | null;
  /** Kind of the region map a managed dataspace nests; null for plain dataspaces. */
  mapKind: RegionMapKind | null;
  /** Number of regions nested directly in it. */
  children: number;
}

/** A fault waiting for a region map's fault handler, at its absolute address. */
export interface WaitingFault {
  thread: number;
  addr: number;
  /** 0 read, 1 write, 2 exec. */
  type: number;
  /** The region map's name. */
  map: string;
}

export interface FlatMap {
  /** In tree order: each region followed by the regions nested in it. */
  rows: RegionRow[];
  /** Waiting faults of every region map in the tree. */
  waiting: WaitingFault[];
  /** Size of the address space (2^32 for a PD). */
  size: number;
  /** The deepest row's depth (0 with no nesting, -1 with no rows). */
  maxDepth: number;
}

/** The class of a region of a map of kind `inside`. */
export function classify(r: Region, inside: RegionMapKind): RegionClass {
  const nested = r.nested?.kind ?? null;
  if (nested === 'stack area' || nested === 'linker area') return nested;
  if (r.ds.kind === 'managed') {
    // The walk stops at depth 16; the name still tells the well-known areas apart.
    if (r.ds.name.endsWith(': stack area')) return 'stack area';
    if (r.ds.name.endsWith(': linker area')) return 'linker area';
    return 'managed';
  }
  if (r.ds.kind === 'utcb' || r.ds.kind === 'io_mem') return r.ds.kind;
  if (inside === 'stack area') return 'stack';
  if (r.executable) return 'code';
  if (r.ds.kind === 'rom') return 'rom';
  return 'data';
}

function intersect(a: Span, b: Span): Span | null {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return end > start || (a.start === a.end && a.start >= b.start && a.start < b.end) ? { start, end } : null;
}

/**
 * The tree as rows. A region's absolute start is its `va` (the engine computes it as the
 * attachment's address minus its offset plus the nested region's `at`); where the engine has
 * none, the same sum is made here. Ends are clamped to 2^32.
 */
export function flattenMap(tree: RegionMapInfo): FlatMap {
  const rows: RegionRow[] = [];
  const waiting: WaitingFault[] = [];
  let maxDepth = -1;
  const walk = (map: RegionMapInfo, base: number, window: Span, parent: RegionRow | null, depth: number): void => {
    for (const f of map.faults)
      waiting.push({ thread: f.thread, addr: Math.min(base + f.addr, SPACE_END - 1), type: f.type, map: map.name });
    map.regions.forEach((r, i) => {
      const start = Math.min(r.va ?? base + r.at, SPACE_END);
      const end = Math.min(start + r.size, SPACE_END);
      const row: RegionRow = {
        key: parent ? `${parent.key}.${i}` : String(i),
        parent: parent?.key ?? null,
        depth,
        name: r.ds.name,
        cls: classify(r, map.kind),
        dsKind: r.ds.kind,
        dsId: r.ds.id,
        start,
        end,
        size: r.size,
        offset: r.offset,
        rights: `r${r.writeable ? 'w' : '-'}${r.executable ? 'x' : '-'}`,
        phys: r.ds.phys === null ? null : r.ds.phys + r.offset,
        mapped: r.mapped,
        pages: Math.ceil(r.size / PAGE_SIZE),
        visible: intersect({ start, end }, window),
        mapKind: r.nested?.kind ?? null,
        children: r.nested?.regions.length ?? 0,
      };
      rows.push(row);
      maxDepth = Math.max(maxDepth, depth);
      // The nested map's offset 0 sits `offset` bytes before the attachment.
      if (r.nested) walk(r.nested, start - r.offset, row.visible ?? { start, end: start }, row, depth + 1);
    });
  };
  walk(tree, 0, { start: 0, end: SPACE_END }, null, 0);
  return { rows, waiting, size: Math.min(tree.size || SPACE_END, SPACE_END), maxDepth };
}

/** The rows shown when the rows with keys in `collapsed` hide what is nested in them. */
export function shownRows(rows: readonly RegionRow[], collapsed: ReadonlySet<string>): RegionRow[] {
  if (collapsed.size === 0) return [...rows];
  return rows.filter((r) => {
    for (let p = r.parent; p !== null; p = p.slice(0, Math.max(0, p.lastIndexOf('.'))) || null)
      if (collapsed.has(p)) return false;
    return true;
  });
}

/**
 * A dataspace name without the PD's own label in front ("init -> counter: stack area" is
 * "stack area" in counter's map); names of other PDs' dataspaces stay whole.
 */
export function shortName(name: string, pdName: string): string {
  const colon = name.indexOf(': ');
  if (colon < 0 || pdName === '') return name;
  const owner = name.slice(0, colon);
  return owner === pdName || owner.endsWith(` -> ${pdName}`) ? name.slice(colon + 2) : name;
}

/** "code (ram)", "stack area (managed)", "utcb". */
export function kindText(row: RegionRow): string {
  return row.cls === row.dsKind ? row.cls : `${row.cls} (${row.dsKind})`;
}

/** The rows whose visible part holds `addr`, innermost last. */
export function rowsAt(rows: readonly RegionRow[], addr: number): RegionRow[] {
  return rows.filter((r) => r.visible && addr >= r.visible.start && addr < r.visible.end);
}

// ----------------------------------------------------------- the window --

/** A zoom window [from, to) over an address range. */
export interface Window {
  from: number;
  to: number;
}

/** The whole 32-bit space. */
export const FULL_SPACE: Window = { from: 0, to: SPACE_END };
/** The narrowest window, in bytes. */
export const MIN_SPAN = 256;

/** `win` moved and resized into `limits`, at least `minSpan` wide, on whole bytes. */
export function clampWindow(win: Window, limits: Window = FULL_SPACE, minSpan = MIN_SPAN): Window {
  const room = limits.to - limits.from;
  const span = Math.round(Math.min(Math.max(win.to - win.from, Math.min(minSpan, room)), room));
  const from = Math.round(Math.min(Math.max(win.from, limits.from), limits.to - span));
  return { from, to: from + span };
}

/** The address under pixel `x` of a bar `width` pixels wide, inside the window. */
export function addrAt(win: Window, width: number, x: number): number {
  const a = Math.floor(win.from + (Math.min(Math.max(x, 0), width) / width) * (win.to - win.from));
  return Math.min(Math.max(a, win.from), win.to - 1);
}

/** The window scaled by `factor` (< 1 zooms in) around `anchor`, which stays where it is. */
export function zoomAt(
  win: Window,
  anchor: number,
  factor: number,
  limits: Window = FULL_SPACE,
  minSpan = MIN_SPAN,
): Window {
  const span = win.to - win.from;
  const room = limits.to - limits.from;
  const next = Math.min(Math.max(span * factor, Math.min(minSpan, room)), room);
  const f = next / span;
  const from = anchor - (anchor - win.from) * f;
  return clampWindow({ from, to: from + next }, limits, minSpan);
}

/** Zoom for a wheel turn of `deltaY` (positive zooms out) at pixel `x` of the bar. */
export function wheelZoom(win: Window, width: number, x: number, deltaY: number, limits: Window = FULL_SPACE): Window {
  const anchor = win.from + (Math.min(Math.max(x, 0), width) / width) * (win.to - win.from);
  return zoomAt(win, anchor, Math.exp(Math.max(-400, Math.min(400, deltaY)) * 0.002), limits);
}

/** The window dragged by `dx` pixels (positive: the content moves right, towards lower addresses). */
export function panBy(win: Window, width: number, dx: number, limits: Window = FULL_SPACE): Window {
  const delta = (-dx * (win.to - win.from)) / width;
  return clampWindow({ from: win.from + delta, to: win.to + delta }, limits);
}

/** A window around `span` with `pad` of its size on each side (to zoom into a cluster). */
export function fitWindow(span: Span, limits: Window = FULL_SPACE, pad = 0.05): Window {
  const size = Math.max(span.end - span.start, MIN_SPAN);
  const mid = (span.start + span.end) / 2;
  const half = (size * (1 + 2 * pad)) / 2;
  return clampWindow({ from: mid - half, to: mid + half }, limits);
}

/** Axis ticks: power-of-two aligned addresses at least `minGapPx` apart. */
export function axisTicks(win: Window, width: number, minGapPx = 90): { addr: number; x: number }[] {
  const span = win.to - win.from;
  if (width <= 0 || span <= 0) return [];
  const step = 2 ** Math.max(0, Math.ceil(Math.log2((span * minGapPx) / width)));
  const ticks: { addr: number; x: number }[] = [];
  for (let a = Math.ceil(win.from / step) * step; a < win.to && ticks.length < 64; a += step)
    ticks.push({ addr: a, x: ((a - win.from) / span) * width });
  return ticks;
}

// ----------------------------------------------------------- bar layout --

/** Pixels a tiny range is widened to. */
export const MIN_SEGMENT_PX = 3;

/** A range on the bar; `count` items merged into it when they were too small to tell apart. */
export interface Segment<T> extends Span {
  x: number;
  w: number;
  /** The first item (the only one when `count` is 1). */
  item: T;
  count: number;
  /** Narrower than `minPx` at this zoom (it was widened). */
  tiny: boolean;
}

/**
 * Pixel segments for the items (half-open ranges) that meet the window: clipped to it,
 * widened to `minPx` when smaller (a zero-size item inside the window too), kept inside the
 * bar, in address order. Tiny neighbours whose widened segments overlap merge into one
 * segment while `mergeable` allows it and until the merge is `minPx` wide, so the count of
 * segments is bounded by the pixels, not by the items; an item wide enough to see stays its
 * own segment.
 */
export function layoutSpans<T extends Span>(
  items: readonly T[],
  win: Window,
  width: number,
  minPx = MIN_SEGMENT_PX,
  mergeable: (a: T, b: T) => boolean = () => true,
): Segment<T>[] {
  const span = win.to - win.from;
  if (width <= 0 || span <= 0) return [];
  const scale = width / span;
  const shown = items
    .filter((it) =>
      it.end > it.start ? it.start < win.to && it.end > win.from : it.start >= win.from && it.start < win.to,
    )
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Segment<T>[] = [];
  for (const it of shown) {
    const s = Math.max(it.start, win.from);
    const e = Math.min(it.end, win.to);
    const real = (e - s) * scale;
    const w = Math.min(Math.max(real, minPx), width);
    const x = Math.max(0, Math.min((s - win.from) * scale, width - w));
    const tiny = real < minPx;
    const last = out[out.length - 1];
    if (last && tiny && last.tiny && x < last.x + last.w && mergeable(last.item, it)) {
      last.end = Math.max(last.end, it.end);
      last.count++;
      last.w = Math.max(last.w, x + w - last.x);
      last.tiny = (Math.min(last.end, win.to) - Math.max(last.start, win.from)) * scale < minPx;
      continue;
    }
    out.push({ start: it.start, end: it.end, x, w, item: it, count: 1, tiny });
  }
  return out;
}

/** A row's visible part, as the bar draws it. */
export interface RegionSpan extends Span {
  row: RegionRow;
}

/** The rows' visible parts laid out in one lane per depth (lane 0 on top). */
export function layoutRegions(
  rows: readonly RegionRow[],
  win: Window,
  width: number,
  minPx = MIN_SEGMENT_PX,
): Segment<RegionSpan>[][] {
  const lanes: RegionSpan[][] = [];
  for (const row of rows) if (row.visible) (lanes[row.depth] ??= []).push({ ...row.visible, row });
  return Array.from(lanes, (items) => layoutSpans(items ?? [], win, width, minPx));
}

// --------------------------------------------------------- mapped pages --

/** Every page mapped through any row, sorted, each once. */
export function mappedPages(rows: readonly RegionRow[]): number[] {
  const set = new Set<number>();
  for (const r of rows) for (const p of r.mapped) set.add(p);
  return [...set].sort((a, b) => a - b);
}

/**
 * Where the hex view starts for a PD: its lowest mapped page (memory that reads), else the
 * start of its lowest region, else null (nothing attached).
 */
export function firstAddress(tree: RegionMapInfo): number | null {
  const { rows } = flattenMap(tree);
  const pages = mappedPages(rows);
  if (pages.length) return pages[0] * PAGE_SIZE;
  return rows.length ? Math.min(...rows.map((r) => r.start)) : null;
}

/** Runs of consecutive pages as address ranges (`pages` sorted; duplicates allowed). */
export function pageRuns(pages: readonly number[]): Span[] {
  const runs: Span[] = [];
  for (const p of pages) {
    const start = p * PAGE_SIZE;
    const last = runs[runs.length - 1];
    if (last && start <= last.end) last.end = Math.max(last.end, start + PAGE_SIZE);
    else runs.push({ start, end: start + PAGE_SIZE });
  }
  return runs;
}

// ----------------------------------------------------------- page faults --

export const FAULT_TYPES = ['read', 'write', 'exec'] as const;

/** What became of a fault: mapped, an error (the thread stopped), or nothing yet. */
export type FaultState = 'resolved' | 'unresolved' | 'waiting';

export interface Fault {
  addr: number;
  /** 0 read, 1 write, 2 exec. */
  type: number;
  thread: number;
  state: FaultState;
  /** Trace sequence number of the fault; null for a waiting fault known only from the map. */
  seq: number | null;
}

/**
 * The faults of a PD from its page-fault trace events (in sequence order) and the faults its
 * region maps hold waiting. A `page-fault` is followed by `page-fault-resolved` (core mapped
 * the page at once), `page-fault-unresolved` (no attachment: the thread stops), or nothing
 * (a managed dataspace's handler was asked); the next fault of the same thread at the same
 * address is its retry, so the earlier one was resolved by the handler.
 */
export function faultsOf(events: readonly TraceEventInfo[], waiting: readonly WaitingFault[] = []): Fault[] {
  const faults: Fault[] = [];
  const open = new Map<string, Fault>();
  for (const e of events) {
    const key = `${e.thread}:${e.a >>> 0}`;
    if (e.kind === 'page-fault') {
      const earlier = open.get(key);
      if (earlier) earlier.state = 'resolved';
      const f: Fault = { addr: e.a >>> 0, type: e.b, thread: e.thread, state: 'waiting', seq: e.seq };
      faults.push(f);
      open.set(key, f);
    } else if (e.kind === 'page-fault-resolved' || e.kind === 'page-fault-unresolved') {
      const state = e.kind === 'page-fault-resolved' ? 'resolved' : 'unresolved';
      const f = open.get(key);
      if (f) f.state = state;
      else faults.push({ addr: e.a >>> 0, type: e.b, thread: e.thread, state, seq: e.seq });
      open.delete(key);
    }
  }
  for (const w of waiting) {
    const known = open.get(`${w.thread}:${w.addr}`);
    if (!known) faults.push({ addr: w.addr, type: w.type, thread: w.thread, state: 'waiting', seq: null });
  }
  return faults;
}

const SEVERITY: Record<FaultState, number> = { resolved: 0, waiting: 1, unresolved: 2 };

/** The faults in one pixel column of the bar. */
export interface FaultMarker {
  x: number;
  count: number;
  /** The most severe state among them. */
  state: FaultState;
  /** The latest of the most severe ones. */
  fault: Fault;
  /** Lowest and highest fault address in the column. */
  low: number;
  high: number;
}

/** One marker per pixel column holding faults in the window. */
export function placeFaults(faults: readonly Fault[], win: Window, width: number): FaultMarker[] {
  const span = win.to - win.from;
  if (width <= 0 || span <= 0) return [];
  const columns = new Map<number, FaultMarker>();
  for (const f of faults) {
    if (f.addr < win.from || f.addr >= win.to) continue;
    const x = Math.min(Math.floor(((f.addr - win.from) / span) * width), Math.ceil(width) - 1);
    const m = columns.get(x);
    if (!m) {
      columns.set(x, { x, count: 1, state: f.state, fault: f, low: f.addr, high: f.addr });
      continue;
    }
    m.count++;
    m.low = Math.min(m.low, f.addr);
    m.high = Math.max(m.high, f.addr);
    if (SEVERITY[f.state] >= SEVERITY[m.state]) {
      m.state = f.state;
      m.fault = f;
    }
  }
  return [...columns.values()].sort((a, b) => a.x - b.x);
}

/** "3 faults 0x60000000–0x60007fff, write fault waiting (thread 12)". */
export function describeMarker(m: FaultMarker): string {
  const f = m.fault;
  const what = `${FAULT_TYPES[f.type] ?? `type ${f.type}`} fault at ${hex8(f.addr)} ${f.state} (thread ${f.thread})`;
  return m.count === 1 ? what : `${m.count} faults ${hex8(m.low)}–${hex8(m.high)}; latest worst: ${what}`;
}

// -------------------------------------------------------------- hex view --

export const HEX_ROW_BYTES = 16;
/** Rows in the whole address space (2^28: never allocate per row). */
export const HEX_ROWS = SPACE_END / HEX_ROW_BYTES;

/** The first row clamped so that `visible` rows fit in the space. */
export function clampTop(top: number, visible: number): number {
  return Math.min(Math.max(Math.round(top), 0), Math.max(0, HEX_ROWS - Math.max(1, visible)));
}

/** The top row that shows `addr`: `top` if it is in view, else a third of the rows above it. */
export function topToShow(addr: number, top: number, visible: number): number {
  const row = Math.floor(addr / HEX_ROW_BYTES);
  if (row >= top && row < top + visible) return top;
  return clampTop(row - Math.floor(visible / 3), visible);
}

/** The pages (first, last, inclusive) that rows [top - margin, top + visible + margin) touch. */
export function pagesFor(top: number, visible: number, margin = 0): { first: number; last: number } {
  const from = Math.max(0, top - margin) * HEX_ROW_BYTES;
  const to = Math.min(HEX_ROWS, top + Math.max(1, visible) + margin) * HEX_ROW_BYTES;
  return { first: Math.floor(from / PAGE_SIZE), last: Math.floor((to - 1) / PAGE_SIZE) };
}

/** A scrollbar thumb over the space: top offset and height in pixels of a `track` px track. */
export function thumbOf(top: number, visible: number, track: number, minThumb = 16): { y: number; h: number } {
  const h = Math.min(track, Math.max(minThumb, (visible / HEX_ROWS) * track));
  const room = HEX_ROWS - visible;
  return { y: room > 0 ? (Math.min(Math.max(top, 0), room) / room) * (track - h) : 0, h };
}

/** The top row for a thumb dragged to `y` (the inverse of {@link thumbOf}). */
export function topOfThumb(y: number, visible: number, track: number, minThumb = 16): number {
  const { h } = thumbOf(0, visible, track, minThumb);
  if (track - h <= 0) return 0;
  return clampTop((Math.min(Math.max(y, 0), track - h) / (track - h)) * (HEX_ROWS - visible), visible);
}

/** A page as read: its bytes, or why it could not be read. */
export type PageEntry = { bytes: Uint8Array } | { error: string };

/**
 * The hex view's bytes by page: the pages read since the last stop and those of the stop
 * before it (to tell what changed). Bounded by {@link retain}, which the view calls with the
 * pages around what it shows.
 */
export class PageCache {
  private cur = new Map<number, PageEntry>();
  private prev = new Map<number, PageEntry>();
  private inflight = new Set<number>();
  /** Bumps on every advance and clear: reads started before carry a stale epoch. */
  epoch = 0;

  /** The pages among first..last that are neither read nor being read; marks them as being read. */
  want(first: number, last: number): number[] {
    const pages: number[] = [];
    for (let p = Math.max(0, first); p <= Math.min(last, LAST_PAGE); p++) {
      if (this.cur.has(p) || this.inflight.has(p)) continue;
      this.inflight.add(p);
      pages.push(p);
    }
    return pages;
  }

  /** Stores a page read in `epoch`; false (and nothing stored) when the epoch has passed. */
  put(page: number, entry: PageEntry, epoch: number): boolean {
    if (epoch !== this.epoch) return false;
    this.inflight.delete(page);
    this.cur.set(page, entry);
    return true;
  }

  /** A stop: what was read becomes the previous snapshot; everything is read again. */
  advance(): void {
    this.prev = this.cur;
    this.cur = new Map();
    this.inflight.clear();
    this.epoch++;
  }

  /** Forgets everything (another PD, another address space). */
  clear(): void {
    this.cur.clear();
    this.prev.clear();
    this.inflight.clear();
    this.epoch++;
  }

  /** Reads `page` again (after a write), keeping the previous snapshot. */
  invalidate(page: number): void {
    this.cur.delete(page);
    this.inflight.delete(page);
  }

  /** Drops pages outside first..last from both snapshots. */
  retain(first: number, last: number): void {
    for (const map of [this.cur, this.prev]) for (const p of map.keys()) if (p < first || p > last) map.delete(p);
  }

  /** The page as read now; null while it is not. */
  current(page: number): PageEntry | null {
    return this.cur.get(page) ?? null;
  }

  /** The page as read at the previous stop; null if it was not. */
  previous(page: number): PageEntry | null {
    return this.prev.get(page) ?? null;
  }
}

/** What a hex cell shows: a byte, "??" (unreadable), or nothing yet. */
export type CellState = 'ok' | 'unreadable' | 'loading';

export interface HexCell {
  addr: number;
  /** The byte; null when unreadable or not read yet. */
  value: number | null;
  /** Two hex digits, "??" or "  ". */
  text: string;
  /** The ASCII column's character ("." for unprintable, " " when unknown). */
  char: string;
  state: CellState;
  /** Read at both stops and different. */
  changed: boolean;
  /** Why the byte is unreadable. */
  error: string | null;
  /** Shown from the previous stop while this stop's read is under way. */
  stale: boolean;
}

export interface HexRow {
  addr: number;
  cells: HexCell[];
}

function byteOf(entry: PageEntry | null, i: number): number | null {
  return entry && 'bytes' in entry && i < entry.bytes.length ? entry.bytes[i] : null;
}

/** The cell of `addr`. */
export function hexCell(cache: PageCache, addr: number): HexCell {
  const page = Math.floor(addr / PAGE_SIZE);
  const i = addr % PAGE_SIZE;
  const cur = cache.current(page);
  const prev = cache.previous(page);
  const stale = cur === null && prev !== null;
  const entry = cur ?? prev;
  const value = byteOf(entry, i);
  const was = byteOf(prev, i);
  const error = entry && 'error' in entry ? entry.error : null;
  const state: CellState = value !== null ? 'ok' : entry ? 'unreadable' : 'loading';
  return {
    addr,
    value,
    text: value !== null ? value.toString(16).padStart(2, '0') : state === 'unreadable' ? '??' : '  ',
    char: value === null ? ' ' : value >= 0x20 && value < 0x7f ? String.fromCharCode(value) : '.',
    state,
    changed: !stale && value !== null && was !== null && value !== was,
    error,
    stale,
  };
}

/** `count` rows from row `top` (rows past the end of the space are left out). */
export function hexRows(cache: PageCache, top: number, count: number): HexRow[] {
  const rows: HexRow[] = [];
  for (let r = Math.max(0, top); r < Math.min(top + count, HEX_ROWS); r++) {
    const addr = r * HEX_ROW_BYTES;
    const cells: HexCell[] = [];
    for (let i = 0; i < HEX_ROW_BYTES; i++) cells.push(hexCell(cache, addr + i));
    rows.push({ addr, cells });
  }
  return rows;
}

/** Page-sized reads covering [addr, addr + len): [address, length] pairs, none past 2^32. */
export function pageChunks(addr: number, len: number): [number, number][] {
  const chunks: [number, number][] = [];
  const end = Math.min(addr + len, SPACE_END);
  for (let a = addr; a < end;) {
    const next = Math.min((Math.floor(a / PAGE_SIZE) + 1) * PAGE_SIZE, end);
    chunks.push([a, next - a]);
    a = next;
  }
  return chunks;
}

// --------------------------------------------------------------- editing --

/** A byte being edited: its address and the hex digits typed so far (0..2). */
export interface ByteEdit {
  addr: number;
  text: string;
}

export type EditAction =
  | { kind: 'edit'; edit: ByteEdit }
  | { kind: 'commit'; addr: number; value: number }
  | { kind: 'cancel' }
  | { kind: 'none' };

const MOVES: Record<string, number> = {
  ArrowLeft: -1,
  ArrowRight: 1,
  ArrowUp: -HEX_ROW_BYTES,
  ArrowDown: HEX_ROW_BYTES,
};

/**
 * A key pressed while editing a byte: hex digits (at most two; a third replaces the first),
 * Backspace, Enter (writes what was typed), Escape, arrows (move, dropping what was typed).
 */
export function editKey(edit: ByteEdit, key: string): EditAction {
  if (/^[0-9a-f]$/i.test(key)) return { kind: 'edit', edit: { addr: edit.addr, text: (edit.text + key).slice(-2) } };
  if (key === 'Backspace') return { kind: 'edit', edit: { addr: edit.addr, text: edit.text.slice(0, -1) } };
  if (key === 'Enter')
    return edit.text === '' ? { kind: 'none' } : { kind: 'commit', addr: edit.addr, value: parseInt(edit.text, 16) };
  if (key === 'Escape') return { kind: 'cancel' };
  const move = MOVES[key];
  if (move !== undefined) {
    const addr = Math.min(Math.max(edit.addr + move, 0), SPACE_END - 1);
    return { kind: 'edit', edit: { addr, text: '' } };
  }
  return { kind: 'none' };
}

// ----------------------------------------------------------------- go-to --

export type GotoTarget =
  { kind: 'address'; value: number } | { kind: 'name'; text: string } | { kind: 'error'; message: string };

/**
 * The go-to box. Numbers are hexadecimal, the language of addresses:
 *   0x1000, 0X1f       hex with a 0x prefix
 *   1000, 0ff          hex without a prefix, if it starts with a decimal digit (as in
 *                      assembler: "ff" and "add" are names, "0ff" is 255)
 *   #4096              decimal
 * "_" may separate digits (0x8000_0000). Anything else is a name (a symbol or an expression)
 * for the caller to resolve. A number must fit in 32 bits.
 */
export function parseAddress(input: string): GotoTarget {
  const text = input.trim();
  if (text === '') return { kind: 'error', message: 'enter an address or a symbol' };
  let digits: string | null = null;
  let radix = 16;
  if (/^0x[0-9a-f_]+$/i.test(text)) digits = text.slice(2);
  else if (/^#[0-9_]+$/.test(text)) [digits, radix] = [text.slice(1), 10];
  else if (/^[0-9][0-9a-f_]*$/i.test(text)) digits = text;
  if (digits === null) return { kind: 'name', text };
  digits = digits.replace(/_/g, '');
  if (digits === '') return { kind: 'error', message: `"${text}" has no digits` };
  const value = parseInt(digits, radix);
  if (!(value < SPACE_END)) return { kind: 'error', message: `${text} is beyond the 32-bit address space` };
  return { kind: 'address', value };
}

// -------------------------------------------------------- physical memory --

/**
 * A colour per owner, the same in every session and view: the hue, saturation and lightness
 * come from a hash of the owner's name (FNV-1a, then mixed).
 */
export function ownerColour(owner: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < owner.length; i++) h = Math.imul(h ^ owner.charCodeAt(i), 0x01000193);
  // MurmurHash3's finalizer: names differing in one letter get unrelated colours.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  const hue = h % 360;
  const sat = 50 + ((h >>> 9) % 3) * 12;
  const light = 45 + ((h >>> 13) % 3) * 8;
  return `hsl(${hue} ${sat}% ${light}%)`;
}

export interface OwnerStat {
  owner: string;
  colour: string;
  /** 4 KiB frames. */
  frames: number;
  bytes: number;
}

/** Contiguous frames of one owner. */
export interface OwnedRange extends Span {
  owner: string;
  colour: string;
}

/** A device's registers on the physical map. */
export interface DeviceRange extends Span {
  name: string;
}

export interface PhysicalModel {
  ram: Span;
  /** RAM up to a little past its highest frame in use: where the RAM bar opens. */
  extent: Window;
  /** By bytes, largest first. */
  owners: OwnerStat[];
  /** In address order, neighbours of one owner joined. */
  ranges: OwnedRange[];
  devices: DeviceRange[];
  /** RAM in frames with an owner, and the rest. */
  used: number;
  free: number;
}

export function physicalModel(map: PhysicalMap): PhysicalModel {
  const stats = new Map<string, OwnerStat>();
  const ranges: OwnedRange[] = [];
  let used = 0;
  for (const r of [...map.ranges].sort((a, b) => a.base - b.base)) {
    let s = stats.get(r.owner);
    if (!s) stats.set(r.owner, (s = { owner: r.owner, colour: ownerColour(r.owner), frames: 0, bytes: 0 }));
    s.frames += Math.ceil(r.size / PAGE_SIZE);
    s.bytes += r.size;
    used += r.size;
    const end = Math.min(r.base + r.size, SPACE_END);
    const last = ranges[ranges.length - 1];
    if (last && last.owner === r.owner && last.end === r.base) last.end = end;
    else ranges.push({ start: r.base, end, owner: r.owner, colour: s.colour });
  }
  const ram = { start: map.ram.base, end: Math.min(map.ram.base + map.ram.size, SPACE_END) };
  const top = ranges.length ? ranges[ranges.length - 1].end : ram.end;
  const room = Math.ceil(((top - ram.start) * 1.1) / PAGE_SIZE) * PAGE_SIZE;
  return {
    ram,
    extent: clampWindow({ from: ram.start, to: ram.start + room }, { from: ram.start, to: ram.end }),
    owners: [...stats.values()].sort(
      (a, b) => b.bytes - a.bytes || (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0),
    ),
    ranges,
    devices: map.devices
      .map((d) => ({ start: d.base, end: Math.min(d.base + d.size, SPACE_END), name: d.name }))
      .sort((a, b) => a.start - b.start),
    used,
    free: Math.max(0, map.ram.size - used),
  };
}
