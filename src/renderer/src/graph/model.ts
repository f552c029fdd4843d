/**
 * The topology graph as data: a {@link Topology} (plus, optionally, the capability spaces of
 * some PDs and the wait-for cycles) turned into cytoscape element definitions, and the
 * difference between two such lists, so the view can update the graph in place instead of
 * laying it out again.
 *
 * Pure TypeScript: no DOM, no cytoscape instance (only its element shape), so it runs under
 * vitest in Node.
 *
 * Element ids are stable across topologies, which is what makes the diff work:
 *
 *   pd-<id>                               a PD, a compound node holding its threads
 *   core                                  core (not a PD: it serves sessions, creates objects)
 *   thread-<id>                           a thread, child of its PD's node
 *   parent-<parent>-<child>               the PD that created another (PD `parent`, or init)
 *   session-<client>-<server>-<service>   all sessions of one client at one server for one service
 *   cap-<holder>-<origin>                 the holder has capabilities to objects the origin made
 *   wait-<from>-<to>                      thread `from` waits for thread `to` in a deadlock
 *
 * Besides the elements: where new nodes go ({@link placeNew}), the two-level layout
 * ({@link pdGraph}, {@link arrangeThreads}), the throttle of the page-fault and IRQ flashes
 * ({@link Flasher}) and a synthetic topology for benchmarks ({@link syntheticTopology}).
 */
import type { CapSpace, ThreadInfo, Topology } from '../../../engine/protocol';

/** One row of a PD's capability space. */
export type CapRow = CapSpace['rows'][number];
export type ThreadState = ThreadInfo['state'];
type PdInfo = Topology['pds'][number];

/** A model position (cytoscape's coordinates, not screen pixels). */
export type Position = { x: number; y: number };

export type PdNodeData = {
  id: string;
  kind: 'pd';
  pd: number;
  label: string;
  /** The node of the PD that created it (its parent or init), for placing it; null if none. */
  owner: string | null;
  threads: number;
};

export type CoreNodeData = { id: 'core'; kind: 'core'; label: string };

export type ThreadNodeData = {
  id: string;
  kind: 'thread';
  /** The PD's node: cytoscape's compound parent. */
  parent: string;
  thread: number;
  pd: number;
  label: string;
  state: ThreadState;
};

export type EdgeKind = 'parent' | 'session' | 'cap' | 'wait';

export type EdgeData = {
  id: string;
  kind: EdgeKind;
  source: string;
  target: string;
  label: string;
  /** Sessions (session edge) or capabilities (cap edge) the edge stands for; 1 otherwise. */
  count: number;
};

export type NodeElement = { group: 'nodes'; data: PdNodeData | CoreNodeData | ThreadNodeData; classes: string };
export type EdgeElement = { group: 'edges'; data: EdgeData; classes: string };
/** An element definition cytoscape accepts as is (`cy.add`). */
export type GraphElement = NodeElement | EdgeElement;

export interface GraphOptions {
  /**
   * Capability rows per PD id; PDs without rows get no capability edges. Leave it out to hide
   * capability edges altogether (the view's "show capabilities" toggle).
   */
  caps?: Readonly<Record<number, readonly CapRow[] | undefined>>;
  /**
   * Deadlock cycles: thread ids in waiting order (each waits for the next, the last for the
   * first). Their threads, the PDs holding them, a wait edge per step and the session edges
   * between those PDs get the class 'deadlock'.
   */
  cycles?: readonly (readonly number[])[];
  /** The selected PD, which gets the class 'selected'. */
  selected?: number | null;
}

// ------------------------------------------------------------------ ids --

export const CORE_NODE = 'core';
export const pdNodeId = (pd: number): string => `pd-${pd}`;
export const threadNodeId = (thread: number): string => `thread-${thread}`;

/** The node of a session server or capability origin. */
const refNodeId = (ref: number | 'core'): string => (ref === 'core' ? CORE_NODE : pdNodeId(ref));

/** The class of a thread's state; 'not started' becomes 'not-started' (a class has no spaces). */
export function stateClass(state: ThreadState): string {
  return state.replace(' ', '-');
}

/** Init: the PD labelled 'init' that is not itself a child of some init; null if there is none. */
export function findInit(topology: Topology): PdInfo | null {
  const inits = topology.pds.filter((pd) => pd.label === 'init');
  return inits.find((pd) => pd.child === null) ?? inits[0] ?? null;
}

// ------------------------------------------------------------- elements --

