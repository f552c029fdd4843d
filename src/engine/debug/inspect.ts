/**
 * What the debugger shows about the system, answered from the engine's own objects (so it is
 * exact, not reconstructed): topology (PDs, threads, sessions, routes), each PD's capability
 * space, its memory map (the region-map tree with dataspaces and which pages are mapped now),
 * the physical memory map, thread states with their reasons, and the wait-for graph with its
 * deadlock cycles. Every function returns plain JSON-able data.
 */
import { RAM_BASE } from '../cpu/bus';
import type { CoreSession } from '../core/core';
import type { Child } from '../core/init/init';
import {
  RpcObject,
  SignalContext,
  SignalSource,
  type Dataspace,
  type KObject,
  type Pd,
  type RegionMap,
  type Thread,
} from '../core/kernel_objects';
import type { System } from '../core/system';

export interface ThreadInfo {
  id: number;
  pd: number;
  name: string;
  cpu: number;
  priority: number;
  /** running (on a hart now), ready, blocked, paused (guest or debugger), stopped (fault/exception), dead. */
  state: 'running' | 'ready' | 'blocked' | 'paused' | 'stopped' | 'not started' | 'dead';
  /** Why it is not running: "blocked calling PD session ...", "paused by the debugger". */
  reason: string | null;
  pc: number;
  execUs: number;
}

export interface PdInfo {
  id: number;
  label: string;
  /** The PD that created it (through a PD session), or null for init's children and core's own. */
  parent: number | null;
  /** Init's child name, if it is one. */
  child: string | null;
  ram: { used: number; limit: number };
  caps: { used: number; limit: number };
  threads: ThreadInfo[];
  exitCode: number | null;
}

export interface SessionInfo {
  id: number;
  service: string;
  label: string;
  /** Client PD id. */
  client: number;
  /** Server PD id, or 'core'. */
  server: number | 'core';
  ram: number;
  caps: number;
  args: string;
}

