import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { CapSpaceSchema, TopologySchema, type ThreadInfo, type Topology } from '../../../engine/protocol';
import {
  arrangeThreads,
  buildElements,
  compact,
  diffElements,
  FLASH_DURATION_MS,
  FLASH_INTERVAL_MS,
  Flasher,
  flashTargets,
  nodeSize,
  pdGraph,
  placeNew,
  seedPositions,
  separate,
  syntheticTopology,
  THREAD_CELL,
  threadGrid,
  type Box,
  type CapRow,
  type EdgeElement,
  type FlashEvent,
  type GraphElement,
  type NodeElement,
  type Position,
} from './model';

// ------------------------------------------------------------- fixture --

function thread(id: number, pd: number, name: string, state: ThreadInfo['state']): ThreadInfo {
  return { id, pd, name, cpu: 0, priority: 0, state, reason: null, pc: 0x1000, execUs: 0 };
}

function pd(id: number, label: string, parent: number | null, child: string | null, threads: ThreadInfo[]) {
  return {
    id,
    label,
    parent,
    child,
    ram: { used: 4096, limit: 65536 },
    caps: { used: 10, limit: 100 },
    threads,
    exitCode: null,
  };
}

function session(id: number, service: string, client: number, server: number | 'core') {
  return { id, service, label: '', client, server, ram: 0, caps: 0, args: '' };
}

/**
 * init (1) starts counter (2) and hello (3); hello creates worker (4) through a PD session.
 * counter's main thread waits for hello's, which waits for counter's: a deadlock.
 */
function topology(): Topology {
  return v.parse(TopologySchema, {
    pds: [
      pd(1, 'init', null, null, [thread(10, 1, 'ep', 'blocked')]),
      pd(2, 'counter', null, 'counter', [thread(20, 2, 'main', 'running'), thread(21, 2, 'ep', 'ready')]),
      pd(3, 'hello', null, 'hello', [thread(30, 3, 'main', 'paused'), thread(31, 3, 'ep', 'stopped')]),
      pd(4, 'worker', 3, null, [thread(40, 4, 'main', 'dead'), thread(41, 4, 'idle', 'not started')]),
    ],
    sessions: [
      session(100, 'PD', 2, 'core'),
      session(101, 'LOG', 2, 'core'),
      session(102, 'LOG', 3, 'core'),
      session(103, 'LOG', 3, 'core'),
      session(104, 'Hello', 2, 3),
      session(105, 'Hello', 4, 3),
      session(106, 'Hello', 4, 3),
      session(107, 'Hello', 4, 3),
      // A session of a PD that is gone draws nothing.
      session(108, 'LOG', 99, 'core'),
    ],
    services: [{ name: 'Hello', server: 3 }],
    routes: [],
  });
}

function capRow(slot: number, origin: number | 'core'): CapRow {
  return { slot, type: 'rpc', object: `object ${slot}`, objectId: slot + 1, origin, badge: null, session: null };
}

/** counter holds two objects of core, two of hello and one of its own; worker one of core. */
function caps(): Record<number, CapRow[]> {
  const counter = [capRow(1, 'core'), capRow(2, 'core'), capRow(3, 3), capRow(4, 3), capRow(5, 2)];
  v.parse(CapSpaceSchema, { pd: 2, rows: counter });
  return { 2: counter, 4: [capRow(1, 'core')] };
}

const byId = (els: GraphElement[], id: string): GraphElement | undefined => els.find((e) => e.data.id === id);
const nodes = (els: GraphElement[]): NodeElement[] => els.filter((e): e is NodeElement => e.group === 'nodes');
const edges = (els: GraphElement[], kind?: string): EdgeElement[] =>
  els.filter((e): e is EdgeElement => e.group === 'edges' && (kind === undefined || e.data.kind === kind));
const ids = (els: GraphElement[]): string[] => els.map((e) => e.data.id).sort();

// --------------------------------------------------------------- tests --

