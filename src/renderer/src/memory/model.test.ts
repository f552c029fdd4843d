import { describe, expect, it } from 'vitest';
import type { PhysicalMap, RegionMapInfo, TraceEventInfo } from '../../../engine/protocol';
import {
  FULL_SPACE,
  HEX_ROWS,
  MIN_SPAN,
  PAGE_SIZE,
  PageCache,
  SPACE_END,
  addrAt,
  axisTicks,
  clampTop,
  clampWindow,
  describeMarker,
  editKey,
  faultsOf,
  fitWindow,
  flattenMap,
  formatRange,
  formatSize,
  hex8,
  hexCell,
  hexRows,
  kindText,
  layoutRegions,
  layoutSpans,
  firstAddress,
  mappedPages,
  ownerColour,
  pageChunks,
  pageRuns,
  pagesFor,
  panBy,
  parseAddress,
  physicalModel,
  placeFaults,
  rowsAt,
  shortName,
  shownRows,
  thumbOf,
  topOfThumb,
  topToShow,
  wheelZoom,
  zoomAt,
  type Fault,
  type Span,
} from './model';

// ------------------------------------------------------------- fixtures --

type Region = RegionMapInfo['regions'][number];
let nextId = 100;

function map(
  kind: RegionMapInfo['kind'],
  name: string,
  size: number,
  regions: Region[],
  faults: RegionMapInfo['faults'] = [],
): RegionMapInfo {
  return { id: nextId++, name, size, kind, regions, faults };
}

function region(
  at: number,
  size: number,
  ds: Partial<Region['ds']> & { kind: Region['ds']['kind'] },
  more: Partial<Omit<Region, 'ds'>> = {},
): Region {
  return {
    at,
    va: at,
    size,
    offset: 0,
    writeable: true,
    executable: false,
    mapped: [],
    nested: null,
    ...more,
    ds: { id: nextId++, name: ds.kind, size, phys: ds.kind === 'managed' ? null : 0x8000_0000 + at, ...ds },
  };
}

/** ds_client of the demo scenario, as the engine answered memoryMap after a second of running. */
function demoTree(): RegionMapInfo {
  const pd = 'init -> ds_client';
  const stack = map('stack area', `${pd}: stack area`, 0x1000_0000, [
    region(
      0xef000,
      0x10000,
      { kind: 'ram', name: 'ram@0x80212000', phys: 0x8021_2000 },
      { va: 0x400e_f000, mapped: [0x400fe] },
    ),
    region(
      0xff000,
      0x1000,
      { kind: 'utcb', name: 'utcb:ep', phys: 0x8021_1000 },
      { va: 0x400f_f000, mapped: [0x400ff] },
    ),
  ]);
  const linker = map('linker area', `${pd}: linker area`, 0x1000_0000, []);
  const managedPages = [0, 1, 2, 7, 0xff];
  const managed = map(
    'managed',
    'init -> ds_manager -> managed: region map 1',
    0x10_0000,
    managedPages.map((p) =>
      region(p * PAGE_SIZE, PAGE_SIZE, { kind: 'ram' }, { va: 0x6000_0000 + p * PAGE_SIZE, mapped: [0x60000 + p] }),
    ),
    [{ thread: 12, addr: 0x3000, type: 1 }],
  );
  return map('address space', `${pd}: address space`, SPACE_END, [
    region(0x10000, 0x4000, { kind: 'ram' }, { writeable: false, executable: true, mapped: [0x10, 0x11, 0x12, 0x13] }),
    region(0x14000, 0x1000, { kind: 'ram' }, { mapped: [0x14] }),
    region(
      0x4000_0000,
      0x1000_0000,
      { kind: 'managed', name: `${pd}: stack area` },
      { executable: true, nested: stack, mapped: [0x400fe, 0x400ff] },
    ),
    region(
      0x5000_0000,
      0x1000_0000,
      { kind: 'managed', name: `${pd}: linker area` },
      { executable: true, nested: linker },
    ),
    region(
      0x6000_0000,
      0x10_0000,
      { kind: 'managed', name: 'init -> ds_manager -> managed: region map 1' },
      { nested: managed, mapped: managedPages.map((p) => 0x60000 + p) },
    ),
  ]);
}

// ------------------------------------------------------------- formatting --

