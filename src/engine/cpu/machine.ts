/**
 * The emulated machine: 1 to 8 harts, RAM, boot ROM, CLINT, PLIC and an NS16550A UART on one
 * physical bus, run deterministically on one host thread.
 *
 * Determinism: harts are interleaved in fixed quanta of `quantum` cycles, always in hart order.
 * One instruction is one cycle; a hart in WFI spends its quantum idle. Virtual time is derived
 * from cycles only: `mtime = floor(cycle * timebaseHz / cpuHz) + offset`. A hart's run is cut
 * short exactly when its timer compare is reached, so timer interrupts arrive at the same
 * instruction every time. External input (UART bytes) is queued with a virtual timestamp and
 * delivered at round boundaries. Same ELF, same inputs: same execution, which `stateHash`
 * makes checkable.
 *
 * When every hart waits in WFI, time jumps straight to the next timer compare or input event
 * (nothing else can wake a hart), so idle guests cost no host time.
 */
import {
  BOOT_ROM_BASE,
  BOOT_ROM_SIZE,
  Bus,
  CLINT_BASE,
  PAGE_CODE,
  PAGE_RESERVED,
  PLIC_BASE,
  RAM_BASE,
  UART0_BASE,
  UART0_IRQ,
  type StoreObserver,
} from './bus';
import { Clint } from './clint';
import { DECODED_PAGE_WORDS } from './decode';
import type { StateValue } from './device';
import { Hart, MEIP, MSIP, MTIP, SEIP, type HartHost } from './hart';
import { encodeFields, Op, OPCODE_BY_NAME, type Fields } from './opcodes';
import { Plic } from './plic';
import { Uart16550 } from './uart16550';

export interface MachineConfig {
  /** Number of harts, 1..8. */
  harts: number;
  /** RAM size in bytes (multiple of 4 KiB). Default 128 MiB. */
  ramSize: number;
  /** Instructions per second of virtual time (one instruction per cycle). Default 100 MHz. */
  cpuHz: number;
  /** mtime frequency; must divide cpuHz. Default 10 MHz. */
  timebaseHz: number;
  /** Cycles each hart runs before the next one gets its turn. Default 1000. */
  quantum: number;
  /** PLIC interrupt sources (>= 32). Default 64. */
  plicSources: number;
}

export const DEFAULT_CONFIG: MachineConfig = {
  harts: 1,
  ramSize: 128 * 1024 * 1024,
  cpuHz: 100_000_000,
  timebaseHz: 10_000_000,
  quantum: 1000,
  plicSources: 64,
};

/** Why `run` returned. */
/**
 * Why `run` returned. 'break': something (a debugger breakpoint, watchpoint or catchpoint)
 * asked for a stop with `requestBreak`; the round in progress is kept and the next `run`
 * finishes it first, so a stop changes nothing the guest can see.
 */
export type StopReason = 'budget' | 'halted' | 'idle' | 'break';

/** A round that a break interrupted: which hart runs next and how many cycles it has left. */
interface PartialRound {
  round: number;
  hart: number;
  left: number;
}

interface InputEvent {
  cycle: number;
  bytes: number[];
}

export class Machine implements HartHost, StoreObserver {
  readonly config: MachineConfig;
  readonly bus: Bus;
  readonly harts: Hart[];
  readonly clint: Clint;
  readonly plic: Plic;
  readonly uart: Uart16550;
  /** Console output of the UART (and HTIF), as bytes; the host drains it. */
  readonly output: number[] = [];
  /** Set when the guest asked to exit (HTIF or the CLI's user-mode exit). */
  exitCode: number | null = null;

  private readonly ratio: number;
  private mtimeOffset = 0;
  /** Hart whose instructions are executing now (time and reservation owner). */
  private current: Hart;
  /** Global cycle count at the start of the current round (= every hart's cycle then). */
  private roundCycle = 0;
  private readonly ramDecoded: (Int32Array | undefined)[];
  private readonly romDecoded: (Int32Array | undefined)[];
  private inputs: InputEvent[] = [];
  /** Cycles executed (not idle) by all harts, for MIPS figures. */
  executed = 0;
  /** The round a break interrupted, finished by the next `run`. */
  private partial: PartialRound | null = null;
  private breakRequested = false;
  /** Breakpoints by physical address (a count: several debugger breakpoints may share one). */
  private readonly breakpoints = new Map<number, number>();
  /** Breakpoints per RAM page, so that fresh decoded pages are patched without a scan. */
  private readonly breakPages = new Map<number, Set<number>>();
  /**
   * Asked when a hart reaches a breakpoint: true stops the machine there. Installed by the
   * debugger; without it every breakpoint stops.
   */
  onBreakpoint: ((hart: Hart, pc: number) => boolean) | null = null;
  /**
   * A moment to stop at: `run` returns 'break' as soon as {@link position} reaches it (for
   * replays that must end at an exact moment). Infinity: never.
   */
  stopAt = Infinity;
  /** Told about every slice a hart runs (replays use it to see which thread ran when). */
  sliceObserver: { before(hart: Hart): void; after(hart: Hart, used: number): void } | null = null;

