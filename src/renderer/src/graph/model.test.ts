import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { CapSpaceSchema, TopologySchema, type ThreadInfo, type Topology } from '../../../engine/protocol';
import {
  buildElements,
  diffElements,
  placeNew,
  type CapRow,
  type EdgeElement,
  type GraphElement,
  type NodeElement,
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

  it("marks a deadlock cycle's threads, wait edges and the sessions between their PDs", () => {
    const els = buildElements(topology(), { cycles: [[20, 30]] });
    expect(byId(els, 'thread-20')?.classes).toBe('thread running deadlock');
    expect(byId(els, 'thread-30')?.classes).toBe('thread paused deadlock');
    expect(byId(els, 'thread-21')?.classes).toBe('thread ready');
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
      { id: 'pd-2', classes: 'pd' },
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
