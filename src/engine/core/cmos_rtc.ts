/**
 * MC146818-compatible CMOS real-time clock with 128 bytes of battery-backed RAM, as on a PC.
 *
 * Ports (the device is 2 ports wide; attach it at {@link CMOS_RTC_BASE} = 0x70):
 *
 * | port | read                              | write                                      |
 * |------|-----------------------------------|--------------------------------------------|
 * | 0x70 | 0xff (write-only on a PC)         | bits 6:0 index, bit 7 NMI disable (kept)   |
 * | 0x71 | register at index                 | register at index                          |
 *
 * Registers (index; "time" = derived from the clock, see below):
 *
 * | index     | register                 | notes                                        |
 * |-----------|--------------------------|----------------------------------------------|
 * | 0x00      | seconds                  | time                                         |
 * | 0x01      | alarm seconds            | stored; 0xC0..0xFF = don't care              |
 * | 0x02      | minutes                  | time                                         |
 * | 0x03      | alarm minutes            | stored; 0xC0..0xFF = don't care              |
 * | 0x04      | hours                    | time; 12-hour mode: 1..12, bit 7 = PM        |
 * | 0x05      | alarm hours              | stored; 0xC0..0xFF = don't care              |
 * | 0x06      | day of week              | time; 1 = Sunday .. 7 = Saturday             |
 * | 0x07      | day of month             | time; 1..31                                  |
 * | 0x08      | month                    | time; 1..12                                  |
 * | 0x09      | year                     | time; 0..99                                  |
 * | 0x0A      | status A                 | 7 UIP (read-only), 6:4 DV, 3:0 RS rate       |
 * | 0x0B      | status B                 | 7 SET, 6 PIE, 5 AIE, 4 UIE, 3 SQWE, 2 DM     |
 * |           |                          | (1 = binary, 0 = BCD), 1 24/12 (1 = 24 h),   |
 * |           |                          | 0 DSE                                        |
 * | 0x0C      | status C (read-only)     | 7 IRQF, 6 PF, 5 AF, 4 UF; reading clears it  |
 * | 0x0D      | status D (read-only)     | 7 VRT, always 0x80 (the battery is good)     |
 * | 0x32      | century                  | time (19, 20, ...), as the PC BIOS and QEMU  |
 * | 0x0E..0x7F| NVRAM (except 0x32)      | plain read/write bytes                       |
 *
 * Power-on values: status A 0x26 (32.768 kHz time base, 1024 Hz periodic rate), status B 0x02
 * (BCD, 24-hour, no interrupts), status C 0, NVRAM and alarms 0, index 0, NMI enabled.
 *
 * The clock: the time shown is `epochSeconds + floor(nowSeconds()) + offset` seconds since
 * 1970-01-01 00:00:00 (no time zone, no leap seconds), converted to a civil date by pure
 * arithmetic (Howard Hinnant's `civil_from_days`). `offset` starts at 0 and changes only when the
 * guest sets the clock. Time registers are rendered on every read in the current format (DM and
 * 24/12 of status B), so switching the format converts what the running clock shows at once.
 *
 * Choices where the hardware leaves room (made for deterministic execution):
 * - The update cycle is instantaneous at each whole second of `nowSeconds()`, so the time
 *   registers are always consistent. UIP (status A bit 7) is set for a defined window: during
 *   the last {@link UIP_WINDOW_SECONDS} (244 µs) before each update, as on the chip, while the
 *   clock runs (SET clear). A driver that waits for UIP to clear or to pulse sees both.
 * - Setting the clock while it runs: a write to a time register re-reads the clock, replaces that
 *   one field and moves the clock to the result (the fraction of the second runs on).
 * - SET (status B bit 7): setting it freezes the clock (no updates, no UF or AF; UIE is cleared, as
 *   on the chip) and latches the time into the time registers in the current format. Reads then
 *   return the latched bytes and writes replace them without effect on the clock. Clearing SET
 *   decodes the latched bytes in the format status B has then and starts the clock from that
 *   time; the seconds the clock stood still are lost, as on the chip.
 * - Decoding is arithmetic, like `timegm`: out-of-range fields carry (February 30 is March 1 or 2,
 *   month 13 is January of the next year, a BCD nibble above 9 counts as its binary value).
 *   In 12-hour mode 12 AM is hour 0 and 12 PM hour 12. Day of week is always derived from the
 *   date (as QEMU does): a write to it is kept only while SET holds the clock.
 * - Year and century show the year modulo 10000.
 * - Interrupt flags are computed when the guest looks: every data-port access first brings the
 *   flags up to `nowSeconds()`. UF is set by any update since the last look; AF by any update
 *   whose new seconds/minutes/hours match the alarm bytes (compared as register bytes in the
 *   current format; a byte with bits 7:6 = 11 matches anything); PF by any tick of the periodic
 *   rate RS (1 and 2: 256 and 128 Hz, 3..15: 65536 >> RS Hz, 0: off) since the last look. IRQF is
 *   PF·PIE + AF·AIE + UF·UIE. A clock jump by setting the time sets no flag. DV, SQWE and DSE are
 *   stored and otherwise ignored (the time base always runs; no daylight-saving jumps).
 * - Accesses of width 2 or 4 are split into byte accesses at ascending ports, so `outw 0x70`
 *   writes the index from the low byte and the data from the high byte, as on a PC.
 * - `nowSeconds()` should not go backwards; if it does, no flags are set and the clock follows.
 */
