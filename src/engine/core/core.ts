/**
 * Core: the root of the component tree. It owns the physical resources and offers them as
 * services (PD, RM, ROM, CPU, IO_MEM, IO_PORT, IRQ, LOG, TRACE, Timer), is the pager of every
 * PD, and keeps the books: who holds which quota, which dataspaces exist, where they are
 * attached, which faults are pending.
 *
 * Sessions are opened by init (in TypeScript, through {@link Core.openSession}) on behalf of a
 * client PD, which donates the session quota named in the arguments (`ram_quota`, `cap_quota`);
 * closing the session gives it back.
 */
import { RAM_BASE } from '../cpu/bus';
import { causeName } from '../cpu/user_mode';
import { LAYOUT, LOG_MAX, RPC } from './abi';
import { CmosRtc } from './cmos_rtc';
import { IoPortBus } from './io_port_bus';
import type { Kernel, KernelClient, PagerResult } from './kernel';
import {
  Dataspace,
  FAULT_NAME,
  FaultType,
  KObject,
  Pd,
  RegionMap,
  RpcObject,
  type CoreServer,
  type DataspaceKind,
  type Quota,
  type Region,
  type Thread,
} from './kernel_objects';
import {
  DataspaceComponent,
  REGION_META_BYTES,
  RegionMapComponent,
  attachWindow,
  findFree,
  makeRegion,
  nestedIn,
  type AttachArgs,
} from './region_map_component';
import { argNumber, parseSessionArgs, type SessionArgs } from './session_args';
import { TraceKind, quotaSample } from './trace';

const PAGE = 0x1000;
const pageUp = (n: number): number => Math.ceil(n / PAGE) * PAGE;
const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** Smallest quota a session must be donated. */
export const SESSION_RAM_MIN = 4096;
export const SESSION_CAPS_MIN = 1;

export interface LogLine {
  /** Virtual time in µs. */
  time: number;
  label: string;
  text: string;
}

/** An unresolved page fault or exception, as core logs it, kept for the debugger. */
export interface FaultRecord {
  time: number;
  pd: string;
  thread: string;
  threadId: number;
  ip: number;
  addr: number;
  type: string;
  message: string;
}

export interface RomModule {
  name: string;
  /** The current version's dataspace. */
  ds: Dataspace;
  version: number;
  dynamic: boolean;
  /** Sessions to notify on a new version. */
  readonly watchers: Set<{ notify(): void }>;
}

/** Where a virtual address of a PD leads through its region maps (`Core.resolve`). */
export type Resolution =
  | { kind: 'ram'; phys: number; writeable: boolean; executable: boolean; via: Region[] }
  /** Inside a managed dataspace where nothing is attached (a fault would go to its handler). */
  | { kind: 'unbacked'; rm: RegionMap; off: number; via: Region[] }
  | { kind: 'error'; why: string };

/** A session core serves; each service's component extends it. */
export abstract class CoreSession implements CoreServer {
  abstract readonly iface: CoreServer['iface'];
  readonly ram: Quota;
  readonly caps: Quota;
  obj!: RpcObject;
  closed = false;
  readonly id: number;

  constructor(
    protected readonly core: Core,
    readonly service: string,
    readonly label: string,
    readonly args: SessionArgs,
    /** The PD that donated the session quota (gets it back on close). */
    readonly payer: Pd,
  ) {
    this.id = core.kernel.newId();
    this.ram = { limit: argNumber(args, 'ram_quota'), used: 0 };
    this.caps = { limit: argNumber(args, 'cap_quota'), used: 0 };
  }

  describe(): string {
    return `${this.service} session "${this.label}"`;
  }

  abstract dispatch(call: Parameters<CoreServer['dispatch']>[0]): ReturnType<CoreServer['dispatch']>;

  /** Releases what the session holds (called once, on close). */
  protected abstract release(): void;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }
}

export type SessionFactory = (
  core: Core,
  label: string,
  args: SessionArgs,
  payer: Pd,
) => CoreSession | { error: number; reason: string };

