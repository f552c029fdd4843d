/**
 * RISC-V platform-level interrupt controller, laid out as SiFive's PLIC on QEMU's `virt` board.
 *
 * Register map (offsets into the 0x400_0000-byte window; every register is 32 bits wide):
 *
 * | offset                        | register                       | access                    |
 * |-------------------------------|--------------------------------|---------------------------|
 * | 0x00_0000 + 4*n               | priority of source n (0..7)    | r/w, source 0 reads 0     |
 * | 0x00_1000 + 4*w               | pending bits of sources 32w..  | read-only                 |
 * | 0x00_2000 + 0x80*c + 4*w      | enable bits of context c       | r/w, bit 0 of word 0 is 0 |
 * | 0x20_0000 + 0x1000*c          | priority threshold of c (0..7) | r/w                       |
 * | 0x20_0004 + 0x1000*c          | claim (read) / complete (write)| r/w                       |
 *
 * Context 2*h is hart h's M-mode external interrupt (MEIP), context 2*h+1 its S-mode one (SEIP).
 * A context's output line is high while some source is pending, enabled for it and has a
 * priority above its threshold; the lines are recomputed after every change that can move them
 * and driven only when their level changes.
 *
 * Gateways are level-triggered. A source whose line is high becomes pending unless it is
 * claimed (in service). A claim clears the pending bit and marks the source claimed; while it
 * is claimed the line is ignored. Completing it (writing its id to claim/complete of a context
 * that has it enabled) ends the service, and if the line is still high it is pending again.
 *
 * Choices where the spec leaves room:
 * - Priorities and thresholds have 3 bits (0..7); higher bits of a write are dropped.
 * - Like QEMU, a pending (not yet claimed) source whose line drops stops being pending, so a
 *   device that withdraws its request before the handler runs does not cause a spurious claim.
 * - Claim applies the context's threshold (as QEMU does); ties in priority go to the lowest id.
 * - A completion for an id that is out of range, not claimed or not enabled for the context is
 *   silently ignored (per spec).
 * - Writes to the pending array are ignored (read-only registers). Offsets that hold no register
 *   (sources or contexts that do not exist, gaps) and any non-word or misaligned access are
 *   access faults.
 * - A claim read has side effects; debuggers should use `peekClaim` instead.
 */
import type { AccessWidth, Device, InterruptLine, StateValue } from './device';

/** Offset of the priority array. */
export const PLIC_PRIORITY = 0x00_0000;
/** Offset of the pending bit array. */
export const PLIC_PENDING = 0x00_1000;
/** Offset of context 0's enable bits; context c's are 0x80*c further. */
export const PLIC_ENABLE = 0x00_2000;
/** Offset of context 0's threshold register; context c's is 0x1000*c further. */
export const PLIC_CONTEXT = 0x20_0000;
/** Size of the PLIC's register window. */
export const PLIC_SIZE = 0x400_0000;
/** Largest priority (and threshold) value: 3 bits. */
export const PLIC_MAX_PRIORITY = 7;

export class Plic implements Device {
  readonly name = 'plic';
  readonly size = PLIC_SIZE;

  /** Number of source ids (0 .. numSources-1; id 0 means "none"). */
  readonly numSources: number;
  /** Number of contexts (two per hart). */
  readonly numContexts: number;
  private readonly words: number; // 32-bit words per bit array
  private readonly contexts: InterruptLine[];

  private readonly priority: Uint8Array;
  private readonly level: Uint32Array; // gateway inputs
  private readonly pending: Uint32Array;
  private readonly claimed: Uint32Array;
  private readonly enable: Uint32Array; // numContexts * words
  private readonly threshold: Uint8Array;
  private readonly output: boolean[];
  private readonly sources: InterruptLine[] = [];

  /**
   * Creates a PLIC with source ids 1..numSources-1 (numSources in 32..1024) and one context per
   * entry of `contexts` (at most 15872). Throws RangeError on a configuration error.
   */
  constructor(numSources: number, contexts: InterruptLine[]) {
    if (!Number.isInteger(numSources) || numSources < 32 || numSources > 1024) {
      throw new RangeError(`PLIC: source count ${numSources} must be an integer in 32..1024`);
    }
    if (contexts.length < 1 || contexts.length > 15872) {
      throw new RangeError(`PLIC: context count ${contexts.length} must be in 1..15872`);
    }
    this.numSources = numSources;
    this.numContexts = contexts.length;
    this.words = Math.ceil(numSources / 32);
    this.contexts = contexts;
    this.priority = new Uint8Array(numSources);
    this.level = new Uint32Array(this.words);
    this.pending = new Uint32Array(this.words);
    this.claimed = new Uint32Array(this.words);
    this.enable = new Uint32Array(this.numContexts * this.words);
    this.threshold = new Uint8Array(this.numContexts);
    this.output = new Array<boolean>(this.numContexts).fill(false);
    for (let n = 0; n < numSources; n++) this.sources.push({ set: (l) => this.setSource(n, l) });
  }

