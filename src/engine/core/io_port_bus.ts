/**
 * An x86-style I/O port bus for core's IO_PORT service.
 *
 * RISC-V has no port I/O, so core performs `inb`/`outb` (and the 16- and 32-bit forms) on behalf
 * of its clients against this bus. The port space is 64 KiB of byte-addressed ports, 0..0xffff.
 * A device claims the half-open range `[base, base + size)`; ranges never overlap.
 *
 * | access                                   | what happens                                      |
 * |------------------------------------------|---------------------------------------------------|
 * | wholly inside one device's range         | one call `dev.read/write(port - base, width)`     |
 * | wholly on unclaimed ports                | read: all ones (0xff / 0xffff / 0xffffffff);      |
 * |                                          | write: ignored                                    |
 * | straddling a boundary (device/device,    | split into `width` byte accesses in ascending     |
 * | device/unclaimed, or past port 0xffff)   | port order, each routed on its own; a read        |
 * |                                          | assembles the bytes little-endian                 |
 * | port not an integer in 0..0xffff         | read: all ones; write: ignored                    |
 *
 * Choices where the hardware leaves room:
 * - Unclaimed ports read as all ones, like a floating ISA bus with pull-ups (and like QEMU's
 *   unassigned I/O). Bytes past port 0xffff (a word or dword access at 0xfffd..0xffff) are
 *   unclaimed too: nothing decodes them.
 * - A straddling access is split into bytes rather than rejected because x86 does not fault on
 *   it either; byte order of the side effects is ascending, as a chipset splitting the cycle
 *   would issue them. A device therefore sees widths 2 and 4 only for accesses that fit its range;
 *   what it does with them (act as one register, or split into bytes itself) is its business.
 * - Nothing here throws: bad arguments degrade to floating reads and ignored writes, and bad
 *   attachments and states are reported as error strings.
 */

/** A device on the I/O port bus. Its callbacks must never throw. */
export interface PortDevice {
  /** Short unique name on the bus ("rtc", "pic0"). */
  name: string;
  /** Number of consecutive ports the device decodes (at least 1). */
  size: number;
  /**
   * Reads `width` bytes at `offset` (0 <= offset, offset + width <= size). Returns the value;
   * the bus keeps only the low `width` bytes (unsigned).
   */
  read(offset: number, width: 1 | 2 | 4): number;
  /** Writes the low `width` bytes of `value` at `offset` (0 <= offset, offset + width <= size). */
  write(offset: number, width: 1 | 2 | 4, value: number): void;
  /** Everything needed to resume exactly. Should be JSON-compatible. */
  saveState(): unknown;
  /**
   * Restores what `saveState` produced. Returns an error message instead of throwing, and must
   * leave the device unchanged when it fails.
   */
  loadState(s: unknown): string | null;
}

/** One entry of {@link IoPortBus.devices}: a device and the ports it claims, `[base, base + size)`. */
export interface PortRange {
  base: number;
  size: number;
  name: string;
}

/** What {@link IoPortBus.saveState} produces: each device's state with its place on the bus. */
export interface IoPortBusState {
  devices: { name: string; base: number; size: number; state: unknown }[];
}

/** Number of ports on the bus (0..0xffff). */
export const PORT_SPACE_SIZE = 0x1_0000;

interface Mapping {
  base: number;
  end: number; // exclusive
  dev: PortDevice;
}

const WIDTH_MASK = { 1: 0xff, 2: 0xffff, 4: 0xffff_ffff } as const;

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port < PORT_SPACE_SIZE;
}

/** The I/O port bus: routes port accesses to the devices attached at fixed port ranges. */
export class IoPortBus {
  private mappings: Mapping[] = []; // sorted by base

  /**
   * Places `dev` at ports `[base, base + dev.size)`. Returns an error message (and attaches
   * nothing) if the range is not inside 0..0xffff, overlaps another device (the message names
   * both), or another device already has the same name.
   */
  attach(base: number, dev: PortDevice): string | null {
    const size = dev.size;
    if (!Number.isInteger(size) || size < 1) return `port device ${dev.name}: size ${size} must be a positive integer`;
    if (!Number.isInteger(base) || base < 0 || base + size > PORT_SPACE_SIZE) {
      return `port device ${dev.name}: ports ${hex(base)}..${hex(base + size)} are outside 0x0..0x10000`;
    }
    const end = base + size;
    const clash = this.mappings.find((m) => base < m.end && m.base < end);
    if (clash) {
      return `port device ${dev.name} at ${hex(base)}..${hex(end)} overlaps ${clash.dev.name} at ${hex(clash.base)}..${hex(clash.end)}`;
    }
    if (this.mappings.some((m) => m.dev.name === dev.name)) {
      return `port device ${dev.name}: a device of that name is already attached`;
    }
    this.mappings.push({ base, end, dev });
    this.mappings.sort((a, b) => a.base - b.base);
    return null;
  }