export class Core implements KernelClient {
  /** Core's own account: what is not handed out to init (or back from closed PDs). */
  readonly ram: Quota;
  readonly capQuota: Quota = { limit: 1 << 16, used: 0 };
  readonly roms = new Map<string, RomModule>();
  readonly sessions = new Set<CoreSession>();
  readonly logLines: LogLine[] = [];
  readonly faults: FaultRecord[] = [];
  onLog: ((line: LogLine) => void) | null = null;
  readonly dataspaces = new Set<Dataspace>();
  readonly regionMaps = new Set<RegionMap>();
  readonly ioPorts = new IoPortBus();
  /** Open IO_PORT sessions, whose port ranges are exclusive. */
  readonly ioPortSessions: { base: number; size: number; label: string }[] = [];
  readonly rtc: CmosRtc;
  /** IRQ number → handler (the IRQ session owning it). */
  readonly irqHandlers = new Map<number, { raised(): void }>();
  /** Byte ranges handed out by IO_MEM sessions. */
  readonly ioMemRanges: { base: number; size: number; session: CoreSession }[] = [];
  readonly services = new Map<string, SessionFactory>();
  /** PD-session components by PD, for lookups from capabilities. */
  readonly pdSessions = new Map<Pd, CoreSession & { pd: Pd }>();
  /** Seconds since 1970 the RTC shows at virtual time 0 (fixed: the engine is deterministic). */
  static readonly RTC_EPOCH = 1_795_000_000;

  constructor(readonly kernel: Kernel) {
    kernel.client = this;
    this.ram = { limit: kernel.phys.available, used: 0 };
    this.rtc = new CmosRtc(this.rtcClock(), Core.RTC_EPOCH);
    const err = this.ioPorts.attach(0x70, this.rtc);
    if (err) throw new Error(err);
  }

  /** The RTC's clock: whole seconds of virtual time (wired again after a snapshot load). */
  rtcClock(): () => number {
    const kernel = this.kernel;
    return () => Math.floor(kernel.nowUs() / 1e6);
  }

  // ---------------------------------------------------------------- log --

  log(label: string, text: string): void {
    const line: LogLine = { time: this.kernel.nowUs(), label, text };
    this.logLines.push(line);
    this.kernel.trace.emit(this.kernel.now(), 0, null, TraceKind.LOG, 0, 0, `[${label}] ${text}`);
    this.onLog?.(line);
  }

  /** A LOG write from a component: cut at LOG_MAX characters, one line per write. */
  logWrite(label: string, text: string, thread: Thread | null): number {
    const cut = [...text].slice(0, LOG_MAX).join('');
    const body = cut.replace(/\n$/, '');
    const line: LogLine = { time: this.kernel.nowUs(), label, text: body };
    this.logLines.push(line);
    this.kernel.trace.emit(this.kernel.now(), thread?.cpu ?? 0, thread, TraceKind.LOG, 0, 0, `[${label}] ${body}`);
    this.onLog?.(line);
    return cut.length;
  }

  // ----------------------------------------------------------- services --

  /**
   * Opens a session of `service` for `payer`, which donates ram_quota/cap_quota from `args`.
   * Returns the session, or an RPC error (DENIED, INSUFFICIENT_RAM, INSUFFICIENT_CAPS) with a reason.
   */
  openSession(
    service: string,
    label: string,
    argsText: string,
    payer: Pd,
  ): CoreSession | { error: number; reason: string } {
    const factory = this.services.get(service);
    if (!factory) return { error: RPC.DENIED, reason: `core provides no service "${service}"` };
    const args = parseSessionArgs(argsText);
    args.set('label', label);
    const ram = argNumber(args, 'ram_quota');
    const caps = argNumber(args, 'cap_quota');
    if (ram < SESSION_RAM_MIN)
      return { error: RPC.INSUFFICIENT_RAM, reason: `ram_quota ${ram} below ${SESSION_RAM_MIN}` };
    if (caps < SESSION_CAPS_MIN)
      return { error: RPC.INSUFFICIENT_CAPS, reason: `cap_quota ${caps} below ${SESSION_CAPS_MIN}` };
    if (payer.ram.limit - payer.ram.used < ram)
      return { error: RPC.INSUFFICIENT_RAM, reason: `${payer.label} cannot donate ${ram} bytes` };
    if (payer.capQuota.limit - payer.capQuota.used < caps)
      return { error: RPC.INSUFFICIENT_CAPS, reason: `${payer.label} cannot donate ${caps} caps` };
    const s = factory(this, label, args, payer);
    if (!(s instanceof CoreSession)) return s;
    payer.ram.limit -= ram;
    payer.capQuota.limit -= caps;
    s.caps.used += 1; // the session object itself
    s.obj = this.kernel.newRpcObject(null, s, null);
    this.sessions.add(s);
    this.kernel.trace.emit(this.kernel.now(), 0, null, TraceKind.SESSION_OPEN, s.id, ram, undefined, [
      quotaSample(payer.id, payer.ram, payer.capQuota),
    ]);
    return s;
  }

