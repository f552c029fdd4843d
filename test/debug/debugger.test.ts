/**
 * The debugger on real scenarios: breakpoints (address, symbol, condition, ignore count),
 * continuing, stepping (instruction, over a call, out, over a blocking system call),
 * watchpoints (write and read, stopping before the access), catchpoints, thread holds, memory and registers, and that a
 * stop never changes the execution.
 */
import { describe, expect, it } from 'vitest';
import { parseElf, SymbolTable } from '../../src/engine/cpu/elf';
import type { Pd, Thread } from '../../src/engine/core/kernel_objects';
import type { System } from '../../src/engine/core/system';
import { Debugger, type ProgramInfo, type Stop } from '../../src/engine/debug/debugger';
import { bootScenario, linesOf } from '../scenarios/harness';

/** Symbols only (lines come from symbols.ts; this keeps the test independent of DWARF). */
function symbolsOf(sys: System): (pd: Pd) => ProgramInfo | null {
  const cache = new Map<Pd, ProgramInfo | null>();
  return (pd) => {
    if (cache.has(pd)) return cache.get(pd)!;
    const child = [...sys.init.children.values()].find((c) => c.pd === pd);
    const bytes = child ? sys.core.romData(child.start.binary) : null;
    const elf = bytes ? parseElf(bytes) : null;
    let info: ProgramInfo | null = null;
    if (elf && elf.ok) {
      const table = SymbolTable.fromImage(elf.image);
      info = {
        symbolize: (a) => {
          const h = table.symbolAt(a);
          return h ? { name: h.name, offset: h.offset } : null;
        },
        lookup: (n) => table.lookup(n)?.value ?? null,
        lineOf: () => null,
        addressesOf: () => null,
        lineRange: () => null,
      };
    }
    cache.set(pd, info);
    return info;
  };
}

function setup(scenario = 'counter'): { sys: System; dbg: Debugger; pd: Pd; ep: Thread; sym: (n: string) => number } {
  const sys = bootScenario(scenario);
  const programs = symbolsOf(sys);
  const dbg = new Debugger(sys, programs);
  const first = [...sys.init.children.values()][0];
  const pd = first.pd;
  const ep = [...pd.threads].find((t) => t.name === 'ep')!;
  const sym = (n: string): number => programs(pd)!.lookup(n)!;
  return { sys, dbg, pd, ep, sym };
}

/** Runs until the debugger stops (or `budget` cycles of virtual time pass). */
function runToStop(dbg: Debugger, budget = 2_000_000_000): Stop | null {
  dbg.resume();
  for (let ran = 0; ran < budget; ran += 1_000_000) {
    const s = dbg.run(1_000_000);
    if (s) return s;
  }
  return null;
}

describe('debugger: breakpoints', () => {
  it('stops at a symbol before the instruction runs, and continues to the next hit', () => {
    const { sys, dbg, pd, ep, sym } = setup();
    const bp = dbg.setBreakpoint({ pd: pd.id, symbol: 'timer_usleep' });
    if ('error' in bp) throw new Error(bp.error);
    expect(bp.address).toBe(sym('timer_usleep'));
    const s1 = runToStop(dbg)!;
    expect(s1.reason).toBe('breakpoint');
    expect(s1.thread).toBe(ep.id);
    expect(s1.pc).toBe(sym('timer_usleep'));
    expect(s1.message).toContain('timer_usleep');
    const regs = dbg.registers(ep.id);
    if ('error' in regs) throw new Error(regs.error);
    expect(regs.pc).toBe(sym('timer_usleep'));
    expect(regs.x[11]).toBe(1_000_000); // a1: microseconds
    expect(linesOf(sys, 'init -> counter')).toEqual(['0']);
    const t1 = sys.kernel.nowUs();
    const s2 = runToStop(dbg)!;
    expect(s2.reason).toBe('breakpoint');
    expect(linesOf(sys, 'init -> counter')).toEqual(['0', '1']);
    expect(sys.kernel.nowUs() - t1).toBeGreaterThanOrEqual(1_000_000);
    expect(dbg.breakpoints()[0].hits).toBe(2);
  });

  it('honours conditions and ignore counts, and disabling', () => {
    const { sys, dbg, pd, sym } = setup();
    const never = dbg.setBreakpoint({ pd: pd.id, address: sym('timer_usleep'), condition: 'a1 == 7' });
    if ('error' in never) throw new Error(never.error);
    expect(runToStop(dbg, 300_000_000)).toBeNull(); // 3 s of virtual time, no stop
    expect(linesOf(sys, 'init -> counter').length).toBeGreaterThanOrEqual(3);
    dbg.removeBreakpoint(never.id);
    const third = dbg.setBreakpoint({
      pd: pd.id,
      symbol: 'timer_usleep',
      condition: 'a1 == 1000000 && u32(sp) != 0x1234567',
      ignoreCount: 2,
    });
    if ('error' in third) throw new Error(third.error);
    const before = linesOf(sys, 'init -> counter').length;
    expect(runToStop(dbg)!.reason).toBe('breakpoint');
    expect(linesOf(sys, 'init -> counter').length).toBe(before + 3);
    dbg.updateBreakpoint(third.id, { enabled: false });
    expect(runToStop(dbg, 300_000_000)).toBeNull();
    expect(dbg.setBreakpoint({ pd: pd.id, symbol: 'no_such_function' })).toEqual({
      error: 'no symbol "no_such_function" in init -> counter',
    });
    expect(dbg.setBreakpoint({ pd: pd.id, address: sym('timer_usleep'), condition: 'a1 ==' })).toMatchObject({
      error: expect.stringMatching(/^condition: /),
    });
  });

  it('changes nothing the guest can see: the same state with and without stops', () => {
    const plain = bootScenario('counter');
    plain.run(350_000_000);
    const { sys, dbg, pd } = setup();
    dbg.setBreakpoint({ pd: pd.id, symbol: 'timer_usleep' });
    dbg.setBreakpoint({ pd: pd.id, symbol: 'log' });
    let stops = 0;
    dbg.resume();
    // Runs end at exact moments (positions), also after a stop in the middle of a round.
    while (sys.machine.position < 350_000_000) {
      const s = dbg.run(350_000_000 - sys.machine.position);
      if (s) {
        stops++;
        dbg.resume();
      }
    }
    expect(stops).toBeGreaterThanOrEqual(6);
    expect(sys.transcript()).toEqual(plain.transcript());
    expect(sys.machine.stateHash()).toBe(plain.machine.stateHash());
  });
});