  constructor(config: Partial<MachineConfig> = {}) {
    const c = { ...DEFAULT_CONFIG, ...config };
    if (!Number.isInteger(c.harts) || c.harts < 1 || c.harts > 8)
      throw new RangeError(`harts must be 1..8, got ${c.harts}`);
    if (c.cpuHz % c.timebaseHz !== 0) throw new RangeError(`timebaseHz ${c.timebaseHz} must divide cpuHz ${c.cpuHz}`);
    if (!Number.isInteger(c.quantum) || c.quantum < 1) throw new RangeError(`quantum must be a positive integer`);
    this.config = c;
    this.ratio = c.cpuHz / c.timebaseHz;
    this.bus = new Bus(c.ramSize);
    this.bus.observer = this;
    this.ramDecoded = new Array(c.ramSize >>> 12);
    this.romDecoded = new Array(BOOT_ROM_SIZE >>> 12);
    this.harts = [];
    for (let h = 0; h < c.harts; h++) this.harts.push(new Hart(h, this));
    this.current = this.harts[0];
    this.bus.onPageFlagged((page) => {
      for (const h of this.harts) h.dropWritePage(page);
    });
    this.bus.onLoadHooked((page) => {
      for (const h of this.harts) h.dropReadPage(page);
    });

    this.clint = new Clint(
      c.harts,
      {
        now: () => this.mtime(this.current),
        set: (ticks) => {
          this.mtimeOffset += ticks - this.mtime(this.current);
        },
      },
      {
        msip: this.harts.map((h) => ({ set: (level: boolean) => h.setLine(MSIP, level) })),
        timerChanged: (h) => this.updateTimer(this.harts[h]),
      },
    );
    const contexts = this.harts.flatMap((h) => [
      { set: (level: boolean) => h.setLine(MEIP, level) },
      { set: (level: boolean) => h.setLine(SEIP, level) },
    ]);
    this.plic = new Plic(c.plicSources, contexts);
    this.uart = new Uart16550('uart0', this.plic.source(UART0_IRQ), (byte) => this.output.push(byte));
    for (const [base, dev] of [
      [CLINT_BASE, this.clint],
      [PLIC_BASE, this.plic],
      [UART0_BASE, this.uart],
    ] as const) {
      const err = this.bus.attach(base, dev);
      if (err) throw new Error(err);
    }
    this.writeBootRom(RAM_BASE);
    for (const h of this.harts) h.reset(BOOT_ROM_BASE);
  }

  // ------------------------------------------------------------ boot --

  /**
   * Writes the reset code into the boot ROM: every hart starts at BOOT_ROM_BASE with a0 =
   * mhartid and a1 = 0 (no device tree yet) and jumps to `entry`, as QEMU's virt ROM does.
   */
  writeBootRom(entry: number): void {
    const enc = (name: string, f: Partial<Fields>): number => {
      const w = encodeFields(OPCODE_BY_NAME.get(name)!, f);
      if (typeof w === 'string') throw new Error(`boot ROM: ${w}`);
      return w;
    };
    const T0 = 5;
    const A0 = 10;
    const A1 = 11;
    const words = [
      enc('auipc', { rd: T0, imm: 0 }), // 0x00: auipc t0, 0
      enc('addi', { rd: A1, rs1: 0, imm: 0 }), // 0x04: li a1, 0
      enc('csrrs', { rd: A0, rs1: 0, csr: 0xf14 }), // 0x08: csrr a0, mhartid
      enc('lw', { rd: T0, rs1: T0, imm: 24 }), // 0x0c: lw t0, 24(t0)
      enc('jalr', { rd: 0, rs1: T0, imm: 0 }), // 0x10: jr t0
      0, // 0x14: padding
      entry >>> 0, // 0x18: entry address
    ];
    const bytes = new Uint8Array(words.length * 4);
    new DataView(bytes.buffer).setUint32(0, 0, true);
    words.forEach((w, i) => new DataView(bytes.buffer).setUint32(i * 4, w >>> 0, true));
    this.bus.writeBytes(BOOT_ROM_BASE, bytes);
    this.romDecoded.fill(undefined);
  }

