/**
 * The contract between the physical bus and a device model.
 *
 * A device owns a register window `[base, base + size)` on the physical bus (half-open: the byte
 * at `base + size` belongs to someone else). The CPU never sees a device directly; it issues
 * physical reads and writes, and the bus routes them here with the offset inside the window.
 *
 * Device callbacks are on the slow path (the RAM fast path bypasses the bus entirely), but they
 * must never throw: an access the device does not accept is reported as a value (`null` from
 * `read`, `false` from `write`) and the hart turns it into an access-fault trap.
 */

/** A JSON-compatible value: what `saveState` produces and `loadState` accepts. */
export type StateValue = null | boolean | number | string | StateValue[] | { [key: string]: StateValue };

/** Width of one bus access in bytes. */
export type AccessWidth = 1 | 2 | 4;

export interface Device {
  /** Short name as on the hardware ("clint", "plic", "uart0"); unique on one bus. */
  readonly name: string;
  /** Size of the register window in bytes. */
  readonly size: number;
  /**
   * Reads `width` bytes at `offset` (0 <= offset < size). Returns the value zero-extended to
   * an unsigned 32-bit number (`>>> 0`), or `null` if the device rejects the access (access fault).
   */
  read(offset: number, width: AccessWidth): number | null;
  /**
   * Writes the low `width` bytes of `value` at `offset`. Returns false if the device rejects the
   * access (access fault). A write may change interrupt lines; the device tells its sinks itself.
   */
  write(offset: number, width: AccessWidth, value: number): boolean;
  /** Everything needed to resume exactly: registers, FIFOs, pending lines. JSON-compatible. */
  saveState(): StateValue;
  /** Restores what `saveState` produced. Returns an error message instead of throwing. */
  loadState(state: StateValue): string | null;
}

/** Something that receives a level-triggered interrupt line (a PLIC source, a hart's mip bit). */
export interface InterruptLine {
  /** Drives the line high (true) or low (false). Idempotent. */
  set(level: boolean): void;
}