describe('debugger: stepping', () => {
  it('steps one instruction, over a call, over a blocking system call, and out', () => {
    const { sys, dbg, pd, ep, sym } = setup();
    const entry = sym('timer_usleep');
    const bp = dbg.setBreakpoint({ pd: pd.id, address: entry });
    if ('error' in bp) throw new Error(bp.error);
    runToStop(dbg);
    dbg.removeBreakpoint(bp.id);
    // One instruction: c.addi sp,sp,-16 (2 bytes).
    expect(dbg.stepInstruction(ep.id)).toBeNull();
    let s = runToStop(dbg)!;
    expect(s).toMatchObject({ reason: 'step', thread: ep.id, pc: entry + 2 });
    // Run to the jal rpc_call and step over it: the stop is at the next instruction.
    const jal = entry + 0x1e;
    expect(dbg.runTo(pd.id, jal, ep.id)).toBeNull();
    expect(runToStop(dbg)).toMatchObject({ reason: 'step', pc: jal });
    expect(dbg.stepOver(ep.id)).toBeNull();
    s = runToStop(dbg)!;
    expect(s).toMatchObject({ reason: 'step', pc: jal + 4 });
    // The ecall at +0x3c waits a second for the timer signal: stepping it returns after it.
    const ecall = entry + 0x3c;
    dbg.runTo(pd.id, ecall, ep.id);
    runToStop(dbg);
    const t0 = sys.kernel.nowUs();
    dbg.stepInstruction(ep.id);
    s = runToStop(dbg)!;
    expect(s).toMatchObject({ reason: 'step', pc: ecall + 4 });
    expect(sys.kernel.nowUs() - t0).toBeGreaterThan(900_000);
    // Out of timer_usleep: timer_msleep tail-called it, so it returns to component_construct.
    expect(dbg.stepOut(ep.id)).toBe('no caller frame to return to'); // no unwinder installed here
  });
});

