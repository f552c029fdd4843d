/**
 * The physical bus: RAM, a boot ROM and devices, each at a half-open address range.
 *
 * Physical memory map (like QEMU's `virt` board, so familiar tools and habits carry over):
 *
 * | range                       | what                                 |
 * |-----------------------------|--------------------------------------|
 * | 0x0000_1000 .. 0x0001_0000  | boot ROM (read-only, fetchable)      |
 * | 0x0200_0000 .. 0x0201_0000  | CLINT                                |
 * | 0x0c00_0000 .. 0x1000_0000  | PLIC                                 |
 * | 0x1000_0000 .. 0x1000_0100  | NS16550A UART                        |
 * | 0x8000_0000 .. +ramSize     | RAM (default 128 MiB)                |
 *
 * RAM is one `ArrayBuffer` with three views. Harts access RAM directly through their TLBs
 * (physical RAM index = paddr - RAM_BASE) and only come here for everything else. The bus also
 * keeps one flag byte per RAM page (`pageFlags`): a page with any flag set is never entered
 * into a hart's fast write TLB, so every store to it comes through `writeRamSlow`, which keeps
 * decoded-instruction caches, LR/SC reservations and write watchers exact at no cost to the
 * stores that touch none of them.
 *
 * Watches (the debugger's watchpoints) are asked BEFORE a hart's load or store on a watched
 * page and can stop the hart before the access executes, as RISC-V debug triggers with
 * timing "before" do: the instruction does not execute (pc stays on it, memory and registers
 * are unchanged, it takes no cycle). Store hooks (HTIF's tohost) run after a store landed.
 */
import type { AccessWidth, Device, StateValue } from './device';

export const RAM_BASE = 0x8000_0000;
export const BOOT_ROM_BASE = 0x0000_1000;
export const BOOT_ROM_SIZE = 0x0000_f000;
export const CLINT_BASE = 0x0200_0000;
export const PLIC_BASE = 0x0c00_0000;
export const UART0_BASE = 0x1000_0000;
/** PLIC source number of UART0 (as on QEMU virt). */
export const UART0_IRQ = 10;

/** `pageFlags` bit: the page holds decoded instructions of some hart's cache. */
export const PAGE_CODE = 1;
/** `pageFlags` bit: some hart holds an LR reservation in this page. */
export const PAGE_RESERVED = 2;
/** `pageFlags` bit: a store hook (HTIF tohost) or a store watch (debugger) is on this page. */
export const PAGE_HOOKED = 4;
/** `pageFlags` bit: a load watch (debugger read watchpoint) is on this page. */
export const PAGE_LOAD_HOOKED = 8;
/**
 * `pageFlags` bit: the first store to this page since {@link Bus.trackWrites} is to be noted
 * (reverse execution's snapshots look only at written pages). Cleared by that store.
 */
export const PAGE_TRACKED = 16;

/**
 * Asked before a hart loads `width` bytes at `paddr` from a page with PAGE_LOAD_HOOKED. True
 * stops the hart before the load (see the module comment); the watch should then ask the
 * machine for a break (`Machine.requestBreak`), or the hart retries the load on its next run.
 */
export type LoadWatch = (paddr: number, width: AccessWidth) => boolean;

/**
 * Asked before a hart stores `width` bytes of `value` at `paddr` into a page with PAGE_HOOKED.
 * True stops the hart before the store, as a {@link LoadWatch} does before a load.
 */
export type StoreWatch = (paddr: number, width: AccessWidth, value: number) => boolean;

/** Called after a store lands in a page with PAGE_HOOKED. `paddr` is the store's address. */
export type StoreHook = (paddr: number, width: AccessWidth, value: number) => void;

/** Called for stores into a page with PAGE_CODE or PAGE_RESERVED (set by the machine). */
export interface StoreObserver {
  /** A store of `width` bytes at RAM index `index` (paddr - RAM_BASE) is about to land. */
  ramStore(index: number, width: number, flags: number): void;
}

interface Mapping {
  base: number;
  end: number; // exclusive
  device: Device;
}

export class Bus {
  readonly ramSize: number;
  readonly ram: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  /** One byte per RAM page: PAGE_CODE | PAGE_RESERVED | PAGE_HOOKED | PAGE_LOAD_HOOKED. */
  readonly pageFlags: Uint8Array;
  readonly rom: Uint8Array;