/**
 * The elements of a topology, in an order cytoscape can add them in one call: core, PD nodes,
 * thread nodes, then edges (parent, session, capability, wait). Edges whose ends are not in
 * the topology (a session of a PD that is gone) are left out.
 */
export function buildElements(topology: Topology, options: GraphOptions = {}): GraphElement[] {
  const pds = new Map(topology.pds.map((pd) => [pd.id, pd]));
  const init = findInit(topology);
  const deadlocked = new Set(options.cycles?.flat());
  const threadPd = new Map<number, number>();
  for (const pd of topology.pds) for (const t of pd.threads) threadPd.set(t.id, pd.id);

  const owner = (pd: PdInfo): number | null => {
    if (pd.parent !== null && pds.has(pd.parent)) return pd.parent;
    if (pd.child !== null && init && init.id !== pd.id) return init.id;
    return null;
  };

  const nodes: NodeElement[] = [];
  const threads: NodeElement[] = [];
  for (const pd of topology.pds) {
    const from = owner(pd);
    const classes = ['pd'];
    if (pd === init) classes.push('init');
    if (pd.exitCode !== null) classes.push('exited');
    if (options.selected === pd.id) classes.push('selected');
    if (pd.threads.some((t) => deadlocked.has(t.id))) classes.push('deadlock');
    nodes.push({
      group: 'nodes',
      data: {
        id: pdNodeId(pd.id),
        kind: 'pd',
        pd: pd.id,
        label: pd.label || `PD ${pd.id}`,
        owner: from === null ? null : pdNodeId(from),
        threads: pd.threads.length,
      },
      classes: classes.join(' '),
    });
    for (const t of pd.threads) {
      const tc = ['thread', stateClass(t.state)];
      if (deadlocked.has(t.id)) tc.push('deadlock');
      threads.push({
        group: 'nodes',
        data: {
          id: threadNodeId(t.id),
          kind: 'thread',
          parent: pdNodeId(pd.id),
          thread: t.id,
          pd: pd.id,
          label: t.name || `thread ${t.id}`,
          state: t.state,
        },
        classes: tc.join(' '),
      });
    }
  }

  const edges: EdgeElement[] = [];
  const edge = (kind: EdgeKind, id: string, source: string, target: string, label = '', count = 1): EdgeElement => ({
    group: 'edges',
    data: { id, kind, source, target, label, count },
    classes: kind,
  });

  // Who created whom.
  for (const pd of topology.pds) {
    const from = owner(pd);
    if (from !== null) edges.push(edge('parent', `parent-${from}-${pd.id}`, pdNodeId(from), pdNodeId(pd.id)));
  }

  // Consecutive threads of a cycle, by the PDs they are in: the session edges between those
  // PDs carry the deadlock too.
  const deadlockPdPairs = new Set<string>();
  const waits: [number, number][] = [];
  for (const cycle of options.cycles ?? []) {
    cycle.forEach((from, i) => {
      const to = cycle[(i + 1) % cycle.length];
      if (!threadPd.has(from) || !threadPd.has(to)) return;
      waits.push([from, to]);
      deadlockPdPairs.add(`${threadPd.get(from)}-${threadPd.get(to)}`);
    });
  }

  // Sessions, one edge per (client, server, service).
  let usesCore = false;
  const sessions = new Map<string, EdgeElement>();
  for (const s of topology.sessions) {
    if (!pds.has(s.client) || (s.server !== 'core' && !pds.has(s.server))) continue;
    const id = `session-${s.client}-${s.server}-${s.service}`;
    const seen = sessions.get(id);
    if (seen) {
      seen.data.count += 1;
      seen.data.label = `${s.service} ×${seen.data.count}`;
      continue;
    }
    if (s.server === 'core') usesCore = true;
    const e = edge('session', id, pdNodeId(s.client), refNodeId(s.server), s.service);
    if (deadlockPdPairs.has(`${s.client}-${s.server}`)) e.classes += ' deadlock';
    sessions.set(id, e);
  }
  edges.push(...sessions.values());

  // Capability holdings, one edge per (holder, origin); a PD's own objects draw no edge.
  if (options.caps) {
    const caps = new Map<string, EdgeElement>();
    for (const pd of topology.pds) {
      for (const row of options.caps[pd.id] ?? []) {
        if (row.origin === pd.id || (row.origin !== 'core' && !pds.has(row.origin))) continue;
        const id = `cap-${pd.id}-${row.origin}`;
        const seen = caps.get(id);
        if (seen) {
          seen.data.count += 1;
          continue;
        }
        if (row.origin === 'core') usesCore = true;
        caps.set(id, edge('cap', id, pdNodeId(pd.id), refNodeId(row.origin)));
      }
    }
    edges.push(...caps.values());
  }

  const waitIds = new Set<string>();
  for (const [from, to] of waits) {
    const id = `wait-${from}-${to}`;
    if (waitIds.has(id)) continue;
    waitIds.add(id);
    const e = edge('wait', id, threadNodeId(from), threadNodeId(to));
    e.classes += ' deadlock';
    edges.push(e);
  }

  const core: NodeElement[] = usesCore
    ? [{ group: 'nodes', data: { id: CORE_NODE, kind: 'core', label: 'core' }, classes: 'core' }]
    : [];
  return [...core, ...nodes, ...threads, ...edges];
}

