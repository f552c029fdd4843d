/**
 * Sv32 address translation: the page-table walk and the architectural TLB.
 *
 * The hart keeps small "fast TLBs" (virtual page -> RAM index) in front of this for its hot
 * loop; those are flushed whenever the translation context changes. The TLB here is the
 * architectural one that SFENCE.VMA talks about: entries are tagged with the ASID and the G bit,
 * so a satp write that switches ASID keeps other address spaces' entries, and SFENCE.VMA can
 * flush all, one address, one ASID, or one address in one ASID.
 *
 * A/D bits: we implement the hardware update the privileged spec allows (Svadu behaviour):
 * a walk that finds A clear, or D clear on a store, sets them in the PTE in memory instead of
 * raising a page fault.
 */
import { RAM_BASE, type Bus } from './bus';

export const enum Access {
  FETCH = 0,
  LOAD = 1,
  STORE = 2,
}

// PTE bits
export const PTE_V = 1 << 0;
export const PTE_R = 1 << 1;
export const PTE_W = 1 << 2;
export const PTE_X = 1 << 3;
export const PTE_U = 1 << 4;
export const PTE_G = 1 << 5;
export const PTE_A = 1 << 6;
export const PTE_D = 1 << 7;

/** Translation failed with a page fault (the caller picks the cause from the access type). */
export const PAGE_FAULT = -1;
/** Translation failed with an access fault (a PTE outside RAM). */
export const ACCESS_FAULT = -2;

/** The walk's view of the hart's translation context. */
export interface Context {
  /** satp as an unsigned 32-bit value; MODE (bit 31) is known to be Sv32 when walking. */
  satp: number;
  /** Effective privilege of the access (0 U, 1 S). M-mode accesses never walk. */
  priv: number;
  sum: boolean;
  mxr: boolean;
  /**
   * PMP check of the walk's own PTE accesses (made as S-mode accesses, spec 3.7.1), or null
   * when no PMP entry is active.
   */
  pmp: ((paddr: number, access: Access) => boolean) | null;
}

const TLB_SIZE = 512;

/** ASID-tagged, direct-mapped architectural TLB. Megapages are entered per 4 KiB page used. */
/**
 * Slot of (vpn, asid): the ASID is mixed in so that address spaces with the same layout (every
 * component has its code, stack and UTCB at the same addresses) do not evict each other on
 * every switch. A global entry is found from other ASIDs only by a new walk (still correct).
 */
function tlbIndex(vpn: number, asid: number): number {
  return (vpn ^ (asid * 0x3b)) & (TLB_SIZE - 1);
}

export class Tlb {
  readonly vpn = new Int32Array(TLB_SIZE).fill(-1);
  readonly asid = new Int32Array(TLB_SIZE);
  readonly pte = new Int32Array(TLB_SIZE);
  /** 1 for a 4 MiB megapage leaf, 0 for a 4 KiB page. */
  readonly level = new Uint8Array(TLB_SIZE);
  /** Physical address of the leaf PTE (for A/D updates). */
  readonly pteAddr = new Float64Array(TLB_SIZE);
  hits = 0;
  misses = 0;
  /** Whether a megapage entry may be present (then a page flush must scan every slot). */
  private mega = false;

  /** Index of a valid entry for `vpn` in address space `asid`, or -1. */
  find(vpn: number, asid: number): number {
    const i = tlbIndex(vpn, asid);
    if (this.vpn[i] === vpn && (this.asid[i] === asid || this.pte[i] & PTE_G)) {
      this.hits++;
      return i;
    }
    this.misses++;
    return -1;
  }

  insert(vpn: number, asid: number, pte: number, level: number, pteAddr: number): number {
    const i = tlbIndex(vpn, asid);
    if (level) this.mega = true;
    this.vpn[i] = vpn;
    this.asid[i] = asid;
    this.pte[i] = pte;
    this.level[i] = level;
    this.pteAddr[i] = pteAddr;
    return i;
  }

  /**
   * SFENCE.VMA semantics: `vaddr` null flushes every address, else the leaf mapping `vaddr`
   * (a megapage entry covering it counts); `asid` null flushes every address space, else only
   * non-global entries of that ASID.
   */
  flush(vaddr: number | null, asid: number | null): void {
    const vpn = vaddr === null ? -1 : vaddr >>> 12;
    if (vpn >= 0 && asid !== null && !this.mega) {
      // Only 4 KiB entries: a non-global entry for (vpn, asid) can only sit in its own slot.
      const i = tlbIndex(vpn, asid);
      if (this.vpn[i] === vpn && this.asid[i] === asid && !(this.pte[i] & PTE_G)) this.vpn[i] = -1;
      return;
    }
    if (vpn < 0 && asid === null) this.mega = false;
    for (let i = 0; i < TLB_SIZE; i++) {
      if (this.vpn[i] < 0) continue;
      if (asid !== null && (this.pte[i] & PTE_G || this.asid[i] !== asid)) continue;
      if (vpn >= 0) {
        const same = this.level[i] ? this.vpn[i] >>> 10 === vpn >>> 10 : this.vpn[i] === vpn;
        if (!same) continue;
      }
      this.vpn[i] = -1;
    }
  }

  /** Entries in use, for the debugger and tests. */
  entries(): { vpn: number; asid: number; pte: number; megapage: boolean }[] {
    const out = [];
    for (let i = 0; i < TLB_SIZE; i++) {
      if (this.vpn[i] >= 0)
        out.push({ vpn: this.vpn[i], asid: this.asid[i], pte: this.pte[i] >>> 0, megapage: this.level[i] === 1 });
    }
    return out;
  }