describe('buildElements', () => {
  it('makes every PD a compound node holding its threads', () => {
    const els = buildElements(topology());
    const pds = nodes(els).filter((n) => n.data.kind === 'pd');
    expect(pds.map((n) => n.data.id)).toEqual(['pd-1', 'pd-2', 'pd-3', 'pd-4']);
    expect(byId(els, 'pd-3')?.data).toEqual({
      id: 'pd-3',
      kind: 'pd',
      pd: 3,
      label: 'hello',
      owner: 'pd-1',
      threads: 2,
    });
    expect(byId(els, 'thread-31')?.data).toMatchObject({ kind: 'thread', parent: 'pd-3', thread: 31, pd: 3 });
    const threads = nodes(els).filter((n) => n.data.kind === 'thread');
    expect(threads).toHaveLength(7);
    expect(byId(els, 'pd-1')?.classes).toBe('pd init');
  });

  it('puts nodes before edges and parents before children', () => {
    const els = buildElements(topology(), { caps: caps(), cycles: [[20, 30]] });
    const seen = new Set<string>();
    for (const e of els) {
      const d = e.data as { parent?: string; source?: string; target?: string };
      for (const ref of [d.parent, d.source, d.target]) if (ref !== undefined) expect(seen).toContain(ref);
      seen.add(e.data.id);
    }
  });

  it('links init to its children and a PD to the PD that created it', () => {
    const parents = edges(buildElements(topology()), 'parent');
    expect(parents.map((e) => [e.data.id, e.data.source, e.data.target])).toEqual([
      ['parent-1-2', 'pd-1', 'pd-2'],
      ['parent-1-3', 'pd-1', 'pd-3'],
      ['parent-3-4', 'pd-3', 'pd-4'],
    ]);
    expect(byId(buildElements(topology()), 'pd-4')?.data).toMatchObject({ owner: 'pd-3' });
    expect(byId(buildElements(topology()), 'pd-1')?.data).toMatchObject({ owner: null });
  });

  it('draws one session edge per client, server and service, with a count', () => {
    const sessions = edges(buildElements(topology()), 'session');
    expect(sessions.map((e) => [e.data.id, e.data.source, e.data.target, e.data.label, e.data.count])).toEqual([
      ['session-2-core-PD', 'pd-2', 'core', 'PD', 1],
      ['session-2-core-LOG', 'pd-2', 'core', 'LOG', 1],
      ['session-3-core-LOG', 'pd-3', 'core', 'LOG ×2', 2],
      ['session-2-3-Hello', 'pd-2', 'pd-3', 'Hello', 1],
      ['session-4-3-Hello', 'pd-4', 'pd-3', 'Hello ×3', 3],
    ]);
  });

  it('adds a core node only when something points at core', () => {
    const withCore = buildElements(topology());
    expect(byId(withCore, 'core')).toMatchObject({ group: 'nodes', data: { kind: 'core' }, classes: 'core' });
    const t = topology();
    t.sessions = t.sessions.filter((s) => s.server !== 'core');
    expect(byId(buildElements(t), 'core')).toBeUndefined();
    // A capability from core brings core back.
    expect(byId(buildElements(t, { caps: caps() }), 'core')).toBeDefined();
  });

  it('draws capability edges only when caps are given, one per holder and origin', () => {
    expect(edges(buildElements(topology()), 'cap')).toEqual([]);
    const capEdges = edges(buildElements(topology(), { caps: caps() }), 'cap');
    expect(capEdges.map((e) => [e.data.id, e.data.source, e.data.target, e.data.count])).toEqual([
      ['cap-2-core', 'pd-2', 'core', 2],
      ['cap-2-3', 'pd-2', 'pd-3', 2],
      ['cap-4-core', 'pd-4', 'core', 1],
    ]);
    // PDs whose capability space is not loaded yet simply have no edges.
    expect(edges(buildElements(topology(), { caps: { 4: caps()[4] } }), 'cap')).toHaveLength(1);
  });

  it('gives each thread the class of its state', () => {
    const els = buildElements(topology());
    const cls = (id: number) => byId(els, `thread-${id}`)?.classes;
    expect(cls(10)).toBe('thread blocked');
    expect(cls(20)).toBe('thread running');
    expect(cls(21)).toBe('thread ready');
    expect(cls(30)).toBe('thread paused');
    expect(cls(31)).toBe('thread stopped');
    expect(cls(40)).toBe('thread dead');
    expect(cls(41)).toBe('thread not-started');
  });

  it("marks a deadlock cycle's threads, their PDs, wait edges and the sessions between their PDs", () => {
    const els = buildElements(topology(), { cycles: [[20, 30]] });
    expect(byId(els, 'thread-20')?.classes).toBe('thread running deadlock');
    expect(byId(els, 'thread-30')?.classes).toBe('thread paused deadlock');
    expect(byId(els, 'thread-21')?.classes).toBe('thread ready');
    expect(byId(els, 'pd-2')?.classes).toBe('pd deadlock');
    expect(byId(els, 'pd-3')?.classes).toBe('pd deadlock');
    expect(byId(els, 'pd-4')?.classes).toBe('pd');
    const waits = edges(els, 'wait');
    expect(waits.map((e) => [e.data.id, e.data.source, e.data.target, e.classes])).toEqual([
      ['wait-20-30', 'thread-20', 'thread-30', 'wait deadlock'],
      ['wait-30-20', 'thread-30', 'thread-20', 'wait deadlock'],
    ]);
    expect(byId(els, 'session-2-3-Hello')?.classes).toBe('session deadlock');
    expect(byId(els, 'session-4-3-Hello')?.classes).toBe('session');
    // Threads the topology does not know draw nothing.
    expect(edges(buildElements(topology(), { cycles: [[20, 999]] }), 'wait')).toEqual([]);
  });

  it('marks the selected PD and exited PDs', () => {
    const t = topology();
    t.pds[3].exitCode = 0;
    const els = buildElements(t, { selected: 2 });
    expect(byId(els, 'pd-2')?.classes).toBe('pd selected');
    expect(byId(els, 'pd-4')?.classes).toBe('pd exited');
  });
});