  /** Adds donated quota to a session. */
  upgradeSession(s: CoreSession, ram: number, caps: number, payer: Pd): number {
    if (payer.ram.limit - payer.ram.used < ram || payer.capQuota.limit - payer.capQuota.used < caps)
      return RPC.EXCEEDED;
    payer.ram.limit -= ram;
    payer.capQuota.limit -= caps;
    s.ram.limit += ram;
    s.caps.limit += caps;
    this.kernel.trace.emit(this.kernel.now(), 0, null, TraceKind.SESSION_UPGRADE, s.id, ram, undefined, [
      quotaSample(payer.id, payer.ram, payer.capQuota),
    ]);
    return RPC.OK;
  }

  /** Closes a session: releases its objects and returns the donated quota to the payer. */
  closeSession(s: CoreSession): void {
    if (s.closed) return;
    s.close();
    this.kernel.revoke(s.obj);
    this.sessions.delete(s);
    const back = s.payer.dead ? (s.payer.refAccount ?? null) : s.payer;
    if (back) {
      back.ram.limit += s.ram.limit;
      back.capQuota.limit += s.caps.limit;
    } else {
      this.ram.limit += s.ram.limit;
      this.capQuota.limit += s.caps.limit;
    }
    this.kernel.trace.emit(this.kernel.now(), 0, null, TraceKind.SESSION_CLOSE, s.id, 0, undefined, [
      back ? quotaSample(back.id, back.ram, back.capQuota) : quotaSample(0, this.ram, this.capQuota),
    ]);
  }

  /** The session served by `obj`, if it is one of core's. */
  sessionOf(obj: KObject | null): CoreSession | null {
    return obj instanceof RpcObject && obj.core instanceof CoreSession ? obj.core : null;
  }

  pdOf(obj: KObject | null): Pd | null {
    const s = this.sessionOf(obj) as (CoreSession & { pd?: Pd }) | null;
    return s?.pd ?? null;
  }

  // --------------------------------------------------------- boot modules --

  /** Adds (or replaces, for dynamic modules) a ROM module. Returns an error string if RAM is short. */
  setRom(name: string, data: Uint8Array, dynamic = false): string | null {
    const old = this.roms.get(name);
    const size = pageUp(Math.max(1, data.length));
    const phys = this.kernel.allocPhys(size, `ROM ${name}`);
    if (phys === null) return `out of memory for ROM module "${name}" (${data.length} bytes)`;
    this.kernel.m.bus.u8.set(data, phys - RAM_BASE);
    this.kernel.m.bus.markWritten(phys - RAM_BASE, data.length);
    const ds = this.newDataspace('rom', phys, data.length, false, null, null, `rom:${name}`);
    if (old) {
      old.ds = ds;
      old.version++;
      old.dynamic ||= dynamic;
      for (const w of old.watchers) w.notify();
    } else {
      this.roms.set(name, { name, ds, version: 1, dynamic, watchers: new Set() });
    }
    return null;
  }

  romData(name: string): Uint8Array | null {
    const m = this.roms.get(name);
    if (!m) return null;
    const off = m.ds.phys - RAM_BASE;
    return this.kernel.m.bus.u8.slice(off, off + m.ds.size);
  }

  // --------------------------------------------------------- dataspaces --

  newDataspace(
    kind: DataspaceKind,
    phys: number,
    size: number,
    writeable: boolean,
    owner: Pd | null,
    rm: RegionMap | null,
    name: string,
  ): Dataspace {
    const ds = new Dataspace(this.kernel.newId(), kind, phys, size, writeable, owner, rm, name);
    this.dataspaces.add(ds);
    return ds;
  }

  /** The capability object of a dataspace (created once). */
  dsCap(ds: Dataspace): RpcObject {
    if (ds.cap === null) {
      // A managed dataspace gets its own Dataspace object too: handing out the region map's
      // capability would let every client attach into (and take faults of) the manager's map.
      ds.cap = this.kernel.newRpcObject(null, new DataspaceComponent(ds), null);
    }
    return ds.cap;
  }