import type { PortDevice } from './io_port_bus';

/** Conventional base port of the CMOS RTC on a PC. */
export const CMOS_RTC_BASE = 0x70;
/** Number of ports the RTC decodes (index and data). */
export const CMOS_RTC_SIZE = 2;
/** Number of CMOS bytes (registers and NVRAM) behind the index port. */
export const CMOS_SIZE = 128;
/** How long before each update UIP reads as set, in seconds. */
export const UIP_WINDOW_SECONDS = 244e-6;

/** Register indices. */
export const RTC_REG = {
  SECONDS: 0x00,
  ALARM_SECONDS: 0x01,
  MINUTES: 0x02,
  ALARM_MINUTES: 0x03,
  HOURS: 0x04,
  ALARM_HOURS: 0x05,
  DAY_OF_WEEK: 0x06,
  DAY_OF_MONTH: 0x07,
  MONTH: 0x08,
  YEAR: 0x09,
  STATUS_A: 0x0a,
  STATUS_B: 0x0b,
  STATUS_C: 0x0c,
  STATUS_D: 0x0d,
  CENTURY: 0x32,
} as const;

// Status register bits (RTC_A_* in status A, RTC_B_* in status B, and so on).
export const RTC_A_UIP = 0x80;
export const RTC_B_SET = 0x80;
export const RTC_B_PIE = 0x40;
export const RTC_B_AIE = 0x20;
export const RTC_B_UIE = 0x10;
export const RTC_B_SQWE = 0x08;
export const RTC_B_DM = 0x04;
export const RTC_B_24H = 0x02;
export const RTC_B_DSE = 0x01;
export const RTC_C_IRQF = 0x80;
export const RTC_C_PF = 0x40;
export const RTC_C_AF = 0x20;
export const RTC_C_UF = 0x10;
export const RTC_D_VRT = 0x80;

/** Status A at power-on: divider 010 (32.768 kHz), rate 0110 (1024 Hz). */
const STATUS_A_RESET = 0x26;
/** Status B at power-on: BCD, 24-hour. */
const STATUS_B_RESET = RTC_B_24H;
const DAY = 86400;

/** Indices of the registers the clock drives. */
const TIME_REGS: readonly number[] = [
  RTC_REG.SECONDS,
  RTC_REG.MINUTES,
  RTC_REG.HOURS,
  RTC_REG.DAY_OF_WEEK,
  RTC_REG.DAY_OF_MONTH,
  RTC_REG.MONTH,
  RTC_REG.YEAR,
  RTC_REG.CENTURY,
];