// ----------------------------------------------------------------- diff --

/** What changed of an element that stays: new data fields and/or new classes. */
export interface ElementUpdate {
  id: string;
  /** The fields whose value changed, with their new value. */
  data?: Record<string, unknown>;
  /** The new class list (replaces the old one). */
  classes?: string;
}

export interface GraphDiff {
  /** New elements, in `next`'s order (nodes before the edges that need them). */
  add: GraphElement[];
  /** Ids of elements that are gone. Removing a PD node removes its threads too. */
  remove: string[];
  update: ElementUpdate[];
}

/** Fields cytoscape cannot change in place: an element whose value differs is removed and added. */
const STRUCTURAL = ['parent', 'source', 'target'] as const;

/**
 * The changes that turn `prev` into `next`. An element that moved to another parent (or an
 * edge to other ends) is removed and added again, since cytoscape keeps those fixed.
 */
export function diffElements(prev: readonly GraphElement[], next: readonly GraphElement[]): GraphDiff {
  const before = new Map(prev.map((e) => [e.data.id, e]));
  const after = new Set(next.map((e) => e.data.id));
  const diff: GraphDiff = { add: [], remove: [], update: [] };
  for (const e of prev) if (!after.has(e.data.id)) diff.remove.push(e.data.id);
  for (const e of next) {
    const old = before.get(e.data.id);
    if (!old) {
      diff.add.push(e);
      continue;
    }
    const o = old.data as Record<string, unknown>;
    const n = e.data as Record<string, unknown>;
    if (old.group !== e.group || STRUCTURAL.some((k) => o[k] !== n[k])) {
      diff.remove.push(e.data.id);
      diff.add.push(e);
      continue;
    }
    const update: ElementUpdate = { id: e.data.id };
    for (const key of new Set([...Object.keys(o), ...Object.keys(n)])) {
      if (o[key] !== n[key]) (update.data ??= {})[key] = n[key];
    }
    if (old.classes !== e.classes) update.classes = e.classes;
    if (update.data || update.classes !== undefined) diff.update.push(update);
  }
  return diff;
}

// ---------------------------------------------------------------- sizes --

/**
 * The sizes the view draws with, which the layout and the placement of new nodes must agree
 * with: a thread's cell in its PD's grid (its dot and its label under it), the PD's padding
 * around the grid, and the PD's title, which sits above the box.
 */
export const THREAD_CELL = { width: 76, height: 44 } as const;
/** cytoscape's `padding` of a PD box, in model units. */
export const PD_PADDING = 10;
/** Height of a PD's title above its box (14px bold and a gap). */
export const PD_TITLE = 22;
/** Rough width of a PD title character (14px bold), for sizing boxes before anything is drawn. */
const TITLE_CHAR = 8.5;
const CORE_SIZE = 44;

/** An axis-aligned box in model coordinates, the shape of cytoscape's `boundingBox()`. */
export type Box = { x1: number; y1: number; x2: number; y2: number };

/** Columns and rows of the grid of `n` threads: as square as it gets, wider than tall. */
export function threadGrid(n: number): { cols: number; rows: number } {
  const cols = Math.max(1, Math.ceil(Math.sqrt(n)));
  return { cols, rows: Math.max(1, Math.ceil(n / cols)) };
}

