/**
 * One RV32IMAC + Zicsr + Zifencei hart with privilege modes M, S and U and Sv32 paging.
 *
 * Execution model
 * - Code is decoded once per physical page into a shared decoded page (`decode.ts`); the
 *   execute loop dispatches on the decoded op with one `switch`, the mnemonic beside each case.
 * - Loads and stores go through three small "fast TLBs" (load, store, fetch) that map a virtual
 *   page straight to a RAM index. They hold only RAM pages the current context may access, so
 *   a hit needs no further checks; they are flushed whenever the translation context changes
 *   (privilege, satp, mstatus.MPRV/SUM/MXR, SFENCE.VMA). Stores never hit pages that hold
 *   decoded code, LR reservations or watchers (see `bus.ts`), so those stay exact at no cost.
 * - Every trap leaves through `trap()`. Nothing in the loop throws: faults are values
 *   (`this.fault` set by the slow paths).
 *
 * Choices where the specification leaves room (documented for users in README):
 * - Misaligned loads and stores are performed by the hardware (byte by byte, all or nothing: a
 *   fault on any byte leaves memory unchanged; xtval names the portion that faulted, i.e. the
 *   access's address or, when only its second page faults, that page's first byte).
 *   Misaligned LR/SC/AMOs raise address-misaligned exceptions (cause 4 or 6), as the A
 *   extension requires without Zam.
 * - A/D bits are set by hardware during the walk (Svadu-like), never page faults.
 * - PMP: 16 entries (OFF, TOR, NA4 is not selectable, NAPOT) with a grain of 4 KiB (G = 10), so a
 *   check per page is exact and the fast TLBs stay valid. S- and U-mode accesses need a
 *   matching entry; M-mode is checked only against locked entries.
 * - Debug triggers: none. tselect/tdata1-3 exist (tdata1 reads type 0, "no trigger"); the
 *   debugger's breakpoints and watchpoints are the engine's, invisible to the guest. A
 *   watchpoint (a load or store watch on the bus) stops the hart before the access: the
 *   instruction is not executed and takes no cycle (`stalled`).
 * - mtval/stval hold the faulting address for address faults, the instruction bits for an
 *   illegal instruction, and the pc for EBREAK.
 * - WFI in U-mode (or in S-mode with mstatus.TW) raises illegal-instruction; otherwise the hart
 *   waits until an interrupt is pending in mip & mie, as the spec says.
 * - Stores invalidate decoded code eagerly, so FENCE.I only needs to end the current fetch.
 */
import { PAGE_CODE, PAGE_HOOKED, PAGE_LOAD_HOOKED, RAM_BASE, type Bus } from './bus';
import { C_FLAG, decodeInto } from './decode';
import { CSR } from './csr_numbers';
import type { StateValue } from './device';
import { Access, ACCESS_FAULT, leafAddress, PAGE_FAULT, permitted, PTE_A, PTE_D, Tlb, walk, type Context } from './mmu';
import { Op } from './opcodes';

// --------------------------------------------------------------- causes --

export const enum Cause {
  INST_MISALIGNED = 0,
  INST_ACCESS = 1,
  ILLEGAL = 2,
  BREAKPOINT = 3,
  LOAD_MISALIGNED = 4,
  LOAD_ACCESS = 5,
  STORE_MISALIGNED = 6,
  STORE_ACCESS = 7,
  ECALL_U = 8,
  ECALL_S = 9,
  ECALL_M = 11,
  INST_PAGE_FAULT = 12,
  LOAD_PAGE_FAULT = 13,
  STORE_PAGE_FAULT = 15,
}

/** Interrupt causes carry bit 31; as int32 they are negative. */
export const INTERRUPT = 0x8000_0000 | 0;

// mip/mie bits
export const SSIP = 1 << 1;
export const MSIP = 1 << 3;
export const STIP = 1 << 5;
export const MTIP = 1 << 7;
export const SEIP = 1 << 9;
export const MEIP = 1 << 11;
/** Interrupt codes in priority order (privileged spec 3.1.9). */
const IRQ_PRIORITY = [11, 3, 7, 9, 1, 5];

// mstatus bits
const SIE = 1 << 1;
const MIE = 1 << 3;
const SPIE = 1 << 5;
const MPIE = 1 << 7;
const SPP = 1 << 8;
const MPP_SHIFT = 11;
const MPP = 3 << MPP_SHIFT;
const MPRV = 1 << 17;
const SUM = 1 << 18;
const MXR = 1 << 19;
const TVM = 1 << 20;
const TW = 1 << 21;
const TSR = 1 << 22;
const MSTATUS_WRITABLE = SIE | MIE | SPIE | MPIE | SPP | MPP | MPRV | SUM | MXR | TVM | TW | TSR;
const SSTATUS_MASK = SIE | SPIE | SPP | SUM | MXR;
const S_INTERRUPTS = SSIP | STIP | SEIP;
/** medeleg: every exception but ECALL from M-mode may be delegated. */
const MEDELEG_WRITABLE = 0xb3ff;

// pmpcfg bits and address-matching modes
const PMP_R = 1;
const PMP_W = 2;
const PMP_X = 4;
const PMP_L = 0x80;
const PMP_OFF = 0;
const PMP_TOR = 1;
const PMP_NA4 = 2;
const PMP_NAPOT = 3;

/** misa: MXL=1 (32-bit), extensions A C I M S U. */
export const MISA = ((1 << 30) | (1 << 0) | (1 << 2) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)) >>> 0;

export const enum Priv {
  U = 0,
  S = 1,
  M = 3,
}

/** What a hart needs from its machine. */
export interface HartHost {
  readonly bus: Bus;
  /** The decoded page for the fetchable physical page holding `paddr`, or null if none. */
  decodedPage(paddr: number): Int32Array | null;
  /** mtime as seen by `hart` at its current cycle. */
  mtime(hart: Hart): number;
  /** `hart` placed an LR reservation on RAM index `index`. */
  reserve(hart: Hart, index: number): void;
  /**
   * `hart` is about to execute a slot patched with Op.BREAKPOINT at `pc`: true stops it there
   * (pc unchanged, the instruction not executed), false runs the instruction.
   */
  breakpointHit?(hart: Hart, pc: number): boolean;
  /** Whether the breakpoint at physical `paddr` is still set (to patch its slot again). */
  isBreakpoint?(paddr: number): boolean;
}

/**
 * An environment that handles traps taken from U-mode in TypeScript instead of vectoring them
 * to guest code: the microkernel, or the CLI's Linux system-call emulation. It may change
 * registers and pc, or stop the hart (`hart.stop(...)`).
 */
export interface TrapEnv {
  trap(hart: Hart, cause: number, tval: number): void;
  /** Called by the machine when a run limit set in `hart.runLimit` is used up. */
  limitReached?(hart: Hart): void;
  /**
   * True if the environment keeps the fast TLB right itself: it picks the address space with
   * `selectFastSpace` when it switches threads and drops what it unmaps with `dropFast`. The
   * hart then keeps its fast entries across traps instead of flushing them on every one.
   */
  readonly ownsFastTlb?: boolean;
}

const FAST_TLB = 256;

/**
 * The fast TLB of one address space: direct-mapped by virtual page, translations straight to
 * RAM offsets (loads, stores) and decoded pages (fetch). A tag of -1 is empty.
 */
class FastSpace {
  readonly rTag = new Int32Array(FAST_TLB).fill(-1);
  readonly rAdd = new Int32Array(FAST_TLB);
  readonly wTag = new Int32Array(FAST_TLB).fill(-1);
  readonly wAdd = new Int32Array(FAST_TLB);
  readonly xTag = new Int32Array(FAST_TLB).fill(-1);
  readonly xDec: Int32Array[];
  readonly xPhys = new Float64Array(FAST_TLB);

  constructor(scratch: Int32Array) {
    this.xDec = new Array<Int32Array>(FAST_TLB).fill(scratch);
  }

  flush(): void {
    this.rTag.fill(-1);
    this.wTag.fill(-1);
    this.xTag.fill(-1);
  }

  /** Drops the entries of virtual page `vpn`. */
  drop(vpn: number): void {
    const t = vpn & (FAST_TLB - 1);
    if (this.rTag[t] === vpn) this.rTag[t] = -1;
    if (this.wTag[t] === vpn) this.wTag[t] = -1;
    if (this.xTag[t] === vpn) this.xTag[t] = -1;
  }

  /** Drops write entries that point at RAM page `page` (it just got a flag). */
  dropWritesTo(page: number): void {
    const wTag = this.wTag;
    for (let t = 0; t < FAST_TLB; t++) {
      if (wTag[t] >= 0 && (((wTag[t] << 12) + this.wAdd[t]) | 0) >>> 12 === page) wTag[t] = -1;
    }
  }

  /** Drops read entries that point at RAM page `page`. */
  dropReadsFrom(page: number): void {
    const rTag = this.rTag;
    for (let t = 0; t < FAST_TLB; t++) {
      if (rTag[t] >= 0 && (((rTag[t] << 12) + this.rAdd[t]) | 0) >>> 12 === page) rTag[t] = -1;
    }
  }
}