// ------------------------------------------------------------------ civil dates --

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/**
 * Days since 1970-01-01 of the proleptic Gregorian date `year-month-day` (month 1..12; `day`
 * may lie outside the month and carries). Howard Hinnant's `days_from_civil`.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400; // 0..399
  const mp = (month + 9) % 12; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The proleptic Gregorian date `days` days after 1970-01-01. Howard Hinnant's `civil_from_days`. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097; // 0..146096
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // 0..365, March 1 = 0
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Day of the week of `days` days after 1970-01-01, as the RTC counts it: 1 = Sunday .. 7 = Saturday. */
export function weekdayFromDays(days: number): number {
  return mod(days + 4, 7) + 1; // 1970-01-01 was a Thursday
}

// ------------------------------------------------------------------ the device --

/** The CMOS RTC and NVRAM behind ports 0x70/0x71. See the file comment for the register map. */
export class CmosRtc implements PortDevice {
  readonly name: string;
  readonly size = CMOS_RTC_SIZE;

  private nowSeconds: () => number;
  private readonly epochSeconds: number;

  /** NVRAM, alarms, status A (without UIP) and B, and the latched time registers while SET. */
  private cmos = new Uint8Array(CMOS_SIZE);
  private index = 0;
  private nmiOff = false;
  /** Seconds added to `epochSeconds + floor(nowSeconds())` by the guest setting the clock. */
  private offset = 0;
  /** PF | AF | UF, pending until status C is read. */
  private flags = 0;
  /** The clock's time (seconds since 1970) when the flags were last brought up to date. */
  private lastTick: number;
  /** The periodic-rate tick count when the flags were last brought up to date. */
  private lastPeriodic: number;

  /**
   * Creates the RTC. It shows `epochSeconds` (seconds since 1970-01-01 00:00:00, an integer)
   * plus the whole seconds of `nowSeconds()`, a deterministic clock such as the machine's virtual
   * time. Throws a RangeError if `epochSeconds` is not a safe integer.
   */
  constructor(nowSeconds: () => number, epochSeconds: number, name = 'rtc') {
    if (!Number.isSafeInteger(epochSeconds)) throw new RangeError(`RTC epoch ${epochSeconds} must be an integer`);
    this.name = name;
    this.nowSeconds = nowSeconds;
    this.epochSeconds = epochSeconds;
    this.cmos[RTC_REG.STATUS_A] = STATUS_A_RESET;
    this.cmos[RTC_REG.STATUS_B] = STATUS_B_RESET;
    const now = nowSeconds();
    this.lastTick = this.clock(now);
    this.lastPeriodic = this.periodicTicks(now);
  }

  // -------------------------------------------------------------- host --

  /** True if the guest has set the NMI-disable bit (port 0x70 bit 7) with its last index write. */
  nmiDisabled(): boolean {
    return this.nmiOff;
  }

  /**
   * The time the RTC shows, in seconds since 1970-01-01 00:00:00: the running clock, or while
   * SET holds it, the latched registers decoded in the current format. No side effects.
   */
  currentTime(): number {
    if (this.setMode()) return this.decodeTime(this.cmos, this.cmos[RTC_REG.STATUS_B]);
    return this.clock(this.nowSeconds());
  }

  /** The level of the interrupt output (IRQF), with the flags brought up to date first. */
  irqPending(): boolean {
    this.sync();
    return this.irqf();
  }

  // ------------------------------------------------------------ access --

  /** Reads port 0x70 + `offset`; wider accesses are split into bytes at ascending ports. */
  read(offset: number, width: 1 | 2 | 4): number {
    let value = 0;
    for (let k = 0; k < width; k++) value |= this.readByte(offset + k) << (8 * k);
    return value >>> 0;
  }

  /** Writes port 0x70 + `offset`; wider accesses are split into bytes at ascending ports. */
  write(offset: number, width: 1 | 2 | 4, value: number): void {
    for (let k = 0; k < width; k++) this.writeByte(offset + k, (value >>> (8 * k)) & 0xff);
  }