describe('diffElements', () => {
  it('finds nothing between equal lists', () => {
    expect(diffElements(buildElements(topology()), buildElements(topology()))).toEqual({
      add: [],
      remove: [],
      update: [],
    });
  });

  it('adds and removes PDs, threads and sessions', () => {
    const before = topology();
    const after = topology();
    after.pds = after.pds.filter((p) => p.id !== 4);
    after.sessions = after.sessions.filter((s) => s.client !== 4);
    after.pds.push(pd(5, 'timer', null, 'timer', [thread(50, 5, 'ep', 'blocked')]));
    after.pds[1].threads.push(thread(22, 2, 'signal', 'blocked'));
    after.sessions.push(session(109, 'Timer', 2, 5));
    const d = diffElements(buildElements(before), buildElements(after));
    expect(d.remove.sort()).toEqual(['parent-3-4', 'pd-4', 'session-4-3-Hello', 'thread-40', 'thread-41']);
    expect(ids(d.add)).toEqual(['parent-1-5', 'pd-5', 'session-2-5-Timer', 'thread-22', 'thread-50']);
    // New nodes come before the edges that need them.
    expect(d.add.map((e) => e.group)).toEqual(['nodes', 'nodes', 'nodes', 'edges', 'edges']);
    expect(d.update).toEqual([{ id: 'pd-2', data: { threads: 3 } }]);
  });

  it('updates classes and data in place', () => {
    const before = topology();
    const after = topology();
    after.pds[1].threads[0].state = 'blocked';
    after.pds[2].label = 'hello2';
    after.sessions.push(session(110, 'Hello', 2, 3));
    const d = diffElements(buildElements(before, { selected: 2 }), buildElements(after, { cycles: [[10, 21]] }));
    expect(d.add).toEqual([
      { group: 'edges', data: expect.objectContaining({ id: 'wait-10-21' }), classes: 'wait deadlock' },
      expect.objectContaining({ data: expect.objectContaining({ id: 'wait-21-10' }) }),
    ]);
    expect(d.remove).toEqual([]);
    expect(d.update).toEqual([
      { id: 'pd-1', classes: 'pd init deadlock' },
      { id: 'pd-2', classes: 'pd deadlock' },
      { id: 'pd-3', data: { label: 'hello2' } },
      { id: 'thread-10', classes: 'thread blocked deadlock' },
      { id: 'thread-20', data: { state: 'blocked' }, classes: 'thread blocked' },
      { id: 'thread-21', classes: 'thread ready deadlock' },
      { id: 'session-2-3-Hello', data: { label: 'Hello ×2', count: 2 } },
    ]);
  });

  it('toggles capability edges without touching the rest', () => {
    const plain = buildElements(topology());
    const withCaps = buildElements(topology(), { caps: caps() });
    const on = diffElements(plain, withCaps);
    expect(ids(on.add)).toEqual(['cap-2-3', 'cap-2-core', 'cap-4-core']);
    expect(on.remove).toEqual([]);
    expect(on.update).toEqual([]);
    const off = diffElements(withCaps, plain);
    expect(off.remove.sort()).toEqual(['cap-2-3', 'cap-2-core', 'cap-4-core']);
    expect(off.add).toEqual([]);
  });

  it('re-adds an element whose parent or ends changed', () => {
    const before = buildElements(topology());
    const after = buildElements(topology()).map((e) =>
      e.data.id === 'thread-21' ? { ...e, data: { ...e.data, parent: 'pd-3' } } : e,
    ) as GraphElement[];
    const d = diffElements(before, after);
    expect(d.remove).toEqual(['thread-21']);
    expect(ids(d.add)).toEqual(['thread-21']);
    expect(d.update).toEqual([]);
  });
});

