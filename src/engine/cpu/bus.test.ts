import { describe, expect, it } from 'vitest';
import { Bus, PAGE_CODE, RAM_BASE, type StoreObserver } from './bus';
import type { AccessWidth, Device, StateValue } from './device';

/** A device with `size` bytes of plain registers. */
class Regs implements Device {
  readonly mem: Uint8Array;
  constructor(
    readonly name: string,
    readonly size: number,
  ) {
    this.mem = new Uint8Array(size);
  }
  read(offset: number, width: AccessWidth): number | null {
    let v = 0;
    for (let k = width - 1; k >= 0; k--) v = (v << 8) | this.mem[offset + k];
    return v >>> 0;
  }
  write(offset: number, width: AccessWidth, value: number): boolean {
    for (let k = 0; k < width; k++) this.mem[offset + k] = (value >>> (8 * k)) & 0xff;
    return true;
  }
  saveState(): StateValue {
    return Array.from(this.mem);
  }
  loadState(): string | null {
    return null;
  }
}

describe('Bus', () => {
  it('maps devices on half-open ranges: the byte past the end belongs to nobody', () => {
    const bus = new Bus(1 << 20);
    expect(bus.attach(0x1000_0000, new Regs('dev', 0x100))).toBeNull();
    expect(bus.write(0x1000_00fc, 4, 0x11223344)).toBe(true);
    expect(bus.read(0x1000_00fc, 4)).toBe(0x11223344);
    expect(bus.read(0x1000_0100, 1)).toBeNull();
    expect(bus.write(0x1000_0100, 1, 0)).toBe(false);
    // An access that starts inside but runs past the end is refused too.
    expect(bus.read(0x1000_00fe, 4)).toBeNull();
    expect(bus.read(RAM_BASE + (1 << 20), 1)).toBeNull();
    expect(bus.read(RAM_BASE + (1 << 20) - 4, 4)).toBe(0);
  });

  it('refuses overlapping devices and names both', () => {
    const bus = new Bus(1 << 20);
    expect(bus.attach(0x1000_0000, new Regs('a', 0x100))).toBeNull();
    expect(bus.attach(0x1000_00ff, new Regs('b', 0x10))).toMatch(/device b at 0x100000ff\.\.0x1000010f overlaps a/);
    expect(bus.attach(0x1000_0100, new Regs('c', 0x10))).toBeNull(); // adjacent is fine
    expect(bus.attach(RAM_BASE + 0x1000, new Regs('d', 0x10))).toMatch(/overlaps ram/);
    expect(bus.regions().map((r) => r.name)).toEqual(['rom', 'a', 'c', 'ram']);
  });

  it('tells the observer about stores into flagged pages and runs store hooks', () => {
    const bus = new Bus(1 << 20);
    const seen: [number, number, number][] = [];
    const observer: StoreObserver = { ramStore: (i, w, f) => seen.push([i, w, f]) };
    bus.observer = observer;
    const dropped: number[] = [];
    bus.onPageFlagged((p) => dropped.push(p));
    bus.setPageFlag(3, PAGE_CODE);
    expect(dropped).toEqual([3]);
    bus.write(RAM_BASE + 3 * 4096 + 8, 4, 0xdeadbeef);
    bus.write(RAM_BASE + 4 * 4096, 4, 1); // unflagged page: no report
    expect(seen).toEqual([[3 * 4096 + 8, 4, PAGE_CODE]]);
    const hooked: number[] = [];
    const hook = (pa: number): void => void hooked.push(pa);
    bus.addStoreHook(RAM_BASE + 0x2000, hook);
    bus.write(RAM_BASE + 0x2004, 2, 7);
    bus.removeStoreHook(RAM_BASE + 0x2000, hook);
    bus.write(RAM_BASE + 0x2008, 2, 7);
    expect(hooked).toEqual([RAM_BASE + 0x2004]);
    expect(bus.pageFlags[2]).toBe(0);
  });

  it('rejects a RAM size that is not a positive multiple of 4 KiB', () => {
    expect(() => new Bus(1000)).toThrow(/multiple of 4096/);
  });
});