/** The room a PD or core node takes, its title included (the layout's and placement's box). */
export function nodeSize(data: PdNodeData | CoreNodeData): { width: number; height: number } {
  if (data.kind === 'core') return { width: CORE_SIZE, height: CORE_SIZE };
  const { cols, rows } = threadGrid(data.threads);
  return {
    width: Math.max(cols * THREAD_CELL.width, data.label.length * TITLE_CHAR) + 2 * PD_PADDING,
    height: (data.threads > 0 ? rows * THREAD_CELL.height : 16) + 2 * PD_PADDING + PD_TITLE,
  };
}

/**
 * Where the `index`th of `n` threads goes in the grid of a PD whose box (title included) is
 * centered on `center`: the grid sits below the title.
 */
function gridCell(center: Position, index: number, n: number): Position {
  const { cols, rows } = threadGrid(n);
  const col = index % cols;
  const row = Math.floor(index / cols);
  return {
    x: center.x + (col - (cols - 1) / 2) * THREAD_CELL.width,
    y: center.y + PD_TITLE / 2 + (row - (rows - 1) / 2) * THREAD_CELL.height,
  };
}

// ------------------------------------------------------------ placement --

/** Spread of new nodes around their anchor: a golden-angle spiral, so they do not stack. */
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));
/** Room kept between a new PD and the boxes around it. */
const PLACE_GAP = 30;
/** Candidate spots tried for a new PD before it takes the last one. */
const PLACE_TRIES = 300;

function around(anchor: Position, index: number, radius: number): Position {
  const r = radius * Math.sqrt(index + 1);
  const a = index * GOLDEN_ANGLE;
  return { x: anchor.x + r * Math.cos(a), y: anchor.y + r * Math.sin(a) };
}

const boxCenter = (b: Box): Position => ({ x: (b.x1 + b.x2) / 2, y: (b.y1 + b.y2) / 2 });
const boxAt = (c: Position, size: { width: number; height: number }): Box => ({
  x1: c.x - size.width / 2,
  y1: c.y - size.height / 2,
  x2: c.x + size.width / 2,
  y2: c.y + size.height / 2,
});
const overlaps = (a: Box, b: Box, gap: number): boolean =>
  a.x1 < b.x2 + gap && b.x1 < a.x2 + gap && a.y1 < b.y2 + gap && b.y1 < a.y2 + gap;

export interface PlaceOptions {
  /** The box (title included) of a PD or core already in the graph: new PDs go beside it. */
  boxOf?: (id: string) => Box | undefined;
  /** Boxes new PDs keep clear of: those of the PDs and core already shown. */
  obstacles?: readonly Box[];
}

/**
 * Where to put the nodes among `added` so the graph does not jump: a thread near its PD, a PD
 * near the PD that created it, anything else near `fallback` (say, the middle of the view).
 * `positionOf` gives the position of a node already in the graph (undefined if it is not);
 * nodes placed earlier in `added` serve as anchors for later ones (a new PD's threads). Edges
 * get no position.
 *
 * With `options`, placement knows the boxes: a new PD goes on a spiral around its anchor's box
 * to the first spot that overlaps neither `obstacles` nor the PDs placed before it, its
 * threads in a grid inside it, and new threads of a PD already shown in rows under its box.
 */
