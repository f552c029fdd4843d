/**
 * The TRACE timeline as data: trace events in; lanes, execution slices and markers out, at the
 * level of detail of the pixels that show them.
 *
 * Pure TypeScript (no DOM), so it runs under vitest in Node. Times are virtual time in mtime
 * ticks (10 MHz: {@link TICKS_PER_US} ticks a microsecond), as the protocol carries them.
 *
 * Storage. Events are appended in sequence order (gaps allowed: the engine's ring may have
 * overwritten some before the UI read them) into columns of typed arrays that grow by
 * doubling, 22 bytes an event and no object per event. Each lane keeps its own sorted columns:
 *
 *   thread lane   the thread's execution slices (SCHEDULE_IN up to SCHEDULE_OUT, THREAD_EXIT or
 *                 its next SCHEDULE_IN) and its markers (RPC, signals, page faults,
 *                 exceptions, LOG, sessions, quota, thread start and exit)
 *   CPU lane      the same slices by CPU (which thread ran there), the events of no thread
 *                 (core's LOG lines, ...) and IRQs (an interrupt hits a CPU, not the thread
 *                 that happened to run on it)
 *
 * A lane's times never run backwards: an event earlier than the lane's last one is moved up to
 * it (as the Chrome trace writer does), so every range lookup is a binary search. A page fault
 * and its outcome (resolved, unresolved) are one marker: the outcome replaces the fault.
 *
 * Level of detail. `query(t0, t1, px)` answers per lane with work bounded by pixels, not
 * events:
 *   - slices narrower than a pixel that are less than a pixel apart merge into one span (a
 *     slice a pixel wide or more stays a span of its own, so the threads that follow each
 *     other on a CPU keep their colours); the merge jumps over the slices it absorbs by binary
 *     search, so a span costs O(log n) however many slices it holds, and a prefix sum of
 *     durations gives each span its busy share;
 *   - markers fall into one bucket per pixel column (count, count per category, dominant
 *     category); per-kind counts of each block of 32 markers let a wide column skip its full
 *     blocks instead of visiting every marker.
 */
import type { Topology, TraceEventInfo } from '../../../engine/protocol';
import { TRACE_KIND_NAMES } from '../../../engine/protocol';

// ------------------------------------------------------------------ kinds --

/** A trace event kind as the protocol names it. */
export type TraceKindName = TraceEventInfo['kind'];

/** mtime ticks per microsecond (the machine's timebase is 10 MHz). */
export const TICKS_PER_US = 10;

/** The kinds in the engine's numbering (core/trace.ts `TraceKind`), as the protocol exports them. */
export const KIND_NAMES = TRACE_KIND_NAMES;

const NK = KIND_NAMES.length;
const K_SCHEDULE_IN = 0;
const K_SCHEDULE_OUT = 1;
const K_RPC_CALL = 2;
const K_RPC_DISPATCH = 3;
const K_RPC_REPLY = 4;
const K_PAGE_FAULT = 7;
const K_PAGE_FAULT_RESOLVED = 8;
const K_PAGE_FAULT_UNRESOLVED = 9;
const K_IRQ = 10;
const K_THREAD_EXIT = 19;

const KIND_INDEX = new Map<string, number>(KIND_NAMES.map((name, i) => [name, i]));

/** Every kind shown. */
export const ALL_KINDS = (1 << NK) - 1;
/** The kinds that make execution slices. */
export const RUN_KINDS = (1 << K_SCHEDULE_IN) | (1 << K_SCHEDULE_OUT);

/** The bit mask of `names` (bit i: {@link KIND_NAMES}[i]). */
export function kindMask(names: Iterable<TraceKindName>): number {
  let mask = 0;
  for (const name of names) mask |= 1 << (KIND_INDEX.get(name) ?? 31);
  return mask & ALL_KINDS;
}

/**
 * What markers are drawn as, in order of precedence: a pixel column holding any of the first
 * three (alerts) shows the first of them present; otherwise the most frequent one wins.
 * `pageFault` is a fault that was resolved (or has no outcome yet); an unresolved one is
 * `pageFaultUnresolved` only.
 */
export const MARKER_CATEGORIES = [
  'pageFaultUnresolved',
  'exception',
  'quota',
  'pageFault',
  'irq',
  'signal',
  'rpcCall',
  'rpcReply',
  'session',
  'log',
  'thread',
] as const;
export type MarkerCategory = (typeof MARKER_CATEGORIES)[number];

const NCAT = MARKER_CATEGORIES.length;
const ALERTS = 3;
const CATEGORY_OF: Record<TraceKindName, MarkerCategory | null> = {
  'schedule-in': null,
  'schedule-out': null,
  'rpc-call': 'rpcCall',
  'rpc-dispatch': 'rpcCall',
  'rpc-reply': 'rpcReply',
  'signal-submit': 'signal',
  'signal-receive': 'signal',
  'page-fault': 'pageFault',
  'page-fault-resolved': 'pageFault',
  'page-fault-unresolved': 'pageFaultUnresolved',
  irq: 'irq',
  'irq-ack': 'irq',
  'session-open': 'session',
  'session-upgrade': 'session',
  'session-close': 'session',
  'quota-transfer': 'session',
  exception: 'exception',
  log: 'log',
  'thread-start': 'thread',
  'thread-exit': 'thread',
  'quota-exhausted': 'quota',
};
/** Category index per kind index (-1: no marker). */
const KIND_CAT = Int8Array.from(KIND_NAMES, (name) => {
  const c = CATEGORY_OF[name];
  return c === null ? -1 : MARKER_CATEGORIES.indexOf(c);
});

/** The kind filters a toolbar offers: each group switches its kinds on or off together. */
export const KIND_GROUPS: readonly { id: string; label: string; kinds: readonly TraceKindName[] }[] = [
  { id: 'run', label: 'run', kinds: ['schedule-in', 'schedule-out'] },
  { id: 'rpc', label: 'RPC', kinds: ['rpc-call', 'rpc-dispatch', 'rpc-reply'] },
  { id: 'signal', label: 'signals', kinds: ['signal-submit', 'signal-receive'] },
  { id: 'fault', label: 'faults', kinds: ['page-fault', 'page-fault-resolved', 'page-fault-unresolved'] },
  { id: 'irq', label: 'IRQs', kinds: ['irq', 'irq-ack'] },
  { id: 'exception', label: 'exceptions', kinds: ['exception'] },
  { id: 'log', label: 'LOG', kinds: ['log'] },
  {
    id: 'session',
    label: 'sessions',
    kinds: ['session-open', 'session-upgrade', 'session-close', 'quota-transfer', 'quota-exhausted'],
  },
  { id: 'thread', label: 'threads', kinds: ['thread-start', 'thread-exit'] },
];

