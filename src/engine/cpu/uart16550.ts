/**
 * NS16550A UART, as on QEMU's `virt` board (register shift 0, byte-wide registers).
 *
 * Register map (byte offsets into the 0x100-byte window; DLAB is LCR bit 7):
 *
 * | offset | DLAB | read                         | write                          |
 * |--------|------|------------------------------|--------------------------------|
 * | 0      | 0    | RBR receive buffer           | THR transmit holding           |
 * | 0      | 1    | DLL divisor latch low        | DLL                            |
 * | 1      | 0    | IER interrupt enable (0..3)  | IER                            |
 * | 1      | 1    | DLM divisor latch high       | DLM                            |
 * | 2      | -    | IIR interrupt identification | FCR FIFO control               |
 * | 3      | -    | LCR line control             | LCR                            |
 * | 4      | -    | MCR modem control (0..4)     | MCR                            |
 * | 5      | -    | LSR line status              | ignored (read-only)            |
 * | 6      | -    | MSR modem status             | ignored (read-only)            |
 * | 7      | -    | SCR scratch                  | SCR                            |
 *
 * IER: 0 ERBFI rx data, 1 ETBEI THR empty, 2 ELSI line status, 3 EDSSI modem status.
 * IIR (bits 7:6 = 11 while FIFOs are enabled), highest priority first:
 *   0x06 line status (OE; cleared by reading LSR), 0x0C character timeout, 0x04 rx data
 *   available (cleared when the FIFO drops below the trigger), 0x02 THR empty (cleared by
 *   reading IIR while it is the reported source, or by writing THR), 0x00 modem status
 *   (cleared by reading MSR), 0x01 none.
 * FCR: 0 FIFO enable (changing it empties the FIFO), 1 rx FIFO reset, 2 tx FIFO reset,
 *   7:6 rx trigger level 1/4/8/14. Bits 1..7 are ignored while bit 0 is written as 0.
 * LSR: 0 DR, 1 OE, 5 THRE, 6 TEMT. PE, FE and BI never occur on an emulated line.
 * MCR: 0 DTR, 1 RTS, 2 OUT1, 3 OUT2, 4 LOOP. MSR: 0 DCTS, 1 DDSR, 2 TERI, 3 DDCD, 4 CTS,
 *   5 DSR, 6 RI, 7 DCD; in loopback CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2.
 *
 * Choices where the hardware leaves room (made for deterministic execution):
 * - Transmission is instant: a THR write goes to `onTransmit` at once, so THRE and TEMT are
 *   always set. The write clears a pending THR-empty interrupt, and because the holding
 *   register is empty again at once it raises it again (QEMU behaves the same).
 * - In loopback (MCR.LOOP) a THR write goes to the receiver instead of `onTransmit`, like a
 *   line without flow control (a full FIFO overruns), and `receive` accepts nothing.
 * - The character timeout has no timer: the machine calls `rxIdle()` at a deterministic point
 *   (say, when it has no more input to offer). If FIFOs are enabled and the FIFO holds data,
 *   that raises the 0x0C indication until the guest reads RBR or new data arrives. With FIFOs
 *   disabled the receiver holds one byte and "data available" means that byte is there.
 * - `receive` is flow-controlled by default: it stores what fits and leaves the rest to the
 *   caller. With `{ overrun: true }` it acts as a raw line: bytes that do not fit are lost and
 *   set OE (with FIFOs disabled, the new byte replaces the unread one, as on a 16450).
 * - OUT2 does not gate the interrupt output (that gating is a PC board feature; QEMU does not
 *   model it on virt). Divisor and line settings are stored but do not affect timing.
 * - Offsets 8..0xFF and accesses wider than a byte are access faults.
 */
import type { AccessWidth, Device, InterruptLine, StateValue } from './device';

/** Size of the UART's register window. */
export const UART_SIZE = 0x100;
/** Depth of the receive FIFO. */
export const UART_FIFO_DEPTH = 16;

export const IER_ERBFI = 0x01;
export const IER_ETBEI = 0x02;
export const IER_ELSI = 0x04;
export const IER_EDSSI = 0x08;