describe('placeNew', () => {
  it('puts a new thread near its PD and a new PD near the PD that created it', () => {
    const before = topology();
    const after = topology();
    after.pds.push(pd(5, 'sub', 4, null, [thread(50, 5, 'ep', 'ready')]));
    after.pds[0].threads.push(thread(11, 1, 'signal', 'ready'));
    const d = diffElements(buildElements(before), buildElements(after));
    const known: Record<string, { x: number; y: number }> = { 'pd-1': { x: 0, y: 0 }, 'pd-4': { x: 1000, y: 1000 } };
    const at = placeNew(d.add, (id) => known[id], { x: -5000, y: -5000 });
    expect([...at.keys()].sort()).toEqual(['pd-5', 'thread-11', 'thread-50']);
    const dist = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.hypot(a.x - b.x, a.y - b.y);
    expect(dist(at.get('thread-11')!, known['pd-1'])).toBeLessThan(100);
    expect(dist(at.get('pd-5')!, known['pd-4'])).toBeLessThan(200);
    // The new PD's thread goes where the new PD went.
    expect(dist(at.get('thread-50')!, at.get('pd-5')!)).toBeLessThan(100);
  });

  it('spreads siblings and falls back when there is no anchor', () => {
    const t = topology();
    t.pds = [pd(7, 'lonely', null, null, [thread(70, 7, 'a', 'ready'), thread(71, 7, 'b', 'ready')])];
    t.sessions = [];
    const at = placeNew(buildElements(t), () => undefined, { x: 500, y: 500 });
    expect(Math.hypot(at.get('pd-7')!.x - 500, at.get('pd-7')!.y - 500)).toBeLessThan(200);
    expect(at.get('thread-70')).not.toEqual(at.get('thread-71'));
  });
});

describe('deadlock cycles', () => {
  it('draws a longer cycle as wait edges in waiting order, closing the loop', () => {
    const els = buildElements(topology(), { cycles: [[20, 31, 40]] });
    expect(edges(els, 'wait').map((e) => [e.data.source, e.data.target, e.classes])).toEqual([
      ['thread-20', 'thread-31', 'wait deadlock'],
      ['thread-31', 'thread-40', 'wait deadlock'],
      ['thread-40', 'thread-20', 'wait deadlock'],
    ]);
    const red = els.filter((e) => e.classes.split(' ').includes('deadlock')).map((e) => e.data.id);
    expect(red.sort()).toEqual(
      [
        'pd-2',
        'pd-3',
        'pd-4',
        'thread-20',
        'thread-31',
        'thread-40',
        'wait-20-31',
        'wait-31-40',
        'wait-40-20',
        // Of the sessions only counter -> hello runs along the cycle (worker -> hello runs against it).
        'session-2-3-Hello',
      ].sort(),
    );
  });

  it('draws a thread waiting for itself as a loop, and the same step of two cycles once', () => {
    const els = buildElements(topology(), { cycles: [[21], [20, 30], [30, 20]] });
    expect(ids(edges(els, 'wait'))).toEqual(['wait-20-30', 'wait-21-21', 'wait-30-20']);
  });

  it('clears the red when the cycle is gone', () => {
    const d = diffElements(buildElements(topology(), { cycles: [[20, 30]] }), buildElements(topology()));
    expect(d.remove.sort()).toEqual(['wait-20-30', 'wait-30-20']);
    expect(d.update).toEqual([
      { id: 'pd-2', classes: 'pd' },
      { id: 'pd-3', classes: 'pd' },
      { id: 'thread-20', classes: 'thread running' },
      { id: 'thread-30', classes: 'thread paused' },
      { id: 'session-2-3-Hello', classes: 'session' },
    ]);
  });
});