export function placeNew(
  added: readonly GraphElement[],
  positionOf: (id: string) => Position | undefined,
  fallback: Position,
  options: PlaceOptions = {},
): Map<string, Position> {
  const placed = new Map<string, Position>();
  /** New PDs: their box, their thread count and how many of their threads are placed. */
  const newPds = new Map<string, { box: Box; threads: number; next: number }>();
  /** Threads placed so far under a PD already shown. */
  const below = new Map<string, number>();
  const spread = new Map<string, number>();
  const taken: Box[] = [...(options.obstacles ?? [])];
  const at = (id: string | null): Position | undefined =>
    id === null ? undefined : (placed.get(id) ?? positionOf(id));
  const boxOf = (id: string | null): Box | undefined =>
    id === null ? undefined : (newPds.get(id)?.box ?? options.boxOf?.(id));
  const nth = (key: string): number => {
    const index = spread.get(key) ?? 0;
    spread.set(key, index + 1);
    return index;
  };

  for (const e of added) {
    if (e.group !== 'nodes') continue;
    const d = e.data;
    if (d.kind === 'thread') {
      const fresh = newPds.get(d.parent);
      const box = fresh ? undefined : options.boxOf?.(d.parent);
      if (fresh) {
        placed.set(d.id, gridCell(boxCenter(fresh.box), fresh.next++, fresh.threads));
      } else if (box) {
        const index = below.get(d.parent) ?? 0;
        below.set(d.parent, index + 1);
        const cols = Math.max(1, Math.floor((box.x2 - box.x1 - 2 * PD_PADDING) / THREAD_CELL.width));
        placed.set(d.id, {
          x: box.x1 + PD_PADDING + ((index % cols) + 0.5) * THREAD_CELL.width,
          y: box.y2 - PD_PADDING + (Math.floor(index / cols) + 0.5) * THREAD_CELL.height,
        });
      } else {
        placed.set(d.id, around(at(d.parent) ?? fallback, nth(d.parent), 18));
      }
      continue;
    }
    const anchorId = d.kind === 'pd' ? d.owner : null;
    const size = nodeSize(d);
    const anchorBox = boxOf(anchorId);
    const anchorAt = anchorBox ? boxCenter(anchorBox) : at(anchorId);
    const anchor = anchorAt ?? fallback;
    // Start just outside the anchor's box (or, without one, a step away from the anchor).
    const start = anchorBox
      ? Math.max(anchorBox.x2 - anchorBox.x1, anchorBox.y2 - anchorBox.y1) / 2 +
        Math.max(size.width, size.height) / 2 +
        PLACE_GAP
      : anchorAt
        ? 80
        : 0;
    const first = nth(anchorId ?? '');
    let center = anchor;
    if (options.obstacles || anchorBox) {
      for (let k = 0; k < PLACE_TRIES; k++) {
        const a = (first + k) * GOLDEN_ANGLE;
        const r = start + 40 * Math.sqrt(k);
        center = { x: anchor.x + r * Math.cos(a), y: anchor.y + r * Math.sin(a) };
        const box = boxAt(center, size);
        if (!taken.some((t) => overlaps(box, t, PLACE_GAP / 2))) break;
      }
    } else {
      center = start === 0 && first === 0 ? anchor : around(anchor, first, Math.max(start, 60));
    }
    const box = boxAt(center, size);
    taken.push(box);
    if (d.kind === 'pd' && d.threads > 0) newPds.set(d.id, { box, threads: d.threads, next: 0 });
    placed.set(d.id, center);
  }
  return placed;
}

// --------------------------------------------------------------- layout --

/**
 * Layout works on two levels. cytoscape's built-in cose handles compound nodes poorly when
 * edges attach to the compounds themselves (a PD's threads end up thousands of pixels apart),
 * so cose runs on the PD-level graph ({@link pdGraph}: one box per PD, sized for its threads),
 * the boxes it leaves overlapping are pushed apart ({@link separate}), the empty space between
 * them is taken in ({@link compact}), and each PD's threads are then set in a small grid
 * inside it ({@link arrangeThreads}).
 */

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

export interface LayoutEdge {
  id: string;
  source: string;
  target: string;
}

/**
 * The PD-level graph the layout runs on: PDs and core with the size their box will have, and
 * one edge per pair of them that a parent, session or wait edge links. Capability edges are
 * left out: they are an overlay the user toggles, and toggling it should not move anything.
 */
export function pdGraph(elements: readonly GraphElement[]): { nodes: LayoutNode[]; edges: LayoutEdge[] } {
  const nodes: LayoutNode[] = [];
  const threadPd = new Map<string, string>();
  for (const e of elements) {
    if (e.group !== 'nodes') continue;
    const d = e.data;
    if (d.kind === 'thread') threadPd.set(d.id, d.parent);
    else nodes.push({ id: d.id, ...nodeSize(d) });
  }
  const edges: LayoutEdge[] = [];
  const seen = new Set<string>();
  for (const e of elements) {
    if (e.group !== 'edges' || e.data.kind === 'cap') continue;
    const source = threadPd.get(e.data.source) ?? e.data.source;
    const target = threadPd.get(e.data.target) ?? e.data.target;
    const key = source < target ? `${source}|${target}` : `${target}|${source}`;
    if (source === target || seen.has(key)) continue;
    seen.add(key);
    edges.push({ id: `layout-${key}`, source, target });
  }
  return { nodes, edges };
}

/**
 * Starting positions for the layout: nodes on a golden-angle spiral in the order given, so the
 * result is the same every time (cose itself is deterministic when it does not randomize).
 */
export function seedPositions(nodes: readonly LayoutNode[], spacing = 80): Map<string, Position> {
  return new Map(nodes.map((n, i) => [n.id, around({ x: 0, y: 0 }, i, spacing)]));
}

