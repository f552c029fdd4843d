/**
 * A small {@link GdbTarget} for protocol tests: one Linux user-mode program (see
 * `cpu/user_mode.ts`, MMU off, so virtual = physical) on a real `Machine`, one inferior (pid 1)
 * with one thread (id 1). Instructions really execute, one `machine.run(1)` at a time, in
 * slices of a macrotask each, so that a test (or gdb) can interrupt a running program.
 *
 * Breakpoints fire when the thread arrives at an address, except at the first instruction of a
 * resume (which leaves a breakpoint). Watchpoints decode the 32-bit load or store about to
 * execute (compressed loads and stores and AMOs are not watched: the test programs have none)
 * and stop before it, as the GdbTarget contract says.
 */
import { assemble } from '../../src/engine/cpu/asm';
import { RAM_BASE } from '../../src/engine/cpu/bus';
import { parseElf } from '../../src/engine/cpu/elf';
import type { Hart } from '../../src/engine/cpu/hart';
import { Machine } from '../../src/engine/cpu/machine';
import { LinuxUser } from '../../src/engine/cpu/user_mode';
import { CSR } from '../../src/engine/cpu/csr_numbers';
import {
  GdbSignal,
  REG_PC,
  REG_PRIV,
  type GdbStop,
  type GdbTarget,
  type GdbThread,
  type ResumeRequest,
  type WatchKind,
} from '../../src/engine/debug/gdb_target';

export const PID = 1;
export const TID = 1;
const SLICE = 5000;

/** Assembles `source` (text at RAM_BASE) or throws with the assembler's errors. */
export function assembleProgram(source: string): { elf: Uint8Array; symbols: Map<string, number> } {
  const r = assemble(source, { textBase: RAM_BASE });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { elf: r.elf, symbols: r.symbols };
}

export class MachineGdbTarget implements GdbTarget {
  readonly machine: Machine;
  readonly hart: Hart;
  /** Console output of the program. */
  readonly output: number[] = [];
  private readonly listeners = new Set<(stop: GdbStop) => void>();
  private readonly breakpoints = new Set<number>();
  private readonly watchpoints = new Map<string, { addr: number; len: number; kind: WatchKind }>();
  private mode: 'stopped' | 'continue' | 'step' = 'stopped';
  private interrupted = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastStop: GdbStop | null = null;
  /** Calls made, for tests that check what the stub asked for. */
  readonly calls: string[] = [];

  constructor(elf: Uint8Array) {
    const parsed = parseElf(elf);
    if (!parsed.ok) throw new Error(parsed.error);
    this.machine = new Machine({ ramSize: 4 * 1024 * 1024 });
    const env = LinuxUser.start(this.machine, parsed.image, {
      mmu: 'off',
      argv: ['test'],
      write: (_fd, bytes) => this.output.push(...bytes),
    });
    if (typeof env === 'string') throw new Error(env);
    this.hart = this.machine.harts[0];
  }

  get running(): boolean {
    return this.mode !== 'stopped';
  }

  get breakpointCount(): number {
    return this.breakpoints.size;
  }

  get watchpointCount(): number {
    return this.watchpoints.size;
  }

  /** Stops the slice timer for good (end of test). */
  dispose(): void {
    this.mode = 'stopped';
    clearTimeout(this.timer);
  }

  private get exited(): boolean {
    return this.machine.exitCode !== null;
  }

  // ------------------------------------------------------- run control --

  threads(): readonly GdbThread[] {
    return this.exited ? [] : [{ id: TID, pid: PID, name: 'test/main' }];
  }

  halt(): GdbStop {
    this.calls.push('halt');
    this.mode = 'stopped';
    clearTimeout(this.timer);
    if (this.exited) return { kind: 'exited', pid: PID, code: this.machine.exitCode! };
    return this.lastStop ?? { kind: 'signal', thread: TID, signal: GdbSignal.TRAP };
  }

