/**
 * The engine host: the one place that owns a running system. It answers the protocol's
 * commands (protocol.ts) from the debugger (debug/debugger.ts) and the inspectors
 * (debug/inspect.ts), runs the machine in short slices while it is running, and pushes batched
 * events to every attached client.
 *
 * Responsiveness: the machine runs in slices of about `sliceMs` (5 ms) of host time, sized
 * from the measured speed, and the host yields to the event loop between slices; a command
 * that arrives while the guest runs flat out is answered within one slice.
 *
 * Events: `stopped` and `running` at once (after the log and trace that led to them), log and
 * trace batches every `flushMs`, stats and topology changes every `statsMs`. A client that
 * wants more trace history than the batches carry asks with `traceSince` (sequence numbers
 * show gaps).
 *
 * Errors: every command is validated before anything is done, and fails with a structured error
 * (`invalid`, `state`, `notFound`, `fault`, `failed`) that leaves the engine as it was. An
 * exception inside the engine becomes an `internal` error reply; the host stays up.
 *
 * The host runs in Node (the browser host's child process, Electron's utility process);
 * scenario files are read through the functions in the options, defaulting to the CLI's.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadScenario, readGuestSource, scenarioFromText, type Scenario } from '../../cli/scenario_files';
import { disassembleRange } from '../cpu/disasm';
import { ABI_NAMES } from '../cpu/registers';
import type { LogLine } from '../core/core';
import { formatIssue, parseInitConfig } from '../core/init/config';
import type { Pd, Thread } from '../core/kernel_objects';
import { System } from '../core/system';
import { TRACE_KIND_NAMES, type TraceEvent } from '../core/trace';
import type { CatchEvent, Catchpoint, Debugger, DebuggerState, Stop } from '../debug/debugger';
import { DebuggerGdbTarget, type GdbTravel, type TravelResult } from '../debug/debugger_gdb_target';
import { capSpace, memoryMap, physicalMap, threads, topology, waitForGraph } from '../debug/inspect';
import { createDebugger, programLookup } from '../debug/programs';
import { TimeTravel, type Moment, type RecordedInput } from '../debug/time_travel';
import { captureSystem, restoreSystem } from '../snapshot/system_image';
import { utf8Decode, utf8Encode } from '../cpu/elf';
import type { StateValue } from '../cpu/device';
import { loadSnapshotFile, NODE_CODEC, saveSnapshotFileAsync, writeFileAtomic } from './snapshot_file';
import { checkpointComponent } from '../core/runtime/checkpoint';
import { decodeCheckpoint, encodeCheckpoint } from '../core/runtime/checkpoint_format';
import { restoreComponent } from '../core/runtime/restore';
import type { DebugInfo } from '../debug/symbols';
import {
  HELLO,
  LIMITS,
  decodeBase64,
  encodeBase64,
  parseMessage,
  type Command,
  type CommandOf,
  type CommandResult,
  type EngineError,
  type EngineEvent,
  type ErrorCode,
  type Message,
  type ReplyMessage,
  type Stats,
  type TraceEventInfo,
} from '../protocol';
import { ChromeTraceWriter, kernelTraceNames } from '../trace/chrome_trace';
import { startGdbServer } from './gdb_server';
import type { EngineTransport } from './transport';

/** A running GDB server, as `startGdb` returns it. */
export interface GdbServerHandle {
  readonly port: number;
  close(): Promise<void>;
  /** The session has a new debugger (a travel, a snapshot load, a new scenario): serve `dbg` from now on. */
  rebind?(dbg: Debugger): void;
}

export interface EngineHostOptions {
  /** Reads a scenario file and its modules (default: the CLI's `loadScenario`). */
  loadFile?: (path: string) => Scenario | string;
  /** Makes a scenario of configuration text (default: modules from the shipped guests). */
  loadText?: (xml: string, name: string) => Scenario | string;
  /**
   * 'realtime': virtual time never runs ahead of host time since the last resume (a counter
   * that sleeps a second logs once a second, as on hardware); 'flat' (default): as fast as the
   * host can. A busy guest slower than real time runs flat out either way.
   */
  pace?: 'flat' | 'realtime';
  /** Host time per run slice, in ms (default 5). */
  sliceMs?: number;
  /** Interval of log and trace batches, in ms (default 50). */
  flushMs?: number;
  /** Interval of stats and topology checks, in ms (default 250). */
  statsMs?: number;
  /** Reads a source file of a program (`binary`) as its line table names it (default: the guest sources). */
  readSource?: (binary: string, file: string) => { path: string; text: string } | string;
  /**
   * Starts a GDB server over the debugger (default: the stub on 127.0.0.1 over TCP); `travel`
   * is the host's reverse execution, for gdb's reverse-stepi and reverse-continue.
   */
  startGdb?: (debugger_: Debugger, port: number, travel: GdbTravel) => Promise<GdbServerHandle | string>;
}

/** The GDB remote stub over the debugger, on 127.0.0.1. */
async function startGdb(dbg: Debugger, port: number, travel: GdbTravel): Promise<GdbServerHandle | string> {
  const target = new DebuggerGdbTarget(dbg, travel);
  const server = await startGdbServer(target, { port, host: '127.0.0.1' });
  if (typeof server === 'string') {
    target.dispose();
    return server;
  }
  return {
    port: server.port,
    close: async () => {
      await server.close();
      target.dispose();
    },
    rebind: (d) => target.rebind(d),
  };
}

/** A failed command: turned into an error reply. */
class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const fail = (code: ErrorCode, message: string, field?: string): never => {
  throw new CommandError(code, message, field);
};

/** The error code of a message from the debugger. */
function codeOf(message: string): ErrorCode {
  if (/^no (thread|PD|breakpoint|watchpoint|catchpoint|symbol|code)\b/.test(message)) return 'notFound';
  if (/^0x[0-9a-f]+: |^physical |not RAM|outside the address space/.test(message)) return 'fault';
  return 'failed';
}