/** How far {@link separate} moves boxes that still overlap away from their middle, per round. */
const SPREAD = 1.03;

/**
 * Pushes overlapping boxes apart (`centers` is updated in place): each round, every pair that
 * overlaps, `gap` included, moves apart along the axis where they overlap least, each by half;
 * from the fifth round on, the boxes that still overlap also drift outwards a little, since in
 * a dense clump pairwise pushes only move the overlaps around. Boxes that never overlap stay
 * where they are. Force-directed layouts leave dense graphs clumped; this leaves them
 * readable. Sorting by x lets a round skip pairs that cannot touch, so a round costs far less
 * than all pairs. Returns the number of rounds that moved something (0: nothing overlapped).
 */
export function separate(nodes: readonly LayoutNode[], centers: Map<string, Position>, gap = 16, rounds = 100): number {
  const items = nodes
    .filter((n) => centers.has(n.id))
    .map((n) => ({ w: n.width / 2, h: n.height / 2, at: { ...centers.get(n.id)! }, id: n.id, hit: false }));
  const widest = Math.max(0, ...items.map((i) => i.w));
  let moved = 0;
  for (let round = 0; round < rounds; round++) {
    items.sort((a, b) => a.at.x - b.at.x || (a.id < b.id ? -1 : 1));
    let any = false;
    for (let i = 0; i < items.length; i++) {
      const a = items[i];
      for (let j = i + 1; j < items.length; j++) {
        const b = items[j];
        // Sorted by x: once b starts beyond any box that could reach a, stop.
        if (b.at.x - a.at.x >= a.w + widest + gap) break;
        const ox = a.w + b.w + gap - Math.abs(a.at.x - b.at.x);
        const oy = a.h + b.h + gap - Math.abs(a.at.y - b.at.y);
        if (ox <= 0 || oy <= 0) continue;
        any = a.hit = b.hit = true;
        if (ox < oy) {
          const d = (a.at.x <= b.at.x ? -ox : ox) / 2;
          a.at.x += d;
          b.at.x -= d;
        } else {
          const d = (a.at.y < b.at.y || (a.at.y === b.at.y && a.id < b.id) ? -oy : oy) / 2;
          a.at.y += d;
          b.at.y -= d;
        }
      }
    }
    if (!any) break;
    moved++;
    // In a dense clump pairwise pushes only move the overlaps around: from the fifth round
    // on, the boxes that still overlap also drift outwards, away from the middle of them.
    const hit = items.filter((i) => i.hit);
    if (round >= 4) {
      const cx = hit.reduce((sum, i) => sum + i.at.x, 0) / hit.length;
      const cy = hit.reduce((sum, i) => sum + i.at.y, 0) / hit.length;
      for (const i of hit) {
        i.at.x = cx + (i.at.x - cx) * SPREAD;
        i.at.y = cy + (i.at.y - cy) * SPREAD;
      }
    }
    for (const i of hit) i.hit = false;
  }
  for (const i of items) centers.set(i.id, i.at);
  return moved;
}

/**
 * Draws a laid-out graph together (`centers` is updated in place): `steps` times, every box
 * moves towards the middle by `factor` of its distance, and {@link separate} pushes apart what
 * then overlaps. The arrangement stays; the empty space between boxes goes, so the graph fits
 * the view at a larger zoom, where its labels can be read. Force-directed layouts leave a lot
 * of it (they size edges, not boxes).
 */
export function compact(
  nodes: readonly LayoutNode[],
  centers: Map<string, Position>,
  steps = 4,
  factor = 0.85,
  gap = 16,
): void {
  const ids = nodes.map((n) => n.id).filter((id) => centers.has(id));
  if (ids.length < 2) return;
  for (let step = 0; step < steps; step++) {
    let cx = 0;
    let cy = 0;
    for (const id of ids) {
      cx += centers.get(id)!.x / ids.length;
      cy += centers.get(id)!.y / ids.length;
    }
    for (const id of ids) {
      const c = centers.get(id)!;
      centers.set(id, { x: cx + (c.x - cx) * factor, y: cy + (c.y - cy) * factor });
    }
    separate(nodes, centers, gap);
  }
}

/**
 * Positions for the nodes: each PD's threads in a grid under the PD's title, around the PD's
 * center (`centers`, from the PD-level layout), PDs and core at their center (cytoscape
 * derives the position of a PD that has threads from them). Nodes without a center are left
 * out.
 */
