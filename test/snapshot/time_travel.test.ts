import { describe, expect, it } from 'vitest';
import type { System } from '../../src/engine/core/system';
import type { Debugger, Stop } from '../../src/engine/debug/debugger';
import { createDebugger } from '../../src/engine/debug/programs';
import { TimeTravel } from '../../src/engine/debug/time_travel';
import { bootScenario } from '../scenarios/harness';

function debuggerFor(sys: System, state: Parameters<Debugger['loadState']>[0]): Debugger {
  const dbg = createDebugger(sys);
  const err = dbg.loadState(state);
  if (err) throw new Error(err);
  return dbg;
}

/** Runs `sys` for `cycles` in slices, taking due snapshots between them, as the host does. */
function record(tt: TimeTravel, sys: System, cycles: number, slice = 50_000, marks?: [number, string][]): void {
  for (let done = 0; done < cycles; done += slice) {
    expect(tt.checkpoint(sys)).toBeNull();
    sys.run(slice);
    marks?.push([sys.machine.position, sys.machine.stateHash()]);
  }
}

function pdOf(sys: System, label: string): number {
  for (const pd of sys.kernel.pds.values()) if (pd.label === label) return pd.id;
  throw new Error(`no PD ${label}`);
}

/** Runs a debugger until its next stop. */
function runToStop(dbg: Debugger): Stop {
  dbg.resume();
  for (let i = 0; i < 10_000; i++) {
    const s = dbg.run(100_000);
    if (s) return s;
  }
  throw new Error('no stop');
}