  // ----------------------------------------------------------- sources --

  /**
   * The input line of source `n` (1..numSources-1). Source 0 and out-of-range ids get a line
   * that does nothing, so a wiring mistake cannot corrupt state.
   */
  source(n: number): InterruptLine {
    if (!Number.isInteger(n) || n < 1 || n >= this.numSources) return { set: () => {} };
    return this.sources[n];
  }

  private setSource(n: number, high: boolean): void {
    const w = n >>> 5;
    const bit = 1 << (n & 31);
    if (high) this.level[w] |= bit;
    else this.level[w] &= ~bit;
    if (this.claimed[w] & bit) return; // in service: the gateway ignores the line
    const was = this.pending[w] & bit;
    if (high) this.pending[w] |= bit;
    else this.pending[w] &= ~bit;
    if ((this.pending[w] & bit) !== was) this.update();
  }

  // ----------------------------------------------------------- queries --

  /** True if source `n` is pending (waiting to be claimed). */
  isPending(n: number): boolean {
    return n > 0 && n < this.numSources && (this.pending[n >>> 5] & (1 << (n & 31))) !== 0;
  }

  /** True if source `n` has been claimed and not yet completed. */
  isClaimed(n: number): boolean {
    return n > 0 && n < this.numSources && (this.claimed[n >>> 5] & (1 << (n & 31))) !== 0;
  }

  /** What a claim by context `ctx` would return now, without claiming (for debuggers). */
  peekClaim(ctx: number): number {
    if (!Number.isInteger(ctx) || ctx < 0 || ctx >= this.numContexts) return 0;
    return this.best(ctx);
  }

  /** The current level of context `ctx`'s output line. */
  outputLevel(ctx: number): boolean {
    return this.output[ctx] ?? false;
  }

  // ------------------------------------------------------------ access --

  read(offset: number, width: AccessWidth): number | null {
    if (width !== 4 || offset % 4 !== 0) return null;
    if (offset < PLIC_PENDING) {
      const n = offset >>> 2;
      return n < this.numSources ? this.priority[n] : null;
    }
    if (offset < PLIC_ENABLE) {
      const w = (offset - PLIC_PENDING) >>> 2;
      return w < this.words ? this.pending[w] >>> 0 : null;
    }
    if (offset < PLIC_CONTEXT) {
      const ctx = Math.floor((offset - PLIC_ENABLE) / 0x80);
      const w = ((offset - PLIC_ENABLE) % 0x80) >>> 2;
      if (ctx >= this.numContexts || w >= this.words) return null;
      return this.enable[ctx * this.words + w] >>> 0;
    }
    const ctx = Math.floor((offset - PLIC_CONTEXT) / 0x1000);
    const reg = (offset - PLIC_CONTEXT) % 0x1000;
    if (ctx >= this.numContexts) return null;
    if (reg === 0) return this.threshold[ctx];
    if (reg === 4) return this.claim(ctx);
    return null;
  }

  write(offset: number, width: AccessWidth, value: number): boolean {
    if (width !== 4 || offset % 4 !== 0) return false;
    value >>>= 0;
    if (offset < PLIC_PENDING) {
      const n = offset >>> 2;
      if (n >= this.numSources) return false;
      if (n !== 0) {
        this.priority[n] = value & PLIC_MAX_PRIORITY;
        this.update();
      }
      return true;
    }
    if (offset < PLIC_ENABLE) {
      return (offset - PLIC_PENDING) >>> 2 < this.words; // read-only: ignored
    }
    if (offset < PLIC_CONTEXT) {
      const ctx = Math.floor((offset - PLIC_ENABLE) / 0x80);
      const w = ((offset - PLIC_ENABLE) % 0x80) >>> 2;
      if (ctx >= this.numContexts || w >= this.words) return false;
      this.enable[ctx * this.words + w] = value & this.validMask(w);
      this.update();
      return true;
    }
    const ctx = Math.floor((offset - PLIC_CONTEXT) / 0x1000);
    const reg = (offset - PLIC_CONTEXT) % 0x1000;
    if (ctx >= this.numContexts) return false;
    if (reg === 0) {
      this.threshold[ctx] = value & PLIC_MAX_PRIORITY;
      this.update();
      return true;
    }
    if (reg === 4) {
      this.complete(ctx, value);
      return true;
    }
    return false;
  }