export const IIR_NONE = 0x01;
export const IIR_MSI = 0x00;
export const IIR_THRI = 0x02;
export const IIR_RDI = 0x04;
export const IIR_RLSI = 0x06;
export const IIR_CTI = 0x0c;
export const IIR_FIFO = 0xc0;

export const LSR_DR = 0x01;
export const LSR_OE = 0x02;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;

export const LCR_DLAB = 0x80;

export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_OUT2 = 0x08;
export const MCR_LOOP = 0x10;

/** Receive trigger levels selected by FCR bits 7:6. */
const TRIGGERS = [1, 4, 8, 14] as const;

/** The modem input lines as seen from the UART (true = asserted). */
export interface ModemInputs {
  cts: boolean;
  dsr: boolean;
  ri: boolean;
  dcd: boolean;
}

export class Uart16550 implements Device {
  readonly name: string;
  readonly size = UART_SIZE;

  private readonly irq: InterruptLine;
  private readonly onTransmit: (byte: number) => void;

  private rx: number[] = [];
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private dll = 0;
  private dlm = 0;
  private fifoEnabled = false;
  private trigger = 1;
  private lsrErrors = 0; // OE
  private thri = false; // THR-empty interrupt pending
  private timeout = false; // character timeout indication
  private external: ModemInputs = { cts: true, dsr: true, ri: false, dcd: true };
  private msrDelta = 0;
  private irqLevel = false;

  /**
   * Creates a UART named `name` (its name on the bus) raising `irq`; transmitted bytes go to
   * `onTransmit`. The modem inputs start as QEMU's do: CTS, DSR and DCD asserted, RI not.
   */
  constructor(name: string, irq: InterruptLine, onTransmit: (byte: number) => void) {
    this.name = name;
    this.irq = irq;
    this.onTransmit = onTransmit;
  }

  // -------------------------------------------------------------- host --