export interface Topology {
  pds: PdInfo[];
  sessions: SessionInfo[];
  /** Services announced by children: name → server PD. */
  services: { name: string; server: number }[];
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export function threadInfo(sys: System, t: Thread): ThreadInfo {
  const k = sys.kernel;
  const cpu = k.cpus[t.cpu];
  let state: ThreadInfo['state'];
  if (t.dead) state = 'dead';
  else if (!t.started) state = 'not started';
  else if (cpu.current === t) state = 'running';
  else if (t.stopState) state = 'stopped';
  else if (t.paused || t.debugPaused) state = 'paused';
  else if (t.block !== null) state = 'blocked';
  else state = 'ready';
  return {
    id: t.id,
    pd: t.pd.id,
    name: t.name,
    cpu: t.cpu,
    priority: t.priority,
    state,
    reason: k.reason(t),
    pc: k.pcOf(t) >>> 0,
    execUs: Math.round(t.execCycles / (sys.machine.config.cpuHz / 1e6)),
  };
}

export function threads(sys: System): ThreadInfo[] {
  return [...sys.kernel.threads.values()].map((t) => threadInfo(sys, t));
}

function childOf(sys: System, pd: Pd): Child | null {
  for (const c of sys.init.children.values()) if (c.pdSession && c.pd === pd) return c;
  return null;
}

/** The session record behind an object, if it names one (core's or a child server's). */
function sessionOfObject(sys: System, obj: KObject): SessionInfo | null {
  const core = sys.core.sessionOf(obj);
  if (core) return coreSessionInfo(core);
  for (const c of sys.init.children.values()) {
    const s = c.sessions.get(obj as RpcObject);
    if (s && s.server) {
      return {
        id: s.obj.id,
        service: s.service,
        label: s.label,
        client: c.pd.id,
        server: s.server.pd.id,
        ram: s.ram,
        caps: s.caps,
        args: '',
      };
    }
  }
  return null;
}

function coreSessionInfo(s: CoreSession): SessionInfo {
  return {
    id: s.id,
    service: s.service,
    label: s.label,
    client: s.payer.id,
    server: 'core',
    ram: s.ram.limit,
    caps: s.caps.limit,
    args: [...s.args].map(([k, v]) => `${k}=${v}`).join(', '),
  };
}

export function topology(sys: System): Topology {
  const pds: PdInfo[] = [];
  const pdSessionOwner = new Map<Pd, Pd>();
  for (const s of sys.core.sessions) {
    const pd = (s as { pd?: Pd }).pd;
    if (s.service === 'PD' && pd && pd !== s.payer) pdSessionOwner.set(pd, s.payer);
  }
  for (const pd of sys.kernel.pds.values()) {
    const child = childOf(sys, pd);
    const owner = pdSessionOwner.get(pd);
    pds.push({
      id: pd.id,
      label: pd.label,
      parent: child ? null : (owner?.id ?? null),
      child: child?.name ?? null,
      ram: { used: pd.ram.used, limit: pd.ram.limit },
      caps: { used: pd.capQuota.used, limit: pd.capQuota.limit },
      threads: [...pd.threads].map((t) => threadInfo(sys, t)),
      exitCode: child?.exitCode ?? null,
    });
  }
  const sessions: SessionInfo[] = [...sys.core.sessions].map(coreSessionInfo);
  const services: Topology['services'] = [];
  for (const c of sys.init.children.values()) {
    if (!c.pdSession) continue;
    for (const s of c.sessions.values()) {
      if (s.server)
        sessions.push({
          id: s.obj.id,
          service: s.service,
          label: s.label,
          client: c.pd.id,
          server: s.server.pd.id,
          ram: s.ram,
          caps: s.caps,
          args: '',
        });
    }
    for (const name of c.announced.keys()) services.push({ name, server: c.pd.id });
  }
  return { pds, sessions, services };
}

export interface CapRow {
  slot: number;
  /** "rpc", "signal source", "signal context". */
  type: string;
  /** What the object is: "PD session", "thread ep of init -> counter", "Hello session". */
  object: string;
  objectId: number;
  /** The PD that made the object, or 'core'. */
  origin: number | 'core';
  badge: number | null;
  session: SessionInfo | null;
}

/** A PD's capability space, by slot. */
export function capSpace(sys: System, pd: Pd): CapRow[] {
  const rows: CapRow[] = [];
  for (const [slot, obj] of [...pd.caps].sort((a, b) => a[0] - b[0])) {
    let type = 'rpc';
    let object = `object ${obj.id}`;
    let origin: number | 'core' = 'core';
    let badge: number | null = null;
    if (obj instanceof RpcObject) {
      badge = obj.badge;
      if (obj.core) object = obj.core.describe();
      else if (obj.ep) object = `RPC object of ${obj.ep.pd.label} (entrypoint ${obj.ep.name})`;
      origin = obj.owner?.id ?? obj.ep?.pd.id ?? 'core';
    } else if (obj instanceof SignalSource) {
      type = 'signal source';
      object = `signal source ${obj.id}`;
      origin = obj.owner?.id ?? 'core';
    } else if (obj instanceof SignalContext) {
      type = 'signal context';
      object = `signal context ${obj.id} (imprint ${obj.imprint}) of source ${obj.source.id}`;
      origin = obj.owner?.id ?? 'core';
    }
    rows.push({ slot, type, object, objectId: obj.id, origin, badge, session: sessionOfObject(sys, obj) });
  }
  return rows;
}

export interface DataspaceInfo {
  id: number;
  kind: string;
  name: string;
  size: number;
  /** Physical base for RAM and device dataspaces; null for managed ones. */
  phys: number | null;
}

export interface RegionInfo {
  /** Offset in the region map, and the virtual address in the PD when the map is reachable from its address space. */
  at: number;
  va: number | null;
  size: number;
  offset: number;
  writeable: boolean;
  executable: boolean;
  ds: DataspaceInfo;
  /** Virtual pages (address / 4096) of this PD mapped through this region right now. */
  mapped: number[];
  /** The region map behind a managed dataspace. */
  nested: RegionMapInfo | null;
}

export interface RegionMapInfo {
  id: number;
  name: string;
  size: number;
  kind: 'address space' | 'stack area' | 'linker area' | 'managed';
  regions: RegionInfo[];
  /** Unresolved faults waiting for the region map's fault handler. */
  faults: { thread: number; addr: number; type: number }[];
}

function dsInfo(ds: Dataspace): DataspaceInfo {
  return { id: ds.id, kind: ds.kind, name: ds.name, size: ds.size, phys: ds.rm ? null : ds.phys };
}

/** A PD's memory map: its address space as a region-map tree. */
export function memoryMap(sys: System, pd: Pd): RegionMapInfo {
  const kindOf = (rm: RegionMap): RegionMapInfo['kind'] =>
    rm === pd.addressSpace
      ? 'address space'
      : rm === pd.stackArea
        ? 'stack area'
        : rm === pd.linkerArea
          ? 'linker area'
          : 'managed';
  const walk = (rm: RegionMap, base: number | null, depth: number): RegionMapInfo => ({
    id: rm.id,
    name: rm.name,
    size: rm.size,
    kind: kindOf(rm),
    faults: rm.faults.map((f) => ({ thread: f.thread.id, addr: f.addr, type: f.type })),
    regions: rm.regions.map((r) => {
      const va = base === null ? null : base + r.base;
      const mapped = [...r.mappings]
        .filter((m) => m.pd === pd)
        .map((m) => m.vpage)
        .sort((a, b) => a - b);
      return {
        at: r.base,
        va,
        size: r.size,
        offset: r.offset,
        writeable: r.writeable,
        executable: r.executable,
        ds: dsInfo(r.ds),
        mapped,
        nested: r.ds.rm && depth < 16 ? walk(r.ds.rm, va === null ? null : va - r.offset, depth + 1) : null,
      };
    }),
  });
  return walk(pd.addressSpace, 0, 0);
}

export interface PhysicalMap {
  ram: { base: number; size: number };
  /** Allocated frames with their owners ("RAM of init -> counter", "page table of ..."). */
  ranges: { base: number; size: number; owner: string }[];
  devices: { base: number; size: number; name: string }[];
}

export function physicalMap(sys: System): PhysicalMap {
  const ranges = [...sys.kernel.frames]
    .map(([base, f]) => ({ base, size: f.size, owner: f.owner }))
    .sort((a, b) => a.base - b.base);
  return {
    ram: { base: RAM_BASE, size: sys.machine.bus.ramSize },
    ranges,
    devices: sys.machine.bus.devices().map((d) => ({ base: d.base, size: d.size, name: d.name })),
  };
}

export interface WaitForGraph {
  edges: { from: number; to: number; why: string }[];
  /** Deadlock cycles as thread ids, each with a sentence naming the threads. */
  cycles: { threads: number[]; text: string }[];
}

export function waitForGraph(sys: System): WaitForGraph {
  const k = sys.kernel;
  return {
    edges: k.waitFor().map((e) => ({ from: e.from.id, to: e.to.id, why: e.why })),
    cycles: k.deadlocks().map((c) => ({
      threads: c.map((t) => t.id),
      text: c.map((t) => `${t.pd.label}/${t.name}`).join(' -> '),
    })),
  };
}

export { hex as formatHex };