  /** The dataspace a capability names (RAM, ROM, IO_MEM, or a region map as managed dataspace). */
  dataspaceOf(obj: KObject | null): Dataspace | null {
    if (!(obj instanceof RpcObject) || obj.dead) return null;
    if (obj.core instanceof DataspaceComponent) return obj.core.ds.dead ? null : obj.core.ds;
    if (obj.core instanceof RegionMapComponent) return this.managedDataspace(obj.core.rm);
    return null;
  }

  /** The region map as a dataspace (created once). */
  managedDataspace(rm: RegionMap): Dataspace {
    if (rm.ds === null) rm.ds = this.newDataspace('managed', 0, rm.size, true, rm.owner, rm, rm.name);
    return rm.ds;
  }

  /** A RAM dataspace paid from `pd`'s quota: zeroed, physically contiguous. */
  allocRam(pd: Pd, size: number): Dataspace | number {
    if (size <= 0 || size > 0x4000_0000) return RPC.DENIED;
    const bytes = pageUp(size);
    if (pd.ram.limit - pd.ram.used < bytes) return RPC.OUT_OF_RAM;
    if (pd.capQuota.limit - pd.capQuota.used < 1) return RPC.OUT_OF_CAPS;
    const phys = this.kernel.allocPhys(bytes, pd.label);
    if (phys === null) return RPC.OUT_OF_RAM;
    pd.ram.used += bytes;
    pd.capQuota.used += 1;
    const ds = this.newDataspace('ram', phys, bytes, true, pd, null, `ram@${hex(phys)}`);
    pd.dataspaces.add(ds);
    return ds;
  }

  /** Destroys a dataspace: detaches it everywhere, revokes it, frees its RAM. */
  destroyDataspace(ds: Dataspace): void {
    if (ds.dead) return;
    for (const r of [...ds.regions]) this.removeRegion(r);
    ds.dead = true;
    if (ds.cap && !ds.rm) this.kernel.revoke(ds.cap);
    this.dataspaces.delete(ds);
    if (ds.kind === 'ram' || ds.kind === 'rom') this.kernel.freePhys(ds.phys);
    if (ds.kind === 'ram' && ds.owner) {
      ds.owner.ram.used -= ds.size;
      ds.owner.capQuota.used -= 1;
      ds.owner.dataspaces.delete(ds);
    }
  }

  // -------------------------------------------------------- region maps --

  createRegionMap(size: number, owner: Pd | null, name: string, payer: Quota): RegionMap {
    const rm = new RegionMap(this.kernel.newId(), size, owner, name);
    rm.cap = this.kernel.newRpcObject(null, new RegionMapComponent(this, rm, payer), null);
    this.regionMaps.add(rm);
    return rm;
  }

  destroyRegionMap(rm: RegionMap): void {
    if (rm.dead) return;
    for (const r of [...rm.regions]) this.removeRegion(r);
    if (rm.ds) {
      for (const r of [...rm.ds.regions]) this.removeRegion(r);
      rm.ds.dead = true;
      if (rm.ds.cap) this.kernel.revoke(rm.ds.cap);
      this.dataspaces.delete(rm.ds);
    }
    rm.dead = true;
    if (rm.cap) this.kernel.revoke(rm.cap);
    // Threads waiting for a fault in it retry, and find no backing now.
    for (const f of rm.faults.splice(0)) this.retry(f.thread);
    this.regionMaps.delete(rm);
  }

  /**
   * Attaches `ds` to `rm` (Genode's Region_map::attach). Returns the address, or
   * REGION_CONFLICT, INVALID_DATASPACE, OUT_OF_RAM.
   */
  attach(rm: RegionMap, ds: Dataspace, payer: Quota, a: AttachArgs): { addr: number } | number {
    if (ds.dead) return RPC.INVALID_DATASPACE;
    if (ds.rm && nestedIn(rm, ds.rm)) return RPC.INVALID_DATASPACE; // would contain itself
    const dsSize = pageUp(ds.size);
    const offset = a.offset >>> 0;
    if (offset % PAGE || offset >= dsSize) return RPC.REGION_CONFLICT;
    const size = pageUp(a.size >>> 0 || dsSize - offset);
    if (offset + size > dsSize) return RPC.REGION_CONFLICT;
    let at: number;
    if (a.useAt) {
      at = a.at >>> 0;
      if (at % PAGE || at + size > rm.size || !rm.isFree(at, size)) return RPC.REGION_CONFLICT;
    } else {
      const [lo, hi] = attachWindow(rm, rm.isAddressSpace);
      const found = findFree(rm, size, lo, hi);
      if (found === null) return RPC.REGION_CONFLICT;
      at = found;
    }
    if (payer.limit - payer.used < REGION_META_BYTES) return RPC.OUT_OF_RAM;
    payer.used += REGION_META_BYTES;
    const region = makeRegion(rm, at, size, ds, { ...a, offset });
    region.payer = payer;
    rm.insert(region);
    ds.regions.add(region);
    // Threads blocked on a fault in this region map retry now (seed 003).
    for (const f of rm.faults.splice(0)) this.retry(f.thread);
    return { addr: at };
  }