// --------------------------------------------------------- public shapes --

/** What a query and a pick show: kinds (bit mask over {@link KIND_NAMES}) and PDs. */
export interface TimelineFilter {
  /** Kinds shown; default {@link ALL_KINDS}. Without the schedule kinds there are no slices. */
  kinds?: number;
  /**
   * PDs shown; null or absent: all. Thread lanes of other PDs are left out; CPU lanes stay but
   * show only the slices of threads of these PDs, and their own markers (core's events, IRQs)
   * only if the set holds 0 (core).
   */
  pds?: ReadonlySet<number> | null;
}

/** Labels for PDs and threads; undefined: not known (the lane keeps what it had, or a number). */
export interface TimelineNames {
  pd(id: number): string | undefined;
  thread(id: number): string | undefined;
}

/** Names from two maps the caller keeps up to date. */
export function namesFromMaps(pds: ReadonlyMap<number, string>, threads: ReadonlyMap<number, string>): TimelineNames {
  return { pd: (id) => pds.get(id), thread: (id) => threads.get(id) };
}

/** Names from a topology (PDs and threads that are gone keep the names the model saw last). */
export function namesFromTopology(topology: Topology): TimelineNames {
  const pds = new Map<number, string>();
  const threads = new Map<number, string>();
  for (const pd of topology.pds) {
    pds.set(pd.id, pd.label);
    for (const t of pd.threads) threads.set(t.id, t.name);
  }
  return namesFromMaps(pds, threads);
}

/** One row of the timeline. */
export interface Lane {
  /** Stable across appends: 'cpu<n>' or 'thread<id>'. */
  readonly key: string;
  readonly type: 'cpu' | 'thread';
  /** The CPU of a CPU lane; -1 for a thread lane. */
  readonly cpu: number;
  /** The thread of a thread lane; 0 for a CPU lane. */
  readonly thread: number;
  /** The PD of a thread lane; 0 for a CPU lane. */
  readonly pd: number;
  /** "cpu0", or the thread's name. */
  readonly label: string;
  /** The PD's label for a thread lane, '' for a CPU lane. */
  readonly group: string;
}

/** A trace event as the model holds it, with its place in the store. */
export interface TimelineEvent extends TraceEventInfo {
  /** Index in the model's store (for {@link TimelineModel.eventAt}). */
  index: number;
}

/** What {@link TimelineModel.pick} found. */
export type TimelineHit =
  | { type: 'event'; lane: string; event: TimelineEvent }
  | {
      type: 'slice';
      lane: string;
      thread: number;
      pd: number;
      cpu: number;
      /** Ticks. */
      start: number;
      /** Ticks; the latest time of the trace while the slice is still open. */
      end: number;
      /** Still running at the end of the trace. */
      open: boolean;
      /** The SCHEDULE_IN event that began it. */
      event: TimelineEvent;
    };

/** A plain, JSON-able description of a hit, for a details panel and the 'select' emit. */
export interface TimelineSelection {
  type: 'event' | 'slice';
  /** "page-fault-unresolved", "run", ... */
  title: string;
  lane: string;
  kind: TraceKindName | 'run';
  /** Ticks. */
  time: number;
  /** Slices: end in ticks. */
  end?: number;
  seq: number;
  cpu: number;
  thread: number;
  threadName: string;
  pd: number;
  pdLabel: string;
  /** Kind-specific values, readable ("address": "0x00401000", "duration": "12.3 µs"). */
  details: Record<string, string>;
}

/** Options of {@link TimelineModel.query}. */
export interface QueryOptions {
  filter?: TimelineFilter;
  /** The first lane (index into `lanes(filter)`) to compute, for a view that shows a window. */
  laneFrom?: number;
  /** How many lanes to compute from `laneFrom` (default: all). */
  laneCount?: number;
}

// --------------------------------------------------------- typed columns --

type Column = Float64Array | Float32Array | Int32Array | Uint8Array;