  /**
   * Offers bytes from the host side of the line. Returns how many were stored in the receiver.
   * Without `overrun`, storing stops when the receiver is full and the caller keeps the rest;
   * with `overrun: true` every byte is consumed and those that did not fit are lost (OE set).
   * In loopback the receiver is disconnected from the line and nothing is stored.
   */
  receive(bytes: Uint8Array | number[], opts?: { overrun?: boolean }): number {
    if (this.mcr & MCR_LOOP) return 0;
    let stored = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (this.rxFree() === 0 && !opts?.overrun) break;
      if (this.push(bytes[i])) stored++;
    }
    this.update();
    return stored;
  }

  /** How many more bytes the receiver can hold now (16 - fill with FIFOs, else 0 or 1). */
  rxFree(): number {
    return this.capacity() - this.rx.length;
  }

  /**
   * The host has no more input for now: if FIFOs are enabled and hold data, raise the
   * character-timeout indication (IIR 0x0C) as a real 16550 would after four idle characters.
   */
  rxIdle(): void {
    if (this.fifoEnabled && this.rx.length > 0 && !this.timeout) {
      this.timeout = true;
      this.update();
    }
  }

  /** Changes the modem input lines (ignored by MSR while in loopback, but remembered). */
  setModemInputs(lines: Partial<ModemInputs>): void {
    const before = this.modem();
    this.external = { ...this.external, ...lines };
    this.modemChanged(before);
  }

  /** The current level of the interrupt output. */
  irqPending(): boolean {
    return this.irqLevel;
  }

  // ------------------------------------------------------------ access --

  read(offset: number, width: AccessWidth): number | null {
    if (width !== 1 || offset < 0 || offset > 7) return null;
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        return dlab ? this.dll : this.readRbr();
      case 1:
        return dlab ? this.dlm : this.ier;
      case 2:
        return this.readIir();
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        return this.readLsr();
      case 6:
        return this.readMsr();
      default:
        return this.scr;
    }
  }

  write(offset: number, width: AccessWidth, value: number): boolean {
    if (width !== 1 || offset < 0 || offset > 7) return false;
    value &= 0xff;
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        if (dlab) this.dll = value;
        else this.writeThr(value);
        break;
      case 1:
        if (dlab) this.dlm = value;
        else this.writeIer(value & 0x0f);
        break;
      case 2:
        this.writeFcr(value);
        break;
      case 3:
        this.lcr = value;
        break;
      case 4:
        this.writeMcr(value & 0x1f);
        break;
      case 7:
        this.scr = value;
        break;
      default:
        break; // LSR and MSR are read-only
    }
    return true;
  }

  // --------------------------------------------------------- registers --

  private readRbr(): number {
    const byte = this.rx.shift() ?? 0;
    this.timeout = false;
    this.update();
    return byte;
  }

  private writeThr(byte: number): void {
    this.thri = false;
    if (this.mcr & MCR_LOOP) this.push(byte);
    else this.onTransmit(byte);
    this.thri = true; // transmission is instant: the holding register is empty again
    this.update();
  }

  private writeIer(value: number): void {
    const changed = this.ier ^ value;
    this.ier = value;
    if (changed & IER_ETBEI) this.thri = (value & IER_ETBEI) !== 0; // THRE is always set
    this.update();
  }

  private readIir(): number {
    const iir = this.iir();
    if ((iir & 0x0f) === IIR_THRI) {
      this.thri = false;
      this.update();
    }
    return iir;
  }

  private writeFcr(value: number): void {
    const enable = (value & 1) !== 0;
    if (enable !== this.fifoEnabled) {
      this.fifoEnabled = enable;
      this.rx = [];
      this.timeout = false;
    }
    if (enable) {
      if (value & 0x02) {
        this.rx = [];
        this.timeout = false;
      }
      this.trigger = TRIGGERS[value >>> 6];
    }
    this.update();
  }

  private readLsr(): number {
    const lsr = (this.rx.length > 0 ? LSR_DR : 0) | this.lsrErrors | LSR_THRE | LSR_TEMT;
    if (this.lsrErrors) {
      this.lsrErrors = 0;
      this.update();
    }
    return lsr;
  }

  private writeMcr(value: number): void {
    const before = this.modem();
    this.mcr = value;
    this.modemChanged(before);
  }

  private readMsr(): number {
    const m = this.modem();
    const msr = this.msrDelta | (m.cts ? 0x10 : 0) | (m.dsr ? 0x20 : 0) | (m.ri ? 0x40 : 0) | (m.dcd ? 0x80 : 0);
    if (this.msrDelta) {
      this.msrDelta = 0;
      this.update();
    }
    return msr;
  }

  // ---------------------------------------------------------- internals --

  private capacity(): number {
    return this.fifoEnabled ? UART_FIFO_DEPTH : 1;
  }

  /** Puts one byte into the receiver; on a full receiver sets OE. Returns true if it was stored. */
  private push(byte: number): boolean {
    byte &= 0xff;
    this.timeout = false;
    if (this.rx.length < this.capacity()) {
      this.rx.push(byte);
      return true;
    }
    this.lsrErrors |= LSR_OE;
    if (!this.fifoEnabled) {
      this.rx[0] = byte; // 16450 mode: the unread byte is overwritten
      return true;
    }
    return false; // FIFO mode: the byte in the shift register is lost
  }

  /** The modem inputs as MSR sees them: wired to MCR in loopback, else the external lines. */
  private modem(): ModemInputs {
    if (!(this.mcr & MCR_LOOP)) return this.external;
    return {
      cts: (this.mcr & MCR_RTS) !== 0,
      dsr: (this.mcr & MCR_DTR) !== 0,
      ri: (this.mcr & MCR_OUT1) !== 0,
      dcd: (this.mcr & MCR_OUT2) !== 0,
    };
  }

  private modemChanged(before: ModemInputs): void {
    const now = this.modem();
    if (before.cts !== now.cts) this.msrDelta |= 0x01;
    if (before.dsr !== now.dsr) this.msrDelta |= 0x02;
    if (before.ri && !now.ri) this.msrDelta |= 0x04; // trailing edge only
    if (before.dcd !== now.dcd) this.msrDelta |= 0x08;
    this.update();
  }

  /** The IIR value for the highest-priority pending interrupt. */
  private iir(): number {
    const fifo = this.fifoEnabled ? IIR_FIFO : 0;
    const ier = this.ier;
    if (ier & IER_ELSI && this.lsrErrors) return fifo | IIR_RLSI;
    if (ier & IER_ERBFI && this.timeout && this.rx.length > 0) return fifo | IIR_CTI;
    if (ier & IER_ERBFI && this.rx.length >= (this.fifoEnabled ? this.trigger : 1)) return fifo | IIR_RDI;
    if (ier & IER_ETBEI && this.thri) return fifo | IIR_THRI;
    if (ier & IER_EDSSI && this.msrDelta) return fifo | IIR_MSI;
    return fifo | IIR_NONE;
  }

  private update(): void {
    const level = (this.iir() & IIR_NONE) === 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  // ------------------------------------------------------------- state --

  saveState(): StateValue {
    return {
      rx: [...this.rx],
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      scr: this.scr,
      dll: this.dll,
      dlm: this.dlm,
      fifoEnabled: this.fifoEnabled,
      trigger: this.trigger,
      lsrErrors: this.lsrErrors,
      thri: this.thri,
      timeout: this.timeout,
      modem: { ...this.external },
      msrDelta: this.msrDelta,
    };
  }

  /** Restores registers, FIFO and pending indications, then drives the interrupt line. */
  loadState(state: StateValue): string | null {
    if (state === null || typeof state !== 'object' || Array.isArray(state)) return 'UART state is not an object';
    const s = state as { [key: string]: StateValue };
    const bytes: [string, number][] = [
      ['ier', 0x0f],
      ['lcr', 0xff],
      ['mcr', 0x1f],
      ['scr', 0xff],
      ['dll', 0xff],
      ['dlm', 0xff],
      ['lsrErrors', LSR_OE],
      ['msrDelta', 0x0f],
    ];
    for (const [key, mask] of bytes) {
      const v = s[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || (v & ~mask) !== 0) {
        return `UART state: ${key} must be an integer with no bits outside 0x${mask.toString(16)}`;
      }
    }
    for (const key of ['fifoEnabled', 'thri', 'timeout']) {
      if (typeof s[key] !== 'boolean') return `UART state: ${key} must be a boolean`;
    }
    const trigger = s.trigger;
    if (typeof trigger !== 'number' || !(TRIGGERS as readonly number[]).includes(trigger)) {
      return 'UART state: trigger must be 1, 4, 8 or 14';
    }
    const rx = s.rx;
    const cap = s.fifoEnabled ? UART_FIFO_DEPTH : 1;
    if (
      !Array.isArray(rx) ||
      rx.length > cap ||
      !rx.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 0xff)
    ) {
      return `UART state: rx must be at most ${cap} bytes`;
    }
    const m = s.modem;
    if (
      m === null ||
      typeof m !== 'object' ||
      Array.isArray(m) ||
      !['cts', 'dsr', 'ri', 'dcd'].every((k) => typeof m[k] === 'boolean')
    ) {
      return 'UART state: modem must be { cts, dsr, ri, dcd } booleans';
    }
    this.rx = [...(rx as number[])];
    this.ier = s.ier as number;
    this.lcr = s.lcr as number;
    this.mcr = s.mcr as number;
    this.scr = s.scr as number;
    this.dll = s.dll as number;
    this.dlm = s.dlm as number;
    this.fifoEnabled = s.fifoEnabled as boolean;
    this.trigger = trigger;
    this.lsrErrors = s.lsrErrors as number;
    this.thri = s.thri as boolean;
    this.timeout = s.timeout as boolean;
    this.external = { cts: m.cts as boolean, dsr: m.dsr as boolean, ri: m.ri as boolean, dcd: m.dcd as boolean };
    this.msrDelta = s.msrDelta as number;
    this.irqLevel = (this.iir() & IIR_NONE) === 0;
    this.irq.set(this.irqLevel);
    return null;
  }
}
