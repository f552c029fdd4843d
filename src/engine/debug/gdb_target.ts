/**
 * What the GDB remote stub (`gdb_stub.ts`) needs from the debugger behind it. The stub speaks
 * the protocol; an implementation of {@link GdbTarget} answers it from the engine's own objects.
 *
 * Model, as gdb sees it (all-stop, multiprocess):
 * - An inferior ("process") is a protection domain; its pid is the PD's id (> 0). Memory is
 *   read and written by the PD's virtual addresses.
 * - A thread is a kernel thread; its gdb id is > 0 and unique across all PDs, so that a thread
 *   id alone names one thread. Ids should stay stable while gdb is attached.
 * - All-stop: when any thread stops (breakpoint, watchpoint, step, signal), every thread is
 *   stopped before the stop is reported; `resume` is the only thing that lets threads run.
 * - Reverse execution (optional): `reverseStep` and `reverseContinue` take the whole target
 *   back in time, as far as its recorded history reaches.
 *
 * Every method is synchronous and returns at once (the engine runs in the same process); only
 * stops arrive later, through the listener given to {@link GdbTarget.onStop}. A listener may be
 * called from inside `resume`, `interrupt` or a reverse operation (a step that ends at once); the
 * stub copes.
 *
 * Errors are values: `string` results are a message for the log (the stub answers gdb with an
 * `Exx` error), `null` means success. No method may throw for bad input: addresses, lengths and
 * thread ids come from a remote client and can be anything.
 */
import { CSR } from '../cpu/csr_numbers';

// ---------------------------------------------------------------- threads --

/** A thread as gdb lists it (`info threads`). */
export interface GdbThread {
  /** gdb thread id: > 0, unique across every inferior. */
  readonly id: number;
  /** The inferior: the thread's PD id, > 0. */
  readonly pid: number;
  /** `pd-label/thread-name`, shown by `info threads`. */
  readonly name: string;
}

// ------------------------------------------------------------ run control --

/** What one thread does on resume. */
export type ThreadAction = 'continue' | 'step' | 'stop';

/**
 * A resume order (gdb's `vCont`, `c`, `s`). `threads` names actions for given threads by gdb
 * thread id; `others` applies to every other thread, including threads created while running.
 *
 * - `continue`: run until something stops the target.
 * - `step`: execute exactly one instruction, then stop with {@link GdbStop} `step` (a trap the
 *   kernel handles, such as an ECALL, counts as that instruction: the step ends where the
 *   thread will execute next, i.e. after the system call returns or at the handler's chosen pc).
 *   A thread blocked in the kernel (IPC wait) that is stepped stays blocked; the step ends when
 *   it has executed one instruction, or never (the user interrupts).
 * - `stop`: stay stopped.
 *
 * The first thread to finish its step, hit a breakpoint or watchpoint or take a fault ends the
 * run: every thread stops and that stop is reported.
 */
export interface ResumeRequest {
  readonly threads: ReadonlyMap<number, ThreadAction>;
  readonly others: ThreadAction;
}

/** Which accesses a watchpoint catches (gdb's Z2, Z3, Z4). */
export type WatchKind = 'write' | 'read' | 'access';

/** gdb's signal numbers (gdb/signals.def, not the host's), as used in stop replies. */
export const GdbSignal = {
  /** No signal: stopped, nothing to report. */
  NONE: 0,
  /** Interrupted (Ctrl-C, `interrupt`, a pause from elsewhere). */
  INT: 2,
  /** Illegal instruction. */
  ILL: 4,
  /** Trap (ebreak, a stop without a better reason). */
  TRAP: 5,
  ABRT: 6,
  KILL: 9,
  /** Misaligned access. */
  BUS: 10,
  /** Page fault or access fault nobody resolves. */
  SEGV: 11,
} as const;