describe('formatting', () => {
  it('prints 32-bit addresses, ranges and sizes', () => {
    expect(hex8(0x10000)).toBe('0x00010000');
    expect(hex8(0xffff_ffff)).toBe('0xffffffff');
    expect(formatRange(0xffff_f000, SPACE_END)).toBe('0xfffff000–0xffffffff');
    expect(formatRange(0x1000, 0x1000)).toBe('0x00001000 (empty)');
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(0x4000)).toBe('16 KiB');
    expect(formatSize(0x1000_0000)).toBe('256 MiB');
    expect(formatSize(SPACE_END)).toBe('4 GiB');
    expect(formatSize(1536 * 1024)).toBe('1.5 MiB');
  });
});

// ------------------------------------------------------------ region rows --

describe('flattenMap', () => {
  it('lists regions in tree order with depth and absolute addresses', () => {
    const flat = flattenMap(demoTree());
    expect(flat.size).toBe(SPACE_END);
    expect(flat.maxDepth).toBe(1);
    expect(flat.rows.map((r) => [r.key, r.depth, r.cls, hex8(r.start)])).toEqual([
      ['0', 0, 'code', '0x00010000'],
      ['1', 0, 'data', '0x00014000'],
      ['2', 0, 'stack area', '0x40000000'],
      ['2.0', 1, 'stack', '0x400ef000'],
      ['2.1', 1, 'utcb', '0x400ff000'],
      ['3', 0, 'linker area', '0x50000000'],
      ['4', 0, 'managed', '0x60000000'],
      ['4.0', 1, 'data', '0x60000000'],
      ['4.1', 1, 'data', '0x60001000'],
      ['4.2', 1, 'data', '0x60002000'],
      ['4.3', 1, 'data', '0x60007000'],
      ['4.4', 1, 'data', '0x600ff000'],
    ]);
    const stack = flat.rows[2];
    expect(stack).toMatchObject({ rights: 'rwx', phys: null, mapKind: 'stack area', children: 2, pages: 0x10000 });
    expect(flat.rows[0]).toMatchObject({
      rights: 'r-x',
      phys: 0x8001_0000,
      end: 0x14000,
      mapped: [0x10, 0x11, 0x12, 0x13],
    });
    expect(flat.rows[3].parent).toBe('2');
  });

  it('computes nested addresses from the attachment when the engine gives none', () => {
    const tree = demoTree();
    const strip = (m: RegionMapInfo) => m.regions.forEach((r) => ((r.va = null), r.nested && strip(r.nested)));
    strip(tree);
    expect(flattenMap(tree).rows.map((r) => r.start)).toEqual(flattenMap(demoTree()).rows.map((r) => r.start));
  });

  it('places a managed dataspace attached with an offset, and marks what the attachment hides', () => {
    // 0x2000 bytes of a 0x10000 managed dataspace, from its offset 0x4000, at 0x9000_0000.
    const inner = map('managed', 'shared', 0x10000, [
      region(0x0, 0x1000, { kind: 'ram' }, { va: null }),
      region(0x4000, 0x1000, { kind: 'ram' }, { va: null }),
      region(0x5800, 0x1000, { kind: 'ram' }, { va: null }),
    ]);
    const tree = map('address space', 'as', SPACE_END, [
      region(0x9000_0000, 0x2000, { kind: 'managed' }, { offset: 0x4000, nested: inner }),
    ]);
    const rows = flattenMap(tree).rows;
    expect(rows.map((r) => [hex8(r.start), r.visible && formatRange(r.visible.start, r.visible.end)])).toEqual([
      ['0x90000000', '0x90000000–0x90001fff'],
      ['0x8fffc000', null],
      ['0x90000000', '0x90000000–0x90000fff'],
      ['0x90001800', '0x90001800–0x90001fff'],
    ]);
  });

  it('keeps a region at the top of the 32-bit space and a zero-size region', () => {
    const tree = map('address space', 'as', SPACE_END, [
      region(0x2000, 0, { kind: 'ram' }),
      region(0xffff_f000, 0x1000, { kind: 'ram' }, { mapped: [0xfffff] }),
    ]);
    const [empty, top] = flattenMap(tree).rows;
    expect(empty).toMatchObject({ start: 0x2000, end: 0x2000, pages: 0, visible: { start: 0x2000, end: 0x2000 } });
    expect(top).toMatchObject({ start: 0xffff_f000, end: SPACE_END, visible: { start: 0xffff_f000, end: SPACE_END } });
    expect(pageRuns(top.mapped)).toEqual([{ start: 0xffff_f000, end: SPACE_END }]);
  });

  it('collects the waiting faults of nested maps at their absolute addresses', () => {
    expect(flattenMap(demoTree()).waiting).toEqual([
      { thread: 12, addr: 0x6000_3000, type: 1, map: 'init -> ds_manager -> managed: region map 1' },
    ]);
  });

  it('classifies well-known areas by name past the depth limit', () => {
    const cut = map('address space', 'as', SPACE_END, [
      region(0x4000_0000, 0x1000_0000, { kind: 'managed', name: 'x: stack area' }),
      region(0x5000_0000, 0x1000_0000, { kind: 'managed', name: 'x: linker area' }),
      region(0x1000, 0x1000, { kind: 'rom' }),
      region(0x2000, 0x1000, { kind: 'io_mem' }),
    ]);
    expect(flattenMap(cut).rows.map((r) => r.cls)).toEqual(['stack area', 'linker area', 'rom', 'io_mem']);
  });

  it('hides what collapsed rows nest, and finds the rows at an address', () => {
    const rows = flattenMap(demoTree()).rows;
    expect(shownRows(rows, new Set(['2', '4'])).map((r) => r.key)).toEqual(['0', '1', '2', '3', '4']);
    expect(shownRows(rows, new Set()).length).toBe(rows.length);
    expect(rowsAt(rows, 0x400f_f010).map((r) => r.key)).toEqual(['2', '2.1']);
    expect(rowsAt(rows, 0x2000)).toEqual([]);
  });

  it('names and kinds for the table', () => {
    expect(shortName('init -> counter: stack area', 'init -> counter')).toBe('stack area');
    expect(shortName('init -> counter: stack area', 'counter')).toBe('stack area');
    expect(shortName('init -> ds_manager -> managed: region map 1', 'ds_client')).toBe(
      'init -> ds_manager -> managed: region map 1',
    );
    expect(shortName('ram@0x80212000', 'counter')).toBe('ram@0x80212000');
    const rows = flattenMap(demoTree()).rows;
    expect(rows.slice(0, 5).map(kindText)).toEqual([
      'code (ram)',
      'data (ram)',
      'stack area (managed)',
      'stack (ram)',
      'utcb',
    ]);
  });
});

