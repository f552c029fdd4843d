/**
 * What the debugger shows about the system, answered from the engine's own objects (so it is
 * exact, not reconstructed): topology (PDs, threads, sessions, routes), each PD's capability
 * space, its memory map (the region-map tree with dataspaces and which pages are mapped now),
 * the physical memory map, thread states with their reasons, and the wait-for graph with its
 * deadlock cycles. Every function returns plain JSON-able data.
 */
import { RAM_BASE } from '../cpu/bus';
import type { CoreSession } from '../core/core';
import type { RouteRule } from '../core/init/config';
import type { Child, ChildSession } from '../core/init/init';
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
import type {
  CapSpace,
  PhysicalMap,
  RegionMapInfo,
  SessionInfo,
  ThreadInfo,
  Topology,
  WaitForGraph,
} from '../protocol';

export type { ThreadInfo, SessionInfo, Topology, RegionMapInfo, PhysicalMap, WaitForGraph };
export type PdInfo = Topology['pds'][number];
export type CapRow = CapSpace['rows'][number];
export type RegionInfo = RegionMapInfo['regions'][number];
export type DataspaceInfo = RegionInfo['ds'];
export type RouteInfo = Topology['routes'][number];

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
    if (s && s.server) return serverSessionInfo(c, s, s.server);
  }
  return null;
}

/** A session a child opened at another child (a server): init's record of it. */
function serverSessionInfo(client: Child, s: ChildSession, server: Child): SessionInfo {
  return {
    id: s.obj.id,
    service: s.service,
    label: s.label,
    client: client.pd.id,
    server: server.pd.id,
    ram: s.ram,
    caps: s.caps,
    args: '',
  };
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
      ...(child?.runtime ? { checkpointable: true } : {}),
      ram: { used: pd.ram.used, limit: pd.ram.limit },
      caps: { used: pd.capQuota.used, limit: pd.capQuota.limit },
      threads: [...pd.threads].map((t) => threadInfo(sys, t)),
      exitCode: child?.exitCode ?? null,
    });
  }
  const sessions: SessionInfo[] = [...sys.core.sessions].map(coreSessionInfo);
  const services: Topology['services'] = [];
  const routes: RouteInfo[] = [];
  for (const c of sys.init.children.values()) {
    if (!c.pdSession) continue;
    for (const rule of c.start.route ?? sys.init.config?.defaultRoute ?? []) routes.push(routeInfo(c.pd.id, rule));
    for (const s of c.sessions.values()) if (s.server) sessions.push(serverSessionInfo(c, s, s.server));
    for (const name of c.announced.keys()) services.push({ name, server: c.pd.id });
  }
  return { pds, sessions, services, routes };
}

/** One of init's routing rules as the topology shows it. */
function routeInfo(client: number, rule: RouteRule): RouteInfo {
  const match: string[] = [];
  if (rule.unscopedLabel !== undefined) match.push(`unscoped_label="${rule.unscopedLabel}"`);
  if (rule.label !== undefined) match.push(`label="${rule.label}"`);
  if (rule.labelPrefix !== undefined) match.push(`label_prefix="${rule.labelPrefix}"`);
  if (rule.labelSuffix !== undefined) match.push(`label_suffix="${rule.labelSuffix}"`);
  if (rule.labelLast !== undefined) match.push(`label_last="${rule.labelLast}"`);
  return {
    client,
    service: rule.service,
    match: match.join(' '),
    targets: rule.targets.map((t) => (t.kind === 'child' ? `child ${t.name}` : t.kind)),
    line: rule.line,
  };
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