/** Why the target stopped. */
export type GdbStop =
  /** `thread` arrived at an address with a breakpoint of the stub (before executing it). */
  | { readonly kind: 'breakpoint'; readonly thread: number }
  /**
   * `thread` is about to make an access a watchpoint catches. Reported BEFORE the access
   * executes: pc still points at the accessing instruction and memory is unchanged, as RISC-V
   * triggers do (gdb's riscv architecture has non-steppable watchpoints: it removes the
   * watchpoint, steps, and compares old and new value itself). `addr` lies in both the access
   * and the watched range: the lower end of their overlap.
   */
  | { readonly kind: 'watchpoint'; readonly thread: number; readonly access: WatchKind; readonly addr: number }
  /** `thread` finished the single step it was asked for. */
  | { readonly kind: 'step'; readonly thread: number }
  /**
   * `thread` stopped for another reason: `GdbSignal.INT` after `interrupt` (or a pause from the
   * UI), `SEGV`/`ILL`/`BUS`/`TRAP` for a fault, ebreak, or anything else that halted it.
   */
  | { readonly kind: 'signal'; readonly thread: number; readonly signal: number }
  /**
   * Reverse execution reached the start of the recorded history before the moment it went
   * for: the target is at the oldest moment it can go back to, `thread` is the thread to show
   * (gdb says "No more reverse-execution history").
   */
  | { readonly kind: 'historyStart'; readonly thread: number }
  /** Inferior `pid` ended with exit code `code` (its threads are gone). */
  | { readonly kind: 'exited'; readonly pid: number; readonly code: number }
  /** Inferior `pid` was ended by `signal` (a fatal fault, or `kill`). */
  | { readonly kind: 'killed'; readonly pid: number; readonly signal: number };

// -------------------------------------------------------------- registers --

/**
 * Register numbers of {@link GdbTarget.readRegister} and `writeRegister`: 0..31 are x0..x31,
 * then pc and the virtual `priv` register (the thread's privilege level: 0 U, 1 S, 3 M, as
 * gdb's org.gnu.gdb.riscv.virtual feature defines it).
 */
export const REG_PC = 32;
export const REG_PRIV = 33;

/**
 * The CSRs the stub describes to gdb (feature org.gnu.gdb.riscv.csr) and asks for with
 * {@link GdbTarget.readCsr}. They are read-only through the stub.
 */
export const GDB_CSRS: readonly { readonly name: string; readonly csr: number; readonly about: string }[] = [
  { name: 'satp', csr: CSR.satp, about: "the thread's PD address space (Sv32 mode and root page table)" },
  { name: 'cycle', csr: CSR.cycle, about: 'low word of the cycle counter the thread would read' },
  { name: 'time', csr: CSR.time, about: 'low word of mtime' },
  { name: 'instret', csr: CSR.instret, about: 'low word of instructions retired' },
  { name: 'cycleh', csr: CSR.cycleh, about: 'high word of cycle' },
  { name: 'timeh', csr: CSR.timeh, about: 'high word of time' },
  { name: 'instreth', csr: CSR.instreth, about: 'high word of instret' },
];

// ---------------------------------------------------------------- target --

/** The debugger behind a GDB stub. Read the module comment for the model. */
export interface GdbTarget {
  /**
   * Every live thread, in a stable order (gdb shows them in this order). The stub calls this
   * for most packets that name a thread, so it should be cheap.
   */
  threads(): readonly GdbThread[];

  /**
   * Stops every thread now if any runs (a debugger just connected, or asked `?`) and says why
   * the target is stopped: the last stop, or `{ kind: 'signal', signal: GdbSignal.TRAP }` for
   * a thread of the target's choosing when there was none. Does not call the stop listener.
   */
  halt(): GdbStop;

  /**
   * Lets threads run as `request` says and returns at once; the stop that ends the run comes
   * through the stop listener. Fails (returns a message, nothing runs) if no thread exists or
   * a thread named in `request` does not.
   */
  resume(request: ResumeRequest): string | null;

  /**
   * Asks a running target to stop (Ctrl-C). The stop listener then gets a stop of the thread
   * that was running, normally `{ kind: 'signal', signal: GdbSignal.INT }` (or a stop with a
   * better reason that happened first). Does nothing if the target is stopped.
   */
  interrupt(): void;