  private readByte(offset: number): number {
    if (offset !== 1) return 0xff; // the index port is write-only
    return this.readRegister(this.index);
  }

  private writeByte(offset: number, value: number): void {
    if (offset === 0) {
      this.index = value & 0x7f;
      this.nmiOff = (value & 0x80) !== 0;
    } else if (offset === 1) {
      this.writeRegister(this.index, value);
    }
  }

  // --------------------------------------------------------- registers --

  private readRegister(i: number): number {
    this.sync();
    switch (i) {
      case RTC_REG.STATUS_A:
        return this.cmos[i] | (this.uip() ? RTC_A_UIP : 0);
      case RTC_REG.STATUS_C: {
        const c = this.flags | (this.irqf() ? RTC_C_IRQF : 0);
        this.flags = 0;
        return c;
      }
      case RTC_REG.STATUS_D:
        return RTC_D_VRT;
      default:
        if (TIME_REGS.includes(i) && !this.setMode()) {
          return this.encodeTime(this.lastTick, this.cmos[RTC_REG.STATUS_B])[i];
        }
        return this.cmos[i];
    }
  }

  private writeRegister(i: number, value: number): void {
    this.sync();
    switch (i) {
      case RTC_REG.STATUS_A: {
        const hzBefore = this.periodicHz();
        this.cmos[i] = value & 0x7f; // UIP is read-only
        if (this.periodicHz() !== hzBefore) this.lastPeriodic = this.periodicTicks(this.nowSeconds());
        return;
      }
      case RTC_REG.STATUS_B:
        this.writeStatusB(value);
        return;
      case RTC_REG.STATUS_C:
      case RTC_REG.STATUS_D:
        return; // read-only
      default:
        if (TIME_REGS.includes(i) && !this.setMode()) {
          // The clock runs: take what it shows, change this field, move the clock there.
          const image = this.encodeTime(this.lastTick, this.cmos[RTC_REG.STATUS_B]);
          image[i] = value;
          const t = this.decodeTime(image, this.cmos[RTC_REG.STATUS_B]);
          this.offset += t - this.lastTick;
          this.lastTick = t;
          return;
        }
        this.cmos[i] = value;
    }
  }

  private writeStatusB(value: number): void {
    const old = this.cmos[RTC_REG.STATUS_B];
    if (value & RTC_B_SET) {
      value &= ~RTC_B_UIE; // setting SET clears UIE
      if (!(old & RTC_B_SET)) {
        // Freeze: latch what the clock shows, in the format it shows it in.
        const image = this.encodeTime(this.lastTick, old);
        for (const r of TIME_REGS) this.cmos[r] = image[r];
      }
      this.cmos[RTC_REG.STATUS_B] = value;
      return;
    }
    this.cmos[RTC_REG.STATUS_B] = value;
    if (old & RTC_B_SET) {
      // Release: the clock starts from the latched registers, read in the format now in force.
      const t = this.decodeTime(this.cmos, value);
      this.offset = t - (this.epochSeconds + Math.floor(this.nowSeconds()));
      this.lastTick = t;
      for (const r of TIME_REGS) this.cmos[r] = 0; // the latch is unused while the clock runs
    }
  }

  // ---------------------------------------------------------- internals --

  private setMode(): boolean {
    return (this.cmos[RTC_REG.STATUS_B] & RTC_B_SET) !== 0;
  }

  private clock(now: number): number {
    return this.epochSeconds + Math.floor(now) + this.offset;
  }

  private periodicHz(): number {
    const rs = this.cmos[RTC_REG.STATUS_A] & 0x0f;
    if (rs === 0) return 0;
    if (rs <= 2) return 512 >> rs; // 256, 128 Hz
    return 65536 >> rs;
  }

  private periodicTicks(now: number): number {
    return Math.floor(now * this.periodicHz());
  }