  saveState(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < TLB_SIZE; i++) {
      if (this.vpn[i] >= 0) out.push([i, this.vpn[i], this.asid[i], this.pte[i], this.level[i], this.pteAddr[i]]);
    }
    return out;
  }

  loadState(rows: number[][]): void {
    this.vpn.fill(-1);
    this.mega = false;
    for (const [i, vpn, asid, pte, level, addr] of rows) {
      this.vpn[i] = vpn;
      this.asid[i] = asid;
      this.pte[i] = pte;
      this.level[i] = level;
      this.pteAddr[i] = addr;
      if (level) this.mega = true;
    }
  }
}

/** May a leaf `pte` be used for `access` at effective privilege `ctx.priv`? (spec 4.3.1, step 5) */
export function permitted(pte: number, access: Access, ctx: Context): boolean {
  if (pte & PTE_U) {
    // U pages: S-mode may load/store only with SUM and may never execute them.
    if (ctx.priv === 1 && (access === Access.FETCH || !ctx.sum)) return false;
  } else if (ctx.priv === 0) {
    return false;
  }
  switch (access) {
    case Access.FETCH:
      return (pte & PTE_X) !== 0;
    case Access.LOAD:
      return (pte & PTE_R) !== 0 || (ctx.mxr && (pte & PTE_X) !== 0);
    case Access.STORE:
      return (pte & PTE_W) !== 0;
  }
}

/** The physical address `va` maps to through leaf `pte` at `level` (spec step 8). */
export function leafAddress(pte: number, level: number, va: number): number {
  const ppn = pte >>> 10; // 22 bits: physical addresses are 34 bits wide
  if (level === 1) return (ppn >>> 10) * 0x40_0000 + (va & 0x3f_ffff);
  return ppn * 0x1000 + (va & 0xfff);
}

/**
 * Translates `va` for `access` by walking the Sv32 page table rooted at `satp`, following the
 * privileged specification's "Virtual Address Translation Process" (section 4.3.2). Enters the
 * leaf into `tlb`. Returns the physical address (a number that may exceed 32 bits, since Sv32
 * physical addresses are 34 bits), `PAGE_FAULT` or `ACCESS_FAULT`.
 */
export function walk(bus: Bus, tlb: Tlb, ctx: Context, va: number, access: Access): number {
  const pmp = ctx.pmp;
  const vpn = [(va >>> 12) & 0x3ff, (va >>> 22) & 0x3ff];
  // 1. Let a be satp.ppn x PAGESIZE, and let i = LEVELS - 1 (Sv32: PAGESIZE 4096, LEVELS 2).
  let a = (ctx.satp & 0x3f_ffff) * 0x1000;
  let i = 1;
  let pte = 0;
  let pteAddr = 0;
  for (;;) {
    // 2. Let pte be the value of the PTE at address a + va.vpn[i] x PTESIZE (PTESIZE 4). If
    //    accessing pte violates a PMA or PMP check, raise an access-fault exception.
    pteAddr = a + vpn[i] * 4;
    if (!bus.inRam(pteAddr, 4) || (pmp !== null && !pmp(pteAddr, Access.LOAD))) return ACCESS_FAULT;
    pte = bus.i32[(pteAddr - RAM_BASE) >>> 2];
    // 3. If pte.v = 0, or if pte.r = 0 and pte.w = 1, or reserved bits are set, stop and raise
    //    a page-fault exception.
    if (!(pte & PTE_V) || (!(pte & PTE_R) && pte & PTE_W)) return PAGE_FAULT;
    // 4. Otherwise the PTE is valid. If pte.r = 1 or pte.x = 1, go to step 5. Otherwise this PTE
    //    points to the next level: let i = i - 1; if i < 0, raise a page fault; otherwise let
    //    a = pte.ppn x PAGESIZE and go to step 2.
    if (pte & (PTE_R | PTE_X)) break;
    // (A, D and U of a non-leaf PTE are reserved for software to clear; we ignore them.)
    i -= 1;
    if (i < 0) return PAGE_FAULT;
    a = (pte >>> 10) * 0x1000;
  }
  // 5. A leaf PTE has been found. Determine if the requested access is allowed by pte.r, pte.w,
  //    pte.x and pte.u, given the current privilege mode and mstatus SUM and MXR. If not, raise
  //    a page-fault exception.
  if (!permitted(pte, access, ctx)) return PAGE_FAULT;
  // 6. If i > 0 and pte.ppn[i-1:0] != 0, this is a misaligned superpage: page fault.
  if (i > 0 && ((pte >>> 10) & 0x3ff) !== 0) return PAGE_FAULT;
  // 7. If pte.a = 0, or if the access is a store and pte.d = 0, then (Svadu) set pte.a to 1 and,
  //    for a store, pte.d to 1, writing the PTE back atomically.
  const want = PTE_A | (access === Access.STORE ? PTE_D : 0);
  if ((pte & want) !== want) {
    if (pmp !== null && !pmp(pteAddr, Access.STORE)) return ACCESS_FAULT;
    pte |= want;
    bus.writeRamSlow(pteAddr - RAM_BASE, 4, pte);
  }
  // 8. The translation is successful: pa.pgoff = va.pgoff; for a superpage pa.ppn[i-1:0] =
  //    va.vpn[i-1:0]; pa.ppn[LEVELS-1:i] = pte.ppn[LEVELS-1:i].
  tlb.insert(va >>> 12, (ctx.satp >>> 22) & 0x1ff, pte, i, pteAddr);
  return leafAddress(pte, i, va);
}