  private mappings: Mapping[] = [];
  private hooks = new Map<number, StoreHook[]>(); // keyed by RAM page number
  private storeWatches = new Map<number, StoreWatch[]>(); // keyed by RAM page number
  private loadWatches = new Map<number, LoadWatch[]>(); // keyed by RAM page number
  observer: StoreObserver | null = null;
  /** Pages written since {@link trackWrites}; null until it is first called. */
  private written: Set<number> | null = null;

  constructor(ramSize: number) {
    if (ramSize <= 0 || ramSize % 4096 !== 0 || ramSize > 0x7000_0000) {
      throw new RangeError(`RAM size ${ramSize} must be a positive multiple of 4096 below 1.75 GiB`);
    }
    this.ramSize = ramSize;
    this.ram = new ArrayBuffer(ramSize);
    this.u8 = new Uint8Array(this.ram);
    this.u16 = new Uint16Array(this.ram);
    this.i32 = new Int32Array(this.ram);
    this.pageFlags = new Uint8Array(ramSize >>> 12);
    this.rom = new Uint8Array(BOOT_ROM_SIZE);
  }

  // ---------------------------------------------------------------- map --

  /**
   * Places `device` at `[base, base + device.size)`. Fails (returns an error message) if the
   * range overlaps RAM, the ROM or another device.
   */
  attach(base: number, device: Device): string | null {
    const end = base + device.size;
    if (base < 0 || end > 0x1_0000_0000 || device.size <= 0) {
      return `device ${device.name}: range 0x${base.toString(16)}+0x${device.size.toString(16)} is outside the 32-bit bus`;
    }
    const clash = this.regions().find((r) => base < r.end && r.base < end);
    if (clash) {
      return `device ${device.name} at 0x${base.toString(16)}..0x${end.toString(16)} overlaps ${clash.name} at 0x${clash.base.toString(16)}..0x${clash.end.toString(16)}`;
    }
    this.mappings.push({ base, end, device });
    this.mappings.sort((a, b) => a.base - b.base);
    return null;
  }

  /** The physical memory map, sorted by address (half-open ranges). */
  regions(): { name: string; base: number; end: number }[] {
    const list = [
      { name: 'rom', base: BOOT_ROM_BASE, end: BOOT_ROM_BASE + BOOT_ROM_SIZE },
      { name: 'ram', base: RAM_BASE, end: RAM_BASE + this.ramSize },
      ...this.mappings.map((m) => ({ name: m.device.name, base: m.base, end: m.end })),
    ];
    return list.sort((a, b) => a.base - b.base);
  }

  device(name: string): Device | undefined {
    return this.mappings.find((m) => m.device.name === name)?.device;
  }

  /** True if `[paddr, paddr + len)` lies inside RAM. */
  inRam(paddr: number, len = 1): boolean {
    const i = paddr - RAM_BASE;
    return i >= 0 && i + len <= this.ramSize;
  }

  /** True if the page at `paddr` can be fetched from (RAM or ROM). */
  fetchable(paddr: number): boolean {
    return this.inRam(paddr) || (paddr >= BOOT_ROM_BASE && paddr < BOOT_ROM_BASE + BOOT_ROM_SIZE);
  }

  // ------------------------------------------------------------ hooks --

  /** Calls `hook` after every store into the RAM page holding `paddr`. */
  addStoreHook(paddr: number, hook: StoreHook): void {
    const page = (paddr - RAM_BASE) >>> 12;
    const list = this.hooks.get(page) ?? [];
    list.push(hook);
    this.hooks.set(page, list);
    this.setPageFlag(page, PAGE_HOOKED);
  }

  removeStoreHook(paddr: number, hook: StoreHook): void {
    const page = (paddr - RAM_BASE) >>> 12;
    removeFrom(this.hooks, page, hook);
    this.storeFlagChanged(page);
  }

  /** Asks `watch` before every hart store into the RAM page holding `paddr`. */
  addStoreWatch(paddr: number, watch: StoreWatch): void {
    const page = (paddr - RAM_BASE) >>> 12;
    const list = this.storeWatches.get(page) ?? [];
    list.push(watch);
    this.storeWatches.set(page, list);
    this.setPageFlag(page, PAGE_HOOKED);
  }

  removeStoreWatch(paddr: number, watch: StoreWatch): void {
    const page = (paddr - RAM_BASE) >>> 12;
    removeFrom(this.storeWatches, page, watch);
    this.storeFlagChanged(page);
  }