// -------------------------------------------------------------- windows --

describe('zoom window', () => {
  it('clamps to the limits and the minimum span', () => {
    expect(clampWindow({ from: -100, to: 50 })).toEqual({ from: 0, to: MIN_SPAN });
    expect(clampWindow({ from: SPACE_END - 10, to: SPACE_END + 10 })).toEqual({
      from: SPACE_END - MIN_SPAN,
      to: SPACE_END,
    });
    expect(clampWindow({ from: -1, to: SPACE_END * 2 })).toEqual(FULL_SPACE);
    // Limits narrower than the minimum span.
    expect(clampWindow({ from: 0, to: 10 }, { from: 100, to: 164 })).toEqual({ from: 100, to: 164 });
  });

  it('zooms around an anchor that stays put, never past the limits', () => {
    const win = zoomAt(FULL_SPACE, 0x4000_0000, 0.5);
    expect(win).toEqual({ from: 0x2000_0000, to: 0xa000_0000 });
    expect(zoomAt(win, 0x4000_0000, 100)).toEqual(FULL_SPACE);
    // At the top of the space: the anchor stays at the right edge, the span stops at MIN_SPAN.
    const deep = zoomAt(FULL_SPACE, 0xffff_ffff, 1e-12);
    expect(deep).toEqual({ from: SPACE_END - MIN_SPAN - 1, to: SPACE_END - 1 });
    expect(zoomAt(deep, 0xffff_ffff, 0.5)).toEqual(deep);
    expect(zoomAt(FULL_SPACE, SPACE_END, 1e-12)).toEqual({ from: SPACE_END - MIN_SPAN, to: SPACE_END });
    // Wheel: negative delta zooms in at the cursor.
    const w = wheelZoom(FULL_SPACE, 1000, 250, -100);
    expect(w.to - w.from).toBeLessThan(SPACE_END);
    expect(addrAt(w, 1000, 250)).toBeCloseTo(SPACE_END / 4, -3);
  });

  it('pans by pixels within the limits', () => {
    const win = { from: 0x1000, to: 0x2000 };
    expect(panBy(win, 1000, -100)).toEqual({ from: 0x1000 + 0x19a, to: 0x2000 + 0x19a });
    expect(panBy(win, 1000, 100_000)).toEqual({ from: 0, to: 0x1000 });
    expect(panBy({ from: SPACE_END - 0x1000, to: SPACE_END }, 1000, -500)).toEqual({
      from: SPACE_END - 0x1000,
      to: SPACE_END,
    });
  });

  it('maps pixels to addresses inside the window', () => {
    expect(addrAt(FULL_SPACE, 1024, 0)).toBe(0);
    expect(addrAt(FULL_SPACE, 1024, 512)).toBe(0x8000_0000);
    expect(addrAt(FULL_SPACE, 1024, 1024)).toBe(0xffff_ffff);
    expect(addrAt(FULL_SPACE, 1024, -5)).toBe(0);
  });

  it('fits a range with a margin', () => {
    expect(fitWindow({ start: 0x1000, end: 0x2000 }, FULL_SPACE, 0)).toEqual({ from: 0x1000, to: 0x2000 });
    expect(fitWindow({ start: 0x10, end: 0x10 })).toEqual({ from: 0, to: 282 });
  });

  it('puts ticks on power-of-two boundaries, far enough apart', () => {
    const ticks = axisTicks(FULL_SPACE, 800, 90);
    expect(ticks.map((t) => hex8(t.addr))).toEqual([
      '0x00000000',
      '0x20000000',
      '0x40000000',
      '0x60000000',
      '0x80000000',
      '0xa0000000',
      '0xc0000000',
      '0xe0000000',
    ]);
    expect(ticks[1].x).toBe(100);
    expect(axisTicks({ from: 0x1001, to: 0x1101 }, 256, 64).map((t) => t.addr)).toEqual([
      0x1040, 0x1080, 0x10c0, 0x1100,
    ]);
    expect(axisTicks(FULL_SPACE, 0)).toEqual([]);
  });
});