/** The CSR-backing fields of a hart, in the order `saveState` lists them. */
const CSR_FIELDS = [
  'mstatus',
  'mie',
  'mipSw',
  'mipHw',
  'mtvec',
  'stvec',
  'mepc',
  'sepc',
  'mcause',
  'scause',
  'mtval',
  'stval',
  'mscratch',
  'sscratch',
  'medeleg',
  'mideleg',
  'mcounteren',
  'scounteren',
  'satp',
] as const;

// ----------------------------------------------------------------- hart --

export class Hart {
  readonly id: number;
  private readonly host: HartHost;
  private readonly bus: Bus;

  // ---- architectural state
  /** x0..x31, and x[32]: the sink that decoded writes to x0 go to. */
  readonly x = new Int32Array(33);
  /** Program counter (int32; read it as `pc >>> 0`). */
  pc = 0;
  priv: Priv = Priv.M;
  mstatus = 0;
  mie = 0;
  /** Software-writable mip bits (SSIP, STIP, SEIP). */
  mipSw = 0;
  /** Interrupt lines driven by devices (MSIP, MTIP, MEIP, SEIP). */
  mipHw = 0;
  mtvec = 0;
  stvec = 0;
  mepc = 0;
  sepc = 0;
  mcause = 0;
  scause = 0;
  mtval = 0;
  stval = 0;
  mscratch = 0;
  sscratch = 0;
  medeleg = 0;
  mideleg = 0;
  mcounteren = 0;
  scounteren = 0;
  satp = 0;
  /** RAM index of the LR reservation, or -1. */
  reservation = -1;
  /** pmpcfg0..3: 16 one-byte entry configurations. */
  readonly pmpcfg = new Uint8Array(16);
  /** pmpaddr0..15: physical address bits 33..2. */
  readonly pmpaddr = new Int32Array(16);
  tdata2 = 0;

  // ---- time and counters
  /** Cycles since reset: the basis of virtual time. Never written by software. */
  cycle = 0;
  /** Cycles spent waiting in WFI (not instructions). */
  idleCycles = 0;
  /** Cycles spent on instructions that trapped (they do not retire). */
  trapCycles = 0;
  /** mcycle = cycle + mcycleDelta; minstret = instret + minstretDelta. */
  mcycleDelta = 0;
  minstretDelta = 0;

  // ---- run control
  /** In WFI, waiting for mip & mie. */
  waiting = false;
  /** Stopped by its environment (exit, fatal trap); `run` does nothing until cleared. */
  stopped = false;
  stopReason = '';
  /** Set by slow paths to end the current `run` after this instruction. */
  yieldRun = false;
  env: TrapEnv | null = null;
  /** Cycles this hart may still run before the machine calls `env.limitReached` (single-stepping). */
  runLimit = Infinity;

  // ---- slow-path results
  /** Set by a slow path that took a trap; the loop reloads pc and its caches. */
  private fault = false;
  /**
   * Set by a slow path whose access a bus watch stopped: the instruction did not execute and
   * nothing changed; the loop ends with pc on it and gives back its cycle.
   */
  private stalled = false;
  private runStartCycle = 0;
  private runBudget = 0;
  private runLeft = 0;

  // ---- translation caches
  readonly tlb = new Tlb();
  /** Scratch decoded page for instructions that straddle a page boundary. */
  private readonly scratch = new Int32Array(4096).fill(Op.REFETCH);
  /**
   * Fast TLBs by address-space key (`selectFastSpace`). Without an environment that owns them
   * there is one, flushed whenever the translation context changes.
   */
  private readonly fastSpaces = new Map<number, FastSpace>();
  private fast = new FastSpace(this.scratch);
  private fastKey = 0;
  // The current space's arrays, as fields so that `run` loads them once.
  private rTag = this.fast.rTag;
  private rAdd = this.fast.rAdd;
  private wTag = this.fast.wTag;
  private wAdd = this.fast.wAdd;
  private xTag = this.fast.xTag;
  private xDec = this.fast.xDec;
  private xPhys = this.fast.xPhys;
  /** Physical base of the page `run` is fetching from (set by fetchPage). */
  private fetchPhys = 0;
  /** Walk context, reused to avoid allocation. */
  private readonly ctx: Context = { satp: 0, priv: 0, sum: false, mxr: false, pmp: null };
  /** PMP check the walk applies to PTE reads and A/D writes (S-mode accesses). */
  private readonly ptePmp = (pa: number, access: Access): boolean => this.pmpAllows(pa, access, Priv.S);

  private readonly i8: Int8Array;
  private readonly i16: Int16Array;

  constructor(id: number, host: HartHost) {
    this.id = id;
    this.host = host;
    this.bus = host.bus;
    this.i8 = new Int8Array(this.bus.ram);
    this.i16 = new Int16Array(this.bus.ram);
    this.fastSpaces.set(0, this.fast);
  }

  /** Resets to M-mode at `pc` as the privileged spec's reset state says (mstatus.MIE=0, MPRV=0). */
  reset(pc: number): void {
    this.x.fill(0);
    this.pc = pc | 0;
    this.priv = Priv.M;
    this.mstatus = 0;
    this.mie = this.mipSw = 0;
    this.mtvec = this.stvec = this.mepc = this.sepc = 0;
    this.mcause = this.scause = this.mtval = this.stval = this.mscratch = this.sscratch = 0;
    this.medeleg = this.mideleg = this.mcounteren = this.scounteren = this.satp = 0;
    this.reservation = -1;
    this.pmpcfg.fill(0);
    this.pmpaddr.fill(0);
    this.pmpActive = 0;
    this.tdata2 = 0;
    this.waiting = this.stopped = false;
    this.stopReason = '';
    this.tlb.flush(null, null);
    this.flushFast();
  }

  /** Retired instructions since reset. */
  get instret(): number {
    return this.cycleNow() - this.idleCycles - this.trapCycles;
  }

  /** The current cycle, also in the middle of `run`. */
  cycleNow(): number {
    return this.runBudget ? this.runStartCycle + (this.runBudget - this.runLeft) : this.cycle;
  }

  /** mip as software reads it. */
  mip(): number {
    return this.mipSw | this.mipHw;
  }

  /** Drives a device interrupt line into mip (MSIP, MTIP, MEIP, SEIP). */
  setLine(bit: number, level: boolean): void {
    if (level) this.mipHw |= bit;
    else this.mipHw &= ~bit;
  }

  /** Stops the hart; `run` returns at once until `resume`. */
  stop(reason: string): void {
    this.stopped = true;
    this.stopReason = reason;
    this.yieldRun = true;
  }

  resume(): void {
    this.stopped = false;
    this.stopReason = '';
  }

  // --------------------------------------------------------- fast TLB --

  /** Drops every fast-TLB entry of every address space (translation context changed). */
  flushFast(): void {
    for (const f of this.fastSpaces.values()) f.flush();
  }

  /**
   * Makes the fast TLB of address space `key` (an ASID) the current one. Only for environments
   * that own the fast TLB (`TrapEnv.ownsFastTlb`): entries of each space stay valid across
   * switches, so the environment must `dropFast` what it unmaps.
   */
  selectFastSpace(key: number): void {
    if (key === this.fastKey) return;
    let f = this.fastSpaces.get(key);
    if (f === undefined) {
      f = new FastSpace(this.scratch);
      this.fastSpaces.set(key, f);
    }
    this.fast = f;
    this.fastKey = key;
    this.rTag = f.rTag;
    this.rAdd = f.rAdd;
    this.wTag = f.wTag;
    this.wAdd = f.wAdd;
    this.xTag = f.xTag;
    this.xDec = f.xDec;
    this.xPhys = f.xPhys;
    this.yieldRun = true; // `run` holds the arrays in locals
  }

  /** Drops the fast entries of virtual page `vpn` in address space `key`, or all of `key`'s with vpn null. */
  dropFast(key: number, vpn: number | null): void {
    const f = this.fastSpaces.get(key);
    if (f === undefined) return;
    if (vpn === null) f.flush();
    else f.drop(vpn);
  }

  /** Drops fast write entries that point at RAM page `page` (it just got a flag). */
  /** Drops every fast write entry (pages got a flag in bulk: see `Bus.trackWrites`). */
  dropAllWrites(): void {
    for (const f of this.fastSpaces.values()) f.wTag.fill(-1);
  }

  dropWritePage(page: number): void {
    for (const f of this.fastSpaces.values()) f.dropWritesTo(page);
  }

  /** Drops fast read entries that point at RAM page `page` (it just got a load hook). */
  dropReadPage(page: number): void {
    for (const f of this.fastSpaces.values()) f.dropReadsFrom(page);
  }

  /** Effective privilege of loads and stores (MPRV makes M-mode use MPP). */
  private dataPriv(): Priv {
    return this.priv === Priv.M && this.mstatus & MPRV ? (((this.mstatus & MPP) >>> MPP_SHIFT) as Priv) : this.priv;
  }