/** Throws the debugger's error (a string, or `{error}`), if any, as a command error. */
function check<T>(r: T | string | null | { error: string }, field?: string): T {
  if (typeof r === 'string') return fail(codeOf(r), r, field);
  if (r !== null && typeof r === 'object' && 'error' in r && typeof r.error === 'string')
    return fail(codeOf(r.error), r.error, field);
  return r as T;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

const now = (): number => globalThis.performance.now();
const schedule: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

/** Trace events per batch event; an older backlog is skipped (its sequence numbers show the gap). */
const TRACE_BATCH = 16384;
/** Log lines per log event. */
const LOG_BATCH = 4096;
/** Trace events per step of an export (the host answers commands between steps). */
const EXPORT_STEP = 65536;

interface Session {
  readonly sys: System;
  readonly dbg: Debugger;
  readonly programs: (pd: Pd) => DebugInfo | null;
  readonly name: string;
  readonly file: string;
  /** Init's configuration as it is now (the scenario's, then each applied one). */
  config: string;
  /** Snapshots and recorded inputs for reverse execution. */
  travel: TimeTravel;
}

/** Makes the directory a file is to be written in; null, or why not. */
function makeParent(path: string): string | null {
  try {
    mkdirSync(dirname(path), { recursive: true });
    return null;
  } catch (e) {
    return `cannot make the directory of ${path}: ${(e as Error).message}`;
  }
}

/** A recorded input without its position (the host adds the current one). */
type NewInput = {
  [K in RecordedInput['kind']]: Omit<Extract<RecordedInput, { kind: K }>, 'at'>;
}[RecordedInput['kind']];

/** What a snapshot file keeps besides the system. */
interface SnapshotExtra {
  name: string;
  file: string;
  config: string;
  debugger: DebuggerState;
}

/** What a connected client receives. */
type Sink = (msg: Message) => void;

export class EngineHost {
  private session: Session | null = null;
  private readonly sinks = new Set<Sink>();
  private readonly opts: Required<Omit<EngineHostOptions, 'startGdb'>> & Pick<EngineHostOptions, 'startGdb'>;

  /** Cycles per slice, adapted so that a slice takes about `sliceMs`. */
  private sliceCycles = 200_000;
  private tickPending = false;
  private lastFlush = 0;
  private lastStats = 0;
  private logQueue: LogLine[] = [];
  private traceCursor = 0;
  private topoSignature = '';
  /** For stats: instructions and time at the last sample, and each thread's CPU time then. */
  private sample = { at: 0, instructions: 0, cycles: 0, exec: new Map<number, number>() };
  private lastStatsValue: Stats = { mips: 0, virtualTimeUs: 0, instructions: 0, threads: [] };
  private gdb: GdbServerHandle | null = null;
  private exports = 0;
  private wasRunning = false;

  private constructor(options: EngineHostOptions) {
    this.opts = {
      loadFile: options.loadFile ?? loadScenario,
      loadText: options.loadText ?? ((xml, name) => scenarioFromText(xml, name)),
      pace: options.pace ?? 'flat',
      sliceMs: options.sliceMs ?? 5,
      flushMs: options.flushMs ?? 50,
      statsMs: options.statsMs ?? 250,
      startGdb: options.startGdb ?? startGdb,
      readSource: options.readSource ?? readGuestSource,
    };
  }

  static create(options: EngineHostOptions = {}): EngineHost {
    return new EngineHost(options);
  }

  // -------------------------------------------------------------- clients --

  /**
   * Serves a client over `transport`: sends the hello, validates and answers each message,
   * and sends it every event until the transport closes.
   */
  attach(transport: EngineTransport): void {
    const sink: Sink = (msg) => transport.send(msg);
    this.sinks.add(sink);
    transport.onClose(() => this.sinks.delete(sink));
    transport.send(HELLO);
    transport.onMessage((raw) => {
      void this.receive(raw).then((reply) => {
        if (reply) transport.send(reply);
      });
    });
  }

  /** Calls `cb` with every event (in-process clients, tests); returns the unsubscribe function. */
  onEvent(cb: (event: EngineEvent) => void): () => void {
    const sink: Sink = (msg) => {
      if (msg.type === 'event') cb(msg.event);
    };
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /**
   * Handles one incoming message (unvalidated): a command gets its reply; a hello is checked
   * (a version mismatch becomes an error event); anything else is refused with an error event
   * or, when it carried a usable id, an error reply.
   */
  async receive(raw: unknown): Promise<ReplyMessage | null> {
    const msg = parseMessage(raw);
    if (!msg.ok) {
      if (msg.id !== undefined) return { type: 'reply', id: msg.id, ok: false, error: msg.error };
      this.emit({ kind: 'error', message: msg.error.message });
      return null;
    }
    const m = msg.value;
    if (m.type === 'hello') return null;
    if (m.type !== 'cmd') {
      this.emit({ kind: 'error', message: `the engine host accepts commands, not ${m.type} messages` });
      return null;
    }
    return this.execute(m.id, m.cmd);
  }

  /** Runs one validated command and makes its reply. */
  async execute(id: number, cmd: Command): Promise<ReplyMessage> {
    try {
      const result = await this.dispatch(cmd);
      this.afterCommand();
      return { type: 'reply', id, ok: true, result };
    } catch (e) {
      this.afterCommand();
      const error: EngineError =
        e instanceof CommandError
          ? { code: e.code, message: e.message, ...(e.field !== undefined ? { field: e.field } : {}) }
          : { code: 'internal', message: `engine error in ${cmd.kind}: ${(e as Error)?.stack ?? String(e)}` };
      return { type: 'reply', id, ok: false, error };
    }
  }

  // ------------------------------------------------- in-process conveniences --

  /** The loaded system, if any (tests, benchmarks). */
  get system(): System | null {
    return this.session?.sys ?? null;
  }

  get debugger(): Debugger | null {
    return this.session?.dbg ?? null;
  }

  /** The PD of init's child `name` (or the PD labelled `name`). */
  pdIdOf(name: string): number | null {
    const s = this.session;
    if (!s) return null;
    const child = s.sys.init.children.get(name);
    if (child?.pdSession) return child.pd.id;
    for (const pd of s.sys.kernel.pds.values()) if (pd.label === name) return pd.id;
    return null;
  }

  /** The thread `thread` of init's child `child`. */
  threadIdOf(child: string, thread: string): number | null {
    const pd = this.pdIdOf(child);
    if (pd === null) return null;
    for (const t of this.session!.sys.kernel.pds.get(pd)!.threads) if (t.name === thread) return t.id;
    return null;
  }

  /**
   * Runs slices synchronously until the machine stops or `ms` of host time pass (benchmarks
   * and tests that do not want to wait on the event loop); returns whether it stopped.
   */
  runUntilStopped(ms: number): boolean {
    const end = now() + ms;
    while (this.session?.dbg.running && now() < end) this.slice();
    return !this.session?.dbg.running;
  }

  /** Stops serving: closes the GDB server; clients stay attached but nothing runs. */
  async dispose(): Promise<void> {
    if (this.session?.dbg.running) this.session.dbg.pause();
    await this.gdb?.close();
    this.gdb = null;
  }

  // ------------------------------------------------------------- running --

  private afterCommand(): void {
    const running = this.session?.dbg.running ?? false;
    if (running && !this.wasRunning) {
      this.wasRunning = true;
      this.paceStart = { at: now(), cycles: this.session!.sys.machine.cycles };
      this.emit({ kind: 'running' });
    }
    if (running) this.scheduleTick();
  }

  private scheduleTick(): void {
    if (this.tickPending) return;
    this.tickPending = true;
    const tick = (): void => {
      this.tickPending = false;
      if (!this.session?.dbg.running) return;
      const ahead = this.slice();
      if (!this.session?.dbg.running) return;
      this.tickPending = true;
      // Paced and ahead of real time: wait (1 ms at least) instead of spinning.
      if (ahead > 0) setTimeout(tick, Math.max(1, Math.min(50, ahead)));
      else schedule(tick);
    };
    schedule(tick);
  }

  /** Host time (ms) and machine cycles when the machine last started running (pacing). */
  private paceStart = { at: 0, cycles: 0 };

  /**
   * Runs one slice and sends what is due. Returns how many ms virtual time is ahead of real
   * time when pacing (0: not ahead, run the next slice at once).
   */
  private slice(): number {
    const s = this.session!;
    let budget = this.sliceCycles;
    if (this.opts.pace === 'realtime') {
      const perMs = s.sys.machine.config.cpuHz / 1000;
      const allowed = this.paceStart.cycles + (now() - this.paceStart.at) * perMs - s.sys.machine.cycles;
      if (allowed < 1000) return Math.max(1, -allowed / perMs);
      budget = Math.min(budget, Math.floor(allowed));
    }
    const t0 = now();
    s.dbg.run(budget);
    if (s.dbg.running) s.travel.checkpoint(s.sys);
    const dt = now() - t0;
    // Aim at sliceMs; change by at most 4x per slice so one odd slice cannot swing it far.
    const target = this.opts.sliceMs;
    const factor = dt > 0.05 ? Math.min(4, Math.max(0.25, target / dt)) : 4;
    this.sliceCycles = Math.round(Math.min(200_000_000, Math.max(10_000, this.sliceCycles * factor)));
    const t = now();
    if (t - this.lastFlush >= this.opts.flushMs) this.flush();
    if (t - this.lastStats >= this.opts.statsMs) this.sendStats(true);
    return 0;
  }

  /** A stop from the debugger: flushes what led to it, then says so. */
  private onStop(stop: Stop): void {
    this.wasRunning = false;
    this.flush();
    const t = stop.thread !== null ? this.session?.dbg.thread(stop.thread) : null;
    this.emit({
      kind: 'stopped',
      reason: stop.reason,
      ...(stop.thread !== null ? { thread: stop.thread } : {}),
      ...(stop.pc !== null ? { pc: stop.pc >>> 0 } : {}),
      detail: stop.message,
      ...(t ? { pd: t.pd.id } : {}),
      ...(stop.breakpoint !== undefined && stop.breakpoint > 0 ? { breakpoint: stop.breakpoint } : {}),
      ...(stop.watchpoint ? { watchpoint: stop.watchpoint.id } : {}),
      ...(stop.catchpoint ? { catchpoint: stop.catchpoint.id } : {}),
    });
    this.sendStats(false);
  }

  private emit(event: EngineEvent): void {
    const msg: Message = { type: 'event', event };
    for (const sink of this.sinks) sink(msg);
  }

  /** Sends the log lines and trace events gathered since the last flush. */
  private flush(): void {
    this.lastFlush = now();
    const s = this.session;
    if (!s) return;
    while (this.logQueue.length > 0) {
      const lines = this.logQueue.splice(0, LOG_BATCH);
      this.emit({ kind: 'log', lines: lines.map((l) => ({ label: l.label, text: l.text, time: l.time })) });
    }
    const trace = s.sys.kernel.trace;
    if (trace.count > this.traceCursor) {
      const from = Math.max(this.traceCursor, trace.count - TRACE_BATCH);
      this.emit({ kind: 'trace', events: trace.since(from, TRACE_BATCH).map(traceInfo) });
      this.traceCursor = trace.count;
    }
  }

  /** Sends stats (while running, or once at a stop) and the topology if it changed. */
  private sendStats(running: boolean): void {
    this.lastStats = now();
    const s = this.session;
    if (!s) return;
    this.emit({ kind: 'stats', ...this.measure(running) });
    const sig = signature(s.sys);
    if (sig !== this.topoSignature) {
      this.topoSignature = sig;
      this.emit({ kind: 'topologyChanged', topology: topology(s.sys) });
    }
  }

  /** MIPS and per-thread load since the last sample. */
  private measure(advance: boolean): Stats {
    const s = this.session!;
    const sys = s.sys;
    const t = now();
    const cycles = sys.machine.cycles;
    const instructions = sys.instructions;
    const smp = this.sample;
    const wall = (t - smp.at) / 1000;
    const dc = cycles - smp.cycles;
    const loads: Stats['threads'] = [];
    for (const th of sys.kernel.threads.values()) {
      const before = smp.exec.get(th.id) ?? 0;
      const load = dc > 0 ? Math.min(1, Math.max(0, (th.execCycles - before) / dc)) : 0;
      loads.push({ id: th.id, load });
    }
    const stats: Stats = {
      mips: advance && wall > 0 ? (instructions - smp.instructions) / wall / 1e6 : this.lastStatsValue.mips,
      virtualTimeUs: cycles / (sys.machine.config.cpuHz / 1e6),
      instructions,
      threads: dc > 0 ? loads : this.lastStatsValue.threads,
    };
    if (advance || dc > 0) {
      this.sample = {
        at: t,
        instructions,
        cycles,
        exec: new Map([...sys.kernel.threads.values()].map((x) => [x.id, x.execCycles])),
      };
    }
    this.lastStatsValue = stats;
    return stats;
  }

  // ------------------------------------------------------------ commands --

  private need(): Session {
    return this.session ?? fail('state', 'no scenario is loaded; send a load command first');
  }

  private stopped(s: Session, what: string): void {
    if (s.dbg.running) fail('state', `${what} needs the machine stopped; pause first`);
  }

  private thread(s: Session, id: number, field = 'cmd.thread'): Thread {
    const t = s.dbg.thread(id);
    if (!t || t.dead) fail('notFound', `no thread ${id}`, field);
    return t!;
  }

  private pd(s: Session, id: number, field = 'cmd.pd'): Pd {
    return s.dbg.pd(id) ?? fail('notFound', `no PD ${id}`, field);
  }

  private async dispatch(cmd: Command): Promise<unknown> {
    switch (cmd.kind) {
      case 'load':
        return this.load(cmd);
      case 'configApply': {
        const s = this.need();
        // Checked first, so that a config with errors changes nothing (not even the ROM).
        const parsed = parseInitConfig(cmd.xml);
        if (!parsed.ok) fail('invalid', formatIssue('config', parsed.error), 'cmd.xml');
        const err = s.sys.updateConfig(cmd.xml);
        if (err) fail('invalid', err.replace(/^Error: /, ''), 'cmd.xml');
        s.config = cmd.xml;
        this.recordInput(s, { kind: 'config', xml: cmd.xml });
        return null;
      }
      case 'scenario': {
        const s = this.need();
        return { name: s.name, file: s.file, config: s.config };
      }
      case 'gdbServer':
        return this.gdbServer(cmd);
      case 'snapshotLoad':
        return this.snapshotLoad(cmd.path);
      case 'recording': {
        if (cmd.intervalCycles !== undefined) this.recordingOpts.intervalCycles = cmd.intervalCycles;
        if (cmd.budgetMiB !== undefined) this.recordingOpts.budgetBytes = cmd.budgetMiB * 1024 * 1024;
        // A new record with the new settings, starting now.
        if (this.session) {
          const err = this.restartRecording(this.session);
          if (err) fail('failed', err);
        }
        return null;
      }
      case 'stats': {
        this.need();
        return this.measure(false);
      }
      default:
        return this.debugCommand(this.need(), cmd);
    }
  }

  private load(cmd: CommandOf<'load'>): CommandResult<'load'> {
    const sc =
      cmd.path !== undefined ? this.opts.loadFile(cmd.path) : this.opts.loadText(cmd.text!, cmd.name ?? 'scenario.xml');
    if (typeof sc === 'string') return fail('invalid', sc, cmd.path !== undefined ? 'cmd.path' : 'cmd.text');
    const logQueue: LogLine[] = [];
    const sys = System.boot(sc.xml, sc.modules, { cpus: cmd.cpus ?? 1 }, (line) => logQueue.push(line));
    if (typeof sys === 'string')
      return fail('invalid', `${sc.file}: ${sys}`, cmd.path !== undefined ? 'cmd.path' : 'cmd.text');
    // The old system goes only now that the new one booted.
    const name = basename(sc.file).replace(/\.xml$/, '');
    this.adopt(sys, null, { name, file: sc.file, config: sc.xml }, logQueue);
    return { name };
  }

  /**
   * Makes `sys` the running system: a new session with a debugger (`dbg`, or a new one), its
   * own reverse-execution record unless `travel` carries on the old one.
   */
  private adopt(
    sys: System,
    dbg: Debugger | null,
    about: { name: string; file: string; config: string },
    logQueue: LogLine[],
    travel: TimeTravel | null = null,
  ): Session {
    const old = this.session;
    if (old?.dbg.running) old.dbg.pause();
    const programs = this.programsOf(sys);
    const d = dbg ?? createDebugger(sys, programs);
    d.onStop((stop) => this.onStop(stop));
    // Resumes from elsewhere (the GDB stub) need slices too.
    d.onResume(() => this.afterCommand());
    this.logQueue = logQueue;
    sys.core.onLog = (line) => this.logQueue.push(line);
    this.traceCursor = sys.kernel.trace.count;
    this.topoSignature = '';
    this.sample = { at: now(), instructions: sys.instructions, cycles: sys.machine.cycles, exec: new Map() };
    this.wasRunning = false;
    const tt = travel ?? this.newTimeTravel();
    this.session = { sys, dbg: d, programs, name: about.name, file: about.file, config: about.config, travel: tt };
    // Register and memory writes and thread holds, from the UI or from gdb, are recorded.
    const session = this.session;
    d.onInput = (input) => this.recordInput(session, input);
    this.gdb?.rebind?.(d);
    if (!travel) {
      this.traceCursor = 0;
      const err = tt.checkpoint(sys, true);
      if (err) this.emit({ kind: 'error', message: `reverse execution is off for this scenario: ${err}` });
    }
    this.flush();
    this.sendStats(false);
    return this.session;
  }

  /** A new reverse-execution record for `s`, starting now (with the current settings). */
  private restartRecording(s: Session): string | null {
    s.travel = this.newTimeTravel();
    return s.travel.checkpoint(s.sys, true);
  }

  private newTimeTravel(): TimeTravel {
    return new TimeTravel((sys, state) => {
      const made = createDebugger(sys, this.programsOf(sys));
      const err = made.loadState(state);
      if (err) throw new Error(err);
      return made;
    }, this.recordingOpts);
  }

  /** Debug info per PD of `sys`, made once per system. */
  private programsOf(sys: System): (pd: Pd) => DebugInfo | null {
    let p = this.programCache.get(sys);
    if (!p) {
      p = programLookup(sys);
      this.programCache.set(sys, p);
    }
    return p;
  }

  private readonly programCache = new WeakMap<System, (pd: Pd) => DebugInfo | null>();
  private recordingOpts = {
    intervalCycles: undefined as number | undefined,
    budgetBytes: undefined as number | undefined,
  };

  /** Tells the clients that the system is at another moment now (see the 'travelled' event). */
  private emitTravelled(sys: System): void {
    this.emit({
      kind: 'travelled',
      position: sys.machine.position,
      timeUs: sys.machine.cycles / (sys.machine.config.cpuHz / 1e6),
      traceCount: sys.kernel.trace.count,
      logLines: sys.core.logLines.length,
    });
  }

  /** Moves to a moment reverse execution reached; reports it as a stop. */
  private arrive(s: Session, m: Moment | string, field?: string): null {
    if (typeof m === 'string') return fail('failed', m, field);
    const data = m.sys.core.romData('config');
    this.adopt(m.sys, m.dbg, { name: s.name, file: s.file, config: data ? utf8Decode(data) : s.config }, [], s.travel);
    const sys = m.sys;
    this.emitTravelled(sys);
    const stop = m.dbg.lastStop ?? { reason: 'pause' as const, thread: null, pc: null, message: 'went back' };
    this.onStop(stop);
    return null;
  }

  /** Records an external input at the current moment (for replays). */
  private recordInput(s: Session, input: NewInput): void {
    s.travel.record({ ...input, at: s.sys.machine.position } as RecordedInput);
  }

  private async snapshotSave(s: Session, path: string): Promise<CommandResult<'snapshotSave'>> {
    this.stopped(s, 'saving a snapshot');
    const extra: SnapshotExtra = { name: s.name, file: s.file, config: s.config, debugger: s.dbg.saveState() };
    // Written out at once: the RAM pages need not be copied first.
    const img = captureSystem(s.sys, extra as unknown as StateValue, { views: true });
    if (typeof img === 'string') return fail('failed', img);
    const err = makeParent(path) ?? (await saveSnapshotFileAsync(path, img));
    if (err) return fail('failed', err, 'cmd.path');
    return { path, bytes: statSync(path).size };
  }

  private snapshotLoad(path: string): CommandResult<'snapshotLoad'> {
    const img = loadSnapshotFile(path);
    if (typeof img === 'string') return fail('invalid', img, 'cmd.path');
    const extra = img.extra as unknown as SnapshotExtra | null;
    const sys = restoreSystem(img);
    if (typeof sys === 'string') return fail('invalid', `${path}: ${sys}`, 'cmd.path');
    const dbg = createDebugger(sys, this.programsOf(sys));
    if (extra?.debugger) {
      const err = dbg.loadState(extra.debugger);
      if (err) return fail('invalid', `${path}: ${err}`, 'cmd.path');
    }
    const name = extra?.name ?? basename(path);
    const data = sys.core.romData('config');
    this.adopt(
      sys,
      dbg,
      { name, file: extra?.file ?? path, config: extra?.config ?? (data ? utf8Decode(data) : '') },
      [],
    );
    this.emitTravelled(sys);
    return { name };
  }

  private history(s: Session): CommandResult<'history'> {
    const m = s.sys.machine;
    const cyclesPerUs = m.config.cpuHz / 1e6;
    const toUs = (p: number): number => p / m.harts.length / cyclesPerUs;
    const earliest = s.travel.earliest;
    return {
      now: m.position,
      nowUs: toUs(m.position),
      earliest,
      earliestUs: earliest === null ? null : toUs(earliest),
      snapshots: s.travel.snapshots,
      harts: m.harts.length,
      cyclesPerUs,
      bytes: s.travel.bytes,
      budgetBytes: s.travel.budgetBytes,
      intervalCycles: s.travel.intervalCycles,
      inputs: s.travel.recordedInputs.length,
    };
  }

  private async gdbServer(cmd: CommandOf<'gdbServer'>): Promise<CommandResult<'gdbServer'>> {
    if (!cmd.enable) {
      await this.gdb?.close();
      this.gdb = null;
      return { enabled: false };
    }
    const s = this.need();
    if (this.gdb) return { enabled: true, port: this.gdb.port };
    if (!this.opts.startGdb) return fail('unsupported', 'this host cannot serve GDB (no TCP)');
    const server = await this.opts.startGdb(s.dbg, cmd.port ?? 0, this.gdbTravel);
    if (typeof server === 'string') return fail('failed', server, 'cmd.port');
    this.gdb = server;
    return { enabled: true, port: server.port };
  }

  /**
   * Reverse execution for the GDB stub: the protocol's reverseStep and reverseContinue on the
   * current session (which rebind the stub to the new debugger, see `adopt`), and the start of
   * the history told apart from failures, as gdb wants it.
   */
  private readonly gdbTravel: GdbTravel = {
    reverseStep: (thread) => this.travelForGdb({ kind: 'reverseStep', thread }),
    reverseContinue: () => this.travelForGdb({ kind: 'reverseContinue' }),
  };

  private travelForGdb(cmd: CommandOf<'reverseStep'> | CommandOf<'reverseContinue'>): TravelResult {
    const s = this.session;
    if (!s) return { error: 'no scenario is loaded' };
    const earliest = s.travel.earliest;
    if (!s.dbg.running && (earliest === null || s.sys.machine.position <= earliest)) return 'historyStart';
    try {
      this.debugCommand(s, cmd);
      // A reverse continue without a hit to stop at goes back to the oldest snapshot.
      const reason = this.session?.dbg.lastStop?.reason;
      return cmd.kind === 'reverseStep' || reason === 'breakpoint' || reason === 'watchpoint'
        ? 'moved'
        : 'historyStart';
    } catch (e) {
      if (!(e instanceof CommandError)) return { error: `engine error in ${cmd.kind}: ${String(e)}` };
      // The thread did not run in the recorded history: as gdb does, to the start of it.
      if (cmd.kind === 'reverseStep' && earliest !== null && /did not run since the oldest snapshot/.test(e.message)) {
        try {
          this.arrive(s, s.travel.goto(earliest, s.sys.machine.position, s.dbg.saveState()));
          return 'historyStart';
        } catch (e2) {
          return { error: e2 instanceof CommandError ? e2.message : String(e2) };
        }
      }
      return { error: e.message };
    } finally {
      this.afterCommand();
    }
  }

  private debugCommand(s: Session, cmd: Command): unknown {
    const dbg = s.dbg;
    switch (cmd.kind) {
      case 'run':
        dbg.resume();
        return null;
      case 'pause':
        if (dbg.running) dbg.pause();
        return null;
      case 'stepInstruction':
        this.stopped(s, 'stepping');
        this.thread(s, cmd.thread);
        check(dbg.stepInstruction(cmd.thread), 'cmd.thread');
        return null;
      case 'stepOver':
        this.stopped(s, 'stepping');
        this.thread(s, cmd.thread);
        check(dbg.stepOver(cmd.thread), 'cmd.thread');
        return null;
      case 'stepOut':
        this.stopped(s, 'stepping');
        this.thread(s, cmd.thread);
        check(dbg.stepOut(cmd.thread), 'cmd.thread');
        return null;
      case 'stepLine':
        this.stopped(s, 'stepping');
        this.thread(s, cmd.thread);
        check(dbg.stepLine(cmd.thread, false), 'cmd.thread');
        return null;
      case 'runTo': {
        const pd = this.pd(s, cmd.pd);
        if (cmd.thread !== undefined && this.thread(s, cmd.thread).pd !== pd)
          fail('notFound', `thread ${cmd.thread} is not in PD ${pd.id} (${pd.label})`, 'cmd.thread');
        const address = this.locate(s, pd, cmd);
        check(dbg.runTo(pd.id, address, cmd.thread ?? null));
        return null;
      }
      case 'pauseThread':
        this.thread(s, cmd.thread);
        check(dbg.pauseThread(cmd.thread));
        return null;
      case 'resumeThread':
        this.thread(s, cmd.thread);
        check(dbg.resumeThread(cmd.thread));
        return null;
      case 'breakpointSet': {
        const pd = this.pd(s, cmd.pd);
        const bp = check(
          dbg.setBreakpoint({
            pd: pd.id,
            address: cmd.address,
            symbol: cmd.symbol,
            file: cmd.file,
            line: cmd.line,
            condition: cmd.condition,
            ignoreCount: cmd.hitCount,
            enabled: cmd.enabled,
          }),
          cmd.symbol !== undefined ? 'cmd.symbol' : cmd.file !== undefined ? 'cmd.file' : 'cmd.address',
        );
        const info = s.programs(pd);
        const sym = info?.symbolize(bp.address);
        const line = info?.lineOf(bp.address);
        return {
          id: bp.id,
          address: bp.address,
          ...(sym ? { symbol: sym.offset ? `${sym.name}+0x${sym.offset.toString(16)}` : sym.name } : {}),
          ...(line ? { file: line.file, line: line.line } : {}),
        } satisfies CommandResult<'breakpointSet'>;
      }
      case 'breakpointUpdate':
        check(
          dbg.updateBreakpoint(cmd.id, {
            enabled: cmd.enabled,
            condition: cmd.condition,
            ignoreCount: cmd.hitCount,
          }),
          'cmd.id',
        );
        return null;
      case 'breakpointRemove':
        check(dbg.removeBreakpoint(cmd.id), 'cmd.id');
        return null;
      case 'watchpointSet': {
        this.pd(s, cmd.pd);
        const wp = check(dbg.setWatchpoint(cmd.pd, cmd.address, cmd.length, cmd.access), 'cmd.address');
        return { id: wp.id };
      }
      case 'watchpointRemove':
        check(dbg.removeWatchpoint(cmd.id), 'cmd.id');
        return null;
      case 'catchpointSet': {
        const event: CatchEvent =
          cmd.event === 'irq'
            ? { kind: 'irq', irq: cmd.irq }
            : cmd.event === 'rpc'
              ? { kind: 'rpc', service: cmd.service }
              : cmd.event === 'log'
                ? { kind: 'log', pattern: cmd.pattern ?? '' }
                : { kind: cmd.event };
        const cp = check(dbg.setCatchpoint(event), cmd.event === 'log' ? 'cmd.pattern' : 'cmd.event');
        return { id: cp.id };
      }
      case 'catchpointRemove':
        check(dbg.removeCatchpoint(cmd.id), 'cmd.id');
        return null;
      case 'breakpointList':
        return {
          breakpoints: dbg
            .breakpoints()
            .filter((b) => !b.internal)
            .map((b) => ({
              id: b.id,
              pd: b.pd,
              address: b.address,
              location: b.location,
              condition: b.condition,
              hitCount: b.ignoreCount,
              hits: b.hits,
              enabled: b.enabled,
              pending: b.pending,
            })),
          watchpoints: dbg.watchpoints().map((w) => ({
            id: w.id,
            pd: w.pd,
            address: w.address,
            length: w.length,
            access: w.access,
            hits: w.hits,
          })),
          catchpoints: dbg
            .catchpoints()
            .map((c) => ({ id: c.id, event: c.event.kind, detail: catchDetail(c), hits: c.hits })),
        } satisfies CommandResult<'breakpointList'>;
      case 'snapshotSave':
        return this.snapshotSave(s, cmd.path);
      case 'history':
        return this.history(s);
      case 'reverseStep':
        this.stopped(s, 'stepping back');
        this.thread(s, cmd.thread);
        return this.arrive(s, s.travel.reverseStep(cmd.thread, s.sys.machine.position, dbg.saveState()), 'cmd.thread');
      case 'reverseContinue':
        this.stopped(s, 'going back');
        return this.arrive(s, s.travel.reverseContinue(s.sys.machine.position, dbg.saveState()));
      case 'travel': {
        this.stopped(s, 'travelling in time');
        const m = s.sys.machine;
        const target =
          cmd.position ??
          Math.floor((cmd.timeUs! * m.config.cpuHz) / 1e6 / m.config.quantum) * m.config.quantum * m.harts.length;
        if (target > m.position)
          fail(
            'invalid',
            `that moment is in the future (now: ${this.history(s).nowUs.toFixed(1)} µs)`,
            cmd.position !== undefined ? 'cmd.position' : 'cmd.timeUs',
          );
        return this.arrive(
          s,
          s.travel.goto(target, m.position, dbg.saveState()),
          cmd.position !== undefined ? 'cmd.position' : 'cmd.timeUs',
        );
      }
      case 'componentCheckpoint': {
        const cp = checkpointComponent(s.sys, cmd.label);
        if (typeof cp === 'string') return fail('invalid', cp, 'cmd.label');
        const bytes = encodeCheckpoint(cp, NODE_CODEC);
        const err = makeParent(cmd.path) ?? writeFileAtomic(cmd.path, bytes);
        if (err) return fail('failed', err, 'cmd.path');
        return { path: cmd.path, bytes: bytes.length, name: cp.name, instructions: s.sys.instructions };
      }
      case 'componentRestore': {
        let data: Uint8Array;
        try {
          data = readFileSync(cmd.path);
        } catch (e) {
          return fail('notFound', `cannot read ${cmd.path}: ${(e as Error).message}`, 'cmd.path');
        }
        const cp = decodeCheckpoint(data, NODE_CODEC);
        if (typeof cp === 'string') return fail('invalid', `${cmd.path}: ${cp}`, 'cmd.path');
        const r = restoreComponent(s.sys, cp, cmd.name !== undefined ? { name: cmd.name } : {});
        if (typeof r === 'string') return fail('invalid', r, cmd.name !== undefined ? 'cmd.name' : 'cmd.path');
        // The system changed from outside: the recorded history starts again from here.
        this.restartRecording(s);
        this.sendStats(false);
        return r;
      }
      case 'uartInput': {
        const bytes = [...utf8Encode(cmd.text)];
        const cycle = s.sys.machine.cycles;
        s.sys.machine.input(bytes, cycle);
        this.recordInput(s, { kind: 'uart', bytes, cycle });
        return null;
      }
      case 'registersRead':
        return this.registers(s, this.thread(s, cmd.thread));
      case 'registerWrite':
        this.stopped(s, 'writing a register');
        this.thread(s, cmd.thread);
        if (cmd.reg === 'x0' || cmd.reg === 'zero') return null; // x0 stays 0, as the protocol says
        check(dbg.setRegister(cmd.thread, cmd.reg, cmd.value), 'cmd.reg');
        return null;
      case 'memoryRead': {
        const bytes =
          cmd.space === 'physical'
            ? check(dbg.readPhysical(cmd.address, cmd.length), 'cmd.address')
            : check(
                dbg.readMemory(this.pd(s, cmd.space.pd, 'cmd.space.pd').id, cmd.address, cmd.length),
                'cmd.address',
              );
        return { address: cmd.address, bytes: encodeBase64(bytes) } satisfies CommandResult<'memoryRead'>;
      }
      case 'memoryWrite': {
        const bytes = decodeBase64(cmd.bytes)!;
        if (cmd.space === 'physical') check(dbg.writePhysical(cmd.address, bytes), 'cmd.address');
        else check(dbg.writeMemory(this.pd(s, cmd.space.pd, 'cmd.space.pd').id, cmd.address, bytes), 'cmd.address');
        return null;
      }
      case 'disassemble':
        return this.disassemble(s, this.pd(s, cmd.pd), cmd.address, cmd.count);
      case 'backtrace': {
        this.thread(s, cmd.thread);
        const frames = check(dbg.backtrace(cmd.thread));
        return {
          frames: frames.map((f) => ({
            pc: f.pc >>> 0,
            fp: f.fp >>> 0,
            ...(f.function !== undefined ? { function: f.function, offset: f.offset ?? 0 } : {}),
            ...(f.file !== undefined && f.line !== undefined ? { file: f.file, line: f.line } : {}),
          })),
        } satisfies CommandResult<'backtrace'>;
      }
      case 'sourceLines': {
        const pd = this.pd(s, cmd.pd);
        const info = s.programs(pd) ?? fail('notFound', `${pd.label} has no debug information`, 'cmd.pd');
        const lines =
          info.linesOf(cmd.file) ?? fail('notFound', `no source file "${cmd.file}" in ${pd.label}`, 'cmd.file');
        return lines;
      }
      case 'sourceFiles': {
        const pd = this.pd(s, cmd.pd);
        const info = s.programs(pd) ?? fail('notFound', `${pd.label} has no debug information`, 'cmd.pd');
        return { files: info.files() };
      }
      case 'sourceText': {
        const pd = this.pd(s, cmd.pd);
        const info = s.programs(pd) ?? fail('notFound', `${pd.label} has no debug information`, 'cmd.pd');
        // Only files the program's line table names, as it names them.
        const known =
          info.linesOf(cmd.file) ?? fail('notFound', `no source file "${cmd.file}" in ${pd.label}`, 'cmd.file');
        let binary: string | null = null;
        for (const c of s.sys.init.children.values()) if (c.pdSession && c.pd === pd) binary = c.start.binary;
        if (binary === null) return fail('notFound', `${pd.label} is not one of init's children`, 'cmd.pd');
        const r = this.opts.readSource(binary, known.file);
        if (typeof r === 'string') return fail('notFound', r, 'cmd.file');
        if (r.text.length > LIMITS.document)
          return fail('failed', `${r.path} is larger than ${LIMITS.document} characters`, 'cmd.file');
        return { file: known.file, path: r.path, text: r.text };
      }
      case 'symbolLookup': {
        const pd = this.pd(s, cmd.pd);
        const info = s.programs(pd) ?? fail('notFound', `${pd.label} has no symbols`, 'cmd.pd');
        return { symbols: info.findSymbols(cmd.name, 1024) } satisfies CommandResult<'symbolLookup'>;
      }
      case 'topology':
        return topology(s.sys);
      case 'capSpace':
        return { pd: cmd.pd, rows: capSpace(s.sys, this.pd(s, cmd.pd)) } satisfies CommandResult<'capSpace'>;
      case 'memoryMap':
        return { pd: cmd.pd, tree: memoryMap(s.sys, this.pd(s, cmd.pd)) } satisfies CommandResult<'memoryMap'>;
      case 'physicalMap':
        return physicalMap(s.sys);
      case 'threads':
        return { threads: threads(s.sys) } satisfies CommandResult<'threads'>;
      case 'waitForGraph':
        return waitForGraph(s.sys);
      case 'traceSince': {
        const trace = s.sys.kernel.trace;
        const oldest = Math.max(0, trace.count - trace.capacity);
        const events = trace.since(cmd.seq, cmd.max ?? LIMITS.traceEvents);
        const next = events.length ? events[events.length - 1].seq + 1 : Math.max(cmd.seq, oldest);
        return {
          events: events.map(traceInfo),
          next: Math.min(next, Math.max(trace.count, cmd.seq)),
          dropped: Math.max(0, oldest - cmd.seq),
        } satisfies CommandResult<'traceSince'>;
      }
      case 'traceExport':
        return { token: this.startExport(s) } satisfies CommandResult<'traceExport'>;
      default:
        return fail('unsupported', `command ${cmd.kind} is not handled by this host`);
    }
  }

  /** The address of a runTo location. */
  private locate(s: Session, pd: Pd, c: { address?: number; symbol?: string; file?: string; line?: number }): number {
    if (c.address !== undefined) return c.address;
    const info = s.programs(pd) ?? fail('notFound', `${pd.label} has no debug information`, 'cmd.pd');
    if (c.symbol !== undefined)
      return info.lookup(c.symbol) ?? fail('notFound', `no symbol "${c.symbol}" in ${pd.label}`, 'cmd.symbol');
    const r = info.addressesOf(c.file!, c.line!);
    if (!r.ok || r.addresses.length === 0)
      return fail('notFound', r.ok ? `no code at ${c.file}:${c.line}` : r.error, 'cmd.file');
    return r.addresses[0];
  }

  private registers(s: Session, t: Thread): CommandResult<'registersRead'> {
    const r = check(s.dbg.registers(t.id));
    const m = s.sys.machine;
    const hart = m.harts[t.cpu] ?? m.harts[0];
    const satp = (0x8000_0000 | (t.pd.asid << 22) | (t.pd.root >>> 12)) >>> 0;
    return {
      pc: r.pc,
      x: r.x,
      names: [...ABI_NAMES],
      csrs: [
        { name: 'priv', value: 0 },
        { name: 'satp', value: satp },
        { name: 'cycle', value: m.cycles >>> 0 },
        { name: 'time', value: m.mtime(hart) >>> 0 },
        { name: 'instret', value: s.sys.instructions >>> 0 },
      ],
    };
  }

  private disassemble(s: Session, pd: Pd, address: number, count: number): CommandResult<'disassemble'> {
    if (address % 2 !== 0) fail('invalid', `address ${hex(address)} is not 2-byte aligned`, 'cmd.address');
    // Read as much of count * 4 bytes as is readable (the range may run into an unmapped page).
    let len = Math.min(count * 4, 0x1_0000_0000 - address);
    let bytes = s.dbg.readMemory(pd.id, address, len);
    while ('error' in bytes && len > 0x1000 - (address % 0x1000)) {
      len = Math.max(0x1000 - (address % 0x1000), len - 0x1000);
      bytes = s.dbg.readMemory(pd.id, address, len);
    }
    if ('error' in bytes) return fail('fault', bytes.error, 'cmd.address');
    const info = s.programs(pd);
    const symbols = info
      ? (a: number): string | null => {
          const sym = info.symbolize(a);
          return sym ? (sym.offset ? `${sym.name}+0x${sym.offset.toString(16)}` : sym.name) : null;
        }
      : undefined;
    const lines = disassembleRange(bytes, address, { symbols }).slice(0, count);
    return {
      lines: lines.map((l) => {
        const sym = symbols?.(l.addr) ?? null;
        const src = info?.lineOf(l.addr) ?? null;
        return {
          address: l.addr,
          bytes: l.word.toString(16).padStart(l.len * 2, '0'),
          text: l.text,
          ...(sym !== null ? { symbol: sym } : {}),
          ...(src ? { source: `${basename(src.file)}:${src.line}` } : {}),
        };
      }),
    };
  }

  /** Streams a Chrome trace export in traceChunk events, a step per event-loop turn. */
  private startExport(s: Session): string {
    const token = `export-${++this.exports}`;
    const kernel = s.sys.kernel;
    const end = kernel.trace.count;
    const writer = new ChromeTraceWriter(
      (chunk) => this.emit({ kind: 'traceChunk', token, chunk, done: false }),
      kernelTraceNames(kernel),
      { ticksPerUs: kernel.ticksPerUs, chunkChars: 256 * 1024 },
    );
    let next = 0;
    const step = (): void => {
      if (this.session !== s) {
        this.emit({ kind: 'traceChunk', token, chunk: '', done: true });
        return;
      }
      const trace = kernel.trace;
      const events = trace.since(next, Math.min(EXPORT_STEP, end - next));
      for (const e of events) writer.add(e, trace.textOf(e.seq), trace.quotaOf(e.seq));
      next = events.length ? events[events.length - 1].seq + 1 : end;
      if (next < end) return schedule(step);
      writer.finish(kernel.now());
      this.emit({ kind: 'traceChunk', token, chunk: '', done: true });
    };
    schedule(step);
    return token;
  }
}

/** A trace event as the protocol carries it. */
function traceInfo(e: TraceEvent): TraceEventInfo {
  return {
    seq: e.seq,
    time: e.time,
    cpu: e.cpu,
    thread: e.thread,
    pd: e.pd,
    kind: TRACE_KIND_NAMES[e.kind],
    a: e.a,
    b: e.b,
  };
}

/** A catchpoint's event in words. */
function catchDetail(c: Catchpoint): string {
  const e = c.event;
  switch (e.kind) {
    case 'irq':
      return e.irq === undefined ? 'any IRQ' : `IRQ ${e.irq}`;
    case 'rpc':
      return e.service === undefined ? 'any RPC' : `RPC to ${e.service}`;
    case 'log':
      return e.pattern === '' ? 'any LOG line' : `LOG line matching /${e.pattern}/`;
    case 'sessionOpen':
    case 'sessionClose':
      return `${e.kind === 'sessionOpen' ? 'session opened' : 'session closed'}${e.service ? ` (${e.service})` : ''}`;
    case 'pageFault':
      return 'unresolved page fault';
    case 'quotaExhausted':
      return 'quota exhausted';
    default:
      return e.kind;
  }
}

/**
 * What the topology view shows changing, cheaply: PDs, threads with their states, sessions and
 * announced services. A change sends the whole topology.
 */
function signature(sys: System): string {
  const k = sys.kernel;
  let sig = `${k.pds.size}:${k.threads.size}:${sys.core.sessions.size}:`;
  for (const pd of k.pds.values()) sig += `${pd.id},`;
  for (const t of k.threads.values()) {
    const cpu = k.cpus[t.cpu];
    const state = t.dead
      ? 'd'
      : cpu.current === t
        ? 'r'
        : t.stopState
          ? 's'
          : t.paused || t.debugPaused
            ? 'p'
            : t.block
              ? 'b'
              : 'y';
    sig += `${t.id}${state}`;
  }
  for (const c of sys.init.children.values()) sig += `|${c.name}:${c.sessions.size}:${c.announced.size}`;
  return sig;
}