// ------------------------------------------------------------ bar layout --

describe('layoutSpans', () => {
  const spans = (...s: [number, number][]): Span[] => s.map(([start, end]) => ({ start, end }));

  it('scales and clips to the window', () => {
    const segs = layoutSpans(spans([0x100, 0x300], [0x380, 0x500]), { from: 0x200, to: 0x400 }, 512);
    expect(segs.map((s) => [s.x, s.w, s.count])).toEqual([
      [0, 256, 1],
      [384, 128, 1],
    ]);
  });

  it('widens tiny and zero-size spans, keeping them inside the bar', () => {
    const segs = layoutSpans(
      spans([0x10, 0x11], [0x8000_0000, 0x8000_0000], [0xffff_fff0, SPACE_END]),
      FULL_SPACE,
      1000,
      3,
    );
    expect(segs.map((s) => [Math.round(s.x), s.w, s.tiny])).toEqual([
      [0, 3, true],
      [500, 3, true],
      [997, 3, true],
    ]);
    // A zero-size span at the window's end is outside it.
    expect(layoutSpans(spans([0x100, 0x100]), { from: 0, to: 0x100 }, 100)).toEqual([]);
  });

  it('merges tiny neighbours, bounded by pixels, but never into a wide span', () => {
    const many = spans(...Array.from({ length: 1000 }, (_, i): [number, number] => [i * 0x1000, i * 0x1000 + 0x800]));
    const segs = layoutSpans(many, FULL_SPACE, 1000, 3);
    expect(segs.length).toBe(1);
    expect(segs[0]).toMatchObject({ count: 1000, start: 0, end: 999 * 0x1000 + 0x800 });

    const mixed = layoutSpans(
      spans([0, 0x1000_0000], [0x1000_0000, 0x1000_0010], [0x1000_0020, 0x1000_0030]),
      FULL_SPACE,
      1000,
      3,
    );
    expect(mixed.map((s) => s.count)).toEqual([1, 2]);

    const byOwner = layoutSpans(
      [
        { start: 0, end: 16, o: 'a' },
        { start: 16, end: 32, o: 'b' },
      ],
      FULL_SPACE,
      1000,
      3,
      (a, b) => a.o === b.o,
    );
    expect(byOwner.length).toBe(2);
  });

  it('merges only until a merge is wide enough to see', () => {
    // 64 spans each 1/4 px apart at 1 px per 0x1000: clusters grow to 3 px.
    const win = { from: 0, to: 0x10_0000 };
    const s = spans(...Array.from({ length: 1024 }, (_, i): [number, number] => [i * 0x400, i * 0x400 + 0x100]));
    const segs = layoutSpans(s, win, 256, 3);
    expect(segs.length).toBeGreaterThan(40);
    expect(segs.length).toBeLessThanOrEqual(256 / 3 + 1);
    expect(segs.reduce((n, x) => n + x.count, 0)).toBe(1024);
  });

  it('lays out region rows in one lane per depth', () => {
    const rows = flattenMap(demoTree()).rows;
    const lanes = layoutRegions(rows, FULL_SPACE, 1024);
    expect(lanes.length).toBe(2);
    expect(lanes[0].map((s) => [s.item.row.key, s.count])).toEqual([
      ['0', 2],
      ['2', 1],
      ['3', 1],
      ['4', 1],
    ]);
    expect(lanes[0][1]).toMatchObject({ x: 256, w: 64 });
    // Zoomed into the managed dataspace, its pages are lane 1's own segments.
    const zoomed = layoutRegions(rows, { from: 0x6000_0000, to: 0x6010_0000 }, 1024);
    expect(zoomed[1].map((s) => s.item.row.key)).toEqual(['4.0', '4.1', '4.2', '4.3', '4.4']);
  });
});