  /**
   * Translates `va` for `access` (spec 4.3.2 via `walk`, with the architectural TLB in front).
   * Returns the physical address, PAGE_FAULT or ACCESS_FAULT.
   */
  translate(va: number, access: Access): number {
    const priv = access === Access.FETCH ? this.priv : this.dataPriv();
    const pa = this.translateVm(va, access, priv);
    if (pa < 0 || this.pmpAllows(pa, access, priv)) return pa;
    return ACCESS_FAULT;
  }

  private translateVm(va: number, access: Access, priv: Priv): number {
    if (priv === Priv.M || this.satp >= 0) return va >>> 0; // satp.MODE (bit 31) = 0: Bare
    const ctx = this.ctx;
    ctx.satp = this.satp >>> 0;
    ctx.priv = priv;
    ctx.sum = (this.mstatus & SUM) !== 0;
    ctx.mxr = (this.mstatus & MXR) !== 0;
    ctx.pmp = this.pmpActive ? this.ptePmp : null;
    const asid = (ctx.satp >>> 22) & 0x1ff;
    const i = this.tlb.find(va >>> 12, asid);
    if (i >= 0) {
      const pte = this.tlb.pte[i];
      const want = PTE_A | (access === Access.STORE ? PTE_D : 0);
      if ((pte & want) === want) {
        if (!permitted(pte, access, ctx)) return PAGE_FAULT;
        return leafAddress(pte, this.tlb.level[i], va);
      }
      // A or D needs setting: walk again, which updates the PTE in memory.
    }
    return walk(this.bus, this.tlb, ctx, va, access);
  }

  // ------------------------------------------------------------- traps --

  /**
   * Takes a trap with `cause` (bit 31 set for interrupts) at the current pc: delegates to S-mode
   * where medeleg/mideleg say so, or hands it to the environment if taken from U-mode and an
   * environment is installed.
   */
  trap(cause: number, tval: number): void {
    this.reservation = -1;
    this.waiting = false;
    if (this.env !== null && this.priv === Priv.U) {
      // A synchronous trap's cycle is counted as a trap cycle when `run` goes on; count it
      // already while the environment runs, so that `instret` does not change afterwards.
      const sync = cause >= 0 ? 1 : 0;
      this.trapCycles += sync;
      this.env.trap(this, cause, tval);
      this.trapCycles -= sync;
      if (this.env.ownsFastTlb !== true) this.flushFast();
      this.yieldRun = true;
      return;
    }
    const interrupt = cause < 0;
    const code = cause & 0x7fff_ffff;
    const deleg = interrupt ? this.mideleg : this.medeleg;
    if (this.priv <= Priv.S && (deleg >>> code) & 1) {
      this.scause = cause;
      this.sepc = this.pc;
      this.stval = tval;
      let s = this.mstatus & ~(SPIE | SPP | SIE);
      if (this.mstatus & SIE) s |= SPIE;
      if (this.priv === Priv.S) s |= SPP;
      this.mstatus = s;
      this.priv = Priv.S;
      this.pc = (this.stvec & ~3) + (interrupt && (this.stvec & 3) === 1 ? 4 * code : 0);
    } else {
      this.mcause = cause;
      this.mepc = this.pc;
      this.mtval = tval;
      let s = this.mstatus & ~(MPIE | MPP | MIE);
      if (this.mstatus & MIE) s |= MPIE;
      s |= this.priv << MPP_SHIFT;
      this.mstatus = s;
      this.priv = Priv.M;
      this.pc = (this.mtvec & ~3) + (interrupt && (this.mtvec & 3) === 1 ? 4 * code : 0);
    }
    this.pc |= 0;
    this.flushFast();
  }

  /** Takes the highest-priority pending and enabled interrupt, if any. Returns true if taken. */
  checkInterrupts(): boolean {
    const pending = this.mip() & this.mie;
    if (pending === 0) return false;
    const mEnabled = this.priv < Priv.M || (this.mstatus & MIE) !== 0;
    const sEnabled = this.priv < Priv.S || (this.priv === Priv.S && (this.mstatus & SIE) !== 0);
    let take = 0;
    if (mEnabled) take = pending & ~this.mideleg;
    if (take === 0 && sEnabled) take = pending & this.mideleg;
    if (take === 0) return false;
    for (const code of IRQ_PRIORITY) {
      if (take & (1 << code)) {
        this.trap(INTERRUPT | code, 0);
        return true;
      }
    }
    return false;
  }

  /** Sets the fault flag and takes the exception; the loop sees `fault` and reloads. */
  private raise(cause: number, tval: number): void {
    this.fault = true;
    this.trap(cause, tval);
  }

  // --------------------------------------------------------------- CSRs --

  /**
   * Reads CSR `n` at the current privilege. Returns the value as uint32, or -1 if the access
   * is illegal (unimplemented CSR, too low a privilege, counter not enabled).
   */
  csrRead(n: number): number {
    if (((n >>> 8) & 3) > this.priv) return -1;
    switch (n) {
      case CSR.cycle:
      case CSR.time:
      case CSR.instret:
      case CSR.cycleh:
      case CSR.timeh:
      case CSR.instreth: {
        const bit = 1 << (n & 0x1f);
        if (this.priv < Priv.M && !(this.mcounteren & bit)) return -1;
        if (this.priv < Priv.S && !(this.scounteren & bit)) return -1;
        const v =
          (n & 3) === 0
            ? this.cycleNow() + this.mcycleDelta
            : (n & 3) === 1
              ? this.host.mtime(this)
              : this.instret + this.minstretDelta;
        return n >= 0xc80 ? Math.floor(v / 0x1_0000_0000) >>> 0 : v >>> 0;
      }
      case CSR.mcycle:
        return (this.cycleNow() + this.mcycleDelta) >>> 0;
      case CSR.mcycleh:
        return Math.floor((this.cycleNow() + this.mcycleDelta) / 0x1_0000_0000) >>> 0;
      case CSR.minstret:
        return (this.instret + this.minstretDelta) >>> 0;
      case CSR.minstreth:
        return Math.floor((this.instret + this.minstretDelta) / 0x1_0000_0000) >>> 0;
      case CSR.sstatus:
        return (this.mstatus & SSTATUS_MASK) >>> 0;
      case CSR.sie:
        return (this.mie & this.mideleg) >>> 0;
      case CSR.sip:
        return (this.mip() & this.mideleg) >>> 0;
      case CSR.stvec:
        return this.stvec >>> 0;
      case CSR.scounteren:
        return this.scounteren >>> 0;
      case CSR.sscratch:
        return this.sscratch >>> 0;
      case CSR.sepc:
        return this.sepc >>> 0;
      case CSR.scause:
        return this.scause >>> 0;
      case CSR.stval:
        return this.stval >>> 0;
      case CSR.satp:
        if (this.priv === Priv.S && this.mstatus & TVM) return -1;
        return this.satp >>> 0;
      case CSR.mvendorid:
      case CSR.marchid:
      case CSR.mimpid:
      case CSR.mconfigptr:
      case CSR.mstatush:
      case CSR.mcountinhibit:
      case CSR.tselect:
      case CSR.tdata1:
        return 0;
      case CSR.mhartid:
        return this.id;
      case CSR.mstatus:
        return this.mstatus >>> 0;
      case CSR.misa:
        return MISA;
      case CSR.medeleg:
        return this.medeleg >>> 0;
      case CSR.mideleg:
        return this.mideleg >>> 0;
      case CSR.mie:
        return this.mie >>> 0;
      case CSR.mtvec:
        return this.mtvec >>> 0;
      case CSR.mcounteren:
        return this.mcounteren >>> 0;
      case CSR.mscratch:
        return this.mscratch >>> 0;
      case CSR.mepc:
        return this.mepc >>> 0;
      case CSR.mcause:
        return this.mcause >>> 0;
      case CSR.mtval:
        return this.mtval >>> 0;
      case CSR.mip:
        return this.mip() >>> 0;
    }
    if (n >= 0x3a0 && n <= 0x3a3) {
      const c = this.pmpcfg;
      const k = (n - 0x3a0) * 4;
      return (c[k] | (c[k + 1] << 8) | (c[k + 2] << 16) | (c[k + 3] << 24)) >>> 0;
    }
    if (n >= 0x3b0 && n <= 0x3bf) return this.pmpaddrRead(n - 0x3b0);
    if (n === 0x7a2) return this.tdata2 >>> 0; // tdata2
    if (n === 0x7a3) return 0; // tdata3
    return -1;
  }

  /** pmpaddr as read: the grain (G = 10) hides low bits, depending on the entry's mode. */
  private pmpaddrRead(i: number): number {
    const a = this.pmpaddr[i];
    const mode = (this.pmpcfg[i] >>> 3) & 3;
    // NAPOT: bits G-2..0 read as ones; OFF and TOR: bits G-1..0 read as zeros.
    return (mode === PMP_NAPOT ? a | 0x1ff : a & ~0x3ff) >>> 0;
  }