  // ---------------------------------------------------- HartHost --

  decodedPage(paddr: number): Int32Array | null {
    const i = paddr - RAM_BASE;
    if (i >= 0 && i < this.bus.ramSize) {
      const page = i >>> 12;
      let d = this.ramDecoded[page];
      if (d === undefined) {
        d = new Int32Array(DECODED_PAGE_WORDS);
        this.ramDecoded[page] = d;
        this.bus.setPageFlag(page, PAGE_CODE);
        const bps = this.breakPages.get(page);
        if (bps) for (const pa of bps) d[pa & 0xffe] = Op.BREAKPOINT;
      }
      return d;
    }
    const r = paddr - BOOT_ROM_BASE;
    if (r >= 0 && r < BOOT_ROM_SIZE) {
      const page = r >>> 12;
      let d = this.romDecoded[page];
      if (d === undefined) {
        d = new Int32Array(DECODED_PAGE_WORDS);
        this.romDecoded[page] = d;
      }
      return d;
    }
    return null;
  }

  // ------------------------------------------------------ breakpoints --

  /**
   * Sets a breakpoint at physical RAM address `paddr` (2-byte aligned): the decoded slot is
   * patched with Op.BREAKPOINT, guest memory is not touched. Returns an error for addresses
   * that are not in RAM or not aligned.
   */
  addBreakpoint(paddr: number): string | null {
    const i = paddr - RAM_BASE;
    if (paddr % 2 !== 0) return `breakpoint address 0x${paddr.toString(16)} is not 2-byte aligned`;
    if (i < 0 || i >= this.bus.ramSize) return `breakpoint address 0x${paddr.toString(16)} is not in RAM`;
    this.breakpoints.set(paddr, (this.breakpoints.get(paddr) ?? 0) + 1);
    const page = i >>> 12;
    let set = this.breakPages.get(page);
    if (!set) this.breakPages.set(page, (set = new Set()));
    set.add(paddr);
    const d = this.ramDecoded[page];
    if (d) d[i & 0xffe] = Op.BREAKPOINT;
    return null;
  }

  /** Drops one reference to the breakpoint at `paddr`; the last one unpatches the slot. */
  removeBreakpoint(paddr: number): void {
    const n = this.breakpoints.get(paddr);
    if (n === undefined) return;
    if (n > 1) {
      this.breakpoints.set(paddr, n - 1);
      return;
    }
    this.breakpoints.delete(paddr);
    const i = paddr - RAM_BASE;
    const page = i >>> 12;
    const set = this.breakPages.get(page);
    set?.delete(paddr);
    if (set?.size === 0) this.breakPages.delete(page);
    const d = this.ramDecoded[page];
    if (d && d[i & 0xffe] === Op.BREAKPOINT) d[i & 0xffe] = Op.UNDECODED;
  }

  isBreakpoint(paddr: number): boolean {
    return this.breakpoints.has(paddr);
  }

  breakpointHit(hart: Hart, pc: number): boolean {
    const stop = this.onBreakpoint ? this.onBreakpoint(hart, pc) : true;
    if (stop) this.requestBreak();
    return stop;
  }

  /**
   * Makes `run` return 'break' as soon as the running hart yields (call it from a hook inside
   * the run; the hook's hart should set `yieldRun`). The interrupted round is finished by the
   * next `run`.
   */
  requestBreak(): void {
    this.breakRequested = true;
    this.current.yieldRun = true;
  }

  /** The hart whose instructions are executing now (inside `run`), else the last one. */
  get runningHart(): Hart {
    return this.current;
  }

  /**
   * The moment the machine is at: the sum of every hart's cycle count. It grows by one with
   * each cycle any hart spends (running or idle), so each moment of a run has its own value,
   * and a replay stopped at the same value is in the same state.
   */
  get position(): number {
    let s = 0;
    for (const h of this.harts) s += h.cycleNow();
    return s;
  }

  /** True while a break interrupted a round (the machine is between two instructions of it). */
  get inRound(): boolean {
    return this.partial !== null;
  }