describe('debugger: watchpoints and catchpoints', () => {
  it('stops before a watched store and before a watched load, with the value, and passes it on resume', () => {
    const { dbg, pd, ep, sym } = setup();
    const bp = dbg.setBreakpoint({ pd: pd.id, symbol: 'timer_usleep' });
    if ('error' in bp) throw new Error(bp.error);
    runToStop(dbg);
    dbg.removeBreakpoint(bp.id);
    const regs = dbg.registers(ep.id) as { x: number[] };
    const slot = regs.x[2] - 4; // sw ra,12(sp) after addi sp,sp,-16
    const word = (): number => {
      const b = dbg.readMemory(pd.id, slot, 4) as Uint8Array;
      return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
    };
    const before = word();
    expect(before).not.toBe(regs.x[1]);
    const w = dbg.setWatchpoint(pd.id, slot, 4, 'write');
    if ('error' in w) throw new Error(w.error);
    let s = runToStop(dbg)!;
    expect(s.reason).toBe('watchpoint');
    expect(s.watchpoint).toMatchObject({ id: w.id, address: slot, access: 'write', value: regs.x[1] });
    // Before the store: pc on the sw at +6, memory unchanged.
    expect(s.pc).toBe(sym('timer_usleep') + 6);
    expect(word()).toBe(before);
    expect(s.message).toContain(`about to write 0x${regs.x[1].toString(16).padStart(8, '0')}`);
    // A step executes the store (the watchpoint lets the stopped instruction pass).
    expect(dbg.stepInstruction(ep.id)).toBeNull();
    s = runToStop(dbg)!;
    expect(s).toMatchObject({ reason: 'step', pc: sym('timer_usleep') + 8 });
    expect(word()).toBe(regs.x[1]);
    expect(w.hits).toBe(1);
    dbg.removeWatchpoint(w.id);
    const r = dbg.setWatchpoint(pd.id, slot, 4, 'read');
    if ('error' in r) throw new Error(r.error);
    s = runToStop(dbg)!;
    expect(s.reason).toBe('watchpoint');
    expect(s.watchpoint).toMatchObject({ access: 'read', value: regs.x[1] });
    // Before the load (lw ra,12(sp) or c.lwsp): pc on it; continuing passes it once.
    const loadPc = s.pc!;
    const code = dbg.readMemory(pd.id, loadPc, 2) as Uint8Array;
    const half = code[0] | (code[1] << 8);
    expect((half & 0xe003) === 0x4002 || (half & 0x7f) === 0x03).toBe(true); // c.lwsp or a load
    s = runToStop(dbg)!;
    // The next read of the (reused) stack slot, not the same load again.
    expect(s.reason).toBe('watchpoint');
    expect(s.pc).not.toBe(loadPc);
    expect(r.hits).toBe(2);
    expect(dbg.setWatchpoint(pd.id, slot, 0, 'read')).toEqual({ error: 'watch length 0 outside 1..4096' });
  });

  it('catches a LOG line, an exception and session opens', () => {
    const { sys, dbg } = setup();
    const c = dbg.setCatchpoint({ kind: 'log', pattern: '^2$' });
    if ('error' in c) throw new Error(c.error);
    const s = runToStop(dbg)!;
    expect(s).toMatchObject({ reason: 'catchpoint', catchpoint: { id: c.id } });
    expect(s.message).toContain('LOG line of init -> counter/ep: 2');
    expect(linesOf(sys, 'init -> counter').at(-1)).toBe('2');
    expect(dbg.setCatchpoint({ kind: 'log', pattern: '(' })).toMatchObject({
      error: expect.stringMatching(/^log pattern/),
    });

    const insp = setup('inspector');
    const ex = insp.dbg.setCatchpoint({ kind: 'exception' });
    if ('error' in ex) throw new Error(ex.error);
    const e = runToStop(insp.dbg)!;
    expect(e.reason).toBe('catchpoint');
    expect(e.message).toContain('exception (cause 3) in init -> inspector/crasher');
    insp.dbg.removeCatchpoint(ex.id);
    insp.dbg.setCatchpoint({ kind: 'sessionOpen', service: 'TRACE' });
    const o = runToStop(insp.dbg)!;
    expect(o.message).toContain('session opened: TRACE "init -> inspector"');
  });
});

describe('debugger: threads, registers and memory', () => {
  it('holds a thread invisibly and reads/writes memory through the region maps', () => {
    const { sys, dbg, pd, ep, sym } = setup();
    runToStop(dbg, 50_000_000);
    expect(dbg.pauseThread(ep.id)).toBeNull();
    expect(sys.kernel.reason(ep)).toBe('paused by the debugger');
    expect(ep.paused).toBe(false); // the guest's own pause state is untouched
    const s = runToStop(dbg)!;
    expect(s.reason).toBe('idle');
    dbg.resumeThread(ep.id);
    expect(sys.kernel.reason(ep)).not.toBe('paused by the debugger');

    const code = dbg.readMemory(pd.id, sym('timer_usleep'), 2);
    if ('error' in code) throw new Error(code.error);
    expect(code[0] | (code[1] << 8)).toBe(0x1141); // c.addi sp,sp,-16
    expect(dbg.readMemory(pd.id, 0x100, 4)).toEqual({ error: '0x00000100: no RM attachment' });
    const stackTop = (dbg.registers(ep.id) as { x: number[] }).x[2];
    expect(dbg.writeMemory(pd.id, stackTop - 64, new Uint8Array([1, 2, 3, 4]))).toBeNull();
    expect(Array.from(dbg.readMemory(pd.id, stackTop - 64, 4) as Uint8Array)).toEqual([1, 2, 3, 4]);
    expect(dbg.setRegister(ep.id, 'a5', 0x1234)).toBeNull();
    expect((dbg.registers(ep.id) as { x: number[] }).x[15]).toBe(0x1234);
    expect(dbg.setRegister(ep.id, 'q1', 1)).toBe('unknown register "q1"');
    expect(dbg.setRegister(9999, 'a0', 1)).toBe('no thread 9999');
  });
});
