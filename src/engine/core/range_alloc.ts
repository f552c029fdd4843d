/**
 * A first-fit allocator of half-open integer ranges [base, base + size), used for physical
 * frames, virtual regions of a region map and I/O-port ranges. Free ranges are kept sorted
 * and coalesced; every operation is O(number of free ranges).
 */
export interface Range {
  base: number;
  size: number;
}

export class RangeAllocator {
  private free: Range[] = [];

  /** Creates an allocator whose free space is [base, base + size). */
  constructor(base = 0, size = 0) {
    if (size > 0) this.free.push({ base, size });
  }

  /** Adds [base, base + size) to the free space (it must not overlap free space). */
  add(base: number, size: number): void {
    this.release(base, size);
  }

  /**
   * Allocates `size` bytes aligned to `align` (a power of two) at the lowest fitting address,
   * within [lo, hi) if given. Returns the base, or null if nothing fits.
   */
  alloc(size: number, align = 1, lo = -Infinity, hi = Infinity): number | null {
    if (size <= 0) return null;
    for (let i = 0; i < this.free.length; i++) {
      const r = this.free[i];
      const start = Math.max(r.base, lo);
      const base = Math.ceil(start / align) * align;
      if (base + size <= r.base + r.size && base + size <= hi) {
        this.take(i, base, size);
        return base;
      }
    }
    return null;
  }

  /** Allocates exactly [base, base + size); false if any part is not free. */
  allocAt(base: number, size: number): boolean {
    if (size <= 0) return false;
    for (let i = 0; i < this.free.length; i++) {
      const r = this.free[i];
      if (base >= r.base && base + size <= r.base + r.size) {
        this.take(i, base, size);
        return true;
      }
      if (r.base > base) break;
    }
    return false;
  }

  /** True if [base, base + size) is entirely free. */
  isFree(base: number, size: number): boolean {
    return this.free.some((r) => base >= r.base && base + size <= r.base + r.size);
  }

  /** Returns [base, base + size) to the free space. */
  release(base: number, size: number): void {
    if (size <= 0) return;
    let i = 0;
    while (i < this.free.length && this.free[i].base < base) i++;
    this.free.splice(i, 0, { base, size });
    // Coalesce with the neighbours.
    if (i + 1 < this.free.length && base + size === this.free[i + 1].base) {
      this.free[i].size += this.free[i + 1].size;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].base + this.free[i - 1].size === base) {
      this.free[i - 1].size += this.free[i].size;
      this.free.splice(i, 1);
    }
  }

  /** Total free bytes. */
  get available(): number {
    return this.free.reduce((n, r) => n + r.size, 0);
  }

  /** A copy of the free ranges, sorted by base. */
  freeRanges(): Range[] {
    return this.free.map((r) => ({ ...r }));
  }

  private take(i: number, base: number, size: number): void {
    const r = this.free[i];
    const before: Range = { base: r.base, size: base - r.base };
    const after: Range = { base: base + size, size: r.base + r.size - (base + size) };
    const parts = [before, after].filter((p) => p.size > 0);
    this.free.splice(i, 1, ...parts);
  }
}