export function arrangeThreads(
  elements: readonly GraphElement[],
  centers: ReadonlyMap<string, Position>,
): Map<string, Position> {
  const byPd = new Map<string, string[]>();
  const out = new Map<string, Position>();
  for (const e of elements) {
    if (e.group !== 'nodes') continue;
    const d = e.data;
    if (d.kind === 'thread') {
      const list = byPd.get(d.parent);
      if (list) list.push(d.id);
      else byPd.set(d.parent, [d.id]);
    } else if (centers.has(d.id)) {
      out.set(d.id, { ...centers.get(d.id)! });
    }
  }
  for (const [pd, threads] of byPd) {
    const c = centers.get(pd);
    if (!c) continue;
    threads.forEach((id, i) => out.set(id, gridCell(c, i, threads.length)));
  }
  return out;
}

// -------------------------------------------------------------- flashes --

export type FlashKind = 'pagefault' | 'irq';

/** A trace event worth a flash, as the owner passes it (`seq` grows from event to event). */
export interface FlashEvent {
  seq: number;
  pd: number | null;
  thread: number | null;
  kind: FlashKind;
}

/** A node to light now, and with what. */
export interface FlashStart {
  id: string;
  kind: FlashKind;
}

/** At most one flash per node in this many milliseconds. */
export const FLASH_INTERVAL_MS = 300;
/** How long a flash lasts; shorter than the interval, so a fault storm blinks instead of glowing. */
export const FLASH_DURATION_MS = 220;

/** The nodes an event flashes: its thread and its PD (either may be unknown). */
export function flashTargets(event: FlashEvent): string[] {
  const out: string[] = [];
  if (event.thread !== null) out.push(threadNodeId(event.thread));
  if (event.pd !== null) out.push(pdNodeId(event.pd));
  return out;
}

/**
 * Which nodes flash when, as plain bookkeeping (the view applies it): each event after the
 * last one seen lights its nodes, unless a node lit up less than {@link FLASH_INTERVAL_MS}
 * ago; a lit node goes dark {@link FLASH_DURATION_MS} after it lit. A storm of page faults
 * thus costs at most one restyle of a node per interval, however many events it has.
 * Times are whatever clock the caller uses (milliseconds).
 */
export class Flasher {
  /** The highest seq handled; -1 before the first. */
  private seen = -1;
  /** When each node last lit up. */
  private readonly lastLit = new Map<string, number>();
  /** Nodes lit now: their kind and when they go dark. */
  private readonly litNow = new Map<string, { kind: FlashKind; until: number }>();

  constructor(
    private readonly interval = FLASH_INTERVAL_MS,
    private readonly duration = FLASH_DURATION_MS,
  ) {}

  /** Marks every event of `events` as seen without a flash (those from before the view was there). */
  skip(events: readonly FlashEvent[]): void {
    if (events.length > 0) this.seen = Math.max(this.seen, events[events.length - 1].seq);
  }

  /**
   * The flashes to start at `now` for the events of `events` (in seq order) not seen yet.
   * `exists` leaves out nodes the graph does not show. A last seq below the last seen means
   * the owner started over (a new engine): everything in `events` counts as new.
   */
  take(events: readonly FlashEvent[], now: number, exists: (id: string) => boolean = () => true): FlashStart[] {
    if (events.length === 0) return [];
    if (events[events.length - 1].seq < this.seen) this.seen = -1;
    let from = events.length;
    while (from > 0 && events[from - 1].seq > this.seen) from--;
    this.seen = events[events.length - 1].seq;
    const out: FlashStart[] = [];
    for (let i = from; i < events.length; i++) {
      const kind = events[i].kind;
      for (const id of flashTargets(events[i])) if (exists(id) && this.light(id, kind, now)) out.push({ id, kind });
    }
    return out;
  }

  /**
   * Lights one node at `now`, unless it lit up less than an interval ago; whether it did.
   * For flashes that come from elsewhere than the event list.
   */
  light(id: string, kind: FlashKind, now: number): boolean {
    const last = this.lastLit.get(id);
    if (last !== undefined && now - last < this.interval) return false;
    this.lastLit.set(id, now);
    this.litNow.set(id, { kind, until: now + this.duration });
    return true;
  }

  /** The nodes whose flash is over at `now`; they count as dark from here on. */
  expire(now: number): string[] {
    const out: string[] = [];
    for (const [id, lit] of this.litNow) {
      if (lit.until <= now) {
        out.push(id);
        this.litNow.delete(id);
      }
    }
    for (const [id, last] of this.lastLit) if (now - last >= this.interval) this.lastLit.delete(id);
    return out;
  }

