/**
 * SiFive CLINT (core-local interruptor): software interrupts and the machine timer.
 *
 * Register map (offsets into the 0x10000-byte window; every register is 32 bits wide):
 *
 * | offset                | register                 | notes                                    |
 * |-----------------------|--------------------------|------------------------------------------|
 * | 0x0000 + 4*h          | msip[h]                  | bit 0 drives hart h's MSIP; others read 0 |
 * | 0x4000 + 8*h          | mtimecmp[h] low 32 bits  | writing a half changes only that half    |
 * | 0x4004 + 8*h          | mtimecmp[h] high 32 bits | reset value of both halves: 0xFFFF_FFFF  |
 * | 0xBFF8                | mtime low 32 bits        | read/write through the `Clock`           |
 * | 0xBFFC                | mtime high 32 bits       |                                          |
 *
 * Choices where the hardware leaves room:
 * - Only aligned 4-byte accesses are accepted. Byte and halfword accesses, misaligned words and
 *   offsets that hold no register (msip/mtimecmp of harts that do not exist, the gaps) are
 *   access faults, so a stray pointer shows up in the debugger instead of reading zeros.
 * - The CLINT does not own mtime: the machine's `Clock` does (it derives mtime from retired
 *   instructions), and the clock's state is saved with the machine, not here.
 * - MTIP is not driven from here: comparing mtime against mtimecmp would need a callback on
 *   every tick. Instead `ClintLines.timerChanged(h)` tells the machine to recompute MTIP for
 *   hart h after mtimecmp[h] changes, and for every hart after mtime is written.
 * - mtimecmp halves are stored as exact 32-bit values, so register reads always return what
 *   was written. `mtimecmp(h)` returns the 64-bit value as a double; values at or above 2^53
 *   (including the reset value) come back as `Infinity`, i.e. "never" for an mtime that stays
 *   below 2^53.
 */
import type { AccessWidth, Device, InterruptLine, StateValue } from './device';

/** The machine timer as the CLINT sees it. */
export interface Clock {
  /** current mtime in ticks (integer-valued double) as seen by the hart now running */
  now(): number;
  /** sets mtime (a write to the mtime register) */
  set(ticks: number): void;
}

/** Where the CLINT's outputs go. */
export interface ClintLines {
  /** One line per hart: its MSIP bit in mip. */
  msip: InterruptLine[];
  /** called whenever mtimecmp of hart h changes so the machine can recompute MTIP */
  timerChanged(hart: number): void;
}

/** Offset of msip[0]. */
export const CLINT_MSIP = 0x0000;
/** Offset of mtimecmp[0] (low half). */
export const CLINT_MTIMECMP = 0x4000;
/** Offset of mtime (low half). */
export const CLINT_MTIME = 0xbff8;
/** Size of the CLINT's register window. */
export const CLINT_SIZE = 0x10000;

const TWO_32 = 0x1_0000_0000;
/** mtimecmp high halves at or above this make the value >= 2^53. */
const HI_LIMIT = 0x20_0000;

export class Clint implements Device {
  readonly name = 'clint';
  readonly size = CLINT_SIZE;

  readonly numHarts: number;
  private readonly clock: Clock;
  private readonly lines: ClintLines;
  private readonly msip: boolean[];
  private readonly cmpLo: number[];
  private readonly cmpHi: number[];

  /**
   * Creates a CLINT for `numHarts` harts (1..4095). `lines.msip` must hold one line per hart.
   * Throws RangeError on a configuration error (a programming mistake, not a guest action).
   */
  constructor(numHarts: number, clock: Clock, lines: ClintLines) {
    if (!Number.isInteger(numHarts) || numHarts < 1 || numHarts > 4095) {
      throw new RangeError(`CLINT: hart count ${numHarts} must be an integer in 1..4095`);
    }
    if (lines.msip.length !== numHarts) {
      throw new RangeError(`CLINT: ${lines.msip.length} msip lines for ${numHarts} harts`);
    }
    this.numHarts = numHarts;
    this.clock = clock;
    this.lines = lines;
    this.msip = new Array<boolean>(numHarts).fill(false);
    this.cmpLo = new Array<number>(numHarts).fill(0xffff_ffff);
    this.cmpHi = new Array<number>(numHarts).fill(0xffff_ffff);
  }

  // ------------------------------------------------------------ queries --

  /** The 64-bit mtimecmp of `hart` as a double; `Infinity` if it is >= 2^53 (e.g. at reset). */
  mtimecmp(hart: number): number {
    const hi = this.cmpHi[hart];
    if (hi === undefined || hi >= HI_LIMIT) return Infinity;
    return hi * TWO_32 + this.cmpLo[hart];
  }