// ---------------------------------------------------------- mapped pages --

describe('mapped pages', () => {
  it('joins consecutive pages into runs', () => {
    const pages = mappedPages(flattenMap(demoTree()).rows);
    expect(pages).toEqual([
      0x10, 0x11, 0x12, 0x13, 0x14, 0x400fe, 0x400ff, 0x60000, 0x60001, 0x60002, 0x60007, 0x600ff,
    ]);
    expect(pageRuns(pages).map((r) => formatRange(r.start, r.end))).toEqual([
      '0x00010000–0x00014fff',
      '0x400fe000–0x400fffff',
      '0x60000000–0x60002fff',
      '0x60007000–0x60007fff',
      '0x600ff000–0x600fffff',
    ]);
    expect(pageRuns([])).toEqual([]);
    expect(pageRuns([3, 3, 4])).toEqual([{ start: 0x3000, end: 0x5000 }]);
  });
});

// ----------------------------------------------------------- page faults --

describe('page faults', () => {
  let seq = 0;
  const ev = (kind: TraceEventInfo['kind'], thread: number, a: number, b = 0): TraceEventInfo => ({
    seq: seq++,
    time: seq * 10,
    cpu: 0,
    thread,
    pd: 5,
    kind,
    a,
    b,
  });

  it('pairs faults with their outcomes', () => {
    const faults = faultsOf(
      [
        ev('page-fault', 1, 0x1000, 0),
        ev('page-fault-resolved', 1, 0x1000, 0),
        ev('page-fault', 1, 0x6000_0000, 1), // to the handler...
        ev('page-fault', 2, 0x4000_0000, 1),
        ev('page-fault-unresolved', 2, 0x4000_0000, 1),
        ev('page-fault', 1, 0x6000_0000, 1), // ...retried: the handler resolved it
        ev('page-fault-resolved', 1, 0x6000_0000, 1),
        ev('page-fault-resolved', 3, 0x7000, 2), // its fault fell out of the ring
        ev('page-fault', 1, 0x6000_3000, 1),
        ev('rpc-call', 1, 9, 9),
      ],
      [
        { thread: 1, addr: 0x6000_3000, type: 1, map: 'm' },
        { thread: 4, addr: 0x6000_5000, type: 0, map: 'm' },
      ],
    );
    expect(faults.map((f) => [f.thread, hex8(f.addr), f.state])).toEqual([
      [1, '0x00001000', 'resolved'],
      [1, '0x60000000', 'resolved'],
      [2, '0x40000000', 'unresolved'],
      [1, '0x60000000', 'resolved'],
      [3, '0x00007000', 'resolved'],
      [1, '0x60003000', 'waiting'],
      [4, '0x60005000', 'waiting'],
    ]);
    expect(faults[6].seq).toBeNull();
  });

  it('puts one marker per pixel column, the most severe state winning', () => {
    const f = (addr: number, state: Fault['state'], thread = 1): Fault => ({ addr, type: 1, thread, state, seq: 0 });
    const markers = placeFaults(
      [
        f(0x1000, 'resolved'),
        f(0x1800, 'unresolved', 2),
        f(0x1900, 'resolved'),
        f(0x8000_0000, 'waiting'),
        f(0xffff_ffff, 'resolved'),
      ],
      FULL_SPACE,
      1000,
    );
    expect(markers.map((m) => [m.x, m.count, m.state])).toEqual([
      [0, 3, 'unresolved'],
      [500, 1, 'waiting'],
      [999, 1, 'resolved'],
    ]);
    expect(describeMarker(markers[0])).toBe(
      '3 faults 0x00001000–0x00001900; latest worst: write fault at 0x00001800 unresolved (thread 2)',
    );
    expect(describeMarker(markers[1])).toBe('write fault at 0x80000000 waiting (thread 1)');
    expect(placeFaults([f(0x10, 'resolved')], { from: 0x100, to: 0x200 }, 100)).toEqual([]);
  });
});