  /** What a node is lit with now, if it is. */
  lit(id: string): FlashKind | undefined {
    return this.litNow.get(id)?.kind;
  }

  /** When the next lit node goes dark; null if none is lit. */
  nextExpiry(): number | null {
    let next: number | null = null;
    for (const lit of this.litNow.values()) if (next === null || lit.until < next) next = lit.until;
    return next;
  }

  /** Forgets every lit node (the view dropped its classes, say on unmount). */
  clear(): void {
    this.litNow.clear();
    this.lastLit.clear();
  }
}

// ------------------------------------------------------------ synthetic --

/** A small deterministic generator (a 32-bit LCG), so synthetic graphs are the same every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const SYNTHETIC_STATES: readonly ThreadState[] = ['blocked', 'ready', 'blocked', 'running', 'paused', 'stopped'];

/**
 * A made-up system for benchmarks and tests, in the protocol's own types: init (PD 1) and
 * `pds - 1` more PDs (every seventh created by an earlier PD instead of by init), one to
 * three threads each, LOG/PD/CPU sessions to core, and every PD a client of one of a few
 * servers; plus capability spaces with exactly `caps` distinct (holder, origin) pairs, which
 * {@link buildElements} draws as `caps` capability edges (fewer if that many pairs do not exist).
 */
export function syntheticTopology(pds: number, caps: number): { topology: Topology; caps: Record<number, CapRow[]> } {
  const n = Math.max(1, Math.floor(pds));
  const random = lcg(0x5eed + n);
  const servers = Array.from({ length: Math.max(1, Math.floor(n / 25)) }, (_, i) => 2 + i * 5).filter((id) => id <= n);
  let threadId = 1000;
  let sessionId = 1;
  const topology: Topology = { pds: [], sessions: [], services: [], routes: [] };
  const session = (service: string, client: number, server: number | 'core'): void => {
    topology.sessions.push({
      id: sessionId++,
      service,
      label: `c${client}`,
      client,
      server,
      ram: 8192,
      caps: 4,
      args: '',
    });
  };
  for (let id = 1; id <= n; id++) {
    const sub = id > 2 && id % 7 === 0;
    const label = id === 1 ? 'init' : sub ? `sub${id}` : `c${id}`;
    const threads: ThreadInfo[] = [];
    const count = id === 1 ? 1 : 1 + (id % 3);
    for (let k = 0; k < count; k++) {
      threads.push({
        id: threadId++,
        pd: id,
        name: k === 0 ? 'ep' : `worker${k}`,
        cpu: k % 2,
        priority: 0,
        state: SYNTHETIC_STATES[(id + k) % SYNTHETIC_STATES.length],
        reason: null,
        pc: 0x10000 + 4 * k,
        execUs: id * 10 + k,
      });
    }
    topology.pds.push({
      id,
      label,
      parent: sub ? 1 + Math.floor(random() * (id - 2)) + 1 : null,
      child: id === 1 || sub ? null : label,
      ram: { used: 65536, limit: 1 << 20 },
      caps: { used: 20, limit: 200 },
      threads,
      exitCode: null,
    });
    if (id === 1) continue;
    for (const service of ['LOG', 'PD', 'CPU']) session(service, id, 'core');
    const server = servers[id % servers.length];
    if (server !== id) session(`Svc${server}`, id, server);
  }
  for (const server of servers) topology.services.push({ name: `Svc${server}`, server });

  // Distinct (holder, origin) pairs: origin 0 stands for core.
  const rows: Record<number, CapRow[]> = {};
  const pairs = new Set<number>();
  const want = Math.min(Math.max(0, Math.floor(caps)), n * n);
  let objectId = 1;
  while (pairs.size < want) {
    const holder = 1 + Math.floor(random() * n);
    const origin = Math.floor(random() * (n + 1));
    if (origin === holder || pairs.has(holder * (n + 1) + origin)) continue;
    pairs.add(holder * (n + 1) + origin);
    const list = (rows[holder] ??= []);
    list.push({
      slot: list.length + 1,
      type: 'rpc',
      object: origin === 0 ? 'RPC object of core' : `RPC object of PD ${origin}`,
      objectId: objectId++,
      origin: origin === 0 ? 'core' : origin,
      badge: null,
      session: null,
    });
  }
  return { topology, caps: rows };
}