  /** PAGE_HOOKED stays while a store hook or a store watch is on the page. */
  private storeFlagChanged(page: number): void {
    if (!this.hooks.has(page) && !this.storeWatches.has(page)) this.pageFlags[page] &= ~PAGE_HOOKED;
  }

  /**
   * Asks the store watches of the page holding RAM index `i` about a hart's store (the page
   * has PAGE_HOOKED). True: a watch stops the hart before the store.
   */
  storeWatched(i: number, width: number, value: number): boolean {
    const list = this.storeWatches.get(i >>> 12);
    if (list) for (const w of list) if (w(i + RAM_BASE, width as AccessWidth, value)) return true;
    return false;
  }

  /**
   * Asks `watch` before every hart load from the RAM page holding `paddr` (such loads take the
   * harts' slow path: they keep no fast read entries for the page while it is watched).
   */
  addLoadWatch(paddr: number, watch: LoadWatch): void {
    const page = (paddr - RAM_BASE) >>> 12;
    const list = this.loadWatches.get(page) ?? [];
    list.push(watch);
    this.loadWatches.set(page, list);
    this.pageFlags[page] |= PAGE_LOAD_HOOKED;
    for (const l of this.loadFlagListeners) l(page);
  }

  removeLoadWatch(paddr: number, watch: LoadWatch): void {
    const page = (paddr - RAM_BASE) >>> 12;
    removeFrom(this.loadWatches, page, watch);
    if (!this.loadWatches.has(page)) this.pageFlags[page] &= ~PAGE_LOAD_HOOKED;
  }

  /**
   * Asks the load watches of the page holding RAM index `i` about a hart's load of `width`
   * bytes there (the page has PAGE_LOAD_HOOKED). True: a watch stops the hart before the load.
   */
  loadWatched(i: number, width: number): boolean {
    const list = this.loadWatches.get(i >>> 12);
    if (list) for (const w of list) if (w(i + RAM_BASE, width as AccessWidth)) return true;
    return false;
  }

  private loadFlagListeners: ((page: number) => void)[] = [];
  /** Listeners that must drop fast read-TLB entries when a page gets a load watch. */
  onLoadHooked(listener: (page: number) => void): void {
    this.loadFlagListeners.push(listener);
  }

  /** Listeners that must drop fast write-TLB entries when a page gets a flag. */
  private flagListeners: ((page: number) => void)[] = [];
  onPageFlagged(listener: (page: number) => void): void {
    this.flagListeners.push(listener);
  }

  /** Sets flag bits on a RAM page and tells the harts to stop writing to it on their fast path. */
  setPageFlag(page: number, flag: number): void {
    const old = this.pageFlags[page];
    this.pageFlags[page] = old | flag;
    if (old === 0) for (const l of this.flagListeners) l(page);
  }

  // ------------------------------------------------------- slow access --

  /**
   * Reads `width` bytes at a physical address. Returns the value zero-extended (unsigned), or
   * null on an access fault (nothing there, or the device refused).
   */
  read(paddr: number, width: AccessWidth): number | null {
    paddr >>>= 0;
    const i = paddr - RAM_BASE;
    if (i >= 0 && i + width <= this.ramSize) {
      if (width === 4)
        return (this.u8[i] | (this.u8[i + 1] << 8) | (this.u8[i + 2] << 16) | (this.u8[i + 3] << 24)) >>> 0;
      if (width === 2) return this.u8[i] | (this.u8[i + 1] << 8);
      return this.u8[i];
    }
    const r = paddr - BOOT_ROM_BASE;
    if (r >= 0 && r + width <= BOOT_ROM_SIZE) {
      let v = 0;
      for (let k = width - 1; k >= 0; k--) v = (v << 8) | this.rom[r + k];
      return v >>> 0;
    }
    const m = this.find(paddr);
    if (m === null || paddr + width > m.end) return null;
    return m.device.read(paddr - m.base, width);
  }

  /** Writes `width` bytes at a physical address. Returns false on an access fault. */
  write(paddr: number, width: AccessWidth, value: number): boolean {
    paddr >>>= 0;
    const i = paddr - RAM_BASE;
    if (i >= 0 && i + width <= this.ramSize) {
      this.writeRamSlow(i, width, value);
      return true;
    }
    const m = this.find(paddr);
    if (m === null || paddr + width > m.end) return false;
    return m.device.write(paddr - m.base, width, value);
  }