  /** The attached devices, sorted by base port. */
  devices(): PortRange[] {
    return this.mappings.map((m) => ({ base: m.base, size: m.end - m.base, name: m.dev.name }));
  }

  /** The device called `name`, if one is attached. */
  device(name: string): PortDevice | undefined {
    return this.mappings.find((m) => m.dev.name === name)?.dev;
  }

  /**
   * Reads `width` bytes at `port` (an `in` instruction). Returns the value zero-extended and
   * unsigned; unclaimed ports read as all ones. See the file comment for straddling accesses.
   */
  read(port: number, width: 1 | 2 | 4): number {
    const mask = WIDTH_MASK[width];
    if (!validPort(port)) return mask;
    const m = this.find(port);
    if (m !== null && port + width <= m.end) return (m.dev.read(port - m.base, width) & mask) >>> 0;
    let value = 0;
    for (let k = 0; k < width; k++) value |= this.readByte(port + k) << (8 * k);
    return value >>> 0;
  }

  /**
   * Writes the low `width` bytes of `value` at `port` (an `out` instruction). Writes to
   * unclaimed ports are ignored. See the file comment for straddling accesses.
   */
  write(port: number, width: 1 | 2 | 4, value: number): void {
    if (!validPort(port)) return;
    value = (value & WIDTH_MASK[width]) >>> 0;
    const m = this.find(port);
    if (m !== null && port + width <= m.end) {
      m.dev.write(port - m.base, width, value);
      return;
    }
    for (let k = 0; k < width; k++) this.writeByte(port + k, (value >>> (8 * k)) & 0xff);
  }

  // ------------------------------------------------------------- state --

  /** Every device's state, with its name and port range, sorted by base port. */
  saveState(): IoPortBusState {
    return {
      devices: this.mappings.map((m) => ({
        name: m.dev.name,
        base: m.base,
        size: m.end - m.base,
        state: m.dev.saveState(),
      })),
    };
  }

  /**
   * Restores what {@link saveState} produced. The state must describe exactly the devices that
   * are attached now (same names, bases and sizes). All or nothing: if any device refuses its
   * state, the devices already restored are put back as they were and the error is returned.
   */
  loadState(s: unknown): string | null {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) return 'port bus state is not an object';
    const list = (s as { devices?: unknown }).devices;
    if (!Array.isArray(list)) return 'port bus state: devices must be an array';
    if (list.length !== this.mappings.length) {
      return `port bus state: has ${list.length} devices, the bus has ${this.mappings.length}`;
    }
    for (let i = 0; i < list.length; i++) {
      const e: unknown = list[i];
      const m = this.mappings[i];
      if (e === null || typeof e !== 'object' || Array.isArray(e))
        return `port bus state: device ${i} is not an object`;
      const d = e as { name?: unknown; base?: unknown; size?: unknown };
      if (d.name !== m.dev.name || d.base !== m.base || d.size !== m.end - m.base || !('state' in d)) {
        return `port bus state: device ${i} does not match ${m.dev.name} at ${hex(m.base)}..${hex(m.end)}`;
      }
    }
    const before = this.mappings.map((m) => m.dev.saveState());
    for (let i = 0; i < list.length; i++) {
      const m = this.mappings[i];
      const err = m.dev.loadState((list[i] as { state: unknown }).state);
      if (err !== null) {
        // Put back every device touched, the failing one too in case it broke its contract.
        for (let j = 0; j <= i; j++) this.mappings[j].dev.loadState(before[j]);
        return `port device ${m.dev.name}: ${err}`;
      }
    }
    return null;
  }

  // ---------------------------------------------------------- internals --

  /** The mapping that claims `port`, by binary search. */
  private find(port: number): Mapping | null {
    let lo = 0;
    let hi = this.mappings.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.mappings[mid];
      if (port < m.base) hi = mid - 1;
      else if (port >= m.end) lo = mid + 1;
      else return m;
    }
    return null;
  }

  private readByte(port: number): number {
    if (port >= PORT_SPACE_SIZE) return 0xff;
    const m = this.find(port);
    return m === null ? 0xff : m.dev.read(port - m.base, 1) & 0xff;
  }

  private writeByte(port: number, value: number): void {
    if (port >= PORT_SPACE_SIZE) return;
    const m = this.find(port);
    if (m !== null) m.dev.write(port - m.base, 1, value);
  }
}
