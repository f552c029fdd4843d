/**
 * HTIF, the host-target interface of spike: a guest talks to the host by storing to the 64-bit
 * `tohost` word (found by symbol in the ELF), which is how the official RISC-V ISA tests report
 * pass and fail, and how bare-metal programs can print without a UART.
 *
 * Conventions (as spike reads them):
 * - `tohost = (code << 1) | 1` with the high word 0: exit with `code` (0 is success);
 * - `tohost = addr` (even, nonzero, high word 0): a system call whose eight 64-bit arguments are
 *   at `addr` ("magic_mem": which, a0, a1, a2, ...); we serve write (64) and exit (93);
 * - high word `device << 24 | cmd << 16` nonzero: a device command; device 1 command 1 prints
 *   the low byte (the console).
 * The command runs when its store lands in the low word, so a 64-bit store must write the high
 * word first (any order works for exits, which use the low word only). The host then clears
 * `tohost` and, for system calls, sets `fromhost` to 1.
 */
import { RAM_BASE, type Bus } from './bus';

export interface HtifHost {
  readonly bus: Bus;
  /** Guest console output. */
  output(bytes: number[]): void;
  /** The guest asked to exit with `code`. */
  exit(code: number): void;
}

/** Watches `tohost` (and answers in `fromhost`, if given). Returns an error if not in RAM. */
export function attachHtif(host: HtifHost, tohost: number, fromhost: number | null): string | null {
  const bus = host.bus;
  if (!bus.inRam(tohost, 8)) return `tohost at 0x${tohost.toString(16)} is not in RAM`;
  if (fromhost !== null && !bus.inRam(fromhost, 8)) return `fromhost at 0x${fromhost.toString(16)} is not in RAM`;
  const word = (pa: number): number => bus.i32[(pa - RAM_BASE) >>> 2] >>> 0;
  const clear = (pa: number): void => {
    bus.i32[(pa - RAM_BASE) >>> 2] = 0;
    bus.i32[(pa + 4 - RAM_BASE) >>> 2] = 0;
  };
  bus.addStoreHook(tohost, (pa) => {
    if (pa < tohost || pa >= tohost + 4) return; // act when the low word lands
    const lo = word(tohost);
    const hi = word(tohost + 4);
    if (lo === 0 && hi === 0) return;
    if (hi !== 0) {
      const device = hi >>> 24;
      const cmd = (hi >>> 16) & 0xff;
      if (device === 1 && cmd === 1) host.output([lo & 0xff]);
      clear(tohost);
      return;
    }
    if (lo & 1) {
      clear(tohost);
      host.exit(lo >>> 1);
      return;
    }
    // magic_mem system call: eight 64-bit words; we use the low halves.
    if (bus.inRam(lo, 64)) {
      const arg = (k: number): number => word(lo + 8 * k);
      const which = arg(0);
      let ret = -38; // -ENOSYS
      if (which === 64) {
        const buf = arg(2);
        const len = arg(3);
        const bytes = bus.readBytes(buf, len);
        if (bytes) {
          host.output(Array.from(bytes));
          ret = len;
        } else ret = -14; // -EFAULT
      } else if (which === 93) {
        clear(tohost);
        host.exit(arg(1) & 0xff);
        return;
      }
      bus.i32[(lo - RAM_BASE) >>> 2] = ret;
      bus.i32[(lo + 4 - RAM_BASE) >>> 2] = ret < 0 ? -1 : 0;
    }
    clear(tohost);
    if (fromhost !== null) bus.i32[(fromhost - RAM_BASE) >>> 2] = 1;
  });
  return null;
}