  /**
   * Starts noting which RAM pages are written: every page gets PAGE_TRACKED, which keeps it out
   * of the harts' fast write TLBs until its first store (the machine drops their write entries).
   * Returns the pages written since the last call (null on the first).
   */
  trackWrites(): Set<number> | null {
    const was = this.written;
    this.written = new Set();
    const f = this.pageFlags;
    for (let p = 0; p < f.length; p++) f[p] |= PAGE_TRACKED;
    return was;
  }

  /** Notes that RAM bytes `[i, i + len)` (RAM index) were written other than by a hart's store. */
  markWritten(i: number, len: number): void {
    const w = this.written;
    if (w === null || len <= 0) return;
    for (let p = i >>> 12; p <= (i + len - 1) >>> 12; p++) w.add(p);
  }

  /** Stores into RAM at index `i`, honouring the page's flags (code, reservations, hooks). */
  writeRamSlow(i: number, width: number, value: number): void {
    const flags = this.pageFlags[i >>> 12] | (width > 1 ? this.pageFlags[(i + width - 1) >>> 12] : 0);
    if (flags & PAGE_TRACKED) {
      for (let p = i >>> 12; p <= (i + width - 1) >>> 12; p++) {
        this.written!.add(p);
        this.pageFlags[p] &= ~PAGE_TRACKED;
      }
    }
    if (flags & (PAGE_CODE | PAGE_RESERVED) && this.observer) this.observer.ramStore(i, width, flags);
    for (let k = 0; k < width; k++) this.u8[i + k] = (value >>> (8 * k)) & 0xff;
    if (flags & PAGE_HOOKED) {
      const list = this.hooks.get(i >>> 12);
      if (list) for (const h of list) h(i + RAM_BASE, width as AccessWidth, value);
    }
  }

  /** Copies bytes into physical memory (loader, debugger). Returns false if any byte is not RAM/ROM. */
  writeBytes(paddr: number, bytes: Uint8Array): boolean {
    if (this.inRam(paddr, bytes.length)) {
      const i = paddr - RAM_BASE;
      // Keep caches exact: tell the observer about each flagged page the copy touches.
      for (let p = i >>> 12; p <= (i + bytes.length - 1) >>> 12 && bytes.length; p++) {
        const f = this.pageFlags[p];
        if (f & (PAGE_CODE | PAGE_RESERVED) && this.observer) {
          const from = Math.max(i, p << 12);
          const to = Math.min(i + bytes.length, (p + 1) << 12);
          this.observer.ramStore(from, to - from, f);
        }
      }
      this.u8.set(bytes, i);
      this.markWritten(i, bytes.length);
      return true;
    }
    const r = paddr - BOOT_ROM_BASE;
    if (r >= 0 && r + bytes.length <= BOOT_ROM_SIZE) {
      this.rom.set(bytes, r);
      return true;
    }
    return false;
  }

  /** Copies `len` bytes out of RAM or ROM, or returns null if any byte is elsewhere. */
  readBytes(paddr: number, len: number): Uint8Array | null {
    if (this.inRam(paddr, len)) return this.u8.slice(paddr - RAM_BASE, paddr - RAM_BASE + len);
    const r = paddr - BOOT_ROM_BASE;
    if (r >= 0 && r + len <= BOOT_ROM_SIZE) return this.rom.slice(r, r + len);
    return null;
  }

  /** The attached devices with their physical ranges, by address. */
  devices(): { base: number; size: number; name: string }[] {
    return this.mappings.map((m) => ({ base: m.base, size: m.end - m.base, name: m.device.name }));
  }

  private find(paddr: number): Mapping | null {
    // Few devices: a linear scan beats anything clever here.
    for (const m of this.mappings) if (paddr >= m.base && paddr < m.end) return m;
    return null;
  }

  // ------------------------------------------------------------ state --

  saveDevices(): Record<string, StateValue> {
    const out: Record<string, StateValue> = {};
    for (const m of this.mappings) out[m.device.name] = m.device.saveState();
    return out;
  }

  loadDevices(state: Record<string, StateValue>): string | null {
    for (const m of this.mappings) {
      if (!(m.device.name in state)) return `snapshot has no state for device ${m.device.name}`;
      const err = m.device.loadState(state[m.device.name]);
      if (err) return `device ${m.device.name}: ${err}`;
    }
    return null;
  }
}

/** Removes `item` from the list of `key`, and the list when it becomes empty. */
function removeFrom<T>(map: Map<number, T[]>, key: number, item: T): void {
  const list = (map.get(key) ?? []).filter((x) => x !== item);
  if (list.length) map.set(key, list);
  else map.delete(key);
}