  /**
   * Optional, reverse execution (gdb's `bs`): takes the whole target back to just before
   * `thread` executed its last instruction, and returns at once; the stop comes through the
   * stop listener, perhaps before this returns: a `step` stop of `thread`, or `historyStart`
   * when the recorded history ends before that instruction. Fails (returns a message, nothing
   * changes) for an unknown thread or when the target cannot go back. The stub offers gdb
   * reverse stepping only if the target has this method.
   */
  reverseStep?(thread: number): string | null;

  /**
   * Optional, reverse execution (gdb's `bc`): takes the target back to the last moment before
   * now where one of its breakpoints or watchpoints stopped a thread, and returns at once; the
   * stop comes through the stop listener as for `resume` (a `breakpoint` or `watchpoint` stop),
   * or `historyStart` when no hit is left in the recorded history. Fails as `reverseStep` does;
   * offered to gdb only if the target has it.
   */
  reverseContinue?(): string | null;

  /**
   * Registers the listener for stops that end a `resume` (and for stops that happen without
   * one, such as a pause from the UI). Returns a function that unregisters it.
   */
  onStop(listener: (stop: GdbStop) => void): () => void;

  /**
   * Ends inferior `pid` (or, with null, every inferior the debugger is attached to). What
   * ending means is the target's choice (destroy the PD, or stop debugging it); afterwards its
   * threads are no longer listed. Fails for an unknown pid.
   */
  kill(pid: number | null): string | null;

  /**
   * gdb leaves: removes every breakpoint and watchpoint inserted through this interface and
   * lets every thread run (unless something else, such as the UI, holds it stopped).
   */
  detach(): void;

  /**
   * Register `reg` (0..31 x0..x31, {@link REG_PC}, {@link REG_PRIV}) of a stopped thread, as
   * uint32 or int32; null if the thread does not exist or the value is not available.
   */
  readRegister(thread: number, reg: number): number | null;

  /**
   * Sets register `reg` of a stopped thread (writes to x0 succeed and change nothing). Fails for
   * an unknown thread or register, or a value the register cannot take (priv may be read-only).
   */
  writeRegister(thread: number, reg: number, value: number): string | null;

  /** CSR `csr` (one of {@link GDB_CSRS}) as the thread sees it, as uint32; null if not available. */
  readCsr(thread: number, csr: number): number | null;

  /**
   * Reads `len` bytes (1..65536) of inferior `pid` at virtual address `addr`, as the debugger
   * sees memory (without side effects on the guest: no page faults served, no device reads).
   * Returns fewer bytes if an unmapped or unreadable page starts inside the range, and a
   * message if not even the first byte can be read.
   */
  readMemory(pid: number, addr: number, len: number): Uint8Array | string;

  /** Writes `bytes` to inferior `pid` at virtual address `addr`: all or nothing. */
  writeMemory(pid: number, addr: number, bytes: Uint8Array): string | null;

  /**
   * Inserts a breakpoint at virtual address `addr` of inferior `pid`. `kind` is the size of the
   * instruction gdb expects there (2 or 4), informational only: breakpoints are checked by the
   * engine, never patched into memory. The stub's breakpoints are a set of (pid, addr) of
   * their own, apart from any other client's (the UI's): inserting one that is there already
   * succeeds and changes nothing; removing one that is not there succeeds. gdb single-steps
   * RISC-V by inserting breakpoints at the next pc(s) and removing them after the stop, so
   * this must be exact. A thread resumed at an address holding a breakpoint executes that
   * instruction; the breakpoint fires when a thread arrives at the address.
   */
  insertBreakpoint(pid: number, addr: number, kind: number): string | null;
  removeBreakpoint(pid: number, addr: number, kind: number): string | null;

  /**
   * Inserts a watchpoint on `len` (>= 1) bytes at virtual address `addr` of inferior `pid`,
   * for the accesses `kind` names. Idempotent per (pid, addr, len, kind), like breakpoints.
   * An access overlapping the range stops the target before it executes (see {@link GdbStop}).
   */
  insertWatchpoint(pid: number, addr: number, len: number, kind: WatchKind): string | null;
  removeWatchpoint(pid: number, addr: number, len: number, kind: WatchKind): string | null;
}