// -------------------------------------------------------------- hex view --

describe('hex view', () => {
  it('scrolls over 2^28 rows without going past either end', () => {
    expect(HEX_ROWS).toBe(2 ** 28);
    expect(clampTop(-5, 30)).toBe(0);
    expect(clampTop(HEX_ROWS, 30)).toBe(HEX_ROWS - 30);
    expect(topToShow(0x1000, 0, 30)).toBe(0x100 - 10);
    expect(topToShow(0x100, 0, 30)).toBe(0); // already in view
    expect(topToShow(0xffff_ffff, 0, 30)).toBe(HEX_ROWS - 30);
  });

  it('maps the scrollbar thumb both ways', () => {
    expect(thumbOf(0, 30, 300)).toEqual({ y: 0, h: 16 });
    expect(thumbOf(HEX_ROWS - 30, 30, 300)).toEqual({ y: 284, h: 16 });
    expect(topOfThumb(284, 30, 300)).toBe(HEX_ROWS - 30);
    expect(topOfThumb(142, 30, 300)).toBe(Math.round((HEX_ROWS - 30) / 2));
    expect(topOfThumb(-10, 30, 300)).toBe(0);
  });

  it('names the pages around the visible rows', () => {
    expect(pagesFor(0, 40, 16)).toEqual({ first: 0, last: 0 });
    expect(pagesFor(0xff, 40, 16)).toEqual({ first: 0, last: 1 });
    expect(pagesFor(HEX_ROWS - 40, 40, 16)).toEqual({ first: 0xfffff, last: 0xfffff });
  });

  it('reads in page-sized chunks that never cross 2^32', () => {
    expect(pageChunks(0xff0, 0x30)).toEqual([
      [0xff0, 0x10],
      [0x1000, 0x20],
    ]);
    expect(pageChunks(0xffff_fff0, 0x100)).toEqual([[0xffff_fff0, 0x10]]);
    expect(pageChunks(0x2000, 0)).toEqual([]);
  });

  it('shows bytes, "??" for unreadable pages and blanks while loading', () => {
    const cache = new PageCache();
    expect(cache.want(0, 2)).toEqual([0, 1, 2]);
    expect(cache.want(0, 2)).toEqual([]); // in flight
    const page = new Uint8Array(PAGE_SIZE);
    page.set([0x41, 0x00, 0x7f, 0x20], 0xff0);
    cache.put(0, { bytes: page }, cache.epoch);
    cache.put(1, { error: '0x00001000: no RM attachment' }, cache.epoch);
    const [row] = hexRows(cache, 0xff, 1);
    expect(row.addr).toBe(0xff0);
    expect(row.cells.slice(0, 4).map((c) => [c.text, c.char, c.state])).toEqual([
      ['41', 'A', 'ok'],
      ['00', '.', 'ok'],
      ['7f', '.', 'ok'],
      ['20', ' ', 'ok'],
    ]);
    const [unmapped] = hexRows(cache, 0x100, 1);
    expect(unmapped.cells[0]).toMatchObject({ text: '??', char: ' ', state: 'unreadable', value: null });
    expect(unmapped.cells[0].error).toContain('no RM attachment');
    expect(hexCell(cache, 0x2000)).toMatchObject({ text: '  ', state: 'loading' });
    expect(hexRows(cache, HEX_ROWS - 1, 5).length).toBe(1);
  });

  it('highlights what changed since the previous stop, not what was first read', () => {
    const cache = new PageCache();
    const bytes = (fill: number, at = -1, v = 0) => {
      const b = new Uint8Array(PAGE_SIZE).fill(fill);
      if (at >= 0) b[at] = v;
      return { bytes: b };
    };
    cache.want(0, 1);
    cache.put(0, bytes(0), cache.epoch);
    cache.put(1, { error: 'unmapped' }, cache.epoch);
    expect(hexCell(cache, 5).changed).toBe(false);

    const stale = cache.epoch;
    cache.advance();
    // While this stop's read is under way, the previous bytes show, not highlighted.
    expect(hexCell(cache, 5)).toMatchObject({ value: 0, stale: true, changed: false });
    expect(cache.put(0, bytes(9), stale)).toBe(false); // a read from before the stop
    expect(cache.want(0, 2)).toEqual([0, 1, 2]);
    cache.put(0, bytes(0, 5, 0xaa), cache.epoch);
    cache.put(1, bytes(0), cache.epoch); // mapped since
    cache.put(2, bytes(0), cache.epoch); // not read at the previous stop
    expect(hexCell(cache, 5)).toMatchObject({ value: 0xaa, changed: true, stale: false });
    expect(hexCell(cache, 6).changed).toBe(false);
    expect(hexCell(cache, 0x1000).changed).toBe(false);
    expect(hexCell(cache, 0x2000).changed).toBe(false);

    // A write: the page is read again, compared with the same previous stop.
    cache.invalidate(0);
    expect(cache.want(0, 0)).toEqual([0]);
    cache.put(0, bytes(0, 6, 1), cache.epoch);
    expect([hexCell(cache, 5).changed, hexCell(cache, 6).changed]).toEqual([false, true]);

    cache.retain(1, 1);
    expect(hexCell(cache, 0)).toMatchObject({ state: 'loading' });
    cache.clear();
    expect(hexCell(cache, 0x1000)).toMatchObject({ state: 'loading' });
  });
});

