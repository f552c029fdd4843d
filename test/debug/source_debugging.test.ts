/** The debugger with DWARF lines and unwinding: file:line breakpoints, backtraces, step out, step by line. */
import { describe, expect, it } from 'vitest';
import { createDebugger } from '../../src/engine/debug/programs';
import type { Debugger, Stop } from '../../src/engine/debug/debugger';
import { bootScenario, linesOf } from '../scenarios/harness';

function runToStop(dbg: Debugger): Stop | null {
  dbg.resume();
  for (let i = 0; i < 2000; i++) {
    const s = dbg.run(1_000_000);
    if (s) return s;
  }
  return null;
}

function counter() {
  const sys = bootScenario('counter');
  const dbg = createDebugger(sys);
  const pd = sys.init.children.get('counter')!.pd;
  const ep = [...pd.threads].find((t) => t.name === 'ep')!;
  return { sys, dbg, pd, ep };
}

describe('source-level debugging', () => {
  it('breaks at a source line and shows the call stack with files and lines', () => {
    const { sys, dbg, pd, ep } = counter();
    const bp = dbg.setBreakpoint({ pd: pd.id, file: 'counter.c', line: 24 }); // n++;
    if ('error' in bp) throw new Error(bp.error);
    expect(bp.location).toMatch(/^counter\.c:2[45]$/);
    const s = runToStop(dbg)!;
    expect(s.reason).toBe('breakpoint');
    expect(s.message).toMatch(/counter\.c:2[45]/);
    expect(linesOf(sys, 'init -> counter')).toEqual(['0']);
    const bt = dbg.backtrace(ep.id);
    if ('error' in bt) throw new Error(bt.error);
    expect(bt.map((f) => f.function)).toEqual(['component_construct', '_sdk_start', '_start']);
    expect(bt[0].file).toMatch(/counter\.c$/);
  });

  it('steps out of a function to its caller, and over a source line with a call on it', () => {
    const { dbg, pd, ep } = counter();
    const bp = dbg.setBreakpoint({ pd: pd.id, symbol: 'timer_usleep' });
    if ('error' in bp) throw new Error(bp.error);
    runToStop(dbg);
    dbg.removeBreakpoint(bp.id);
    const frames = dbg.backtrace(ep.id);
    if ('error' in frames) throw new Error(frames.error);
    expect(frames[1].function).toBe('component_construct');
    expect(dbg.stepOut(ep.id)).toBeNull();
    const out = runToStop(dbg)!;
    expect(out).toMatchObject({ reason: 'step', pc: frames[1].pc });
    expect(out.message).toContain('component_construct');

    // Back at "log(...)" / "n++" lines: step over a whole line (its calls run to completion).
    const before = dbg.backtrace(ep.id) as { line?: number }[];
    expect(dbg.stepLine(ep.id, true)).toBeNull();
    const s = runToStop(dbg)!;
    expect(s.reason).toBe('step');
    const after = dbg.backtrace(ep.id) as { function?: string; line?: number }[];
    expect(after[0].function).toBe('component_construct');
    expect(after[0].line).not.toBe(before[0].line);
    expect(dbg.setBreakpoint({ pd: pd.id, file: 'nowhere.c', line: 3 })).toMatchObject({
      error: 'no code for nowhere.c:3 in init -> counter',
    });
  });
});