  mtime(hart: Hart): number {
    return Math.floor(hart.cycleNow() / this.ratio) + this.mtimeOffset;
  }

  reserve(hart: Hart, index: number): void {
    hart.reservation = index;
    this.bus.setPageFlag(index >>> 12, PAGE_RESERVED);
  }

  // ------------------------------------------------ StoreObserver --

  ramStore(index: number, width: number, flags: number): void {
    if (flags & PAGE_CODE) {
      // Clear decoded slots the store overlaps (an instruction may start 2 bytes earlier).
      const first = Math.max(0, index - 2);
      const last = index + width - 1;
      for (let p = first >>> 12; p <= last >>> 12; p++) {
        const d = this.ramDecoded[p];
        if (d === undefined) continue;
        const lo = Math.max(first, p << 12) & 0xffe;
        const hi = Math.min(last, (p << 12) + 0xfff) & 0xffe;
        for (let s = lo; s <= hi; s += 2) d[s] = 0;
        const bps = this.breakPages.get(p);
        if (bps) for (const pa of bps) if ((pa & 0xffe) >= lo && (pa & 0xffe) <= hi) d[pa & 0xffe] = Op.BREAKPOINT;
      }
    }
    if (flags & PAGE_RESERVED) {
      // A store breaks other harts' reservations on the words it touches.
      for (const h of this.harts) {
        if (
          h !== this.current &&
          h.reservation >= 0 &&
          h.reservation >>> 2 >= index >>> 2 &&
          h.reservation >>> 2 <= (index + width - 1) >>> 2
        ) {
          h.reservation = -1;
        }
      }
    }
  }

  // ------------------------------------------------------------- run --

  /** Recomputes hart `h`'s MTIP line from its mtimecmp. */
  private updateTimer(h: Hart): void {
    h.setLine(MTIP, this.mtime(h) >= this.clint.mtimecmp(h.id));
  }

  /** Cycles hart `h` may run before its timer fires (Infinity if it never will). */
  private cyclesToTimer(h: Hart): number {
    const cmp = this.clint.mtimecmp(h.id);
    if (!Number.isFinite(cmp)) return Infinity;
    const target = (cmp - this.mtimeOffset) * this.ratio; // first cycle whose mtime >= cmp
    return target - h.cycleNow();
  }

  /** Queues UART input to arrive at virtual cycle `cycle` (default: now). */
  input(bytes: number[] | Uint8Array, cycle = this.roundCycle): void {
    this.inputs.push({ cycle, bytes: Array.from(bytes) });
    this.inputs.sort((a, b) => a.cycle - b.cycle);
  }

  private deliverInputs(): void {
    while (this.inputs.length && this.inputs[0].cycle <= this.roundCycle) {
      const ev = this.inputs[0];
      const n = this.uart.receive(ev.bytes);
      if (n < ev.bytes.length) {
        ev.bytes = ev.bytes.slice(n); // FIFO full: the rest waits for the next round
        break;
      }
      this.inputs.shift();
    }
    // No more input due now: a UART holding bytes below its FIFO trigger level reports a
    // character timeout, as real hardware does after four idle character times.
    if (this.inputs.length === 0 || this.inputs[0].cycle > this.roundCycle) this.uart.rxIdle();
  }

  /** True when no hart can run: all stopped, or all stopped/waiting. */
  private allHalted(): boolean {
    return this.exitCode !== null || this.harts.every((h) => h.stopped);
  }