// --------------------------------------------------------------- editing --

describe('editKey', () => {
  it('takes two hex digits and writes on Enter', () => {
    let edit = { addr: 0x100, text: '' };
    for (const k of ['a', 'B']) {
      const a = editKey(edit, k);
      if (a.kind !== 'edit') throw new Error(a.kind);
      edit = a.edit;
    }
    expect(edit.text).toBe('aB');
    expect(editKey(edit, 'c')).toEqual({ kind: 'edit', edit: { addr: 0x100, text: 'Bc' } });
    expect(editKey(edit, 'Enter')).toEqual({ kind: 'commit', addr: 0x100, value: 0xab });
    expect(editKey({ addr: 1, text: '7' }, 'Enter')).toEqual({ kind: 'commit', addr: 1, value: 7 });
    expect(editKey({ addr: 1, text: '' }, 'Enter')).toEqual({ kind: 'none' });
    expect(editKey(edit, 'Backspace')).toEqual({ kind: 'edit', edit: { addr: 0x100, text: 'a' } });
    expect(editKey(edit, 'g')).toEqual({ kind: 'none' });
    expect(editKey(edit, 'Escape')).toEqual({ kind: 'cancel' });
  });

  it('moves with the arrows, within the space', () => {
    expect(editKey({ addr: 0x100, text: 'a' }, 'ArrowDown')).toEqual({ kind: 'edit', edit: { addr: 0x110, text: '' } });
    expect(editKey({ addr: 0, text: '' }, 'ArrowLeft')).toEqual({ kind: 'edit', edit: { addr: 0, text: '' } });
    expect(editKey({ addr: 0xffff_fffa, text: '' }, 'ArrowDown')).toEqual({
      kind: 'edit',
      edit: { addr: 0xffff_ffff, text: '' },
    });
    expect(editKey({ addr: 0x20, text: '' }, 'ArrowUp').kind).toBe('edit');
  });
});

// ----------------------------------------------------------------- go-to --

describe('parseAddress', () => {
  it('reads hex with and without 0x, decimal after #, names otherwise', () => {
    expect(parseAddress('0x1000')).toEqual({ kind: 'address', value: 0x1000 });
    expect(parseAddress(' 0X8000_0000 ')).toEqual({ kind: 'address', value: 0x8000_0000 });
    expect(parseAddress('1000')).toEqual({ kind: 'address', value: 0x1000 });
    expect(parseAddress('0ff')).toEqual({ kind: 'address', value: 0xff });
    expect(parseAddress('#4096')).toEqual({ kind: 'address', value: 4096 });
    expect(parseAddress('ffffffff')).toEqual({ kind: 'name', text: 'ffffffff' });
    expect(parseAddress('0ffffffff')).toEqual({ kind: 'address', value: 0xffff_ffff });
    expect(parseAddress('add')).toEqual({ kind: 'name', text: 'add' });
    expect(parseAddress('main+4')).toEqual({ kind: 'name', text: 'main+4' });
    expect(parseAddress('1000h')).toEqual({ kind: 'name', text: '1000h' });
  });

  it('refuses empty input and numbers past 32 bits', () => {
    expect(parseAddress('  ').kind).toBe('error');
    expect(parseAddress('0x_')).toEqual({ kind: 'error', message: '"0x_" has no digits' });
    expect(parseAddress('0x1_0000_0000')).toEqual({
      kind: 'error',
      message: '0x1_0000_0000 is beyond the 32-bit address space',
    });
    expect(parseAddress('#4294967296').kind).toBe('error');
    expect(parseAddress('#4294967295')).toEqual({ kind: 'address', value: 0xffff_ffff });
  });
});