  /** Detaches the region containing `addr`; false if there is none. */
  detach(rm: RegionMap, addr: number): boolean {
    const r = rm.find(addr >>> 0);
    if (!r) return false;
    this.removeRegion(r);
    return true;
  }

  private removeRegion(r: Region): void {
    for (const m of [...r.mappings]) this.kernel.unmap(m);
    r.rm.remove(r);
    r.ds.regions.delete(r);
    if (r.payer) r.payer.used -= REGION_META_BYTES;
    r.payer = null;
  }

  private retry(t: Thread): void {
    if (t.block?.kind === 'page_fault') {
      t.block = null;
      this.kernel.update(t);
    }
  }

  // --------------------------------------------------------------- pager --

  /**
   * Resolves a page fault by walking the PD's region maps (through nested managed dataspaces)
   * and installing one page-table entry. A fault in a managed dataspace with no backing blocks
   * the thread and signals the dataspace's fault handler; a fault outside any region, or
   * against the region's rights, stops the thread and is logged like core does.
   */
  /**
   * Resolves virtual address `addr` of `pd` through its region maps (the truth, whether or not
   * a page is mapped now), without side effects. `type` checks the regions' rights (null: none).
   */
  resolve(pd: Pd, addr: number, type: FaultType | null): Resolution {
    let rm = pd.addressSpace;
    let off = addr;
    let writeable = true;
    let executable = true;
    const via: Region[] = [];
    for (let depth = 0; depth < 16; depth++) {
      const r = rm.find(off);
      if (r === null) {
        if (rm === pd.addressSpace) return { kind: 'error', why: 'no RM attachment' };
        return { kind: 'unbacked', rm, off, via };
      }
      if (type === FaultType.WRITE && !r.writeable) return { kind: 'error', why: 'write to a read-only region' };
      if (type === FaultType.EXEC && !r.executable)
        return { kind: 'error', why: 'execution of a non-executable region' };
      writeable &&= r.writeable;
      executable &&= r.executable;
      via.push(r);
      const dsOff = off - r.base + r.offset;
      if (r.ds.rm) {
        rm = r.ds.rm;
        off = dsOff;
        continue;
      }
      if (dsOff >= pageUp(r.ds.size)) return { kind: 'error', why: 'beyond the end of the dataspace' };
      return {
        kind: 'ram',
        phys: r.ds.phys + dsOff,
        writeable: writeable && r.ds.writeable,
        executable,
        via,
      };
    }
    return { kind: 'error', why: 'region maps nested too deeply' };
  }

  pageFault(t: Thread, addr: number, type: FaultType): PagerResult {
    const r = this.resolve(t.pd, addr, type);
    if (r.kind === 'error') return this.unresolved(t, addr, type, r.why);
    if (r.kind === 'unbacked') return this.managedFault(t, r.rm, r.off, addr, type);
    const phys = r.phys - (r.phys % PAGE);
    if (!this.kernel.map(t.pd, Math.floor(addr / PAGE), phys, r.writeable, r.executable, r.via)) {
      return this.unresolved(t, addr, type, 'out of memory for page tables');
    }
    return 'mapped';
  }

  private managedFault(t: Thread, rm: RegionMap, off: number, addr: number, type: FaultType): PagerResult {
    // Like Genode's core: a fault is reflected to user land only if the region map has a fault
    // handler; otherwise (e.g. an empty spot of a PD's stack area) it is an unresolved fault.
    if (!rm.faultHandler) return this.unresolved(t, addr, type, 'no RM attachment');
    t.block = { kind: 'page_fault', addr, access: type, rm };
    rm.faults.push({ thread: t, addr: off, type });
    this.kernel.submit(rm.faultHandler, 1);
    this.kernel.update(t);
    return 'blocked';
  }