  /**
   * Runs whole rounds until about `maxCycles` cycles of virtual time have passed, the guest
   * exits, or every hart is stopped. Returns why it returned.
   */
  run(maxCycles: number): StopReason {
    const q = this.config.quantum;
    const n = this.harts.length;
    this.breakRequested = false;
    if (this.position >= this.stopAt) return 'break';
    // The run ends when every hart has spent `maxCycles` (on average): at a moment, like a
    // stop, in the middle of a round if it falls there. Rounds are never cut short: that would
    // move every later round's boundaries, and so the interleaving of harts and the moment
    // inputs arrive, making the execution depend on how it was sliced into runs.
    this.budgetAt = this.position + maxCycles * n;
    // Finish a round that a break or the last budget interrupted.
    if (this.partial !== null) {
      const r = this.runRound();
      if (r !== null) return r;
    }
    while (this.position < this.budgetAt) {
      if (this.allHalted()) return 'halted';
      this.deliverInputs();
      // Fast-forward when every live hart waits: nothing changes until a timer or input.
      if (this.harts.every((h) => h.stopped || (h.waiting && (h.mip() & h.mie) === 0))) {
        let next = Infinity;
        for (const h of this.harts) if (!h.stopped) next = Math.min(next, this.cyclesToTimer(h));
        if (this.inputs.length) next = Math.min(next, this.inputs[0].cycle - this.roundCycle);
        if (!Number.isFinite(next)) return 'idle';
        // Whole rounds, up to the one that holds the end of the run (or the moment to stop).
        const rounds = Math.floor((Math.min(this.stopAt, this.budgetAt) - this.position) / (q * n));
        const skip = Math.max(0, Math.min(Math.ceil(next / q) * q - q, rounds * q));
        if (skip > 0) {
          for (const h of this.harts) {
            h.cycle += skip;
            h.idleCycles += skip;
          }
          this.roundCycle += skip;
          continue;
        }
      }
      this.partial = { round: q, hart: 0, left: q };
      const r = this.runRound();
      if (r !== null) return r;
    }
    return this.allHalted() ? 'halted' : 'budget';
  }

  /** The position at which the current run's budget ends. */
  private budgetAt = Infinity;

  /**
   * Runs the harts through the rest of `partial`. Returns 'break' or 'halted' if it ended
   * early, 'budget' at the end of the run's budget (the round goes on in the next run).
   */
  private runRound(): StopReason | null {
    const p = this.partial!;
    for (; p.hart < this.harts.length; p.hart++, p.left = p.round) {
      const h = this.harts[p.hart];
      this.current = h;
      // Where this hart must stop, in its own cycles: the other harts do not move meanwhile.
      const limit = Math.min(this.stopAt, this.budgetAt);
      const until = limit === Infinity ? Infinity : limit - (this.position - h.cycle);
      while (p.left > 0 && !h.stopped) {
        if (h.cycle >= until) return this.position >= this.stopAt ? 'break' : 'budget';
        this.updateTimer(h);
        const toTimer = this.cyclesToTimer(h);
        let slice = toTimer > 0 && toTimer < p.left ? toTimer : p.left;
        if (h.runLimit < slice) slice = h.runLimit;
        if (until - h.cycle < slice) slice = until - h.cycle;
        const before = h.idleCycles;
        this.sliceObserver?.before(h);
        const used = h.run(slice);
        this.sliceObserver?.after(h, used);
        if (h.runLimit !== Infinity) {
          h.runLimit -= used;
          if (h.runLimit <= 0) {
            h.runLimit = Infinity;
            h.env?.limitReached?.(h);
          }
        }
        this.executed += used - (h.idleCycles - before);
        p.left -= used;
        if (this.breakRequested) return 'break';
        if (used === 0) break;
        if (this.exitCode !== null) break;
      }
      if (h.stopped || p.left > 0) {
        // A stopped hart's clock still advances with the machine, keeping harts in step.
        h.cycle += p.left;
        h.idleCycles += p.left;
        p.left = 0;
      }
      if (this.exitCode !== null) {
        this.partial = null;
        return 'halted';
      }
    }
    this.roundCycle += p.round;
    this.partial = null;
    return null;
  }

  /** Virtual time in cycles since reset. */
  get cycles(): number {
    return this.roundCycle;
  }

  /** Virtual time in seconds since reset. */
  get seconds(): number {
    return this.roundCycle / this.config.cpuHz;
  }

  /**
   * Starts noting which RAM pages are written (by harts, the loader, the debugger, and the
   * kernel, which says so with `Bus.markWritten`); returns the pages written since the last
   * call, or null on the first.
   */
  trackWrites(): Set<number> | null {
    const was = this.bus.trackWrites();
    for (const h of this.harts) h.dropAllWrites();
    return was;
  }

  /** Drops every decoded page (after bulk loads). */
  flushDecoded(): void {
    this.ramDecoded.fill(undefined);
    this.romDecoded.fill(undefined);
    for (let p = 0; p < this.bus.pageFlags.length; p++) this.bus.pageFlags[p] &= ~PAGE_CODE;
    for (const h of this.harts) h.flushFast();
  }

  // ----------------------------------------------------------- state --