// -------------------------------------------------------- physical memory --

describe('physicalModel', () => {
  const phys: PhysicalMap = {
    ram: { base: 0x8000_0000, size: 0x800_0000 },
    ranges: [
      { base: 0x8000_1000, size: 0x2e000, owner: 'ROM counter' },
      { base: 0x8000_0000, size: 0x1000, owner: 'page table of init' },
      { base: 0x801b_0000, size: 0x4000, owner: 'init -> counter' },
      { base: 0x801b_4000, size: 0x1000, owner: 'init -> counter' },
      { base: 0x801b_5000, size: 0x1000, owner: 'UTCB of init -> counter thread ep' },
      { base: 0x801b_6000, size: 0x1000, owner: 'init -> counter' },
    ],
    devices: [
      { base: 0x1000_0000, size: 0x100, name: 'uart0' },
      { base: 0x200_0000, size: 0x10000, name: 'clint' },
    ],
  };

  it('totals frames and bytes by owner and joins contiguous ranges of one owner', () => {
    const m = physicalModel(phys);
    expect(m.ram).toEqual({ start: 0x8000_0000, end: 0x8800_0000 });
    expect(m.extent).toEqual({ from: 0x8000_0000, to: 0x8000_0000 + 0x1e3000 });
    expect(m.owners.map((o) => [o.owner, o.frames, o.bytes])).toEqual([
      ['ROM counter', 46, 0x2e000],
      ['init -> counter', 6, 0x6000],
      ['UTCB of init -> counter thread ep', 1, 0x1000],
      ['page table of init', 1, 0x1000],
    ]);
    expect(m.ranges.map((r) => [hex8(r.start), hex8(r.end), r.owner])).toEqual([
      ['0x80000000', '0x80001000', 'page table of init'],
      ['0x80001000', '0x8002f000', 'ROM counter'],
      ['0x801b0000', '0x801b5000', 'init -> counter'],
      ['0x801b5000', '0x801b6000', 'UTCB of init -> counter thread ep'],
      ['0x801b6000', '0x801b7000', 'init -> counter'],
    ]);
    expect(m.used).toBe(0x36000);
    expect(m.free).toBe(0x800_0000 - 0x36000);
    expect(m.devices.map((d) => d.name)).toEqual(['clint', 'uart0']);
  });

  it('gives each owner a stable colour, mostly distinct', () => {
    expect(ownerColour('init -> counter')).toBe(ownerColour('init -> counter'));
    expect(physicalModel(phys).ranges[2].colour).toBe(ownerColour('init -> counter'));
    const owners = ['counter', 'hello_server', 'hello_client', 'ds_manager', 'ds_client', 'shm_server', 'uart_driver'];
    const names = owners.flatMap((o) => [
      `ROM ${o}`,
      `init -> ${o}`,
      `page table of init -> ${o}`,
      `UTCB of init -> ${o} thread ep`,
    ]);
    const colours = new Set(names.map(ownerColour));
    expect(colours.size).toBeGreaterThan(names.length * 0.9);
    expect(ownerColour('x')).toMatch(/^hsl\(\d+ \d+% \d+%\)$/);
  });

  it('keeps a range at the top of the space', () => {
    const m = physicalModel({
      ram: { base: 0xf000_0000, size: 0x1000_0000 },
      ranges: [{ base: 0xffff_f000, size: 0x1000, owner: 'x' }],
      devices: [],
    });
    expect(m.ram.end).toBe(SPACE_END);
    expect(m.ranges[0].end).toBe(SPACE_END);
    expect(m.extent).toEqual({ from: 0xf000_0000, to: SPACE_END });
    const empty = physicalModel({ ram: { base: 0x8000_0000, size: 0x1000 }, ranges: [], devices: [] });
    expect(empty.extent).toEqual({ from: 0x8000_0000, to: 0x8000_1000 });
  });
});

describe('where the hex view opens', () => {
  it('on the lowest mapped page, else the lowest region, else nowhere', () => {
    expect(firstAddress(demoTree())).toBe(0x10000);
    const unmapped = map('address space', 'a', SPACE_END, [
      region(0x5000_0000, 0x1000, { kind: 'ram' }),
      region(0x2000_0000, 0x1000, { kind: 'ram' }),
    ]);
    expect(firstAddress(unmapped)).toBe(0x2000_0000);
    expect(firstAddress(map('address space', 'b', SPACE_END, []))).toBeNull();
  });
});
