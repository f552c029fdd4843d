/**
 * A whole system: the machine, the kernel, core with its services, and init with a
 * configuration. Boot modules (ELF images, data) are given as bytes: the engine never reads
 * files itself; hosts (CLI, tests, the engine host) load them.
 */
import { Machine, type MachineConfig } from '../cpu/machine';
import { utf8Encode } from '../cpu/elf';
import { Core, type LogLine } from './core';
import { ConfigFollower, Init } from './init/init';
import { Kernel, type KernelOptions } from './kernel';
import { registerCoreServices } from './services';

export interface SystemOptions {
  cpus?: number;
  ramMiB?: number;
  kernel?: KernelOptions;
  machine?: Partial<MachineConfig>;
}

export class System {
  readonly machine: Machine;
  readonly kernel: Kernel;
  readonly core: Core;
  readonly init: Init;

  private constructor(opts: SystemOptions, parts?: { machine: Machine; kernel: Kernel; core: Core; init: Init }) {
    if (parts) {
      ({ machine: this.machine, kernel: this.kernel, core: this.core, init: this.init } = parts);
      return;
    }
    this.machine = new Machine({ harts: opts.cpus ?? 1, ramSize: (opts.ramMiB ?? 128) * 1024 * 1024, ...opts.machine });
    this.kernel = new Kernel(this.machine, opts.kernel);
    this.core = new Core(this.kernel);
    registerCoreServices(this.core);
    this.init = new Init(this.core);
  }

  /**
   * A system from parts restored by a snapshot load: `machine` holds the restored machine
   * state, `kernel`, `core` and `init` the restored objects. Wires what a snapshot cannot hold
   * (the harts' trap environment, the RTC's clock, the fast TLB of each running thread).
   */
  static fromParts(machine: Machine, kernel: Kernel, core: Core, init: Init): System {
    for (const cpu of kernel.cpus) {
      cpu.hart.env = kernel;
      if (cpu.current) cpu.hart.selectFastSpace(cpu.current.pd.asid);
    }
    core.rtc.setClock(core.rtcClock());
    return new System({}, { machine, kernel, core, init });
  }

  /**
   * Boots a configuration with the given ROM modules. Returns the system, or an error that
   * names the problem (a missing module, a config error with its line).
   */
  static boot(
    configXml: string,
    modules: Map<string, Uint8Array>,
    opts: SystemOptions = {},
    onLog?: (line: LogLine) => void,
  ): System | string {
    const sys = new System(opts);
    if (onLog) sys.core.onLog = onLog;
    for (const [name, data] of modules) {
      const err = sys.core.setRom(name, data);
      if (err) return err;
    }
    const cfgErr = sys.core.setRom('config', utf8Encode(configXml), true);
    if (cfgErr) return cfgErr;
    const err = sys.init.apply(configXml);
    if (err) return err;
    // Init follows its config ROM: a new version is applied live.
    sys.core.roms.get('config')!.watchers.add(new ConfigFollower(sys.core, sys.init));
    return sys;
  }

  /** Replaces init's config ROM; init applies it live (a bad config is logged and ignored). */
  updateConfig(xml: string): string | null {
    const before = this.core.logLines.length;
    this.core.setRom('config', utf8Encode(xml), true);
    const err = this.core.logLines.slice(before).find((l) => l.label === 'init' && l.text.startsWith('Error: config:'));
    return err ? err.text : null;
  }

  /** Runs up to `cycles` cycles of virtual time; returns the machine's stop reason. */
  run(cycles: number): ReturnType<Machine['run']> {
    return this.machine.run(cycles);
  }

  /** Instructions retired by all harts. */
  get instructions(): number {
    return this.machine.harts.reduce((n, h) => n + h.instret, 0);
  }

  /** Deadlock cycles as text: "init -> a/ep -> init -> b/ep -> (back to the first)". */
  deadlocks(): string[] {
    return this.kernel.deadlocks().map((c) => [...c, c[0]].map((t) => `${t.pd.label}/${t.name}`).join(' waits for '));
  }

  /** Every thread that does not run, with why. */
  blockedSummary(): string {
    const parts: string[] = [];
    for (const t of this.kernel.threads.values()) {
      const r = this.kernel.reason(t);
      if (r) parts.push(`${t.pd.label}/${t.name}: ${r}`);
    }
    return parts.join('; ') || 'no threads';
  }

  /** PD and thread names for trace export. */
  traceNames(): { pd: Map<number, string>; thread: Map<number, string> } {
    const pd = new Map<number, string>();
    const thread = new Map<number, string>();
    for (const p of this.kernel.pds.values()) pd.set(p.id, p.label);
    for (const t of this.kernel.threads.values()) thread.set(t.id, `${t.pd.label}/${t.name}`);
    return { pd, thread };
  }

  get log(): LogLine[] {
    return this.core.logLines;
  }

  /** The log as Genode prints it: "[label] text" lines. */
  transcript(): string[] {
    return this.core.logLines.map((l) => `[${l.label}] ${l.text}`);
  }
}