describe('layout helpers', () => {
  it('lays threads out in a grid as square as it gets', () => {
    expect(threadGrid(0)).toEqual({ cols: 1, rows: 1 });
    expect(threadGrid(1)).toEqual({ cols: 1, rows: 1 });
    expect(threadGrid(2)).toEqual({ cols: 2, rows: 1 });
    expect(threadGrid(5)).toEqual({ cols: 3, rows: 2 });
    expect(threadGrid(9)).toEqual({ cols: 3, rows: 3 });
  });

  it('reduces the graph to PDs and core, one edge per linked pair, without capabilities', () => {
    const g = pdGraph(buildElements(topology(), { caps: caps(), cycles: [[20, 30]] }));
    expect(g.nodes.map((n) => n.id)).toEqual(['core', 'pd-1', 'pd-2', 'pd-3', 'pd-4']);
    // Boxes grow with their threads.
    const size = (id: string) => g.nodes.find((n) => n.id === id)!;
    expect(size('pd-2').width).toBeGreaterThanOrEqual(2 * THREAD_CELL.width);
    expect(size('pd-1').width).toBeLessThan(size('pd-2').width);
    // Parent, session and wait edges (20 -> 30 is counter -> hello, already linked by a
    // session) collapse to pairs; cap edges (counter -> core, worker -> core) add nothing new.
    expect(g.edges.map((e) => e.id).sort()).toEqual([
      'layout-core|pd-2',
      'layout-core|pd-3',
      'layout-pd-1|pd-2',
      'layout-pd-1|pd-3',
      'layout-pd-2|pd-3',
      'layout-pd-3|pd-4',
    ]);
  });

  it('sizes a PD box for its grid of threads and its title', () => {
    const pdData = (threads: number, label: string) =>
      ({ id: 'pd-9', kind: 'pd', pd: 9, label, owner: null, threads }) as const;
    const four = nodeSize(pdData(4, 'x'));
    expect(four.width).toBeGreaterThanOrEqual(2 * THREAD_CELL.width);
    expect(four.height).toBeGreaterThanOrEqual(2 * THREAD_CELL.height);
    // A long title widens the box.
    expect(nodeSize(pdData(1, 'a_rather_long_component_name')).width).toBeGreaterThan(nodeSize(pdData(1, 'x')).width);
  });

  it('seeds the same distinct positions every time', () => {
    const nodes = pdGraph(buildElements(topology())).nodes;
    const a = seedPositions(nodes);
    expect(seedPositions(nodes)).toEqual(a);
    const keys = new Set([...a.values()].map((p) => `${p.x.toFixed(3)},${p.y.toFixed(3)}`));
    expect(keys.size).toBe(nodes.length);
  });

  it("sets each PD's threads in a grid under its title, around the PD's center", () => {
    const els = buildElements(topology());
    const centers = new Map([
      ['pd-2', { x: 100, y: 100 }],
      ['core', { x: 0, y: 0 }],
    ]);
    const at = arrangeThreads(els, centers);
    const t20 = at.get('thread-20')!;
    const t21 = at.get('thread-21')!;
    expect(t21.x - t20.x).toBe(THREAD_CELL.width);
    expect((t20.x + t21.x) / 2).toBe(100);
    expect(t20.y).toBe(t21.y);
    expect(t20.y).toBeGreaterThan(100);
    expect(at.get('core')).toEqual({ x: 0, y: 0 });
    expect(at.get('pd-2')).toEqual({ x: 100, y: 100 });
    // No center, no position.
    expect(at.has('thread-30')).toBe(false);
  });
});

