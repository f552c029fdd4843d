/**
 * A scenario with a debugger, reverse execution and a GDB target over both, owned as the
 * engine host owns them (host/engine_host.ts) but without the host: the debugger runs in
 * slices with the snapshots that fall due between them, and a travel replaces the system and
 * the debugger and rebinds the target to the new one. For tests of the GDB target and stub.
 */
import type { System } from '../../src/engine/core/system';
import type { Debugger, DebuggerState } from '../../src/engine/debug/debugger';
import { DebuggerGdbTarget, type TravelResult } from '../../src/engine/debug/debugger_gdb_target';
import { createDebugger } from '../../src/engine/debug/programs';
import { TimeTravel, type Moment, type TimeTravelOptions } from '../../src/engine/debug/time_travel';
import { bootScenario } from '../scenarios/harness';

function makeDebugger(sys: System, state: DebuggerState): Debugger {
  const dbg = createDebugger(sys);
  const err = dbg.loadState(state);
  if (err) throw new Error(err);
  return dbg;
}

export class TravellingDebugger {
  sys: System;
  dbg: Debugger;
  readonly travel: TimeTravel;
  readonly target: DebuggerGdbTarget;
  /** Debuggers replaced by travels, oldest first. */
  readonly replaced: Debugger[] = [];

  constructor(scenario: string, opts: TimeTravelOptions = { intervalCycles: 20_000_000 }) {
    this.sys = bootScenario(scenario);
    this.dbg = createDebugger(this.sys);
    this.travel = new TimeTravel(makeDebugger, opts);
    const err = this.travel.checkpoint(this.sys, true);
    if (err) throw new Error(err);
    this.target = new DebuggerGdbTarget(this.dbg, {
      reverseStep: (thread) =>
        this.go(() => this.travel.reverseStep(thread, this.sys.machine.position, this.dbg.saveState()), false),
      reverseContinue: () =>
        this.go(() => this.travel.reverseContinue(this.sys.machine.position, this.dbg.saveState()), true),
    });
  }

  /** Runs the debugger while it runs, as the host does (at most `maxCycles` of virtual time). */
  runToStop(maxCycles = 3_000_000_000): void {
    for (let ran = 0; this.dbg.running && ran < maxCycles; ran += 1_000_000) {
      this.dbg.run(1_000_000);
      if (this.dbg.running) this.travel.checkpoint(this.sys);
    }
  }

  /**
   * A travel, as the host makes it for gdb: refused while running; at the oldest moment there
   * is nothing to go back to; a reverse continue that finds no hit ends at the oldest moment.
   */
  private go(travel: () => Moment | string, toHit: boolean): TravelResult {
    if (this.dbg.running) return { error: 'travelling needs the machine stopped; pause first' };
    const earliest = this.travel.earliest;
    if (earliest === null || this.sys.machine.position <= earliest) return 'historyStart';
    const m = travel();
    if (typeof m === 'string') return { error: m };
    this.replaced.push(this.dbg);
    this.sys = m.sys;
    this.dbg = m.dbg;
    this.target.rebind(m.dbg);
    const reason = m.dbg.lastStop?.reason;
    return !toHit || reason === 'breakpoint' || reason === 'watchpoint' ? 'moved' : 'historyStart';
  }
}