  private uip(): boolean {
    if (this.setMode()) return false;
    const now = this.nowSeconds();
    return now - Math.floor(now) >= 1 - UIP_WINDOW_SECONDS;
  }

  private irqf(): boolean {
    const b = this.cmos[RTC_REG.STATUS_B];
    return (
      ((this.flags & RTC_C_PF) !== 0 && (b & RTC_B_PIE) !== 0) ||
      ((this.flags & RTC_C_AF) !== 0 && (b & RTC_B_AIE) !== 0) ||
      ((this.flags & RTC_C_UF) !== 0 && (b & RTC_B_UIE) !== 0)
    );
  }

  /** Brings UF, AF and PF up to `nowSeconds()`. */
  private sync(): void {
    const now = this.nowSeconds();
    if (this.periodicHz() !== 0) {
      const p = this.periodicTicks(now);
      if (p > this.lastPeriodic) this.flags |= RTC_C_PF;
      this.lastPeriodic = p;
    }
    if (this.setMode()) return; // no updates while SET holds the clock
    const t = this.clock(now);
    if (t > this.lastTick) {
      this.flags |= RTC_C_UF;
      if (this.alarmBetween(this.lastTick, t)) this.flags |= RTC_C_AF;
    }
    this.lastTick = t;
  }

  /** True if an update in `(from, to]` reached a time of day that matches the alarm bytes. */
  private alarmBetween(from: number, to: number): boolean {
    const b = this.cmos[RTC_REG.STATUS_B];
    const matches = (alarm: number, value: number) => (alarm & 0xc0) === 0xc0 || alarm === value;
    const hourOk: boolean[] = [];
    const minOk: boolean[] = [];
    const secOk: boolean[] = [];
    for (let h = 0; h < 24; h++) hourOk.push(matches(this.cmos[RTC_REG.ALARM_HOURS], encodeHour(h, b)));
    for (let m = 0; m < 60; m++) {
      minOk.push(matches(this.cmos[RTC_REG.ALARM_MINUTES], encode(m, b)));
      secOk.push(matches(this.cmos[RTC_REG.ALARM_SECONDS], encode(m, b)));
    }
    if (!hourOk.includes(true) || !minOk.includes(true) || !secOk.includes(true)) return false;
    if (to - from >= DAY) return true; // every time of day came round
    for (let t = from + 1; t <= to; t++) {
      const tod = mod(t, DAY);
      if (secOk[tod % 60] && minOk[Math.floor(tod / 60) % 60] && hourOk[Math.floor(tod / 3600)]) return true;
    }
    return false;
  }

  /** The time registers for time `t` in the format of status B value `b` (indexed by register). */
  private encodeTime(t: number, b: number): Uint8Array {
    const image = new Uint8Array(CMOS_SIZE);
    const days = Math.floor(t / DAY);
    const tod = t - days * DAY;
    const { year, month, day } = civilFromDays(days);
    const y = mod(year, 10000);
    image[RTC_REG.SECONDS] = encode(tod % 60, b);
    image[RTC_REG.MINUTES] = encode(Math.floor(tod / 60) % 60, b);
    image[RTC_REG.HOURS] = encodeHour(Math.floor(tod / 3600), b);
    image[RTC_REG.DAY_OF_WEEK] = encode(weekdayFromDays(days), b);
    image[RTC_REG.DAY_OF_MONTH] = encode(day, b);
    image[RTC_REG.MONTH] = encode(month, b);
    image[RTC_REG.YEAR] = encode(y % 100, b);
    image[RTC_REG.CENTURY] = encode(Math.floor(y / 100), b);
    return image;
  }