describe('time travel', () => {
  for (const cpus of [1, 2]) {
    it(`goto any recorded moment gives that moment's state (demo, ${cpus} CPU)`, () => {
      const sys = bootScenario('demo', { cpus });
      const tt = new TimeTravel(debuggerFor, { intervalCycles: 10_000 });
      const marks: [number, string][] = [];
      record(tt, sys, 3_000_000, 70_000, marks);
      expect(tt.snapshots.length).toBeGreaterThan(3);
      const now = sys.machine.position;
      const dbg = createDebugger(sys);
      for (const k of [marks.length - 2, 17, 5]) {
        const [at, hash] = marks[k];
        const m = tt.goto(at, now, dbg.saveState());
        if (typeof m === 'string') throw new Error(m);
        expect(m.sys.machine.position).toBe(at);
        expect(m.sys.machine.stateHash()).toBe(hash);
      }
    });
  }

  // Ring snapshots look only at the RAM pages written since the last one (tracked by page
  // flags, the loader, the debugger and the kernel's own writes): a missed write would show as
  // a moment that does not come back as it was.
  for (const name of ['rpc', 'shared_memory', 'fuzz', 'stack_runtime', 'checkpoint', 'ondemand']) {
    it(`snapshots of written pages only restore every moment exactly (${name})`, () => {
      const sys = bootScenario(name);
      const tt = new TimeTravel(debuggerFor, { intervalCycles: 1000 });
      const marks: [number, string][] = [];
      // Small slices while the components start (they go idle soon after), a mark now and then.
      for (let i = 0; i < 400; i++) {
        expect(tt.checkpoint(sys)).toBeNull();
        sys.run(5_000);
        if (i % 40 === 39) marks.push([sys.machine.position, sys.machine.stateHash()]);
      }
      expect(tt.snapshots.length).toBeGreaterThanOrEqual(2);
      const now = sys.machine.position;
      const dbg = createDebugger(sys);
      for (const k of [marks.length - 1, Math.floor(marks.length / 2), 3]) {
        const [at, hash] = marks[k];
        const m = tt.goto(at, now, dbg.saveState());
        if (typeof m === 'string') throw new Error(m);
        expect(m.sys.machine.stateHash()).toBe(hash);
      }
    });
  }

  it('reverse step goes back one instruction of the thread: stepping forward again arrives where it was', () => {
    const sys = bootScenario('rpc');
    const tt = new TimeTravel(debuggerFor, { intervalCycles: 300_000 });
    record(tt, sys, 1_500_000);
    const dbg = createDebugger(sys);
    // Stop somewhere in the client's RPC loop.
    const client = pdOf(sys, 'init -> hello_client');
    expect('error' in dbg.setBreakpoint({ pd: client, symbol: 'rpc_call' })).toBe(false);
    const stop = runToStop(dbg);
    expect(stop.reason).toBe('breakpoint');
    const thread = stop.thread!;
    const here = dbg.registers(thread);
    if ('error' in here) throw new Error(here.error);
    // Three steps back, one after the other, each from the moment the last one reached.
    const moments = [{ sys, dbg }];
    for (let back = 1; back <= 3; back++) {
      const prev = moments[back - 1];
      const m = tt.reverseStep(thread, prev.sys.machine.position, prev.dbg.saveState());
      if (typeof m === 'string') throw new Error(m);
      expect(m.sys.machine.position).toBeLessThan(prev.sys.machine.position);
      expect(m.dbg.lastStop?.reason).toBe('step');
      expect(m.dbg.lastStop?.message).toMatch(/stepped back one instruction of init -> hello_client\/ep/);
      moments.push(m);
    }
    // From the third, three steps forward arrive where the thread was.
    const m = moments[3];
    for (let i = 0; i < 3; i++) {
      expect(m.dbg.stepInstruction(thread)).toBeNull();
      expect(['step', 'breakpoint']).toContain(runToStop(m.dbg).reason);
    }
    const again = m.dbg.registers(thread);
    if ('error' in again) throw new Error(again.error);
    expect(again).toEqual(here);
  });

  it('reverse continue goes back to the previous breakpoint hit, as it was then', () => {
    const sys = bootScenario('rpc');
    const tt = new TimeTravel(debuggerFor, { intervalCycles: 200_000 });
    record(tt, sys, 1_000_000);
    const dbg = createDebugger(sys);
    const client = pdOf(sys, 'init -> hello_client');
    dbg.setBreakpoint({ pd: client, symbol: 'rpc_call' });
    const hits: { at: number; regs: unknown; hash: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const s = runToStop(dbg);
      expect(s.reason).toBe('breakpoint');
      hits.push({ at: sys.machine.position, regs: dbg.registers(s.thread!), hash: sys.machine.stateHash() });
      expect(tt.checkpoint(sys)).toBeNull();
    }
    const m = tt.reverseContinue(sys.machine.position, dbg.saveState());
    if (typeof m === 'string') throw new Error(m);
    expect(m.sys.machine.position).toBe(hits[2].at);
    expect(m.dbg.lastStop?.reason).toBe('breakpoint');
    expect(m.dbg.registers(m.dbg.lastStop!.thread!)).toEqual(hits[2].regs);
    expect(m.sys.machine.stateHash()).toBe(hits[2].hash);
    // And once more, from there.
    const m2 = tt.reverseContinue(m.sys.machine.position, m.dbg.saveState());
    if (typeof m2 === 'string') throw new Error(m2);
    expect(m2.sys.machine.position).toBe(hits[1].at);
  });

  it('replays apply recorded inputs (a debugger memory write) where they happened', () => {
    const sys = bootScenario('counter');
    const tt = new TimeTravel(debuggerFor, { intervalCycles: 100_000_000 });
    record(tt, sys, 200_000);
    const dbg = createDebugger(sys);
    const pd = pdOf(sys, 'init -> counter');
    const addr = [...sys.kernel.pds.get(pd)!.mappings.keys()].map((v) => v * 4096).find((va) => va >= 0x1000_0000)!;
    const bytes = Uint8Array.from([1, 2, 3, 4]);
    expect(dbg.writeMemory(pd, addr, bytes)).toBeNull();
    tt.record({ at: sys.machine.position, kind: 'memory', pd, address: addr, bytes: [...bytes] });
    sys.run(300_000);
    const at = sys.machine.position;
    const hash = sys.machine.stateHash();
    const m = tt.goto(at, at, dbg.saveState());
    if (typeof m === 'string') throw new Error(m);
    expect(m.sys.machine.stateHash()).toBe(hash);
    expect(m.dbg.readMemory(pd, addr, 4)).toEqual(bytes);
  });

  it('keeps within its memory budget by dropping the oldest snapshots', () => {
    const sys = bootScenario('demo');
    const tt = new TimeTravel(debuggerFor, { intervalCycles: 5_000, budgetBytes: 3 * 1024 * 1024 });
    record(tt, sys, 4_000_000, 100_000);
    expect(tt.bytes).toBeLessThanOrEqual(3 * 1024 * 1024 + 2 * 1024 * 1024);
    expect(tt.earliest).toBeGreaterThan(0);
    const m = tt.goto(0, sys.machine.position, createDebugger(sys).saveState());
    expect(m).toMatch(/before the oldest snapshot/);
  });
});