  resume(request: ResumeRequest): string | null {
    this.calls.push(`resume ${request.threads.get(TID) ?? '-'} ${request.others}`);
    if (this.exited) return 'the program has exited';
    for (const id of request.threads.keys()) if (id !== TID) return `no thread ${id}`;
    const action = request.threads.get(TID) ?? request.others;
    if (action === 'stop') return 'nothing to run';
    this.mode = action;
    this.interrupted = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.slice(true), 0);
    return null;
  }

  interrupt(): void {
    this.calls.push('interrupt');
    if (this.mode !== 'stopped') this.interrupted = true;
  }

  onStop(listener: (stop: GdbStop) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  kill(pid: number | null): string | null {
    this.calls.push(`kill ${pid}`);
    if (pid !== null && pid !== PID) return `no inferior ${pid}`;
    this.dispose();
    this.machine.exitCode = 128 + 9;
    return null;
  }

  detach(): void {
    this.calls.push('detach');
    this.breakpoints.clear();
    this.watchpoints.clear();
    if (!this.exited) this.resume({ threads: new Map(), others: 'continue' });
  }

  private stop(stop: GdbStop): void {
    this.mode = 'stopped';
    this.lastStop = stop;
    for (const l of this.listeners) l(stop);
  }

  /** Runs up to SLICE instructions, then yields to the event loop. */
  private slice(first: boolean): void {
    for (let i = 0; i < SLICE; i++) {
      if (this.mode === 'stopped') return;
      if (this.interrupted) return this.stop({ kind: 'signal', thread: TID, signal: GdbSignal.INT });
      const pc = this.hart.pc >>> 0;
      if (!(first && i === 0)) {
        if (this.breakpoints.has(pc)) return this.stop({ kind: 'breakpoint', thread: TID });
        const hit = this.watchHit();
        if (hit) return this.stop({ kind: 'watchpoint', thread: TID, ...hit });
      }
      this.machine.run(1);
      if (this.exited) return this.stop({ kind: 'exited', pid: PID, code: this.machine.exitCode! });
      if (this.mode === 'step') return this.stop({ kind: 'step', thread: TID });
    }
    this.timer = setTimeout(() => this.slice(false), 0);
  }

  /** The watchpoint the 32-bit load or store at pc is about to trigger, if any. */
  private watchHit(): { access: WatchKind; addr: number } | null {
    if (this.watchpoints.size === 0) return null;
    const w = this.machine.bus.read(this.hart.pc >>> 0, 4);
    if (w === null) return null;
    const opcode = w & 0x7f;
    if (opcode !== 0x03 && opcode !== 0x23) return null;
    const store = opcode === 0x23;
    const imm = store ? ((w >> 25) << 5) | ((w >>> 7) & 31) : (w | 0) >> 20;
    const addr = (this.hart.x[(w >>> 15) & 31] + imm) >>> 0;
    const width = 1 << ((w >>> 12) & 3);
    for (const wp of this.watchpoints.values()) {
      const catches = wp.kind === 'access' || (wp.kind === 'write') === store;
      if (catches && addr < wp.addr + wp.len && wp.addr < addr + width) {
        return { access: wp.kind, addr: Math.max(addr, wp.addr) };
      }
    }
    return null;
  }

  // ---------------------------------------------------- registers, memory --

  readRegister(thread: number, reg: number): number | null {
    if (thread !== TID || this.exited) return null;
    if (reg >= 0 && reg < 32) return this.hart.x[reg];
    if (reg === REG_PC) return this.hart.pc;
    if (reg === REG_PRIV) return this.hart.priv;
    return null;
  }

  writeRegister(thread: number, reg: number, value: number): string | null {
    if (thread !== TID || this.exited) return `no thread ${thread}`;
    if (reg === 0) return null;
    if (reg > 0 && reg < 32) this.hart.x[reg] = value;
    else if (reg === REG_PC) this.hart.pc = value | 0;
    else if (reg === REG_PRIV) return 'priv is read-only';
    else return `no register ${reg}`;
    return null;
  }

  readCsr(thread: number, csr: number): number | null {
    if (thread !== TID || this.exited) return null;
    const h = this.hart;
    const split = (v: number, high: boolean): number => (high ? Math.floor(v / 2 ** 32) : v % 2 ** 32);
    switch (csr) {
      case CSR.satp:
        return h.satp >>> 0;
      case CSR.cycle:
      case CSR.cycleh:
        return split(h.cycleNow(), csr === CSR.cycleh);
      case CSR.instret:
      case CSR.instreth:
        return split(h.instret, csr === CSR.instreth);
      case CSR.time:
      case CSR.timeh:
        return split(this.machine.mtime(h), csr === CSR.timeh);
    }
    return null;
  }

  readMemory(pid: number, addr: number, len: number): Uint8Array | string {
    if (pid !== PID) return `no inferior ${pid}`;
    const bus = this.machine.bus;
    if (!bus.inRam(addr)) return `0x${addr.toString(16)} is not mapped`;
    const n = Math.min(len, RAM_BASE + bus.ramSize - addr);
    return bus.readBytes(addr, n)!;
  }

  writeMemory(pid: number, addr: number, bytes: Uint8Array): string | null {
    if (pid !== PID) return `no inferior ${pid}`;
    if (!this.machine.bus.inRam(addr, bytes.length)) return `0x${addr.toString(16)} is not mapped`;
    this.machine.bus.writeBytes(addr, bytes);
    return null;
  }

  // ------------------------------------------------ breakpoints, watches --

  insertBreakpoint(pid: number, addr: number, kind: number): string | null {
    this.calls.push(`Z0 ${addr.toString(16)} ${kind}`);
    if (pid !== PID) return `no inferior ${pid}`;
    this.breakpoints.add(addr >>> 0);
    return null;
  }

  removeBreakpoint(pid: number, addr: number): string | null {
    this.calls.push(`z0 ${addr.toString(16)}`);
    if (pid !== PID) return `no inferior ${pid}`;
    this.breakpoints.delete(addr >>> 0);
    return null;
  }

  insertWatchpoint(pid: number, addr: number, len: number, kind: WatchKind): string | null {
    if (pid !== PID) return `no inferior ${pid}`;
    this.watchpoints.set(`${addr}:${len}:${kind}`, { addr: addr >>> 0, len, kind });
    return null;
  }

  removeWatchpoint(pid: number, addr: number, len: number, kind: WatchKind): string | null {
    if (pid !== PID) return `no inferior ${pid}`;
    this.watchpoints.delete(`${addr}:${len}:${kind}`);
    return null;
  }
}