  /** Sets `hart`'s mtimecmp (Infinity: never) in one step, as firmware writing both halves would. */
  setMtimecmp(hart: number, value: number): void {
    if (!Number.isFinite(value) || value >= HI_LIMIT * TWO_32) {
      this.cmpLo[hart] = this.cmpHi[hart] = 0xffff_ffff;
    } else {
      const v = Math.max(0, Math.floor(value));
      this.cmpLo[hart] = v % TWO_32;
      this.cmpHi[hart] = Math.floor(v / TWO_32);
    }
    this.lines.timerChanged(hart);
  }

  /** The current level of hart `hart`'s MSIP line. */
  msipLevel(hart: number): boolean {
    return this.msip[hart] ?? false;
  }

  // ------------------------------------------------------------ access --

  read(offset: number, width: AccessWidth): number | null {
    if (width !== 4 || offset % 4 !== 0) return null;
    if (offset < CLINT_MTIMECMP) {
      const h = (offset - CLINT_MSIP) / 4;
      return h < this.numHarts ? (this.msip[h] ? 1 : 0) : null;
    }
    if (offset >= CLINT_MTIME) {
      if (offset > CLINT_MTIME + 4) return null;
      const now = this.clock.now();
      return offset === CLINT_MTIME ? (now % TWO_32) >>> 0 : Math.floor(now / TWO_32) >>> 0;
    }
    const h = Math.floor((offset - CLINT_MTIMECMP) / 8);
    if (h >= this.numHarts) return null;
    return (offset & 4 ? this.cmpHi[h] : this.cmpLo[h]) >>> 0;
  }

  write(offset: number, width: AccessWidth, value: number): boolean {
    if (width !== 4 || offset % 4 !== 0) return false;
    value >>>= 0;
    if (offset < CLINT_MTIMECMP) {
      const h = (offset - CLINT_MSIP) / 4;
      if (h >= this.numHarts) return false;
      this.setMsip(h, (value & 1) !== 0);
      return true;
    }
    if (offset >= CLINT_MTIME) {
      if (offset > CLINT_MTIME + 4) return false;
      const now = this.clock.now();
      const lo = now % TWO_32;
      const hi = Math.floor(now / TWO_32);
      this.clock.set(offset === CLINT_MTIME ? hi * TWO_32 + value : value * TWO_32 + lo);
      for (let h = 0; h < this.numHarts; h++) this.lines.timerChanged(h);
      return true;
    }
    const h = Math.floor((offset - CLINT_MTIMECMP) / 8);
    if (h >= this.numHarts) return false;
    if (offset & 4) this.cmpHi[h] = value;
    else this.cmpLo[h] = value;
    this.lines.timerChanged(h);
    return true;
  }

  private setMsip(h: number, level: boolean): void {
    if (this.msip[h] === level) return;
    this.msip[h] = level;
    this.lines.msip[h].set(level);
  }

  // ------------------------------------------------------------- state --

  saveState(): StateValue {
    return {
      msip: [...this.msip],
      mtimecmp: this.cmpLo.map((lo, h) => [lo, this.cmpHi[h]]),
    };
  }

  /** Restores msip and mtimecmp, drives every msip line and asks for MTIP to be recomputed. */
  loadState(state: StateValue): string | null {
    if (state === null || typeof state !== 'object' || Array.isArray(state)) return 'CLINT state is not an object';
    const { msip, mtimecmp } = state;
    if (!Array.isArray(msip) || msip.length !== this.numHarts || !msip.every((b) => typeof b === 'boolean')) {
      return `CLINT state: msip must be ${this.numHarts} booleans`;
    }
    if (
      !Array.isArray(mtimecmp) ||
      mtimecmp.length !== this.numHarts ||
      !mtimecmp.every((p) => Array.isArray(p) && p.length === 2 && p.every(isU32))
    ) {
      return `CLINT state: mtimecmp must be ${this.numHarts} [lo, hi] pairs of 32-bit unsigned integers`;
    }
    for (let h = 0; h < this.numHarts; h++) {
      const pair = mtimecmp[h] as number[];
      this.cmpLo[h] = pair[0];
      this.cmpHi[h] = pair[1];
      this.msip[h] = msip[h] as boolean;
      this.lines.msip[h].set(this.msip[h]);
    }
    for (let h = 0; h < this.numHarts; h++) this.lines.timerChanged(h);
    return null;
  }
}

function isU32(v: StateValue): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
}