  /** The time the time registers in `regs` describe, in the format of status B value `b`. */
  private decodeTime(regs: Uint8Array, b: number): number {
    const sec = decode(regs[RTC_REG.SECONDS], b);
    const min = decode(regs[RTC_REG.MINUTES], b);
    const raw = regs[RTC_REG.HOURS];
    const hour = b & RTC_B_24H ? decode(raw, b) : (decode(raw & 0x7f, b) % 12) + (raw & 0x80 ? 12 : 0);
    const day = decode(regs[RTC_REG.DAY_OF_MONTH], b);
    const month0 = decode(regs[RTC_REG.MONTH], b) - 1;
    const year = decode(regs[RTC_REG.CENTURY], b) * 100 + decode(regs[RTC_REG.YEAR], b) + Math.floor(month0 / 12);
    const days = daysFromCivil(year, mod(month0, 12) + 1, day);
    return days * DAY + hour * 3600 + min * 60 + sec;
  }

  // ------------------------------------------------------------- state --

  /** NVRAM, registers, index, NMI bit, clock offset and pending flags. JSON-compatible. */
  /** Gives the RTC its clock again (after a snapshot load, which cannot save a closure). */
  setClock(nowSeconds: () => number): void {
    this.nowSeconds = nowSeconds;
  }

  saveState(): {
    cmos: number[];
    index: number;
    nmiDisabled: boolean;
    offset: number;
    flags: number;
    lastTick: number;
    lastPeriodic: number;
  } {
    return {
      cmos: Array.from(this.cmos),
      index: this.index,
      nmiDisabled: this.nmiOff,
      offset: this.offset,
      flags: this.flags,
      lastTick: this.lastTick,
      lastPeriodic: this.lastPeriodic,
    };
  }

  /** Restores what {@link saveState} produced; on an error nothing changes. */
  loadState(s: unknown): string | null {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) return 'RTC state is not an object';
    const st = s as { [key: string]: unknown };
    const cmos = st.cmos;
    if (
      !Array.isArray(cmos) ||
      cmos.length !== CMOS_SIZE ||
      !cmos.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xff)
    ) {
      return `RTC state: cmos must be ${CMOS_SIZE} bytes`;
    }
    if (cmos[RTC_REG.STATUS_A] & RTC_A_UIP) return 'RTC state: status A must not have UIP set';
    if (cmos[RTC_REG.STATUS_B] & RTC_B_SET && cmos[RTC_REG.STATUS_B] & RTC_B_UIE) {
      return 'RTC state: status B cannot have both SET and UIE';
    }
    const index = st.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= CMOS_SIZE) {
      return 'RTC state: index must be an integer in 0..127';
    }
    if (typeof st.nmiDisabled !== 'boolean') return 'RTC state: nmiDisabled must be a boolean';
    const flags = st.flags;
    const mask = RTC_C_PF | RTC_C_AF | RTC_C_UF;
    if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || (flags & ~mask) !== 0) {
      return `RTC state: flags must be an integer with no bits outside 0x${mask.toString(16)}`;
    }
    for (const key of ['offset', 'lastTick', 'lastPeriodic']) {
      if (!Number.isSafeInteger(st[key])) return `RTC state: ${key} must be an integer`;
    }
    this.cmos = Uint8Array.from(cmos as number[]);
    this.index = index;
    this.nmiOff = st.nmiDisabled;
    this.offset = st.offset as number;
    this.flags = flags;
    this.lastTick = st.lastTick as number;
    this.lastPeriodic = st.lastPeriodic as number;
    return null;
  }
}

// ------------------------------------------------------------------ formats --

/** `v` (0..99) as a register byte: BCD unless status B `b` has DM set. */
function encode(v: number, b: number): number {
  return b & RTC_B_DM ? v : (Math.floor(v / 10) << 4) | (v % 10);
}

/** A register byte as a number; a BCD nibble above 9 counts as its binary value. */
function decode(v: number, b: number): number {
  return b & RTC_B_DM ? v : (v >> 4) * 10 + (v & 0x0f);
}

/** Hour `h` (0..23) as the hours register: 24-hour, or 1..12 with bit 7 = PM. */
function encodeHour(h: number, b: number): number {
  if (b & RTC_B_24H) return encode(h, b);
  return encode(h % 12 === 0 ? 12 : h % 12, b) | (h >= 12 ? 0x80 : 0);
}
