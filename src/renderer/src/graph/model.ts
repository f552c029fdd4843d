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
  /** Deadlock cycles: thread ids in waiting order (each waits for the next, the last for the first). */
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

// ------------------------------------------------------------ placement --

/** Spread of new nodes around their anchor: a golden-angle spiral, so they do not stack. */
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

function around(anchor: Position, index: number, radius: number): Position {
  const r = radius * Math.sqrt(index + 1);
  const a = index * GOLDEN_ANGLE;
  return { x: anchor.x + r * Math.cos(a), y: anchor.y + r * Math.sin(a) };
}

/**
 * Where to put the nodes among `added` so the graph does not jump: a thread near its PD, a PD
 * near the PD that created it, anything else near `fallback` (say, the middle of the view).
 * `positionOf` gives the position of a node already in the graph (undefined if it is not);
 * nodes placed earlier in `added` serve as anchors for later ones (a new PD's threads). Edges
 * get no position.
 */
export function placeNew(
  added: readonly GraphElement[],
  positionOf: (id: string) => Position | undefined,
  fallback: Position,
): Map<string, Position> {
  const placed = new Map<string, Position>();
  const spread = new Map<string, number>();
  const at = (id: string | null): Position | undefined =>
    id === null ? undefined : (placed.get(id) ?? positionOf(id));
  for (const e of added) {
    if (e.group !== 'nodes') continue;
    const anchorId = e.data.kind === 'thread' ? e.data.parent : e.data.kind === 'pd' ? e.data.owner : null;
    const anchor = at(anchorId) ?? fallback;
    const key = anchorId ?? '';
    const index = spread.get(key) ?? 0;
    spread.set(key, index + 1);
    placed.set(e.data.id, around(anchor, index, e.data.kind === 'thread' ? 18 : 60));
  }
  return placed;
}

// --------------------------------------------------------------- layout --

/**
 * Layout works on two levels. cytoscape's built-in cose handles compound nodes poorly when
 * edges attach to the compounds themselves (a PD's threads end up thousands of pixels apart),
 * so cose runs on the PD-level graph ({@link pdGraph}: one box per PD, sized for its threads)
 * and each PD's threads are then set in a small grid inside it ({@link arrangeThreads}).
 */

/** A thread's cell in its PD's grid, and the room around the grid (title and padding). */
export const THREAD_CELL = { width: 44, height: 30 } as const;
const PD_PAD = { width: 20, height: 34 } as const;
/** Rough width of a PD title character (10px bold), for sizing boxes before anything is drawn. */
const TITLE_CHAR = 6.5;

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

/** Columns and rows of the grid of `n` threads: as square as it gets, wider than tall. */
export function threadGrid(n: number): { cols: number; rows: number } {
  const cols = Math.max(1, Math.ceil(Math.sqrt(n)));
  return { cols, rows: Math.max(1, Math.ceil(n / cols)) };
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
    else if (d.kind === 'core') nodes.push({ id: d.id, width: 40, height: 40 });
    else {
      const { cols, rows } = threadGrid(d.threads);
      nodes.push({
        id: d.id,
        width: Math.max(cols * THREAD_CELL.width, d.label.length * TITLE_CHAR) + PD_PAD.width,
        height: (d.threads > 0 ? rows * THREAD_CELL.height : 0) + PD_PAD.height,
      });
    }
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

/**
 * Positions for the nodes: each PD's threads in a grid around the PD's center (`centers`, from
 * the PD-level layout), PDs and core at their center (cytoscape derives the position of a PD
 * that has threads from them). Nodes without a center are left out.
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
    const { cols, rows } = threadGrid(threads.length);
    threads.forEach((id, i) => {
      const col = i % cols;
      const row = Math.floor(i / cols);
      out.set(id, {
        x: c.x + (col - (cols - 1) / 2) * THREAD_CELL.width,
        y: c.y + (row - (rows - 1) / 2) * THREAD_CELL.height,
      });
    });
  }
  return out;
}