describe('separate', () => {
  const overlapping = (a: Position, b: Position, w: number, h: number) =>
    Math.abs(a.x - b.x) < w && Math.abs(a.y - b.y) < h;

  it('pushes overlapping boxes apart and leaves the others where they are', () => {
    const nodes = [
      { id: 'a', width: 100, height: 60 },
      { id: 'b', width: 100, height: 60 },
      { id: 'c', width: 100, height: 60 },
      { id: 'far', width: 100, height: 60 },
    ];
    const centers = new Map<string, Position>([
      ['a', { x: 0, y: 0 }],
      ['b', { x: 10, y: 5 }],
      ['c', { x: 0, y: 0 }],
      ['far', { x: 1000, y: 1000 }],
    ]);
    expect(separate(nodes, centers, 10)).toBeGreaterThan(0);
    const at = (id: string) => centers.get(id)!;
    for (const [x, y] of [
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]) {
      expect(overlapping(at(x), at(y), 110, 70)).toBe(false);
    }
    expect(at('far')).toEqual({ x: 1000, y: 1000 });
    // Nothing overlaps any more: a second pass moves nothing.
    expect(separate(nodes, centers, 10)).toBe(0);
  });

  it('untangles a dense clump of PD boxes, the same way every time', () => {
    const nodes = pdGraph(buildElements(syntheticTopology(60, 0).topology)).nodes;
    const clump = () => new Map(nodes.map((n, i) => [n.id, { x: (i % 7) * 3, y: Math.floor(i / 7) * 3 }]));
    const a = clump();
    separate(nodes, a, 8, 200);
    const b = clump();
    separate(nodes, b, 8, 200);
    expect(a).toEqual(b);
    let overlaps = 0;
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const p = a.get(nodes[i].id)!;
        const q = a.get(nodes[j].id)!;
        const w = (nodes[i].width + nodes[j].width) / 2;
        const h = (nodes[i].height + nodes[j].height) / 2;
        if (overlapping(p, q, w, h)) overlaps++;
      }
    }
    expect(overlaps).toBe(0);
  });
});