  private unresolved(t: Thread, addr: number, type: FaultType, why: string): PagerResult {
    const ip = this.kernel.pcOf(t);
    const message = `${why} (${FAULT_NAME[type]} pf_addr=${hex(addr)} pf_ip=${hex(ip)} from pager_object: pd='${t.pd.label}' thread='${t.name}')`;
    this.log('core', `Error: ${message}`);
    this.faults.push({
      time: this.kernel.nowUs(),
      pd: t.pd.label,
      thread: t.name,
      threadId: t.id,
      ip,
      addr,
      type: FAULT_NAME[type],
      message,
    });
    t.stopState = 1; // THREAD_STATE.PAGE_FAULT
    t.stopTval = addr;
    t.paused = true;
    this.kernel.trace.emit(this.kernel.now(), t.cpu, t, TraceKind.PAGE_FAULT_UNRESOLVED, addr, type);
    this.kernel.update(t);
    return 'unresolved';
  }

  /** Logs an exception the way core does and records it (the kernel already stopped the thread). */
  exception(t: Thread, cause: number, tval: number): void {
    const what = causeName(cause);
    const ip = this.kernel.pcOf(t);
    const message = `${what} (pd='${t.pd.label}' thread='${t.name}' ip=${hex(ip)} tval=${hex(tval)})`;
    this.log('core', `Error: ${message}`);
    this.faults.push({
      time: this.kernel.nowUs(),
      pd: t.pd.label,
      thread: t.name,
      threadId: t.id,
      ip,
      addr: tval,
      type: `exception ${cause}`,
      message,
    });
  }

  // ----------------------------------------------------------------- IRQs --

  irq(n: number): void {
    const h = this.irqHandlers.get(n);
    if (h) h.raised();
  }

  // ------------------------------------------------------------ PD helpers --

  /** Creates a PD with its three region maps; the stack and linker areas attached to its address space. */
  createPd(label: string): Pd | null {
    const pdQuotaProxy: Quota = { limit: Infinity, used: 0 };
    const as = this.createRegionMap(LAYOUT.ADDRESS_SPACE_SIZE, null, `${label}: address space`, pdQuotaProxy);
    as.isAddressSpace = true;
    const stack = this.createRegionMap(LAYOUT.STACK_AREA_SIZE, null, `${label}: stack area`, pdQuotaProxy);
    const linker = this.createRegionMap(LAYOUT.LINKER_AREA_SIZE, null, `${label}: linker area`, pdQuotaProxy);
    const pd = this.kernel.createPd(label, as, stack, linker);
    if (pd === null) {
      for (const rm of [as, stack, linker]) this.destroyRegionMap(rm);
      return null;
    }
    // Region metadata of the PD's own maps is paid from the PD's RAM quota.
    for (const rm of [as, stack, linker]) (rm.cap!.core as RegionMapComponent as { payer: Quota }).payer = pd.ram;
    const full = (rm: RegionMap): AttachArgs => ({
      size: rm.size,
      offset: 0,
      useAt: true,
      at: 0,
      executable: true,
      writeable: true,
    });
    pd.ram.limit += 2 * REGION_META_BYTES; // the two fixed areas are core's gift
    this.attach(as, this.managedDataspace(stack), pd.ram, { ...full(stack), at: LAYOUT.STACK_AREA_BASE });
    this.attach(as, this.managedDataspace(linker), pd.ram, { ...full(linker), at: LAYOUT.LINKER_AREA_BASE });
    pd.ram.limit -= 2 * REGION_META_BYTES;
    pd.ram.used -= 2 * REGION_META_BYTES;
    return pd;
  }

  /** Destroys a PD: its threads, its dataspaces everywhere, its region maps and capabilities. */
  destroyPd(pd: Pd): void {
    if (pd.dead) return;
    for (const t of [...pd.threads]) this.kernel.destroyThread(t);
    for (const ds of [...pd.dataspaces]) this.destroyDataspace(ds);
    for (const rm of [pd.addressSpace, pd.stackArea, pd.linkerArea]) this.destroyRegionMap(rm);
    for (const rm of [...this.regionMaps]) if (rm.owner === pd) this.destroyRegionMap(rm);
    this.kernel.destroyPd(pd);
  }
}