/** `a`, or a copy of it at least `need` long (doubling), when it is shorter. */
function grown<T extends Column>(a: T, need: number): T {
  if (need <= a.length) return a;
  let size = Math.max(16, a.length * 2);
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** First index in [lo, hi) whose value is >= x (hi if none); `a` sorted ascending. */
function lowerBound(a: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** {@link lowerBound} searching outward from `lo` first: cheap when the answer is near. */
function gallop(a: Float64Array, x: number, lo: number, hi: number): number {
  let step = 1;
  let prev = lo;
  let probe = lo;
  while (probe < hi && a[probe] < x) {
    prev = probe + 1;
    probe = lo + step;
    step *= 2;
  }
  return lowerBound(a, x, prev, Math.min(probe, hi));
}

/** Markers per block of the per-kind summary (a power of two, at most 255). */
const BLOCK_SHIFT = 5;
const BLOCK = 1 << BLOCK_SHIFT;
/** CPU numbers above this go to the last CPU lane (a bogus number must not allocate much). */
const MAX_CPUS = 256;
/** RPC calls remembered for pairing call, dispatch and reply (the oldest are forgotten). */
const MAX_CALLS = 1 << 14;

// ------------------------------------------------------------------ lanes --

class LaneData implements Lane {
  key: string;
  type: 'cpu' | 'thread';
  cpu: number;
  thread: number;
  pd: number;
  label: string;
  group = '';

  // Closed slices, sorted and disjoint: start, end, running total of durations, SCHEDULE_IN.
  sN = 0;
  sStart = new Float64Array(0);
  sEnd = new Float64Array(0);
  sCum = new Float64Array(0);
  sEvt = new Int32Array(0);
  /** The open slice: its SCHEDULE_IN (-1: none), start, and CPU (thread lanes) or thread (CPU lanes). */
  openEvt = -1;
  openStart = 0;
  openCpu = 0;
  openThread = 0;

  // Markers, sorted by time: time, event index, kind; per-kind counts per block.
  mN = 0;
  mTime = new Float64Array(0);
  mEvt = new Int32Array(0);
  mKind = new Uint8Array(0);
  mBlk = new Uint8Array(0);
  /** Per block: bit k set if the block holds a marker of kind k. */
  mPresent = new Int32Array(0);
  /** Bit k set if the lane has ever held a marker of kind k. */
  mKinds = 0;

  constructor(type: 'cpu' | 'thread', cpu: number, thread: number, pd: number) {
    this.type = type;
    this.cpu = cpu;
    this.thread = thread;
    this.pd = pd;
    this.key = type === 'cpu' ? `cpu${cpu}` : `thread${thread}`;
    this.label = type === 'cpu' ? `cpu${cpu}` : `thread ${thread}`;
  }

  /** End of the last closed slice (later slices start no earlier). */
  sliceFloor(): number {
    return this.sN > 0 ? this.sEnd[this.sN - 1] : -Infinity;
  }

  pushSlice(start: number, end: number, evt: number): void {
    const s = Math.max(start, this.sliceFloor());
    const e = Math.max(end, s);
    const i = this.sN;
    if (i === this.sStart.length) {
      this.sStart = grown(this.sStart, i + 1);
      this.sEnd = grown(this.sEnd, i + 1);
      this.sCum = grown(this.sCum, i + 1);
      this.sEvt = grown(this.sEvt, i + 1);
    }
    this.sStart[i] = s;
    this.sEnd[i] = e;
    this.sCum[i] = (i > 0 ? this.sCum[i - 1] : 0) + (e - s);
    this.sEvt[i] = evt;
    this.sN = i + 1;
  }

  pushMarker(time: number, evt: number, kind: number): void {
    const i = this.mN;
    if (i === this.mTime.length) {
      this.mTime = grown(this.mTime, i + 1);
      this.mEvt = grown(this.mEvt, i + 1);
      this.mKind = grown(this.mKind, i + 1);
    }
    const block = i >> BLOCK_SHIFT;
    this.mBlk = grown(this.mBlk, (block + 1) * NK);
    this.mPresent = grown(this.mPresent, block + 1);
    this.mTime[i] = i > 0 ? Math.max(time, this.mTime[i - 1]) : time;
    this.mEvt[i] = evt;
    this.mKind[i] = kind;
    this.mBlk[block * NK + kind]++;
    this.mPresent[block] |= 1 << kind;
    this.mKinds |= 1 << kind;
    this.mN = i + 1;
  }

  /** Replaces the last marker's event and kind (a page fault by its outcome). */
  replaceLastMarker(evt: number, kind: number): void {
    const i = this.mN - 1;
    const block = i >> BLOCK_SHIFT;
    const base = block * NK;
    if (--this.mBlk[base + this.mKind[i]] === 0) this.mPresent[block] &= ~(1 << this.mKind[i]);
    this.mBlk[base + kind]++;
    this.mPresent[block] |= 1 << kind;
    this.mKinds |= 1 << kind;
    this.mEvt[i] = evt;
    this.mKind[i] = kind;
  }

  bytes(): number {
    return (
      this.sStart.byteLength +
      this.sEnd.byteLength +
      this.sCum.byteLength +
      this.sEvt.byteLength +
      this.mTime.byteLength +
      this.mEvt.byteLength +
      this.mKind.byteLength +
      this.mBlk.byteLength +
      this.mPresent.byteLength
    );
  }
}

// ------------------------------------------------------------------ frame --

/**
 * The answer to a query, in flat typed arrays that the next query may reuse (pass it back as
 * `into`), so panning allocates next to nothing.
 *
 * Lane k of `lanes` has spans [spanFrom[k], spanTo[k]) and marker buckets
 * [markFrom[k], markTo[k]). Span times are ticks (unclipped: a span may begin before t0 or end
 * after t1); a bucket's column is 0..px-1, column c covering [t0 + c*ticksPerPx, t0 + (c+1)*ticksPerPx).
 */
export class TimelineFrame {
  t0 = 0;
  t1 = 0;
  px = 0;
  ticksPerPx = 0;
  lanes: readonly Lane[] = [];
  /** Index of `lanes[0]` in `lanes(filter)`. */
  laneFrom = 0;
  spanFrom = new Int32Array(0);
  spanTo = new Int32Array(0);
  markFrom = new Int32Array(0);
  markTo = new Int32Array(0);

  spanCount = 0;
  spanStart = new Float64Array(0);
  spanEnd = new Float64Array(0);
  /** Time inside slices / span length (0..1). */
  spanBusy = new Float32Array(0);
  /** Slices merged into the span. */
  spanSlices = new Int32Array(0);
  /** The thread that ran (CPU lanes); -1 if the span merges slices of different threads. */
  spanThread = new Int32Array(0);

  markCount = 0;
  markCol = new Int32Array(0);
  /** Events in the bucket (after the kind filter). */
  markN = new Int32Array(0);
  /** Dominant category (index into {@link MARKER_CATEGORIES}). */
  markCat = new Uint8Array(0);
  /** The event when the bucket holds one, else -1. */
  markEvt = new Int32Array(0);

  /** Events per category in this frame (index into {@link MARKER_CATEGORIES}). */
  readonly catCounts = new Int32Array(NCAT);

  reset(t0: number, t1: number, px: number, lanes: readonly Lane[], laneFrom: number): void {
    this.t0 = t0;
    this.t1 = t1;
    this.px = px;
    this.ticksPerPx = px > 0 ? (t1 - t0) / px : 0;
    this.lanes = lanes;
    this.laneFrom = laneFrom;
    const n = lanes.length;
    this.spanFrom = grown(this.spanFrom, n);
    this.spanTo = grown(this.spanTo, n);
    this.markFrom = grown(this.markFrom, n);
    this.markTo = grown(this.markTo, n);
    this.spanFrom.fill(0, 0, n);
    this.spanTo.fill(0, 0, n);
    this.markFrom.fill(0, 0, n);
    this.markTo.fill(0, 0, n);
    this.spanCount = 0;
    this.markCount = 0;
    this.catCounts.fill(0);
  }

  pushSpan(start: number, end: number, busy: number, slices: number, thread: number): void {
    const i = this.spanCount;
    if (i === this.spanStart.length) {
      this.spanStart = grown(this.spanStart, i + 1);
      this.spanEnd = grown(this.spanEnd, i + 1);
      this.spanBusy = grown(this.spanBusy, i + 1);
      this.spanSlices = grown(this.spanSlices, i + 1);
      this.spanThread = grown(this.spanThread, i + 1);
    }
    this.spanStart[i] = start;
    this.spanEnd[i] = end;
    this.spanBusy[i] = end > start ? Math.min(1, busy / (end - start)) : 1;
    this.spanSlices[i] = slices;
    this.spanThread[i] = thread;
    this.spanCount = i + 1;
  }

  pushMark(col: number, n: number, cat: number, evt: number): void {
    const i = this.markCount;
    if (i === this.markCol.length) {
      this.markCol = grown(this.markCol, i + 1);
      this.markN = grown(this.markN, i + 1);
      this.markCat = grown(this.markCat, i + 1);
      this.markEvt = grown(this.markEvt, i + 1);
    }
    this.markCol[i] = col;
    this.markN[i] = n;
    this.markCat[i] = cat;
    this.markEvt[i] = evt;
    this.markCount = i + 1;
  }

  /** Events per category in this frame, by name (every category, zeros included). */
  markerCounts(): Record<MarkerCategory, number> {
    const out = {} as Record<MarkerCategory, number>;
    MARKER_CATEGORIES.forEach((c, i) => (out[c] = this.catCounts[i]));
    return out;
  }

  /** The spans of lane k as objects (for tests and tools; the renderer reads the arrays). */
  spans(k: number): { start: number; end: number; busy: number; slices: number; thread: number }[] {
    const out = [];
    for (let i = this.spanFrom[k]; i < this.spanTo[k]; i++)
      out.push({
        start: this.spanStart[i],
        end: this.spanEnd[i],
        busy: this.spanBusy[i],
        slices: this.spanSlices[i],
        thread: this.spanThread[i],
      });
    return out;
  }

  /** The marker buckets of lane k as objects (for tests and tools). */
  markers(k: number): { col: number; n: number; category: MarkerCategory; event: number }[] {
    const out = [];
    for (let i = this.markFrom[k]; i < this.markTo[k]; i++)
      out.push({
        col: this.markCol[i],
        n: this.markN[i],
        category: MARKER_CATEGORIES[this.markCat[i]],
        event: this.markEvt[i],
      });
    return out;
  }
}

// ------------------------------------------------------------------ model --

const FAULT_TYPES = ['none', 'read', 'write', 'exec'];
const CAUSES: Record<number, string> = {
  0: 'instruction address misaligned',
  1: 'instruction access fault',
  2: 'illegal instruction',
  3: 'breakpoint',
  4: 'load address misaligned',
  5: 'load access fault',
  6: 'store address misaligned',
  7: 'store access fault',
  8: 'environment call from U-mode',
  12: 'instruction page fault',
  13: 'load page fault',
  15: 'store page fault',
};

const hex = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

/** `ticks` for people: "850 ns", "12.3 µs", "4.56 ms", "1.234 s". */
export function formatTicks(ticks: number): string {
  const us = ticks / TICKS_PER_US;
  const abs = Math.abs(us);
  if (abs < 1) return `${Math.round(us * 1000)} ns`;
  if (abs < 1000) return `${+us.toFixed(abs < 10 ? 2 : 1)} µs`;
  if (abs < 1e6) return `${+(us / 1000).toFixed(abs < 1e4 ? 3 : 2)} ms`;
  return `${+(us / 1e6).toFixed(3)} s`;
}

/** A point in virtual time to the tick: "0.3 µs", "130.8425 ms", "12.3456789 s". */
export function formatTime(ticks: number): string {
  if (Math.abs(ticks) < 1e4) return `${+(ticks / TICKS_PER_US).toFixed(1)} µs`;
  if (Math.abs(ticks) < 1e7) return `${(ticks / 1e4).toFixed(4)} ms`;
  return `${(ticks / 1e7).toFixed(7)} s`;
}

/**
 * All trace events the UI has received, with the lanes, slices and markers derived from them.
 *
 * Append-only: the store calls {@link append} with each batch and copies {@link version} into
 * something reactive; views query. Keep the model itself out of Vue's reactivity (`markRaw`):
 * a reactive proxy around its typed arrays would make every read slow.
 */
export class TimelineModel {
  /** Incremented by every append that added events and by {@link setNames}. */
  version = 0;
  /** Events that never arrived (gaps in the sequence numbers). */
  lost = 0;
  /** Earliest and latest event time seen (ticks); 0 and 0 while empty. */
  startTime = 0;
  endTime = 0;

  // The event store, one column per field.
  private n = 0;
  private time = new Float64Array(0);
  private thread = new Int32Array(0);
  private a = new Int32Array(0);
  private b = new Int32Array(0);
  private cpu = new Uint8Array(0);
  private kind = new Uint8Array(0);
  /** Runs of consecutive sequence numbers: the run starting at store index runIdx[r] starts at runSeq[r]. */
  private readonly runIdx: number[] = [];
  private readonly runSeq: number[] = [];
  private nextSeq = 0;

  private readonly threadLanes = new Map<number, LaneData>();
  private readonly cpuLanes: LaneData[] = [];
  private readonly pdOfThread = new Map<number, number>();
  private names: TimelineNames | null = null;
  private readonly pdNames = new Map<number, string>();

  /** Lanes in display order; null: to be sorted again. */
  private sorted: LaneData[] | null = null;
  private labelsStale = true;
  private filteredFor: ReadonlySet<number> | null = null;
  private filtered: LaneData[] = [];
  private filteredStamp = -1;
  private laneStamp = 0;

  // RPC calls: call id -> slot; per slot the call id and its call, dispatch and reply events.
  private readonly callSlot = new Map<number, number>();
  private readonly callId = new Float64Array(MAX_CALLS);
  private readonly callEvt = new Int32Array(MAX_CALLS * 3).fill(-1);
  private callNext = 0;

  private readonly scratch = new Int32Array(NCAT);
  /** Per kind: its category if the current query shows it, else -1. */
  private readonly shownCat = new Int8Array(NK);

  /** Events held. */
  get size(): number {
    return this.n;
  }

  // --------------------------------------------------------------- input --

  /**
   * Adds events in sequence order. Events whose sequence number is below the next one expected
   * are duplicates (an overlapping traceSince) and are skipped; a jump forward counts as lost.
   * Returns how many were added.
   */
  append(events: readonly TraceEventInfo[]): number {
    let added = 0;
    for (const e of events) {
      if (e.seq < this.nextSeq) continue;
      const kind = KIND_INDEX.get(e.kind);
      if (kind === undefined) continue;
      this.store(e, kind);
      added++;
    }
    if (added > 0) this.version++;
    return added;
  }

  /** Where lane labels come from; the model keeps the last name it saw for ids the source forgets. */
  setNames(names: TimelineNames | null): void {
    this.names = names;
    this.labelsStale = true;
    this.version++;
  }

  private store(e: TraceEventInfo, kind: number): void {
    const i = this.n;
    if (i === this.time.length) {
      this.time = grown(this.time, i + 1);
      this.thread = grown(this.thread, i + 1);
      this.a = grown(this.a, i + 1);
      this.b = grown(this.b, i + 1);
      this.cpu = grown(this.cpu, i + 1);
      this.kind = grown(this.kind, i + 1);
    }
    if (i === 0 || e.seq !== this.nextSeq) {
      if (i > 0) this.lost += e.seq - this.nextSeq;
      this.runIdx.push(i);
      this.runSeq.push(e.seq);
    }
    this.nextSeq = e.seq + 1;
    const cpu = Math.min(e.cpu, MAX_CPUS - 1);
    const t = e.time;
    this.time[i] = t;
    this.thread[i] = e.thread;
    this.a[i] = e.a | 0;
    this.b[i] = e.b | 0;
    this.cpu[i] = cpu;
    this.kind[i] = kind;
    this.n = i + 1;
    if (i === 0) this.startTime = this.endTime = t;
    else if (t > this.endTime) this.endTime = t;
    else if (t < this.startTime) this.startTime = t;

    const cpuLane = this.cpuLane(cpu);
    if (e.thread === 0) {
      if (kind !== K_SCHEDULE_IN && kind !== K_SCHEDULE_OUT) this.marker(cpuLane, t, i, kind);
      return;
    }
    const lane = this.threadLane(e.thread, e.pd);
    switch (kind) {
      case K_SCHEDULE_IN:
        this.close(lane, t);
        // The CPU ran someone else: that thread's switch-out was lost.
        if (cpuLane.openEvt >= 0) this.close(this.threadLanes.get(cpuLane.openThread)!, t);
        lane.openEvt = i;
        lane.openStart = Math.max(t, lane.sliceFloor());
        lane.openCpu = cpu;
        cpuLane.openEvt = i;
        cpuLane.openStart = Math.max(t, cpuLane.sliceFloor());
        cpuLane.openThread = e.thread;
        return;
      case K_SCHEDULE_OUT:
        return this.close(lane, t);
      case K_THREAD_EXIT:
        this.close(lane, t);
        return this.marker(lane, t, i, kind);
      case K_IRQ:
        return this.marker(cpuLane, t, i, kind);
      case K_RPC_CALL:
        if (e.b !== 0) this.callEvt[this.callSlotOf(e.b, true) * 3] = i;
        return this.marker(lane, t, i, kind);
      case K_RPC_DISPATCH:
      case K_RPC_REPLY: {
        const id = kind === K_RPC_DISPATCH ? e.b : e.a;
        const slot = id !== 0 ? this.callSlotOf(id, false) : -1;
        if (slot >= 0) this.callEvt[slot * 3 + kind - K_RPC_CALL] = i;
        return this.marker(lane, t, i, kind);
      }
      default:
        return this.marker(lane, t, i, kind);
    }
  }

  /** Ends the slice open on thread lane `lane` (and on its CPU's lane) at `t`. */
  private close(lane: LaneData, t: number): void {
    const evt = lane.openEvt;
    if (evt < 0) return;
    lane.pushSlice(lane.openStart, t, evt);
    lane.openEvt = -1;
    const cpuLane = this.cpuLanes[lane.openCpu];
    if (cpuLane.openEvt === evt) {
      cpuLane.pushSlice(cpuLane.openStart, t, evt);
      cpuLane.openEvt = -1;
    }
  }

  private marker(lane: LaneData, t: number, i: number, kind: number): void {
    if ((kind === K_PAGE_FAULT_RESOLVED || kind === K_PAGE_FAULT_UNRESOLVED) && lane.mN > 0) {
      const last = lane.mN - 1;
      if (lane.mKind[last] === K_PAGE_FAULT && this.a[lane.mEvt[last]] === this.a[i]) {
        return lane.replaceLastMarker(i, kind);
      }
    }
    lane.pushMarker(t, i, kind);
  }

  /** The slot of call `id`; with `create`, a fresh slot (a new call, or a call id used again). */
  private callSlotOf(id: number, create: boolean): number {
    const known = this.callSlot.get(id);
    if (!create) return known ?? -1;
    if (known !== undefined) this.callSlot.delete(id);
    const slot = this.callNext;
    this.callNext = (slot + 1) % MAX_CALLS;
    const old = this.callId[slot];
    if (this.callSlot.get(old) === slot) this.callSlot.delete(old);
    this.callId[slot] = id;
    this.callEvt.fill(-1, slot * 3, slot * 3 + 3);
    this.callSlot.set(id, slot);
    return slot;
  }

  private cpuLane(cpu: number): LaneData {
    while (this.cpuLanes.length <= cpu) {
      this.cpuLanes.push(new LaneData('cpu', this.cpuLanes.length, 0, 0));
      this.laneAdded();
    }
    return this.cpuLanes[cpu];
  }

  private threadLane(thread: number, pd: number): LaneData {
    let lane = this.threadLanes.get(thread);
    if (lane === undefined) {
      lane = new LaneData('thread', -1, thread, pd);
      this.threadLanes.set(thread, lane);
      this.pdOfThread.set(thread, pd);
      this.laneAdded();
    }
    return lane;
  }

  private laneAdded(): void {
    this.sorted = null;
    this.labelsStale = true;
    this.laneStamp++;
  }

  // --------------------------------------------------------------- lanes --

  /** The lanes shown under `filter`, CPUs first, then threads by PD and id. */
  lanes(filter?: TimelineFilter): readonly Lane[] {
    return this.laneData(filter?.pds ?? null);
  }

  private laneData(pds: ReadonlySet<number> | null): LaneData[] {
    if (this.sorted === null) {
      const threads = [...this.threadLanes.values()].sort((x, y) => x.pd - y.pd || x.thread - y.thread);
      this.sorted = [...this.cpuLanes, ...threads];
    }
    if (this.labelsStale) this.refreshLabels();
    if (pds === null) return this.sorted;
    if (this.filteredFor !== pds || this.filteredStamp !== this.laneStamp) {
      this.filteredFor = pds;
      this.filteredStamp = this.laneStamp;
      this.filtered = this.sorted.filter((l) => l.type === 'cpu' || pds.has(l.pd));
    }
    return this.filtered;
  }

  private refreshLabels(): void {
    this.labelsStale = false;
    for (const lane of this.threadLanes.values()) {
      const name = this.names?.thread(lane.thread);
      if (name !== undefined) lane.label = name;
      lane.group = this.pdLabel(lane.pd);
    }
  }

  /** PD `id`'s label (the last one the names gave, else "pd <id>"; 0 is core). */
  pdLabel(id: number): string {
    if (id === 0) return 'core';
    const name = this.names?.pd(id);
    if (name !== undefined) this.pdNames.set(id, name);
    return this.pdNames.get(id) ?? `pd ${id}`;
  }

  /** Thread `id`'s name as its lane shows it ('' for 0: core). */
  threadName(id: number): string {
    if (id === 0) return '';
    const lane = this.threadLanes.get(id);
    if (lane && this.labelsStale) this.refreshLabels();
    return lane?.label ?? this.names?.thread(id) ?? `thread ${id}`;
  }

  /** The PDs that have threads in the trace, by id, with labels (for a PD filter). */
  pds(): { id: number; label: string }[] {
    const ids = [...new Set(this.pdOfThread.values())].sort((x, y) => x - y);
    return ids.map((id) => ({ id, label: this.pdLabel(id) }));
  }

  // -------------------------------------------------------------- events --

  /**
   * A model of the events with sequence numbers below `count` (the system went back in time:
   * later events did not happen any more). Names carry over.
   */
  truncated(count: number): TimelineModel {
    const m = new TimelineModel();
    m.setNames(this.names);
    const batch: TraceEventInfo[] = [];
    for (let i = 0; i < this.n; i++) {
      const e = this.eventAt(i);
      if (e.seq >= count) break;
      batch.push({ seq: e.seq, time: e.time, cpu: e.cpu, thread: e.thread, pd: e.pd, kind: e.kind, a: e.a, b: e.b });
      if (batch.length === 65536) m.append(batch.splice(0));
    }
    m.append(batch);
    return m;
  }

  /** The event at store index `i` (0..size-1). */
  eventAt(i: number): TimelineEvent {
    return {
      index: i,
      seq: this.seqAt(i),
      time: this.time[i],
      cpu: this.cpu[i],
      thread: this.thread[i],
      pd: this.thread[i] === 0 ? 0 : (this.pdOfThread.get(this.thread[i]) ?? 0),
      kind: KIND_NAMES[this.kind[i]],
      a: this.a[i],
      b: this.b[i],
    };
  }

  private seqAt(i: number): number {
    let lo = 0;
    let hi = this.runIdx.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.runIdx[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.runSeq[lo] + (i - this.runIdx[lo]);
  }

  /** Bytes of the typed arrays the model holds (its memory, up to a few small maps). */
  bytes(): number {
    let total =
      this.time.byteLength +
      this.thread.byteLength +
      this.a.byteLength +
      this.b.byteLength +
      this.cpu.byteLength +
      this.kind.byteLength +
      this.callId.byteLength +
      this.callEvt.byteLength;
    for (const lane of this.cpuLanes) total += lane.bytes();
    for (const lane of this.threadLanes.values()) total += lane.bytes();
    return total;
  }

  // --------------------------------------------------------------- query --

  /**
   * The lanes of `options.filter` (or the window laneFrom..laneFrom+laneCount of them) between
   * t0 and t1 (ticks) at `pxWidth` pixels: merged slices and marker buckets per lane. Work is
   * O(lanes x pixels x log events), whatever the number of events in view.
   */
  query(t0: number, t1: number, pxWidth: number, options: QueryOptions = {}, into?: TimelineFrame): TimelineFrame {
    const frame = into ?? new TimelineFrame();
    const pds = options.filter?.pds ?? null;
    const all = this.laneData(pds);
    const from = Math.max(0, Math.min(all.length, Math.floor(options.laneFrom ?? 0)));
    const to = Math.min(all.length, from + Math.max(0, Math.floor(options.laneCount ?? all.length)));
    const px = Math.max(0, Math.floor(pxWidth));
    frame.reset(t0, t1, px, all.slice(from, to), from);
    if (!(t1 > t0) || px < 1 || this.n === 0) return frame;
    const kinds = options.filter?.kinds ?? ALL_KINDS;
    const tpp = (t1 - t0) / px;
    const cat = this.shownCat;
    for (let k = 0; k < NK; k++) cat[k] = (kinds >>> k) & 1 ? KIND_CAT[k] : -1;
    for (let k = 0; k < to - from; k++) {
      const lane = all[from + k];
      const cpuFiltered = lane.type === 'cpu' && pds !== null;
      frame.spanFrom[k] = frame.spanCount;
      if (kinds & RUN_KINDS) {
        if (cpuFiltered) this.spansOfPds(lane, pds, t0, t1, tpp, frame);
        else this.spans(lane, t0, t1, tpp, frame);
      }
      frame.spanTo[k] = frame.spanCount;
      frame.markFrom[k] = frame.markCount;
      if (!(cpuFiltered && !pds.has(0)))
        this.buckets(lane, t0, tpp, px, lowerBound(lane.mTime, t1, 0, lane.mN), cat, frame);
      frame.markTo[k] = frame.markCount;
    }
    return frame;
  }

  /**
   * A lane's slices as spans: a slice at least a pixel wide is a span of its own (so two
   * threads that follow each other on a CPU keep their colours); runs of narrower slices less
   * than a pixel apart merge. The slices a run absorbs between two probes all lie within one
   * pixel, hence narrow, so a run jumps over them by binary search: O(pixels x log n).
   */
  private spans(lane: LaneData, t0: number, t1: number, tpp: number, f: TimelineFrame): void {
    const n = lane.sN;
    const S = lane.sStart;
    const E = lane.sEnd;
    const C = lane.sCum;
    const first = f.spanCount;
    let i = lowerBound(E, t0, 0, n);
    while (i < n && S[i] <= t1) {
      let j = i;
      let e = E[i];
      if (e - S[i] < tpp) {
        while (e < t1) {
          // Slices j+1..k start within a pixel of the run's end; all but k end there too.
          const k = gallop(S, e + tpp, j + 1, n) - 1;
          if (k <= j) break;
          if (E[k] - S[k] >= tpp) {
            if (k - 1 > j) e = Math.max(e, E[(j = k - 1)]);
            break;
          }
          j = k;
          e = Math.max(e, E[k]);
        }
      }
      const thread = this.sliceThread(lane, i);
      const busy = C[j] - (i > 0 ? C[i - 1] : 0);
      f.pushSpan(S[i], e, busy, j - i + 1, thread === this.sliceThread(lane, j) ? thread : -1);
      i = j + 1;
    }
    if (lane.openEvt >= 0) {
      const thread = lane.type === 'cpu' ? lane.openThread : lane.thread;
      this.openSpan(lane.openStart, Math.max(lane.openStart, this.endTime), thread, first, t0, t1, tpp, f);
    }
  }

  /**
   * Adds the span of a slice still running (to the latest event), merged into the lane's last
   * span if both are narrow and less than a pixel apart. `first`: the lane's first span.
   */
  private openSpan(
    s: number,
    e: number,
    thread: number,
    first: number,
    t0: number,
    t1: number,
    tpp: number,
    f: TimelineFrame,
  ): void {
    if (s > t1 || e < t0) return;
    const last = f.spanCount - 1;
    if (last >= first && e - s < tpp) {
      const lastStart = f.spanStart[last];
      const lastEnd = f.spanEnd[last];
      if (s - lastEnd < tpp && (f.spanSlices[last] > 1 || lastEnd - lastStart < tpp)) {
        const end = Math.max(lastEnd, e);
        const busy = f.spanBusy[last] * (lastEnd - lastStart) + (e - s);
        f.spanEnd[last] = end;
        f.spanBusy[last] = end > lastStart ? Math.min(1, busy / (end - lastStart)) : 1;
        f.spanSlices[last]++;
        if (f.spanThread[last] !== thread) f.spanThread[last] = -1;
        return;
      }
    }
    f.pushSpan(s, e, e - s, 1, thread);
  }

  /** {@link spans} of a CPU lane showing only threads of `pds`: visits each slice in view. */
  private spansOfPds(
    lane: LaneData,
    pds: ReadonlySet<number>,
    t0: number,
    t1: number,
    tpp: number,
    f: TimelineFrame,
  ): void {
    const n = lane.sN;
    // The pending span: a wide slice, or a run of narrow ones.
    let start = 0;
    let end = -Infinity;
    let busy = 0;
    let count = 0;
    let thread = 0;
    let wide = false;
    const put = (s: number, e: number, th: number): void => {
      const narrow = e - s < tpp;
      if (count > 0 && !wide && narrow && s - end < tpp) {
        end = Math.max(end, e);
        busy += e - s;
        count++;
        if (th !== thread) thread = -1;
        return;
      }
      if (count > 0) f.pushSpan(start, end, busy, count, thread);
      start = s;
      end = e;
      busy = e - s;
      count = 1;
      thread = th;
      wide = !narrow;
    };
    for (let i = lowerBound(lane.sEnd, t0, 0, n); i < n && lane.sStart[i] <= t1; i++) {
      const th = this.thread[lane.sEvt[i]];
      if (pds.has(this.pdOfThread.get(th) ?? 0)) put(lane.sStart[i], lane.sEnd[i], th);
    }
    if (lane.openEvt >= 0 && pds.has(this.pdOfThread.get(lane.openThread) ?? 0)) {
      const e = Math.max(lane.openStart, this.endTime);
      if (lane.openStart <= t1 && e >= t0) put(lane.openStart, e, lane.openThread);
    }
    if (count > 0) f.pushSpan(start, end, busy, count, thread);
  }

  private sliceThread(lane: LaneData, i: number): number {
    return lane.type === 'cpu' ? this.thread[lane.sEvt[i]] : lane.thread;
  }

  /**
   * One bucket per pixel column holding markers in [t0, t1) (`hi`: the first marker at or
   * after t1); `cat` maps a kind to its category, or to -1 if the filter hides it. A column of
   * up to 64 markers is walked marker by marker; a denser one is counted through its full
   * blocks of 32 (kinds present and counts), walking only the partial blocks at its ends.
   */
  private buckets(
    lane: LaneData,
    t0: number,
    tpp: number,
    px: number,
    hi: number,
    cat: Int8Array,
    f: TimelineFrame,
  ): void {
    let kinds = 0;
    for (let k = 0; k < NK; k++) if (cat[k] >= 0) kinds |= 1 << k;
    if ((lane.mKinds & kinds) === 0) return;
    const T = lane.mTime;
    const K = lane.mKind;
    const cc = this.scratch;
    const totals = f.catCounts;
    let i = lowerBound(T, t0, 0, hi);
    while (i < hi) {
      let col = Math.floor((T[i] - t0) / tpp);
      if (col >= px) col = px - 1;
      const end = t0 + (col + 1) * tpp;
      // Count by category into `cc` (all zeros between columns), noting which are present.
      let seen = 0;
      let m = i;
      const walk = Math.min(hi, i + 2 * BLOCK);
      do {
        const c = cat[K[m]];
        if (c >= 0) {
          cc[c]++;
          seen |= 1 << c;
        }
        m++;
      } while (m < walk && T[m] < end);
      if (m === walk && m < hi && T[m] < end) {
        const j = gallop(T, end, m, hi);
        seen |= this.countBlocks(lane, m, j, kinds, cat);
        m = j;
      }
      // Categories in precedence order (lowest bit first): alerts win, then the most frequent.
      let total = 0;
      let dominant = -1;
      let most = 0;
      while (seen !== 0) {
        const c = 31 - Math.clz32(seen & -seen);
        seen &= seen - 1;
        const v = cc[c];
        cc[c] = 0;
        total += v;
        totals[c] += v;
        if (dominant < 0 || (dominant >= ALERTS && v > most)) {
          dominant = c;
          most = v;
        }
      }
      if (total > 0) f.pushMark(col, total, dominant, total === 1 ? this.firstShown(lane, i, m, cat) : -1);
      i = m;
    }
  }

  /** Adds the markers [m, j) of the kinds in `kinds` to the scratch counts; returns the categories seen. */
  private countBlocks(lane: LaneData, m: number, j: number, kinds: number, cat: Int8Array): number {
    const K = lane.mKind;
    const cc = this.scratch;
    let seen = 0;
    const firstFull = (m + BLOCK - 1) >> BLOCK_SHIFT;
    const endFull = j >> BLOCK_SHIFT;
    if (endFull > firstFull) {
      for (const head = firstFull << BLOCK_SHIFT; m < head; m++) {
        const c = cat[K[m]];
        if (c >= 0) {
          cc[c]++;
          seen |= 1 << c;
        }
      }
      const blk = lane.mBlk;
      const present = lane.mPresent;
      for (let b = firstFull; b < endFull; b++) {
        let bits = present[b] & kinds;
        while (bits !== 0) {
          const k = 31 - Math.clz32(bits & -bits);
          bits &= bits - 1;
          const c = cat[k];
          cc[c] += blk[b * NK + k];
          seen |= 1 << c;
        }
      }
      m = endFull << BLOCK_SHIFT;
    }
    for (; m < j; m++) {
      const c = cat[K[m]];
      if (c >= 0) {
        cc[c]++;
        seen |= 1 << c;
      }
    }
    return seen;
  }

  private firstShown(lane: LaneData, i: number, j: number, cat: Int8Array): number {
    for (let m = i; m < j; m++) if (cat[lane.mKind[m]] >= 0) return lane.mEvt[m];
    return -1;
  }

  // ---------------------------------------------------------------- pick --

  /**
   * What is at `time` (ticks) on lane `key`: the marker nearest to it within `tolerance`
   * ticks, else the slice that contains it (or the nearest one within `tolerance`); null if
   * nothing, or if the filter hides it.
   */
  pick(key: string, time: number, tolerance: number, filter?: TimelineFilter): TimelineHit | null {
    const lane = this.laneByKey(key);
    if (lane === undefined) return null;
    const pds = filter?.pds ?? null;
    const kinds = filter?.kinds ?? ALL_KINDS;
    if (lane.type === 'thread' && pds !== null && !pds.has(lane.pd)) return null;
    if (!(lane.type === 'cpu' && pds !== null && !pds.has(0))) {
      const m = this.nearestMarker(lane, time, tolerance, kinds);
      if (m >= 0) return { type: 'event', lane: key, event: this.eventAt(lane.mEvt[m]) };
    }
    if (!(kinds & RUN_KINDS)) return null;
    return this.sliceAt(lane, time, tolerance, pds);
  }

  private laneByKey(key: string): LaneData | undefined {
    if (key.startsWith('cpu')) return this.cpuLanes[Number(key.slice(3))];
    if (key.startsWith('thread')) return this.threadLanes.get(Number(key.slice(6)));
    return undefined;
  }

  private nearestMarker(lane: LaneData, time: number, tol: number, kinds: number): number {
    const T = lane.mTime;
    const at = lowerBound(T, time, 0, lane.mN);
    let best = -1;
    let bestD = Infinity;
    for (let m = at; m < lane.mN && T[m] - time <= tol && T[m] - time < bestD; m++) {
      if ((kinds >>> lane.mKind[m]) & 1) {
        best = m;
        bestD = T[m] - time;
        break;
      }
    }
    for (let m = at - 1; m >= 0 && time - T[m] <= tol && time - T[m] <= bestD; m--) {
      if ((kinds >>> lane.mKind[m]) & 1) {
        // On a tie the earlier marker wins only if it is more severe.
        const d = time - T[m];
        if (d < bestD || KIND_CAT[lane.mKind[m]] < KIND_CAT[lane.mKind[best]]) best = m;
        break;
      }
    }
    return best;
  }

  private sliceAt(lane: LaneData, time: number, tol: number, pds: ReadonlySet<number> | null): TimelineHit | null {
    const shown = (evt: number): boolean => pds === null || pds.has(this.pdOfThread.get(this.thread[evt]) ?? 0);
    let best: { start: number; end: number; evt: number; open: boolean } | null = null;
    let bestD = Infinity;
    const consider = (start: number, end: number, evt: number, open: boolean): void => {
      const d = time < start ? start - time : time > end ? time - end : 0;
      if (d <= tol && d < bestD && shown(evt)) {
        best = { start, end, evt, open };
        bestD = d;
      }
    };
    const n = lane.sN;
    for (let i = lowerBound(lane.sEnd, time - tol, 0, n); i < n && lane.sStart[i] <= time + tol; i++) {
      consider(lane.sStart[i], lane.sEnd[i], lane.sEvt[i], false);
    }
    if (lane.openEvt >= 0) consider(lane.openStart, Math.max(lane.openStart, this.endTime), lane.openEvt, true);
    if (best === null) return null;
    const { start, end, evt, open } = best;
    const event = this.eventAt(evt);
    return {
      type: 'slice',
      lane: lane.key,
      thread: event.thread,
      pd: event.pd,
      cpu: event.cpu,
      start,
      end,
      open,
      event,
    };
  }

  // ------------------------------------------------------------ describe --

  /** A plain description of a hit for a details panel (names resolved, values formatted). */
  describe(hit: TimelineHit): TimelineSelection {
    const e = hit.event;
    const base = {
      lane: hit.lane,
      seq: e.seq,
      cpu: e.cpu,
      thread: e.thread,
      threadName: this.threadName(e.thread),
      pd: e.pd,
      pdLabel: this.pdLabel(e.pd),
    };
    if (hit.type === 'slice') {
      return {
        ...base,
        type: 'slice',
        title: 'run',
        kind: 'run',
        time: hit.start,
        end: hit.end,
        details: {
          start: formatTime(hit.start),
          duration: formatTicks(hit.end - hit.start) + (hit.open ? ' (still running)' : ''),
          cpu: String(hit.cpu),
        },
      };
    }
    return { ...base, type: 'event', title: e.kind, kind: e.kind, time: e.time, details: this.details(e) };
  }

  private details(e: TimelineEvent): Record<string, string> {
    const d: Record<string, string> = { time: formatTime(e.time) };
    const { a, b } = e;
    switch (e.kind) {
      case 'rpc-call':
      case 'rpc-dispatch':
      case 'rpc-reply': {
        const id = e.kind === 'rpc-reply' ? a : b;
        if (e.kind === 'rpc-reply') d.result = String(b);
        else d.object = String(a);
        d.call = String(id);
        const slot = id !== 0 ? (this.callSlot.get(id) ?? -1) : -1;
        if (slot >= 0) {
          const [call, dispatch, reply] = [0, 1, 2].map((r) => this.callEvt[slot * 3 + r]);
          const who = (i: number): string => `${this.pdLabel(this.eventAt(i).pd)} / ${this.threadName(this.thread[i])}`;
          if (call >= 0) d.caller = who(call);
          if (call >= 0 && e.kind === 'rpc-reply') d.object = String(this.a[call]);
          if (dispatch >= 0) d.server = who(dispatch);
          if (call >= 0 && reply >= 0) d.latency = formatTicks(this.time[reply] - this.time[call]);
          if (reply >= 0 && e.kind !== 'rpc-reply') d.result = String(this.b[reply]);
        }
        return d;
      }
      case 'signal-submit':
      case 'signal-receive':
        return { ...d, context: String(a), count: String(b >>> 0) };
      case 'page-fault':
      case 'page-fault-resolved':
      case 'page-fault-unresolved':
        return { ...d, address: hex(a), access: FAULT_TYPES[b] ?? `type ${b}` };
      case 'irq':
      case 'irq-ack':
        return { ...d, irq: String(a), cpu: String(e.cpu) };
      case 'session-open':
      case 'session-upgrade':
        return { ...d, session: String(a), ram: String(b >>> 0) };
      case 'session-close':
        return { ...d, session: String(a) };
      case 'quota-transfer':
        return { ...d, to: String(a), amount: String(b >>> 0) };
      case 'quota-exhausted':
        return { ...d, result: String(a), quota: b === 1 ? 'caps' : 'RAM' };
      case 'exception':
        return { ...d, cause: `${a} (${CAUSES[a] ?? 'unknown'})`, tval: hex(b) };
      case 'thread-start':
        return { ...d, ip: hex(a), sp: hex(b) };
      case 'log':
      case 'thread-exit':
        return d;
      default:
        return { ...d, a: String(a), b: String(b) };
    }
  }
}

/** The kind index of an event kind name (for callers building masks by hand). */
export function kindIndex(name: TraceKindName): number {
  return KIND_INDEX.get(name)!;
}

/** The marker category of an event kind (null: the schedule kinds, and 'run' slices). */
export function categoryOf(kind: TraceKindName | 'run'): MarkerCategory | null {
  return kind === 'run' ? null : CATEGORY_OF[kind];
}