describe('compact', () => {
  it('draws a sparse layout together without making boxes overlap', () => {
    const nodes = pdGraph(buildElements(syntheticTopology(12, 0).topology)).nodes;
    // A loose ring, as force-directed layouts leave small graphs.
    const centers = new Map(
      nodes.map((n, i) => [
        n.id,
        { x: 900 * Math.cos((2 * Math.PI * i) / nodes.length), y: 700 * Math.sin((2 * Math.PI * i) / nodes.length) },
      ]),
    );
    const extent = () => {
      const xs = nodes.map((n) => centers.get(n.id)!.x);
      const ys = nodes.map((n) => centers.get(n.id)!.y);
      return (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
    };
    const before = extent();
    const side = (id: string) => [Math.sign(centers.get(id)!.x), Math.sign(centers.get(id)!.y)];
    const far = nodes.filter((n) => Math.abs(centers.get(n.id)!.x) > 300 && Math.abs(centers.get(n.id)!.y) > 300);
    const sides = far.map((n) => side(n.id));
    compact(nodes, centers);
    expect(extent()).toBeLessThan(before * 0.5);
    // The arrangement stays (boxes well off the middle keep their side), and nothing overlaps.
    expect(far.map((n) => side(n.id))).toEqual(sides);
    expect(separate(nodes, centers)).toBe(0);
  });
});

describe('placeNew with boxes', () => {
  const boxAround = (c: Position, w: number, h: number): Box => ({
    x1: c.x - w / 2,
    y1: c.y - h / 2,
    x2: c.x + w / 2,
    y2: c.y + h / 2,
  });
  const overlap = (a: Box, b: Box) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

  it('puts new PDs beside their creator, clear of the boxes already shown and of each other', () => {
    const before = topology();
    const after = topology();
    for (let i = 0; i < 6; i++) {
      after.pds.push(pd(50 + i, `kid${i}`, 4, null, [thread(500 + i, 50 + i, 'ep', 'ready')]));
    }
    const d = diffElements(buildElements(before), buildElements(after));
    const shown: Record<string, Box> = {
      'pd-1': boxAround({ x: 0, y: 0 }, 100, 80),
      'pd-2': boxAround({ x: 200, y: 0 }, 180, 80),
      'pd-3': boxAround({ x: 0, y: 200 }, 180, 80),
      'pd-4': boxAround({ x: 200, y: 200 }, 180, 120),
      core: boxAround({ x: 400, y: 100 }, 44, 44),
    };
    const center = (b: Box) => ({ x: (b.x1 + b.x2) / 2, y: (b.y1 + b.y2) / 2 });
    const at = placeNew(
      d.add,
      (id) => (shown[id] ? center(shown[id]) : undefined),
      { x: 0, y: 0 },
      {
        boxOf: (id) => shown[id],
        obstacles: Object.values(shown),
      },
    );
    const boxes: Box[] = [];
    for (let i = 0; i < 6; i++) {
      const el = d.add.find((e) => e.data.id === `pd-${50 + i}`)!;
      const size = nodeSize(el.data as Parameters<typeof nodeSize>[0]);
      const box = boxAround(at.get(`pd-${50 + i}`)!, size.width, size.height);
      for (const other of [...Object.values(shown), ...boxes]) expect(overlap(box, other)).toBe(false);
      boxes.push(box);
      // Near worker (pd-4), not across the graph.
      const c = at.get(`pd-${50 + i}`)!;
      expect(Math.hypot(c.x - 200, c.y - 200)).toBeLessThan(600);
      // Its thread sits inside it.
      const t = at.get(`thread-${500 + i}`)!;
      expect(t.x > box.x1 && t.x < box.x2 && t.y > box.y1 && t.y < box.y2).toBe(true);
    }
  });

  it('puts new threads of a PD already shown in a row under its box', () => {
    const before = topology();
    const after = topology();
    after.pds[1].threads.push(thread(22, 2, 'a', 'ready'), thread(23, 2, 'b', 'ready'));
    const d = diffElements(buildElements(before), buildElements(after));
    const box = boxAround({ x: 200, y: 0 }, 2 * THREAD_CELL.width + 20, 80);
    const at = placeNew(
      d.add,
      () => ({ x: 200, y: 0 }),
      { x: 0, y: 0 },
      { boxOf: (id) => (id === 'pd-2' ? box : undefined) },
    );
    const a = at.get('thread-22')!;
    const b = at.get('thread-23')!;
    expect(a.y).toBe(b.y);
    expect(b.x - a.x).toBe(THREAD_CELL.width);
    expect(a.x).toBeGreaterThan(box.x1);
    expect(b.x).toBeLessThan(box.x2);
    expect(a.y).toBeGreaterThan(box.y2 - 20);
    expect(a.y).toBeLessThan(box.y2 + THREAD_CELL.height);
  });
});

describe('Flasher', () => {
  const ev = (seq: number, pd: number | null, thread: number | null, kind: FlashEvent['kind'] = 'pagefault') => ({
    seq,
    pd,
    thread,
    kind,
  });

  it('flashes the thread and the PD an event names', () => {
    expect(flashTargets(ev(1, 2, 20))).toEqual(['thread-20', 'pd-2']);
    expect(flashTargets(ev(1, 2, null, 'irq'))).toEqual(['pd-2']);
    expect(flashTargets(ev(1, null, null))).toEqual([]);
  });

  it('lights each new event once, and only new ones', () => {
    const f = new Flasher();
    const events = [ev(1, 2, 20), ev(2, 3, null, 'irq')];
    expect(f.take(events, 0)).toEqual([
      { id: 'thread-20', kind: 'pagefault' },
      { id: 'pd-2', kind: 'pagefault' },
      { id: 'pd-3', kind: 'irq' },
    ]);
    expect(f.lit('pd-3')).toBe('irq');
    // Same list again, much later: nothing new.
    expect(f.take(events, 5000)).toEqual([]);
    // Appended (and the oldest dropped, as a window of recent events does).
    expect(f.take([events[1], ev(3, 4, 40)], 5000)).toEqual([
      { id: 'thread-40', kind: 'pagefault' },
      { id: 'pd-4', kind: 'pagefault' },
    ]);
  });

  it('throttles a storm to one flash per node per interval', () => {
    const f = new Flasher();
    const storm: FlashEvent[] = [];
    let lit = 0;
    // 1,000 page faults of one thread over one second, in 50 batches.
    for (let ms = 0; ms < 1000; ms += 20) {
      const batch = Array.from({ length: 20 }, (_, i) => ev(storm.length + i + 1, 2, 20));
      storm.push(...batch);
      lit += f.take(storm, ms).filter((s) => s.id === 'thread-20').length;
      f.expire(ms);
    }
    expect(lit).toBe(Math.ceil(1000 / FLASH_INTERVAL_MS));
    // Other nodes are not held back by it.
    expect(f.take([...storm, ev(5000, 3, 30)], 990).map((s) => s.id)).toEqual(['thread-30', 'pd-3']);
  });

  it('turns a flash off after its duration and tells when the next one ends', () => {
    const f = new Flasher();
    expect(f.nextExpiry()).toBeNull();
    f.take([ev(1, 2, null)], 100);
    f.take([ev(1, 2, null), ev(2, 3, null)], 150);
    expect(f.nextExpiry()).toBe(100 + FLASH_DURATION_MS);
    expect(f.expire(100 + FLASH_DURATION_MS - 1)).toEqual([]);
    expect(f.expire(100 + FLASH_DURATION_MS)).toEqual(['pd-2']);
    expect(f.lit('pd-2')).toBeUndefined();
    expect(f.lit('pd-3')).toBe('pagefault');
    expect(f.nextExpiry()).toBe(150 + FLASH_DURATION_MS);
    expect(FLASH_DURATION_MS).toBeLessThan(FLASH_INTERVAL_MS);
  });

  it('skips what happened before, leaves out nodes not shown, and starts over after a reset', () => {
    const f = new Flasher();
    f.skip([ev(7, 2, 20), ev(8, 3, 30)]);
    expect(f.take([ev(7, 2, 20), ev(8, 3, 30)], 0)).toEqual([]);
    expect(f.take([ev(9, 2, 20)], 0, (id) => id.startsWith('pd-'))).toEqual([{ id: 'pd-2', kind: 'pagefault' }]);
    // A new engine numbers from the start again.
    expect(f.take([ev(1, 4, null, 'irq')], 1000)).toEqual([{ id: 'pd-4', kind: 'irq' }]);
  });
});

describe('syntheticTopology', () => {
  it('builds valid protocol data with the asked number of PDs and capability edges', () => {
    const { topology: t, caps: c } = syntheticTopology(300, 5000);
    v.parse(TopologySchema, t);
    for (const [pd, rows] of Object.entries(c)) v.parse(CapSpaceSchema, { pd: Number(pd), rows });
    expect(t.pds).toHaveLength(300);
    const els = buildElements(t, { caps: c });
    expect(edges(els, 'cap')).toHaveLength(5000);
    expect(nodes(els).filter((n) => n.data.kind === 'pd')).toHaveLength(300);
    expect(edges(els, 'session').length).toBeGreaterThan(300);
    expect(edges(els, 'parent').length).toBe(299);
  });

  it('is the same every time, and small sizes work', () => {
    expect(syntheticTopology(20, 50)).toEqual(syntheticTopology(20, 50));
    const one = syntheticTopology(1, 10);
    expect(one.topology.pds).toHaveLength(1);
    expect(edges(buildElements(one.topology, { caps: one.caps }), 'cap')).toHaveLength(1);
  });
});

describe('Flasher.light', () => {
  it('throttles a node lit by hand like one lit by events', () => {
    const f = new Flasher();
    expect(f.light('pd-2', 'irq', 0)).toBe(true);
    expect(f.light('pd-2', 'irq', FLASH_INTERVAL_MS - 1)).toBe(false);
    expect(f.take([{ seq: 1, pd: 2, thread: null, kind: 'pagefault' }], 10)).toEqual([]);
    expect(f.light('pd-2', 'pagefault', FLASH_INTERVAL_MS)).toBe(true);
    expect(f.lit('pd-2')).toBe('pagefault');
  });
});