  /** Bits of word `w` that name real sources (source 0 and ids >= numSources are hardwired 0). */
  private validMask(w: number): number {
    let mask = 0xffff_ffff;
    if (w === 0) mask &= ~1;
    const top = this.numSources - 32 * w; // valid bits in this word
    if (top < 32) mask &= (1 << top) - 1;
    return mask >>> 0;
  }

  // ----------------------------------------------------- claim/complete --

  /** Highest-priority pending source enabled for `ctx` with priority above its threshold, or 0. */
  private best(ctx: number): number {
    let id = 0;
    let prio = this.threshold[ctx];
    const base = ctx * this.words;
    for (let w = 0; w < this.words; w++) {
      let bits = this.pending[w] & this.enable[base + w];
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits & -bits); // lowest set bit first: ties go to the lowest id
        bits &= bits - 1;
        const n = 32 * w + b;
        if (this.priority[n] > prio) {
          prio = this.priority[n];
          id = n;
        }
      }
    }
    return id;
  }

  private claim(ctx: number): number {
    const id = this.best(ctx);
    if (id !== 0) {
      const w = id >>> 5;
      const bit = 1 << (id & 31);
      this.pending[w] &= ~bit;
      this.claimed[w] |= bit;
      this.update();
    }
    return id;
  }

  private complete(ctx: number, id: number): void {
    if (id < 1 || id >= this.numSources) return;
    const w = id >>> 5;
    const bit = 1 << (id & 31);
    if (!(this.enable[ctx * this.words + w] & bit) || !(this.claimed[w] & bit)) return;
    this.claimed[w] &= ~bit;
    if (this.level[w] & bit) this.pending[w] |= bit;
    this.update();
  }

  /** Recomputes every context's output and drives the lines that changed. */
  private update(): void {
    for (let ctx = 0; ctx < this.numContexts; ctx++) {
      const level = this.best(ctx) !== 0;
      if (level !== this.output[ctx]) {
        this.output[ctx] = level;
        this.contexts[ctx].set(level);
      }
    }
  }

  // ------------------------------------------------------------- state --

  saveState(): StateValue {
    return {
      priority: [...this.priority],
      level: [...this.level],
      pending: [...this.pending],
      claimed: [...this.claimed],
      enable: [...this.enable],
      threshold: [...this.threshold],
    };
  }

  /** Restores all registers and gateway state, then drives every context line. */
  loadState(state: StateValue): string | null {
    if (state === null || typeof state !== 'object' || Array.isArray(state)) return 'PLIC state is not an object';
    const s = state as { [key: string]: StateValue };
    const checks: [string, number, number][] = [
      ['priority', this.numSources, PLIC_MAX_PRIORITY],
      ['level', this.words, 0xffff_ffff],
      ['pending', this.words, 0xffff_ffff],
      ['claimed', this.words, 0xffff_ffff],
      ['enable', this.numContexts * this.words, 0xffff_ffff],
      ['threshold', this.numContexts, PLIC_MAX_PRIORITY],
    ];
    for (const [key, len, max] of checks) {
      const v = s[key];
      if (!Array.isArray(v) || v.length !== len) return `PLIC state: ${key} must be an array of ${len} numbers`;
      if (!v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= max)) {
        return `PLIC state: ${key} holds a value that is not an integer in 0..${max}`;
      }
    }
    this.priority.set(s.priority as number[]);
    this.priority[0] = 0;
    for (let w = 0; w < this.words; w++) {
      const mask = this.validMask(w);
      this.level[w] = (s.level as number[])[w] & mask;
      this.claimed[w] = (s.claimed as number[])[w] & mask;
      this.pending[w] = (s.pending as number[])[w] & mask & ~this.claimed[w];
      for (let c = 0; c < this.numContexts; c++) {
        this.enable[c * this.words + w] = (s.enable as number[])[c * this.words + w] & mask;
      }
    }
    this.threshold.set(s.threshold as number[]);
    for (let ctx = 0; ctx < this.numContexts; ctx++) {
      this.output[ctx] = this.best(ctx) !== 0;
      this.contexts[ctx].set(this.output[ctx]);
    }
    return null;
  }
}