  /**
   * Writes CSR `n` (WARL fields keep their legal values). The caller has checked with
   * `csrRead` that the CSR exists and is accessible; read-only CSRs are rejected here.
   * Returns false if the write is illegal.
   */
  csrWrite(n: number, v: number): boolean {
    if (n >>> 10 === 3) return false; // read-only CSR space
    v |= 0;
    switch (n) {
      case CSR.sstatus:
        this.mstatus = (this.mstatus & ~SSTATUS_MASK) | (v & SSTATUS_MASK);
        this.flushFast();
        return true;
      case CSR.sie:
        this.mie = (this.mie & ~this.mideleg) | (v & this.mideleg);
        return true;
      case CSR.sip:
        // Only SSIP is writable through sip, and only if delegated.
        this.mipSw = (this.mipSw & ~(this.mideleg & SSIP)) | (v & this.mideleg & SSIP);
        return true;
      case CSR.stvec:
        this.stvec = v & 2 ? v & ~3 : v & ~2; // modes 2 and 3 are reserved: keep Direct
        return true;
      case CSR.scounteren:
        this.scounteren = v & 7;
        return true;
      case CSR.sscratch:
        this.sscratch = v;
        return true;
      case CSR.sepc:
        this.sepc = v & ~1;
        return true;
      case CSR.scause:
        this.scause = v;
        return true;
      case CSR.stval:
        this.stval = v;
        return true;
      case CSR.satp:
        if (this.priv === Priv.S && this.mstatus & TVM) return false;
        this.satp = v;
        this.flushFast();
        return true;
      case CSR.mstatus: {
        let s = (this.mstatus & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
        if ((s & MPP) >>> MPP_SHIFT === 2) s &= ~MPP; // MPP=2 is reserved: WARL to U
        this.mstatus = s;
        this.flushFast();
        return true;
      }
      case CSR.misa:
      case CSR.mstatush:
      case CSR.mcountinhibit:
      case CSR.tselect:
      case CSR.tdata1:
        return true; // WARL, fixed
      case CSR.medeleg:
        this.medeleg = v & MEDELEG_WRITABLE;
        return true;
      case CSR.mideleg:
        this.mideleg = v & S_INTERRUPTS;
        return true;
      case CSR.mie:
        this.mie = v & (S_INTERRUPTS | MSIP | MTIP | MEIP);
        return true;
      case CSR.mtvec:
        this.mtvec = v & 2 ? v & ~3 : v & ~2;
        return true;
      case CSR.mcounteren:
        this.mcounteren = v & 7;
        return true;
      case CSR.mscratch:
        this.mscratch = v;
        return true;
      case CSR.mepc:
        this.mepc = v & ~1;
        return true;
      case CSR.mcause:
        this.mcause = v;
        return true;
      case CSR.mtval:
        this.mtval = v;
        return true;
      case CSR.mip:
        this.mipSw = v & S_INTERRUPTS;
        return true;
      case CSR.mcycle:
        this.mcycleDelta =
          Math.floor((this.cycleNow() + this.mcycleDelta) / 0x1_0000_0000) * 0x1_0000_0000 +
          (v >>> 0) -
          this.cycleNow();
        return true;
      case CSR.mcycleh:
        this.mcycleDelta =
          (v >>> 0) * 0x1_0000_0000 + ((this.cycleNow() + this.mcycleDelta) % 0x1_0000_0000) - this.cycleNow();
        return true;
      case CSR.minstret:
        // The writing instruction itself does not count: the next one reads the value written.
        this.minstretDelta =
          Math.floor((this.instret + this.minstretDelta) / 0x1_0000_0000) * 0x1_0000_0000 +
          (v >>> 0) -
          this.instret -
          1;
        return true;
      case CSR.minstreth:
        this.minstretDelta =
          (v >>> 0) * 0x1_0000_0000 + ((this.instret + this.minstretDelta) % 0x1_0000_0000) - this.instret - 1;
        return true;
    }
    if (n >= 0x3a0 && n <= 0x3a3) {
      for (let k = 0; k < 4; k++) {
        const i = (n - 0x3a0) * 4 + k;
        if (this.pmpcfg[i] & PMP_L) continue; // locked entries ignore writes until reset
        let c = (v >>> (8 * k)) & 0x9f; // bits 6..5 are reserved
        if (((c >>> 3) & 3) === PMP_NA4) c &= ~0x18; // NA4 is below our grain: WARL to OFF
        if ((c & (PMP_R | PMP_W)) === PMP_W) c &= ~PMP_W; // R=0, W=1 is reserved
        this.pmpcfg[i] = c;
      }
      this.updatePmp();
      return true;
    }
    if (n >= 0x3b0 && n <= 0x3bf) {
      const i = n - 0x3b0;
      const nextTorLocked = i < 15 && this.pmpcfg[i + 1] & PMP_L && ((this.pmpcfg[i + 1] >>> 3) & 3) === PMP_TOR;
      if (!(this.pmpcfg[i] & PMP_L) && !nextTorLocked) this.pmpaddr[i] = v;
      this.updatePmp();
      return true;
    }
    if (n === 0x7a2) {
      this.tdata2 = v;
      return true;
    }
    if (n === 0x7a3) return true;
    return false;
  }

  /** Number of PMP entries not OFF; 0 means every access passes PMP. */
  private pmpActive = 0;
  /** Page-aligned [lo, hi) of each entry, computed when the PMP CSRs change (hi 0: OFF). */
  private readonly pmpLo = new Float64Array(16);
  private readonly pmpHi = new Float64Array(16);
  private updatePmp(): void {
    this.pmpActive = 0;
    for (let i = 0; i < 16; i++) {
      const mode = (this.pmpcfg[i] >>> 3) & 3;
      this.pmpLo[i] = this.pmpHi[i] = 0;
      if (mode === PMP_OFF) continue;
      this.pmpActive++;
      const a = (this.pmpaddr[i] >>> 0) * 4; // byte address (up to 2^34)
      if (mode === PMP_TOR) {
        const lo = i === 0 ? 0 : (this.pmpaddr[i - 1] >>> 0) * 4;
        this.pmpLo[i] = lo - (lo % 4096);
        this.pmpHi[i] = a - (a % 4096);
      } else {
        // NAPOT: trailing ones of pmpaddr (at least G-1 = 9 of them) give the size.
        const raw = (this.pmpaddr[i] | 0x1ff) >>> 0;
        let ones = 0;
        while (ones < 32 && Math.floor(raw / 2 ** ones) % 2 === 1) ones++;
        const size = 2 ** (ones + 3);
        this.pmpLo[i] = Math.floor(((raw >>> 0) * 4) / size) * size;
        this.pmpHi[i] = this.pmpLo[i] + size;
      }
    }
    this.flushFast();
  }

  /**
   * PMP check of the 4 KiB page holding physical address `pa` for `access` at privilege
   * `priv` (privileged spec 3.7.1): the lowest-numbered matching entry decides; with no match,
   * M-mode passes and S/U fail. Entries are page-grained, so one check covers the whole page.
   */
  private pmpAllows(pa: number, access: Access, priv: Priv): boolean {
    if (this.pmpActive === 0) return priv === Priv.M;
    const page = pa - (pa % 4096);
    for (let i = 0; i < 16; i++) {
      const c = this.pmpcfg[i];
      if (((c >>> 3) & 3) === PMP_OFF) continue;
      if (page < this.pmpLo[i] || page >= this.pmpHi[i]) continue;
      if (priv === Priv.M && !(c & PMP_L)) return true;
      const bit = access === Access.FETCH ? PMP_X : access === Access.LOAD ? PMP_R : PMP_W;
      return (c & bit) !== 0;
    }
    return priv === Priv.M;
  }

  /**
   * Executes a Zicsr instruction. `src` is rs1's value or the zimm; `writes` says whether the
   * instruction writes the CSR (CSRRW always; CSRRS/C only with rs1 != x0 or zimm != 0).
   * Returns false for an illegal access.
   */
  private csrInstr(op: Op, rd: number, n: number, src: number, writes: boolean): boolean {
    // CSRRW with rd = x0 does not read the CSR (no read side effects), but access rules hold.
    const old = this.csrRead(n);
    if (old === -1) return false;
    if (writes) {
      let nv = src;
      if (op === Op.CSRRS || op === Op.CSRRSI) nv = old | src;
      else if (op === Op.CSRRC || op === Op.CSRRCI) nv = old & ~src;
      if (!this.csrWrite(n, nv)) return false;
    }
    if (rd !== 0) this.x[rd] = old;
    return true;
  }

  /** The raw bits of the instruction at `pc` (for xtval on illegal instructions), or 0. */
  private instructionBits(pc: number): number {
    const pa = this.translate(pc, Access.FETCH);
    if (pa < 0) return 0;
    const lo = this.bus.read(pa, 2);
    if (lo === null) return 0;
    if ((lo & 3) !== 3) return lo;
    const pa2 = this.translate((pc + 2) | 0, Access.FETCH);
    const hi = pa2 < 0 ? null : this.bus.read(pa2, 2);
    return hi === null ? lo : (lo | (hi << 16)) >>> 0;
  }

  // ------------------------------------------------------- slow paths --

  /** Finds (and caches) the decoded page for fetching at `pc`; takes the trap on failure. */
  private fetchPage(pc: number): Int32Array | null {
    const pa = this.translate(pc, Access.FETCH);
    if (pa < 0) {
      this.raise(pa === PAGE_FAULT ? Cause.INST_PAGE_FAULT : Cause.INST_ACCESS, pc);
      return null;
    }
    const dec = pa < 0x1_0000_0000 ? this.host.decodedPage(pa) : null;
    if (dec === null) {
      this.raise(Cause.INST_ACCESS, pc);
      return null;
    }
    const t = (pc >>> 12) & (FAST_TLB - 1);
    this.xTag[t] = pc >>> 12;
    this.xDec[t] = dec;
    this.xPhys[t] = pa - (pa % 4096);
    this.fetchPhys = this.xPhys[t];
    return dec;
  }

  /** Decodes the slot for `pc` in page `dec` whose physical base is `phys`. */
  private decodeSlot(dec: Int32Array, phys: number, pc: number): void {
    const off = pc & 0xffe;
    const lo = this.bus.read(phys + off, 2) ?? 0;
    if ((lo & 3) === 3 && off === 0xffe) {
      dec[off] = Op.CROSS_PAGE;
      return;
    }
    const word = (lo & 3) === 3 ? (this.bus.read(phys + off, 4) ?? 0) : lo;
    decodeInto(dec, off, word);
  }

  /** Fetches and decodes an instruction straddling a page into the scratch page. */
  private crossPage(pc: number): Int32Array | null {
    const pa1 = this.translate(pc, Access.FETCH);
    const pa2 = this.translate((pc + 2) | 0, Access.FETCH);
    if (pa1 < 0 || pa2 < 0) {
      const bad = pa1 < 0 ? pa1 : pa2;
      this.raise(bad === PAGE_FAULT ? Cause.INST_PAGE_FAULT : Cause.INST_ACCESS, pa1 < 0 ? pc : (pc + 2) | 0);
      return null;
    }
    const lo = this.bus.read(pa1, 2);
    const hi = this.bus.read(pa2, 2);
    if (lo === null || hi === null) {
      this.raise(Cause.INST_ACCESS, lo === null ? pc : (pc + 2) | 0);
      return null;
    }
    decodeInto(this.scratch, 0xffe, lo | (hi << 16));
    return this.scratch;
  }

  /** Load of `width` bytes at `va` outside the fast path. Sets `fault` and traps on failure. */
  load(va: number, width: 1 | 2 | 4, signed: boolean): number {
    if (va & (width - 1)) return this.loadMisaligned(va, width, signed);
    const pa = this.translate(va, Access.LOAD);
    if (pa < 0) {
      this.raise(pa === PAGE_FAULT ? Cause.LOAD_PAGE_FAULT : Cause.LOAD_ACCESS, va);
      return 0;
    }
    const i = pa - RAM_BASE;
    if (i >= 0 && i < this.bus.ramSize) {
      if (this.bus.pageFlags[i >>> 12] & PAGE_LOAD_HOOKED) {
        if (this.bus.loadWatched(i, width)) {
          this.stalled = true;
          return 0;
        }
      } else {
        const t = (va >>> 12) & (FAST_TLB - 1);
        this.rTag[t] = va >>> 12;
        this.rAdd[t] = (i - (i & 0xfff) - ((va >>> 0) - (va & 0xfff))) | 0;
      }
    }
    const v = pa < 0x1_0000_0000 ? this.bus.read(pa, width) : null;
    if (v === null) {
      this.raise(Cause.LOAD_ACCESS, va);
      return 0;
    }
    if (!signed) return v;
    return width === 1 ? (v << 24) >> 24 : width === 2 ? (v << 16) >> 16 : v | 0;
  }

  /** Store of `width` bytes at `va` outside the fast path. Sets `fault` and traps on failure. */
  store(va: number, width: 1 | 2 | 4, value: number): void {
    if (va & (width - 1)) {
      this.storeMisaligned(va, width, value);
      return;
    }
    const pa = this.translate(va, Access.STORE);
    if (pa < 0) {
      this.raise(pa === PAGE_FAULT ? Cause.STORE_PAGE_FAULT : Cause.STORE_ACCESS, va);
      return;
    }
    const i = pa - RAM_BASE;
    if (i >= 0 && i < this.bus.ramSize) {
      const flags = this.bus.pageFlags[i >>> 12];
      if (flags === 0) {
        const t = (va >>> 12) & (FAST_TLB - 1);
        this.wTag[t] = va >>> 12;
        this.wAdd[t] = (i - (i & 0xfff) - ((va >>> 0) - (va & 0xfff))) | 0;
      } else if (flags & PAGE_HOOKED && this.bus.storeWatched(i, width, value)) {
        this.stalled = true;
        return;
      }
      this.bus.writeRamSlow(i, width, value);
      return;
    }
    if (pa >= 0x1_0000_0000 || !this.bus.write(pa, width, value)) {
      this.raise(Cause.STORE_ACCESS, va);
      return;
    }
    // A device register changed: interrupt lines or timers may have moved.
    this.yieldRun = true;
  }

  /** A misaligned load, byte by byte; a fault reports the first byte of the faulting portion. */
  private loadMisaligned(va: number, width: number, signed: boolean): number {
    let v = 0;
    for (let k = 0; k < width; k++) {
      const pa = this.translate((va + k) | 0, Access.LOAD);
      const b = pa < 0 || pa >= 0x1_0000_0000 ? null : this.bus.read(pa, 1);
      if (b === null) {
        // xtval names the portion of the access that faulted (its first byte).
        this.raise(pa === PAGE_FAULT ? Cause.LOAD_PAGE_FAULT : Cause.LOAD_ACCESS, (va + k) | 0);
        return 0;
      }
      const i = pa - RAM_BASE;
      if (
        i >= 0 &&
        i < this.bus.ramSize &&
        this.bus.pageFlags[i >>> 12] & PAGE_LOAD_HOOKED &&
        this.bus.loadWatched(i, 1)
      ) {
        this.stalled = true; // rd is not written yet: nothing changed
        return 0;
      }
      v |= b << (8 * k);
    }
    if (!signed) return v >>> 0;
    return width === 2 ? (v << 16) >> 16 : v | 0;
  }

  /** A misaligned store: every byte is translated first, so a fault writes nothing. */
  private storeMisaligned(va: number, width: number, value: number): void {
    const pas: number[] = [];
    for (let k = 0; k < width; k++) {
      const pa = this.translate((va + k) | 0, Access.STORE);
      if (pa < 0 || pa >= 0x1_0000_0000) {
        this.raise(pa === PAGE_FAULT ? Cause.STORE_PAGE_FAULT : Cause.STORE_ACCESS, (va + k) | 0);
        return;
      }
      pas.push(pa);
    }
    for (let k = 0; k < width; k++) {
      const i = pas[k] - RAM_BASE;
      if (i >= 0 && i < this.bus.ramSize && this.bus.pageFlags[i >>> 12] & PAGE_HOOKED) {
        if (this.bus.storeWatched(i, 1, (value >>> (8 * k)) & 0xff)) {
          this.stalled = true;
          return;
        }
      }
    }
    for (let k = 0; k < width; k++) {
      if (!this.bus.write(pas[k], 1, value >>> (8 * k))) {
        this.raise(Cause.STORE_ACCESS, (va + k) | 0);
        return;
      }
    }
    if (!this.bus.inRam(pas[0], 1)) this.yieldRun = true;
  }

  /** LR.W, SC.W and the AMOs. */
  private atomic(op: Op, rd: number, va: number, src: number): void {
    if (va & 3) {
      this.raise(op === Op.LR_W ? Cause.LOAD_MISALIGNED : Cause.STORE_MISALIGNED, va);
      return;
    }
    if (op === Op.LR_W) {
      const v = this.load(va, 4, true);
      if (this.fault || this.stalled) return;
      const pa = this.translate(va, Access.LOAD);
      if (this.bus.inRam(pa, 4)) this.host.reserve(this, pa - RAM_BASE);
      this.x[rd] = v;
      return;
    }
    // SC and AMOs need write permission; a failing translation is a store/AMO fault.
    const pa = this.translate(va, Access.STORE);
    if (pa < 0) {
      this.raise(pa === PAGE_FAULT ? Cause.STORE_PAGE_FAULT : Cause.STORE_ACCESS, va);
      return;
    }
    if (op === Op.SC_W) {
      const ok = this.reservation >= 0 && this.reservation === pa - RAM_BASE;
      if (ok && this.watched(pa, true, false, src)) return;
      this.reservation = -1;
      if (ok) this.bus.writeRamSlow(pa - RAM_BASE, 4, src);
      this.x[rd] = ok ? 0 : 1;
      return;
    }
    const old = pa < 0x1_0000_0000 ? this.bus.read(pa, 4) : null;
    if (old === null) {
      this.raise(Cause.STORE_ACCESS, va);
      return;
    }
    const a = old | 0;
    let nv: number;
    switch (op) {
      case Op.AMOSWAP_W:
        nv = src;
        break; // amoswap.w
      case Op.AMOADD_W:
        nv = (a + src) | 0;
        break; // amoadd.w
      case Op.AMOXOR_W:
        nv = a ^ src;
        break; // amoxor.w
      case Op.AMOAND_W:
        nv = a & src;
        break; // amoand.w
      case Op.AMOOR_W:
        nv = a | src;
        break; // amoor.w
      case Op.AMOMIN_W:
        nv = a < src ? a : src;
        break; // amomin.w
      case Op.AMOMAX_W:
        nv = a > src ? a : src;
        break; // amomax.w
      case Op.AMOMINU_W:
        nv = a >>> 0 < src >>> 0 ? a : src;
        break; // amominu.w
      default:
        nv = a >>> 0 > src >>> 0 ? a : src;
        break; // amomaxu.w
    }
    if (this.watched(pa, true, true, nv)) return;
    if (!this.bus.write(pa, 4, nv)) {
      this.raise(Cause.STORE_ACCESS, va);
      return;
    }
    if (!this.bus.inRam(pa, 4)) this.yieldRun = true;
    this.x[rd] = a;
  }

  /**
   * Asks the bus watches about the word access of an atomic at RAM address `pa` (a store of
   * `value`, and a load if `load`); true (and `stalled` set) if one stops the hart before it.
   */
  private watched(pa: number, store: boolean, load: boolean, value: number): boolean {
    const i = pa - RAM_BASE;
    if (i < 0 || i >= this.bus.ramSize) return false;
    const flags = this.bus.pageFlags[i >>> 12];
    if (
      (load && flags & PAGE_LOAD_HOOKED && this.bus.loadWatched(i, 4)) ||
      (store && flags & PAGE_HOOKED && this.bus.storeWatched(i, 4, value))
    ) {
      this.stalled = true;
      return true;
    }
    return false;
  }

  /** The system instructions: ECALL, EBREAK, xRET, WFI, SFENCE.VMA. Returns false if illegal. */
  private system(op: Op, rs1: number, rs2: number, len: number): boolean {
    switch (op) {
      case Op.ECALL:
        this.trap(this.priv === Priv.U ? Cause.ECALL_U : this.priv === Priv.S ? Cause.ECALL_S : Cause.ECALL_M, 0);
        return true;
      case Op.EBREAK:
        this.trap(Cause.BREAKPOINT, this.pc);
        return true;
      case Op.MRET: {
        if (this.priv !== Priv.M) return false;
        const mpp = ((this.mstatus & MPP) >>> MPP_SHIFT) as Priv;
        let s = this.mstatus & ~(MIE | MPP);
        if (this.mstatus & MPIE) s |= MIE;
        s |= MPIE;
        if (mpp !== Priv.M) s &= ~MPRV;
        this.mstatus = s;
        this.priv = mpp;
        this.pc = this.mepc;
        this.flushFast();
        return true;
      }
      case Op.SRET: {
        if (this.priv < Priv.S || (this.priv === Priv.S && this.mstatus & TSR)) return false;
        const spp = this.mstatus & SPP ? Priv.S : Priv.U;
        let s = this.mstatus & ~(SIE | SPP);
        if (this.mstatus & SPIE) s |= SIE;
        s |= SPIE;
        s &= ~MPRV;
        this.mstatus = s;
        this.priv = spp;
        this.pc = this.sepc;
        this.flushFast();
        return true;
      }
      case Op.WFI:
        if (this.priv === Priv.U || (this.priv === Priv.S && this.mstatus & TW)) return false;
        this.pc = (this.pc + len) | 0;
        if ((this.mip() & this.mie) === 0) this.waiting = true;
        this.yieldRun = true;
        return true;
      case Op.SFENCE_VMA:
        if (this.priv === Priv.U || (this.priv === Priv.S && this.mstatus & TVM)) return false;
        this.tlb.flush(rs1 === 0 ? null : this.x[rs1], rs2 === 0 ? null : this.x[rs2] & 0x1ff);
        this.flushFast();
        this.pc = (this.pc + len) | 0;
        return true;
    }
    return false;
  }

  // ------------------------------------------------------------ execute --

  /**
   * Runs for at most `budget` cycles (one instruction is one cycle; WFI waits in whole cycles).
   * Returns early when the hart stops, starts waiting, or a slow path asks to yield (a device
   * register was written). Returns the cycles consumed.
   */
  run(budget: number): number {
    let used = this.runLoop(budget);
    // A breakpoint that lets the hart pass: run the slot's real instruction once, unpatched.
    while (this.passDec !== null && used < budget && !this.stopped) {
      const dec = this.passDec;
      const slot = this.passSlot;
      const phys = this.passPhys;
      this.passDec = null;
      dec[slot] = Op.UNDECODED;
      used += this.runLoop(1);
      if (this.host.isBreakpoint?.(phys) === true) dec[slot] = Op.BREAKPOINT;
      if (this.yieldRun || this.stopped || this.waiting || used >= budget) break;
      used += this.runLoop(budget - used);
    }
    return used;
  }

  /** Slot that `run` must execute once past its breakpoint (set by Op.BREAKPOINT). */
  private passDec: Int32Array | null = null;
  private passSlot = 0;
  private passPhys = 0;

  private runLoop(budget: number): number {
    if (this.stopped || budget <= 0) return 0;
    this.runStartCycle = this.cycle;
    this.runBudget = budget;
    this.runLeft = budget;
    this.yieldRun = false;
    if (this.waiting) {
      if ((this.mip() & this.mie) === 0) return this.finish(budget, budget, true);
      this.waiting = false;
    }
    this.checkInterrupts();
    if (this.yieldRun || this.stopped) return this.finish(budget, budget, false);

    const x = this.x;
    const i32 = this.bus.i32;
    const u16 = this.bus.u16;
    const u8 = this.bus.u8;
    const i16 = this.i16;
    const i8 = this.i8;
    const rTag = this.rTag;
    const rAdd = this.rAdd;
    const wTag = this.wTag;
    const wAdd = this.wAdd;
    const xTag = this.xTag;
    let pc = this.pc;
    let codeVpn = -1;
    let dec: Int32Array = this.scratch;
    let phys = 0;
    let left = budget;

    loop: while (left > 0) {
      // Fetch: find the decoded page of pc's virtual page.
      if (pc >>> 12 !== codeVpn) {
        const t = (pc >>> 12) & (FAST_TLB - 1);
        if (xTag[t] === pc >>> 12) {
          dec = this.xDec[t];
          phys = this.xPhys[t];
        } else {
          this.pc = pc;
          left--; // the cycle of this fetch, counted as a trap cycle if it faults
          this.runLeft = left;
          const d = this.fetchPage(pc);
          if (d === null) {
            this.trapCycles++;
            this.fault = false;
            pc = this.pc;
            if (this.yieldRun) break;
            continue;
          }
          left++;
          dec = d;
          phys = this.fetchPhys;
        }
        codeVpn = pc >>> 12;
      }
      const s = pc & 0xffe;
      const w = dec[s];
      const imm = dec[s + 1];
      const rd = (w >> 8) & 63;
      const rs1 = (w >> 16) & 31;
      const rs2 = (w >> 24) & 31;
      const len = w & C_FLAG ? 2 : 4;
      left--;
      switch (w & 0xff) {
        case Op.UNDECODED:
          this.decodeSlot(dec, phys, pc);
          left++;
          continue;
        case Op.REFETCH:
          codeVpn = -1;
          left++;
          continue;
        case Op.BREAKPOINT:
          // Takes no cycle: either the hart stops before the instruction, or `run` executes
          // the real instruction once with the slot unpatched.
          left++;
          this.pc = pc;
          this.runLeft = left;
          if (dec !== this.scratch && this.host.breakpointHit?.(this, pc) !== true) {
            this.passDec = dec;
            this.passSlot = s;
            this.passPhys = phys + s;
          }
          this.yieldRun = true;
          break loop;
        case Op.CROSS_PAGE: {
          this.pc = pc;
          this.runLeft = left;
          const d = this.crossPage(pc);
          if (d === null) break; // trapped
          dec = d;
          left++;
          continue;
        }
        case Op.ILLEGAL:
          this.pc = pc;
          this.runLeft = left;
          this.raise(Cause.ILLEGAL, imm);
          break;

        case Op.LUI: // lui
          x[rd] = imm;
          pc = (pc + len) | 0;
          continue;
        case Op.AUIPC: // auipc
          x[rd] = (pc + imm) | 0;
          pc = (pc + 4) | 0;
          continue;
        case Op.JAL: // jal
          x[rd] = (pc + len) | 0;
          pc = (pc + imm) | 0;
          continue;
        case Op.JALR: {
          // jalr
          const t = (x[rs1] + imm) & ~1;
          x[rd] = (pc + len) | 0;
          pc = t;
          continue;
        }
        case Op.BEQ: // beq
          pc = x[rs1] === x[rs2] ? (pc + imm) | 0 : (pc + len) | 0;
          continue;
        case Op.BNE: // bne
          pc = x[rs1] !== x[rs2] ? (pc + imm) | 0 : (pc + len) | 0;
          continue;
        case Op.BLT: // blt
          pc = x[rs1] < x[rs2] ? (pc + imm) | 0 : (pc + len) | 0;
          continue;
        case Op.BGE: // bge
          pc = x[rs1] >= x[rs2] ? (pc + imm) | 0 : (pc + len) | 0;
          continue;
        case Op.BLTU: // bltu
          pc = x[rs1] >>> 0 < x[rs2] >>> 0 ? (pc + imm) | 0 : (pc + len) | 0;
          continue;
        case Op.BGEU: // bgeu
          pc = x[rs1] >>> 0 >= x[rs2] >>> 0 ? (pc + imm) | 0 : (pc + len) | 0;
          continue;

        case Op.LB: {
          // lb
          const a = (x[rs1] + imm) | 0;
          const t = (a >>> 12) & (FAST_TLB - 1);
          if (rTag[t] === a >>> 12) x[rd] = i8[(a + rAdd[t]) | 0];
          else {
            this.pc = pc;
            this.runLeft = left;
            const v = this.load(a, 1, true);
            if (this.fault) break;
            if (this.stalled) break loop; // a watchpoint stops the hart before the load
            x[rd] = v;
          }
          pc = (pc + len) | 0;
          continue;
        }
        case Op.LH: {
          // lh
          const a = (x[rs1] + imm) | 0;
          const t = (a >>> 12) & (FAST_TLB - 1);
          if (rTag[t] === a >>> 12 && (a & 1) === 0) x[rd] = i16[((a + rAdd[t]) | 0) >> 1];
          else {
            this.pc = pc;
            this.runLeft = left;
            const v = this.load(a, 2, true);
            if (this.fault) break;
            if (this.stalled) break loop; // a watchpoint stops the hart before the load
            x[rd] = v;
          }
          pc = (pc + len) | 0;
          continue;
        }
        case Op.LW: {
          // lw
          const a = (x[rs1] + imm) | 0;
          const t = (a >>> 12) & (FAST_TLB - 1);
          if (rTag[t] === a >>> 12 && (a & 3) === 0) x[rd] = i32[((a + rAdd[t]) | 0) >> 2];
          else {
            this.pc = pc;
            this.runLeft = left;
            const v = this.load(a, 4, true);
            if (this.fault) break;
            if (this.stalled) break loop; // a watchpoint stops the hart before the load
            x[rd] = v;
          }
          pc = (pc + len) | 0;
          continue;
        }
        case Op.LBU: {
          // lbu
          const a = (x[rs1] + imm) | 0;
          const t = (a >>> 12) & (FAST_TLB - 1);
          if (rTag[t] === a >>> 12) x[rd] = u8[(a + rAdd[t]) | 0];
          else {
            this.pc = pc;
            this.runLeft = left;
            const v = this.load(a, 1, false);
            if (this.fault) break;
            if (this.stalled) break loop; // a watchpoint stops the hart before the load
            x[rd] = v;
          }
          pc = (pc + len) | 0;
          continue;
        }
        case Op.LHU: {
          // lhu
          const a = (x[rs1] + imm) | 0;
          const t = (a >>> 12) & (FAST_TLB - 1);
          if (rTag[t] === a >>> 12 && (a & 1) === 0) x[rd] = u16[((a + rAdd[t]) | 0) >> 1];
          else {
            this.pc = pc;
            this.runLeft = left;
            const v = this.load(a, 2, false);
            if (this.fault) break;
            if (this.stalled) break loop; // a watchpoint stops the hart before the load
            x[rd] = v;
          }
          pc = (pc + len) | 0;
          continue;
        }
        case Op.SB: {
          // sb
          const a = (x[rs1] + imm) | 0;
          const t = (a >>> 12) & (FAST_TLB - 1);
          if (wTag[t] === a >>> 12) u8[(a + wAdd[t]) | 0] = x[rs2];
          else {
            this.pc = pc;
            this.runLeft = left;
            this.store(a, 1, x[rs2]);
            if (this.fault) break;
            if (this.stalled) break loop; // a watchpoint stops the hart before the store
            if (this.yieldRun) {
              pc = (pc + len) | 0;
              break loop;
            }
          }
          pc = (pc + len) | 0;
          continue;
        }
        case Op.SH: {
          // sh
          const a = (x[rs1] + imm) | 0;
          const t = (a >>> 12) & (FAST_TLB - 1);
          if (wTag[t] === a >>> 12 && (a & 1) === 0) u16[((a + wAdd[t]) | 0) >> 1] = x[rs2];
          else {
            this.pc = pc;
            this.runLeft = left;
            this.store(a, 2, x[rs2]);
            if (this.fault) break;
            if (this.stalled) break loop; // a watchpoint stops the hart before the store
            if (this.yieldRun) {
              pc = (pc + len) | 0;
              break loop;
            }
          }
          pc = (pc + len) | 0;
          continue;
        }
        case Op.SW: {
          // sw
          const a = (x[rs1] + imm) | 0;
          const t = (a >>> 12) & (FAST_TLB - 1);
          if (wTag[t] === a >>> 12 && (a & 3) === 0) i32[((a + wAdd[t]) | 0) >> 2] = x[rs2];
          else {
            this.pc = pc;
            this.runLeft = left;
            this.store(a, 4, x[rs2]);
            if (this.fault) break;
            if (this.stalled) break loop; // a watchpoint stops the hart before the store
            if (this.yieldRun) {
              pc = (pc + len) | 0;
              break loop;
            }
          }
          pc = (pc + len) | 0;
          continue;
        }

        case Op.ADDI: // addi
          x[rd] = (x[rs1] + imm) | 0;
          pc = (pc + len) | 0;
          continue;
        case Op.SLTI: // slti
          x[rd] = x[rs1] < imm ? 1 : 0;
          pc = (pc + 4) | 0;
          continue;
        case Op.SLTIU: // sltiu
          x[rd] = x[rs1] >>> 0 < imm >>> 0 ? 1 : 0;
          pc = (pc + 4) | 0;
          continue;
        case Op.XORI: // xori
          x[rd] = x[rs1] ^ imm;
          pc = (pc + 4) | 0;
          continue;
        case Op.ORI: // ori
          x[rd] = x[rs1] | imm;
          pc = (pc + 4) | 0;
          continue;
        case Op.ANDI: // andi
          x[rd] = x[rs1] & imm;
          pc = (pc + len) | 0;
          continue;
        case Op.SLLI: // slli
          x[rd] = x[rs1] << imm;
          pc = (pc + len) | 0;
          continue;
        case Op.SRLI: // srli
          x[rd] = (x[rs1] >>> imm) | 0;
          pc = (pc + len) | 0;
          continue;
        case Op.SRAI: // srai
          x[rd] = x[rs1] >> imm;
          pc = (pc + len) | 0;
          continue;
        case Op.ADD: // add
          x[rd] = (x[rs1] + x[rs2]) | 0;
          pc = (pc + len) | 0;
          continue;
        case Op.SUB: // sub
          x[rd] = (x[rs1] - x[rs2]) | 0;
          pc = (pc + len) | 0;
          continue;
        case Op.SLL: // sll
          x[rd] = x[rs1] << x[rs2];
          pc = (pc + 4) | 0;
          continue;
        case Op.SLT: // slt
          x[rd] = x[rs1] < x[rs2] ? 1 : 0;
          pc = (pc + 4) | 0;
          continue;
        case Op.SLTU: // sltu
          x[rd] = x[rs1] >>> 0 < x[rs2] >>> 0 ? 1 : 0;
          pc = (pc + 4) | 0;
          continue;
        case Op.XOR: // xor
          x[rd] = x[rs1] ^ x[rs2];
          pc = (pc + len) | 0;
          continue;
        case Op.SRL: // srl
          x[rd] = (x[rs1] >>> x[rs2]) | 0;
          pc = (pc + 4) | 0;
          continue;
        case Op.SRA: // sra
          x[rd] = x[rs1] >> x[rs2];
          pc = (pc + 4) | 0;
          continue;
        case Op.OR: // or
          x[rd] = x[rs1] | x[rs2];
          pc = (pc + len) | 0;
          continue;
        case Op.AND: // and
          x[rd] = x[rs1] & x[rs2];
          pc = (pc + len) | 0;
          continue;

        case Op.MUL: // mul
          x[rd] = Math.imul(x[rs1], x[rs2]);
          pc = (pc + 4) | 0;
          continue;
        case Op.MULH: // mulh
          x[rd] = mulh(x[rs1], x[rs2]);
          pc = (pc + 4) | 0;
          continue;
        case Op.MULHSU: // mulhsu
          x[rd] = mulhsu(x[rs1], x[rs2]);
          pc = (pc + 4) | 0;
          continue;
        case Op.MULHU: // mulhu
          x[rd] = mulhu(x[rs1], x[rs2]);
          pc = (pc + 4) | 0;
          continue;
        case Op.DIV: {
          // div: by zero gives -1; overflow (-2^31 / -1) gives -2^31
          const a = x[rs1];
          const b = x[rs2];
          x[rd] = b === 0 ? -1 : a === -0x8000_0000 && b === -1 ? a : (a / b) | 0;
          pc = (pc + 4) | 0;
          continue;
        }
        case Op.DIVU: {
          // divu: by zero gives 2^32 - 1
          const b = x[rs2] >>> 0;
          x[rd] = b === 0 ? -1 : ((x[rs1] >>> 0) / b) | 0;
          pc = (pc + 4) | 0;
          continue;
        }
        case Op.REM: {
          // rem: by zero gives the dividend; overflow gives 0
          const a = x[rs1];
          const b = x[rs2];
          x[rd] = b === 0 ? a : b === -1 ? 0 : (a % b) | 0;
          pc = (pc + 4) | 0;
          continue;
        }
        case Op.REMU: {
          // remu: by zero gives the dividend
          const b = x[rs2] >>> 0;
          x[rd] = b === 0 ? x[rs1] : ((x[rs1] >>> 0) % b) | 0;
          pc = (pc + 4) | 0;
          continue;
        }

        case Op.FENCE: // fence: one host thread, accesses are already in order
          pc = (pc + 4) | 0;
          continue;
        case Op.FENCE_I: // fence.i: stores invalidated decoded code already; refetch
          pc = (pc + 4) | 0;
          codeVpn = -1;
          continue;

        case Op.CSRRW:
        case Op.CSRRS:
        case Op.CSRRC:
        case Op.CSRRWI:
        case Op.CSRRSI:
        case Op.CSRRCI: {
          // csrrw, csrrs, csrrc, csrrwi, csrrsi, csrrci
          const op = w & 0xff;
          const immForm = op >= Op.CSRRWI;
          const src = immForm ? rs1 : x[rs1];
          const writes = op === Op.CSRRW || op === Op.CSRRWI || rs1 !== 0;
          this.pc = pc;
          this.runLeft = left;
          // rd 32 is the decoded x0 sink only for ops that write rd; CSR ops keep rd raw.
          if (!this.csrInstr(op, rd === 32 ? 0 : rd, imm, src, writes)) {
            this.raise(Cause.ILLEGAL, this.instructionBits(pc));
            break;
          }
          pc = (pc + 4) | 0;
          // Privilege, translation or interrupt enables may have changed.
          codeVpn = -1;
          this.pc = pc;
          if (this.checkInterrupts()) pc = this.pc;
          if (this.yieldRun) break loop; // an environment took the interrupt
          continue;
        }

        case Op.LR_W:
        case Op.SC_W:
        case Op.AMOSWAP_W:
        case Op.AMOADD_W:
        case Op.AMOXOR_W:
        case Op.AMOAND_W:
        case Op.AMOOR_W:
        case Op.AMOMIN_W:
        case Op.AMOMAX_W:
        case Op.AMOMINU_W:
        case Op.AMOMAXU_W:
          // lr.w, sc.w, amo*.w
          this.pc = pc;
          this.runLeft = left;
          this.atomic(w & 0xff, rd, x[rs1], x[rs2]);
          if (this.fault) break;
          if (this.stalled) break loop;
          pc = (pc + 4) | 0;
          if (this.yieldRun) break loop;
          continue;

        case Op.ECALL:
        case Op.EBREAK:
          // ecall, ebreak: synchronous exceptions; the instruction does not retire
          this.pc = pc;
          this.runLeft = left;
          this.system(w & 0xff, rs1, rs2, len);
          this.trapCycles++;
          pc = this.pc;
          codeVpn = -1;
          if (this.yieldRun) break loop;
          continue;

        case Op.MRET:
        case Op.SRET:
        case Op.WFI:
        case Op.SFENCE_VMA:
          // mret, sret, wfi, sfence.vma
          this.pc = pc;
          this.runLeft = left;
          if (!this.system(w & 0xff, rs1, rs2, len)) {
            this.raise(Cause.ILLEGAL, this.instructionBits(pc));
            break;
          }
          pc = this.pc;
          codeVpn = -1;
          if (this.checkInterrupts()) pc = this.pc;
          if (this.yieldRun) break loop;
          continue;

        default:
          this.pc = pc;
          this.runLeft = left;
          this.raise(Cause.ILLEGAL, 0);
          break;
      }
      // Only instructions that trapped get here: `raise` has set pc to the handler.
      this.fault = false;
      this.trapCycles++;
      pc = this.pc;
      codeVpn = -1;
      if (this.yieldRun) break;
    }
    if (this.stalled) {
      // Stopped before an access: the instruction did not execute and takes no cycle.
      this.stalled = false;
      left++;
    }
    this.pc = pc;
    return this.finish(budget, budget - left, false);
  }

  /** Ends a run: accounts consumed (and, when waiting, idle) cycles. */
  private finish(budget: number, used: number, idleAll: boolean): number {
    if (idleAll) {
      this.idleCycles += budget;
      used = budget;
    } else if (this.waiting && used < budget) {
      // WFI: the rest of the quantum passes idle.
      this.idleCycles += budget - used;
      used = budget;
    }
    this.cycle += used;
    this.runBudget = 0;
    this.runLeft = 0;
    return used;
  }

  // ------------------------------------------------------------- state --

  saveState(): StateValue {
    return {
      id: this.id,
      x: Array.from(this.x.subarray(0, 32)),
      pc: this.pc,
      priv: this.priv,
      csr: CSR_FIELDS.map((f) => this[f]),
      reservation: this.reservation,
      pmpcfg: Array.from(this.pmpcfg),
      pmpaddr: Array.from(this.pmpaddr),
      tdata2: this.tdata2,
      counters: [this.cycle, this.idleCycles, this.trapCycles, this.mcycleDelta, this.minstretDelta],
      waiting: this.waiting,
      stopped: this.stopped,
      stopReason: this.stopReason,
      tlb: this.tlb.saveState(),
      runLimit: Number.isFinite(this.runLimit) ? this.runLimit : -1,
    };
  }

  loadState(s: StateValue): string | null {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return 'hart state is not an object';
    const o = s as Record<string, StateValue>;
    const x = o.x;
    const csr = o.csr;
    const counters = o.counters;
    const tlb = o.tlb;
    const nums = (a: StateValue, n: number): a is number[] =>
      Array.isArray(a) && a.length === n && a.every((v) => typeof v === 'number');
    if (!nums(x, 32)) return 'hart state: x must be 32 numbers';
    if (!nums(o.pmpcfg, 16) || !nums(o.pmpaddr, 16)) return 'hart state: pmpcfg and pmpaddr must be 16 numbers each';
    if (!nums(csr, CSR_FIELDS.length)) return `hart state: csr must be ${CSR_FIELDS.length} numbers`;
    if (!nums(counters, 5)) return 'hart state: counters must be 5 numbers';
    if (typeof o.pc !== 'number' || ![0, 1, 3].includes(o.priv as number)) return 'hart state: bad pc or priv';
    if (!Array.isArray(tlb) || !tlb.every((r) => nums(r, 6))) return 'hart state: bad tlb';
    this.x.set(x);
    this.x[32] = 0;
    this.pc = o.pc | 0;
    this.priv = o.priv as Priv;
    CSR_FIELDS.forEach((f, i) => (this[f] = csr[i]));
    this.pmpcfg.set(o.pmpcfg as number[]);
    this.pmpaddr.set(o.pmpaddr as number[]);
    this.tdata2 = typeof o.tdata2 === 'number' ? o.tdata2 : 0;
    this.reservation = typeof o.reservation === 'number' ? o.reservation : -1;
    [this.cycle, this.idleCycles, this.trapCycles, this.mcycleDelta, this.minstretDelta] = counters;
    this.waiting = o.waiting === true;
    this.stopped = o.stopped === true;
    this.stopReason = typeof o.stopReason === 'string' ? o.stopReason : '';
    this.tlb.loadState(tlb as number[][]);
    this.runLimit = typeof o.runLimit === 'number' && o.runLimit >= 0 ? o.runLimit : Infinity;
    this.updatePmp();
    return null;
  }
}

// ------------------------------------------------------ multiply high --

/** High 32 bits of the unsigned 64-bit product (as int32). */
export function mulhu(a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const hh = ah * bh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/** High 32 bits of the signed x signed product. */
export function mulh(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

/** High 32 bits of the signed x unsigned product. */
export function mulhsu(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0)) | 0;
}

export { PAGE_CODE };
