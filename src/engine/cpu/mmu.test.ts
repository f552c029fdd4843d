import { describe, expect, it } from 'vitest';
import { PTE_A, PTE_G, PTE_R, PTE_V, Tlb } from './mmu';

const PTE = PTE_V | PTE_R | PTE_A;

describe('Tlb.flush of one page in one address space', () => {
  it('drops only that page of that ASID when only 4 KiB entries are present', () => {
    const tlb = new Tlb();
    tlb.insert(0x40100, 1, PTE, 0, 0);
    tlb.insert(0x40100, 2, PTE, 0, 0);
    tlb.insert(0x40101, 1, PTE, 0, 0);
    tlb.flush(0x4010_0000, 1);
    expect(tlb.find(0x40100, 1)).toBe(-1);
    expect(tlb.find(0x40100, 2)).toBeGreaterThanOrEqual(0);
    expect(tlb.find(0x40101, 1)).toBeGreaterThanOrEqual(0);
  });

  it('keeps global entries', () => {
    const tlb = new Tlb();
    tlb.insert(0x40100, 1, PTE | PTE_G, 0, 0);
    tlb.flush(0x4010_0000, 1);
    expect(tlb.find(0x40100, 1)).toBeGreaterThanOrEqual(0);
  });

  it('drops every 4 KiB piece of a megapage that covers the address', () => {
    const tlb = new Tlb();
    // Megapage entries are entered per 4 KiB page used: two pieces of the 4 MiB page at 0x4040_0000.
    tlb.insert(0x40400, 3, PTE, 1, 0);
    tlb.insert(0x40777, 3, PTE, 1, 0);
    tlb.insert(0x40100, 3, PTE, 0, 0);
    tlb.flush(0x4050_0000, 3);
    expect(tlb.find(0x40400, 3)).toBe(-1);
    expect(tlb.find(0x40777, 3)).toBe(-1);
    expect(tlb.find(0x40100, 3)).toBeGreaterThanOrEqual(0);
  });
});