  /**
   * A hash (FNV-1a, 32-bit, hex) of all architectural state: every hart's registers and CSRs,
   * RAM, and device state. Equal hashes mean equal machines, which is what determinism tests use.
   */
  stateHash(): string {
    let h = 0x811c9dc5;
    const mix = (v: number): void => {
      h ^= v & 0xff;
      h = Math.imul(h, 0x01000193);
      h ^= (v >>> 8) & 0xff;
      h = Math.imul(h, 0x01000193);
      h ^= (v >>> 16) & 0xff;
      h = Math.imul(h, 0x01000193);
      h ^= (v >>> 24) & 0xff;
      h = Math.imul(h, 0x01000193);
    };
    const i32 = this.bus.i32;
    for (let i = 0; i < i32.length; i++) {
      if (i32[i] !== 0) {
        mix(i);
        mix(i32[i]);
      }
    }
    const text = JSON.stringify({
      harts: this.harts.map((x) => x.saveState()),
      devices: this.bus.saveDevices(),
      time: this.roundCycle,
    });
    for (let i = 0; i < text.length; i++) mix(text.charCodeAt(i));
    return (h >>> 0).toString(16).padStart(8, '0');
  }

  /** Machine state except RAM contents (snapshots store RAM separately, sparsely). */
  saveState(): StateValue {
    return {
      roundCycle: this.roundCycle,
      mtimeOffset: this.mtimeOffset,
      executed: this.executed,
      exitCode: this.exitCode,
      harts: this.harts.map((h) => h.saveState()),
      devices: this.bus.saveDevices(),
      inputs: this.inputs.map((e) => ({ cycle: e.cycle, bytes: e.bytes })),
      current: this.current.id,
      partial: this.partial ? [this.partial.round, this.partial.hart, this.partial.left] : null,
    };
  }

  loadState(s: StateValue): string | null {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return 'machine state is not an object';
    const o = s as Record<string, StateValue>;
    if (!Array.isArray(o.harts) || o.harts.length !== this.harts.length)
      return `machine state has ${Array.isArray(o.harts) ? o.harts.length : 'no'} harts, machine has ${this.harts.length}`;
    if (typeof o.devices !== 'object' || o.devices === null || Array.isArray(o.devices))
      return 'machine state: devices missing';
    // All or nothing: on any error, put back what was there.
    const backup = { harts: this.harts.map((h) => h.saveState()), devices: this.bus.saveDevices() };
    const rollback = (err: string): string => {
      this.harts.forEach((h, i) => h.loadState(backup.harts[i]));
      this.bus.loadDevices(backup.devices);
      return err;
    };
    for (let i = 0; i < this.harts.length; i++) {
      const err = this.harts[i].loadState(o.harts[i]);
      if (err) return rollback(`hart ${i}: ${err}`);
    }
    const err = this.bus.loadDevices(o.devices as Record<string, StateValue>);
    if (err) return rollback(err);
    // Loading the devices drives their interrupt lines (with this machine's clock, not the
    // saved one); the harts' saved pending bits are what they saw, so they win.
    this.harts.forEach((h, i) => h.loadState((o.harts as StateValue[])[i]));
    this.roundCycle = Number(o.roundCycle) || 0;
    this.mtimeOffset = Number(o.mtimeOffset) || 0;
    this.executed = Number(o.executed) || 0;
    this.exitCode = typeof o.exitCode === 'number' ? o.exitCode : null;
    const inputs = Array.isArray(o.inputs) ? o.inputs : [];
    const isInput = (e: StateValue): e is { cycle: number; bytes: number[] } =>
      typeof e === 'object' &&
      e !== null &&
      !Array.isArray(e) &&
      typeof e.cycle === 'number' &&
      Array.isArray(e.bytes) &&
      e.bytes.every((b) => typeof b === 'number' && b >= 0 && b <= 255);
    if (!inputs.every(isInput)) return rollback('machine state: bad UART input queue');
    this.inputs = inputs.map((e) => ({ cycle: e.cycle, bytes: [...e.bytes] }));
    const cur = typeof o.current === 'number' ? this.harts[o.current] : undefined;
    this.current = cur ?? this.harts[0];
    const p = o.partial;
    this.partial =
      Array.isArray(p) &&
      p.length === 3 &&
      p.every((v) => typeof v === 'number') &&
      (p[1] as number) <= this.harts.length
        ? { round: p[0] as number, hart: p[1] as number, left: p[2] as number }
        : null;
    this.flushDecoded();
    // Reservations keep their page flag, so stores by other harts still break them.
    for (const h of this.harts) if (h.reservation >= 0) this.bus.setPageFlag(h.reservation >>> 12, PAGE_RESERVED);
    return null;
  }
}
