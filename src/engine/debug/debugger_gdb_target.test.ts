/**
 * The GDB target over the debugger, on booted scenarios (counter: one component with one
 * thread; rpc: a server, a client and a client that exits at once, three PDs): the threads gdb
 * sees, halting, breakpoints that stop the right thread before the instruction, exact steps,
 * threads held while others run, watchpoints that stop before the store, idempotent insert and
 * remove, registers, CSRs and memory, kill and detach. The machine is driven as its owner
 * would: `dbg.run` in slices while the debugger runs.
 */
import { describe, expect, it } from 'vitest';
import { bootScenario } from '../../../test/scenarios/harness';
import type { Pd, Thread } from '../core/kernel_objects';
import type { System } from '../core/system';
import { CSR } from '../cpu/csr_numbers';
import { parseElf, SymbolTable } from '../cpu/elf';
import type { Debugger } from './debugger';
import { driveDebugger, DebuggerGdbTarget } from './debugger_gdb_target';
import { GdbSignal, REG_PC, REG_PRIV, type GdbStop, type ResumeRequest } from './gdb_target';
import { createDebugger } from './programs';
import { TravellingDebugger } from '../../../test/support/travelling_debugger';

interface Setup {
  sys: System;
  dbg: Debugger;
  target: DebuggerGdbTarget;
  stops: GdbStop[];
  /** The PD and first thread of init's child `name`. */
  child(name: string): { pd: Pd; ep: Thread; sym: (s: string) => number };
}

/** The PD, first thread and symbols of init's child `name` in `sys`. */
function childOf(sys: System, name: string): { pd: Pd; ep: Thread; sym: (s: string) => number } {
  const c = sys.init.children.get(name)!;
  const pd = c.pd;
  const ep = [...pd.threads].sort((a, b) => a.id - b.id)[0];
  const elf = parseElf(sys.core.romData(c.start.binary)!);
  if (!elf.ok) throw new Error(elf.error);
  const table = SymbolTable.fromImage(elf.image);
  const sym = (s: string): number => {
    const a = table.lookup(s);
    if (!a) throw new Error(`no symbol ${s} in ${name}`);
    return a.value;
  };
  return { pd, ep, sym };
}

function setup(scenario: string): Setup {
  const sys = bootScenario(scenario);
  const dbg = createDebugger(sys);
  const target = new DebuggerGdbTarget(dbg);
  const stops: GdbStop[] = [];
  target.onStop((s) => stops.push(s));
  return { sys, dbg, target, stops, child: (name) => childOf(sys, name) };
}

/** Runs the debugger as its owner does, until it stops; returns the stops the target reported. */
function runToStop(s: Setup, budget = 3_000_000_000): GdbStop {
  const before = s.stops.length;
  for (let ran = 0; s.dbg.running && ran < budget; ran += 1_000_000) s.dbg.run(1_000_000);
  expect(s.dbg.running).toBe(false);
  expect(s.stops.length).toBe(before + 1);
  return s.stops[s.stops.length - 1];
}

function go(s: Setup, request: ResumeRequest): GdbStop {
  expect(s.target.resume(request)).toBeNull();
  return runToStop(s);
}

const CONTINUE: ResumeRequest = { threads: new Map(), others: 'continue' };

/** Length of the instruction at `pc` of `pd` (2 or 4), from memory. */
function instructionLength(target: DebuggerGdbTarget, pd: Pd, pc: number): number {
  const b = target.readMemory(pd.id, pc, 2) as Uint8Array;
  return (b[0] & 3) === 3 ? 4 : 2;
}

function word(target: DebuggerGdbTarget, pid: number, addr: number): number {
  const b = target.readMemory(pid, addr, 4) as Uint8Array;
  return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
}

describe('DebuggerGdbTarget: threads and halting', () => {
  it('lists every live kernel thread by id, named pd-label/thread-name, one inferior per PD', () => {
    const s = setup('rpc');
    const ids = ['hello_server', 'hello_client', 'lost_client'].map((n) => s.child(n));
    expect(s.target.threads()).toEqual(
      ids.map(({ pd, ep }) => ({ id: ep.id, pid: pd.id, name: `${pd.label}/ep` })).sort((a, b) => a.id - b.id),
    );
    expect(s.target.threads()[0].name).toBe('init -> hello_server/ep');
    expect(new Set(s.target.threads().map((t) => t.pid)).size).toBe(3);
  });

  it('halts a running debugger without reporting it, and says TRAP when there was no stop', () => {
    const s = setup('counter');
    const { ep } = s.child('counter');
    expect(s.target.halt()).toEqual({ kind: 'signal', thread: ep.id, signal: GdbSignal.TRAP });
    s.dbg.resume();
    s.dbg.run(1_000_000);
    expect(s.target.halt()).toEqual({ kind: 'signal', thread: ep.id, signal: GdbSignal.TRAP });
    expect(s.dbg.running).toBe(false);
    expect(s.target.halt()).toEqual({ kind: 'signal', thread: ep.id, signal: GdbSignal.TRAP }); // the same
    expect(s.stops).toEqual([]); // halt does not call the stop listener
  });

  it('reports an exception while stepping as the fault signal of that thread', () => {
    const s = setup('inspector');
    const inspector = s.child('inspector');
    const crasher = [...inspector.pd.threads].find((t) => t.name === 'crasher');
    const entry = inspector.sym('crasher');
    // The crasher thread may not exist yet: a breakpoint at its entry waits for it.
    expect(s.target.insertBreakpoint(inspector.pd.id, entry, 2)).toBeNull();
    const stop = go(s, CONTINUE);
    const t = s.dbg.thread((stop as { thread: number }).thread)!;
    expect(crasher === undefined || crasher === t).toBe(true);
    expect(stop).toEqual({ kind: 'breakpoint', thread: t.id });
    expect(t.name).toBe('crasher');
    expect(s.target.removeBreakpoint(inspector.pd.id, entry, 2)).toBeNull();
    // c.addi, c.swsp, c.addi4spn, then the ebreak: the kernel stops the thread with an exception.
    for (const pc of [entry + 2, entry + 4, entry + 6]) {
      expect(go(s, { threads: new Map([[t.id, 'step']]), others: 'stop' })).toEqual({ kind: 'step', thread: t.id });
      expect(s.target.readRegister(t.id, REG_PC)).toBe(pc);
    }
    const ebreak = go(s, { threads: new Map([[t.id, 'step']]), others: 'stop' });
    expect(s.dbg.lastStop?.reason).toBe('exception');
    expect(ebreak).toEqual({ kind: 'signal', thread: t.id, signal: GdbSignal.TRAP });
    expect(s.sys.kernel.reason(t)).toBe('stopped by an exception');
  });
});

describe('DebuggerGdbTarget: breakpoints and stepping', () => {
  it('stops the thread that reaches a breakpoint, before the instruction, and steps exactly one', () => {
    const s = setup('rpc');
    const server = s.child('hello_server');
    const client = s.child('hello_client');
    const dispatch = server.sym('session_dispatch');
    expect(s.target.insertBreakpoint(server.pd.id, dispatch, 2)).toBeNull();
    expect(s.target.halt().kind).toBe('signal');
    const stop = go(s, CONTINUE);
    expect(stop).toEqual({ kind: 'breakpoint', thread: server.ep.id });
    expect(s.target.readRegister(server.ep.id, REG_PC)).toBe(dispatch);
    expect(s.target.halt()).toEqual(stop); // the last stop, again
    // The client waits for the server's reply meanwhile.
    expect(s.sys.kernel.reason(client.ep)).toMatch(/waiting for a reply|call/);

    // Step one instruction of the server, the others held: pc moves by one instruction.
    const len = instructionLength(s.target, server.pd, dispatch);
    const clientPc = s.target.readRegister(client.ep.id, REG_PC);
    const step = go(s, { threads: new Map([[server.ep.id, 'step']]), others: 'stop' });
    expect(step).toEqual({ kind: 'step', thread: server.ep.id });
    expect(s.target.readRegister(server.ep.id, REG_PC)).toBe(dispatch + len);
    expect(s.target.readRegister(client.ep.id, REG_PC)).toBe(clientPc);
    // The held threads were released at the next resume and are held again by this one.
    expect(new Set(s.target.heldThreads)).toEqual(new Set([client.ep.id, s.child('lost_client').ep.id]));

    // Continuing reaches the breakpoint again, on the next call (a thread resumed at a
    // breakpoint executes that instruction; the breakpoint fires when it arrives).
    const log = s.sys.transcript().length;
    expect(go(s, CONTINUE)).toEqual({ kind: 'breakpoint', thread: server.ep.id });
    expect(s.sys.transcript().length).toBeGreaterThan(log);
    expect(s.target.heldThreads).toEqual([]);
    expect(s.dbg.thread(client.ep.id)!.debugPaused).toBe(false);

    // gdb's way to step (a temporary breakpoint at the next instruction) is exact as well.
    const pc = s.target.readRegister(server.ep.id, REG_PC)!;
    const next = pc + instructionLength(s.target, server.pd, pc);
    expect(s.target.insertBreakpoint(server.pd.id, next, 2)).toBeNull();
    expect(s.target.removeBreakpoint(server.pd.id, dispatch, 2)).toBeNull();
    expect(go(s, { threads: new Map([[server.ep.id, 'continue']]), others: 'stop' })).toEqual({
      kind: 'breakpoint',
      thread: server.ep.id,
    });
    expect(s.target.readRegister(server.ep.id, REG_PC)).toBe(next);
  });

  it('inserts and removes idempotently, apart from the UI breakpoints, and reports UI stops as TRAP', () => {
    const s = setup('counter');
    const { pd, ep, sym } = s.child('counter');
    const at = sym('timer_usleep');
    const ui = s.dbg.setBreakpoint({ pd: pd.id, address: at });
    if ('error' in ui) throw new Error(ui.error);
    expect(s.target.insertBreakpoint(pd.id, at, 2)).toBeNull();
    expect(s.target.insertBreakpoint(pd.id, at, 2)).toBeNull();
    expect(s.target.inserted.breakpoints).toBe(1);
    expect(s.dbg.breakpoints().length).toBe(2); // the UI's and one of the target's
    expect(go(s, CONTINUE)).toEqual({ kind: 'breakpoint', thread: ep.id });
    expect(s.target.removeBreakpoint(pd.id, at, 2)).toBeNull();
    expect(s.target.removeBreakpoint(pd.id, at, 2)).toBeNull();
    expect(s.dbg.breakpoints().map((b) => b.id)).toEqual([ui.id]); // the UI's stays
    expect(go(s, CONTINUE)).toEqual({ kind: 'signal', thread: ep.id, signal: GdbSignal.TRAP });
    // Bad input is an error value.
    expect(s.target.insertBreakpoint(pd.id, at + 1, 2)).toMatch(/not 2-byte aligned/);
    expect(s.target.insertBreakpoint(9999, at, 2)).toBe('no PD 9999');
    expect(s.target.insertWatchpoint(pd.id, 0x14000, 0, 'write')).toMatch(/watch length 0/);
  });
});

describe('DebuggerGdbTarget: holding threads', () => {
  it('keeps a stopped thread where it is while the others run, and never releases a UI hold', () => {
    const s = setup('rpc');
    const server = s.child('hello_server');
    const client = s.child('hello_client');
    const lost = s.child('lost_client');
    const regs = (t: Thread): number[] =>
      Array.from({ length: 33 }, (_, r) => s.target.readRegister(t.id, r === 32 ? REG_PC : r)!);
    const serverRegs = regs(server.ep);
    const clientPc = s.target.readRegister(client.ep.id, REG_PC);
    // The UI holds lost_client; gdb holds the server and lets the client run.
    expect(s.dbg.pauseThread(lost.ep.id)).toBeNull();
    const stop = go(s, { threads: new Map([[server.ep.id, 'stop']]), others: 'continue' });
    // The client asks the held server for a session and waits: nothing can run any more.
    expect(stop).toMatchObject({ kind: 'signal', signal: GdbSignal.TRAP });
    expect(s.dbg.lastStop?.reason).toBe('idle');
    expect(regs(server.ep)).toEqual(serverRegs);
    expect(s.target.readRegister(client.ep.id, REG_PC)).not.toBe(clientPc);
    expect(s.sys.kernel.reason(server.ep)).toBe('paused by the debugger');
    expect(s.target.heldThreads).toEqual([server.ep.id]);
    // A step of the thread the UI holds is refused; gdb's continue does not release it.
    expect(s.target.resume({ threads: new Map([[lost.ep.id, 'step']]), others: 'stop' })).toMatch(
      /held in the debugger UI/,
    );
    expect(s.target.resume(CONTINUE)).toBeNull();
    expect(s.dbg.thread(server.ep.id)!.debugPaused).toBe(false);
    expect(s.dbg.thread(lost.ep.id)!.debugPaused).toBe(true);
    runToStop(s);
    expect(s.sys.transcript()).toContain('[init -> hello_server] Hello, Alice!');
    // Resuming unknown threads fails and runs nothing.
    expect(s.target.resume({ threads: new Map([[9999, 'continue']]), others: 'stop' })).toBe('no thread 9999');
    expect(
      s.target.resume({
        threads: new Map([
          [server.ep.id, 'step'],
          [client.ep.id, 'step'],
        ]),
        others: 'stop',
      }),
    ).toMatch(/only one thread can step/);
    expect(s.dbg.running).toBe(false);
  });
});

describe('DebuggerGdbTarget: watchpoints', () => {
  it('stops before a watched store (pc on it, memory unchanged); a step then makes the store', () => {
    const s = setup('rpc');
    const server = s.child('hello_server');
    const serial = server.sym('_rpc_reply_serial');
    // Past _start (which clears .bss), at the first request.
    expect(s.target.insertBreakpoint(server.pd.id, server.sym('root_dispatch'), 2)).toBeNull();
    go(s, CONTINUE);
    expect(s.target.removeBreakpoint(server.pd.id, server.sym('root_dispatch'), 2)).toBeNull();
    expect(s.target.insertWatchpoint(server.pd.id, serial, 4, 'write')).toBeNull();
    expect(s.target.insertWatchpoint(server.pd.id, serial, 4, 'write')).toBeNull();
    expect(s.dbg.watchpoints().length).toBe(1);
    const stop = go(s, CONTINUE);
    expect(stop).toEqual({ kind: 'watchpoint', thread: server.ep.id, access: 'write', addr: serial });
    const pc = s.target.readRegister(server.ep.id, REG_PC)!;
    const insn = word(s.target, server.pd.id, pc);
    expect(insn & 0x7f).toBe(0x23); // a store
    expect(word(s.target, server.pd.id, serial)).toBe(0); // not stored yet
    // As gdb does with non-steppable watchpoints: remove, step, compare.
    expect(s.target.removeWatchpoint(server.pd.id, serial, 4, 'write')).toBeNull();
    expect(s.target.removeWatchpoint(server.pd.id, serial, 4, 'write')).toBeNull();
    expect(s.dbg.watchpoints()).toEqual([]);
    expect(go(s, { threads: new Map([[server.ep.id, 'step']]), others: 'stop' })).toEqual({
      kind: 'step',
      thread: server.ep.id,
    });
    expect(s.target.readRegister(server.ep.id, REG_PC)).toBe(pc + 4);
    expect(word(s.target, server.pd.id, serial)).toBe(1);
    // A read watchpoint reports the read, an access watchpoint its kind.
    expect(s.target.insertWatchpoint(server.pd.id, serial, 4, 'access')).toBeNull();
    expect(go(s, CONTINUE)).toMatchObject({ kind: 'watchpoint', access: 'access', addr: serial });
    expect(word(s.target, server.pd.id, serial)).toBe(1);
  });

  it('changes nothing the guest can see: the same run with and without watchpoint stops', () => {
    const plain = bootScenario('rpc');
    plain.run(20_000_000);
    const s = setup('rpc');
    const server = s.child('hello_server');
    s.target.insertWatchpoint(server.pd.id, server.sym('_rpc_reply_serial'), 4, 'access');
    let stops = 0;
    s.target.resume(CONTINUE);
    while (s.sys.machine.cycles < 20_000_000 || s.sys.machine.inRound) {
      s.dbg.run(Math.max(1, 20_000_000 - s.sys.machine.cycles));
      if (!s.dbg.running) {
        if (s.dbg.lastStop?.reason === 'idle') break;
        stops++;
        s.target.resume(CONTINUE);
      }
    }
    expect(stops).toBeGreaterThanOrEqual(50);
    expect(s.sys.transcript()).toEqual(plain.transcript());
    while (plain.machine.cycles < s.sys.machine.cycles) plain.run(s.sys.machine.cycles - plain.machine.cycles);
    expect(s.sys.machine.stateHash()).toBe(plain.machine.stateHash());
  });
});

describe('DebuggerGdbTarget: registers, memory, kill, detach', () => {
  it('reads registers, priv and CSRs, and writes registers while stopped', () => {
    const s = setup('counter');
    const { pd, ep, sym } = s.child('counter');
    s.target.insertBreakpoint(pd.id, sym('timer_usleep'), 2);
    go(s, CONTINUE);
    const k = s.sys.kernel;
    expect(s.target.readRegister(ep.id, 2)).toBe(k.reg(ep, 2) >>> 0);
    expect(s.target.readRegister(ep.id, 11)).toBe(1_000_000); // a1: microseconds
    expect(s.target.readRegister(ep.id, 0)).toBe(0);
    expect(s.target.readRegister(ep.id, REG_PRIV)).toBe(0);
    expect(s.target.readRegister(ep.id, 99)).toBeNull();
    expect(s.target.readRegister(9999, 1)).toBeNull();
    const hart = k.cpus[ep.cpu].hart;
    expect(k.cpus[ep.cpu].current).toBe(ep);
    expect(s.target.readCsr(ep.id, CSR.satp)).toBe(hart.satp >>> 0);
    expect(s.target.readCsr(ep.id, CSR.instret)).toBe(hart.instret >>> 0);
    expect(s.target.readCsr(ep.id, CSR.cycleh)).toBe(0);
    expect(s.target.readCsr(ep.id, CSR.time)).toBe(s.sys.machine.mtime(hart));
    expect(s.target.readCsr(ep.id, CSR.mstatus)).toBeNull();

    expect(s.target.writeRegister(ep.id, 15, 0xfeedf00d)).toBeNull();
    expect(s.target.readRegister(ep.id, 15)).toBe(0xfeedf00d);
    expect(s.target.writeRegister(ep.id, 0, 5)).toBeNull();
    expect(s.target.readRegister(ep.id, 0)).toBe(0);
    expect(s.target.writeRegister(ep.id, REG_PRIV, 0)).toBeNull();
    expect(s.target.writeRegister(ep.id, REG_PRIV, 3)).toMatch(/read-only/);
    expect(s.target.writeRegister(ep.id, REG_PC, 0x10001)).toMatch(/not 2-byte aligned/);
    expect(s.target.writeRegister(ep.id, 40, 0)).toBe('no register 40');
    expect(s.target.writeRegister(9999, 1, 0)).toBe('no thread 9999');
  });

  it('reads memory through the region maps, partially at the end of what is mapped', () => {
    const s = setup('counter');
    const { pd, sym } = s.child('counter');
    const code = s.target.readMemory(pd.id, sym('timer_usleep'), 2) as Uint8Array;
    expect(code[0] | (code[1] << 8)).toBe(0x1141); // c.addi sp,sp,-16
    // The last readable page of the program's image: a read across its end is cut there.
    let page = 0x10000;
    while (typeof s.target.readMemory(pd.id, page + 0x1000, 1) !== 'string') page += 0x1000;
    const tail = s.target.readMemory(pd.id, page + 0xff8, 16);
    expect(tail).toBeInstanceOf(Uint8Array);
    expect((tail as Uint8Array).length).toBe(8);
    expect(s.target.readMemory(pd.id, 0x100, 4)).toMatch(/^0x00000100: /);
    expect(s.target.readMemory(9999, 0x10000, 4)).toBe('no inferior 9999');
    // Writes are all or nothing.
    const last = word(s.target, pd.id, page + 0xffc);
    expect(s.target.writeMemory(pd.id, page + 0xffc, new Uint8Array(8).fill(0xee))).toMatch(/nothing attached|no RM/);
    expect(word(s.target, pd.id, page + 0xffc)).toBe(last);
    expect(s.target.writeMemory(pd.id, page + 0xff0, new Uint8Array([1, 2, 3, 4]))).toBeNull();
    expect(word(s.target, pd.id, page + 0xff0)).toBe(0x04030201);
  });

  it('kills a child through init: its threads go, and an unknown pid is an error', () => {
    const s = setup('rpc');
    const lost = s.child('lost_client');
    expect(s.target.kill(9999)).toBe('no inferior 9999');
    expect(s.target.kill(s.sys.init.pd.id)).toMatch(/not a child of init/);
    expect(s.target.kill(lost.pd.id)).toBeNull();
    expect(s.target.threads().some((t) => t.pid === lost.pd.id)).toBe(false);
    expect(s.sys.init.children.has('lost_client')).toBe(false);
    expect(s.sys.transcript()).toContain('[init] child "lost_client" killed by the debugger');
    // The rest runs on.
    s.dbg.resume();
    runToStop(s);
    expect(s.sys.transcript()).toContain('[init -> hello_client] 57 calls, 0 wrong');
  });

  it('detaches: removes its breakpoints and watchpoints, releases its holds, runs', () => {
    const s = setup('rpc');
    const server = s.child('hello_server');
    const client = s.child('hello_client');
    s.target.insertBreakpoint(server.pd.id, server.sym('session_dispatch'), 2);
    s.target.insertWatchpoint(server.pd.id, server.sym('_rpc_reply_serial'), 4, 'write');
    const held = s.target.resume({ threads: new Map([[client.ep.id, 'stop']]), others: 'continue' });
    expect(held).toBeNull();
    runToStop(s);
    expect(s.dbg.thread(client.ep.id)!.debugPaused).toBe(true);
    s.target.detach();
    expect(s.dbg.breakpoints()).toEqual([]);
    expect(s.dbg.watchpoints()).toEqual([]);
    expect(s.target.inserted).toEqual({ breakpoints: 0, watchpoints: 0 });
    expect(s.dbg.thread(client.ep.id)!.debugPaused).toBe(false);
    expect(s.dbg.running).toBe(true);
    runToStop(s); // idle at the end
    expect(s.sys.transcript()).toContain('[init -> hello_client] 57 calls, 0 wrong');
  });

  it('drives the debugger from the event loop at every resume, and stops on interrupt', async () => {
    const s = setup('counter');
    const stop = driveDebugger(s.dbg, 200_000, (fn) => setImmediate(fn));
    try {
      const next = (): Promise<GdbStop> => new Promise((r) => s.target.onStop(r));
      let p = next();
      s.target.resume(CONTINUE);
      await new Promise((r) => setTimeout(r, 20));
      expect(s.dbg.running).toBe(true);
      s.target.interrupt();
      expect(await p).toMatchObject({ kind: 'signal', signal: GdbSignal.INT });
      const { pd, ep, sym } = s.child('counter');
      s.target.insertBreakpoint(pd.id, sym('log'), 2);
      p = next();
      s.target.resume(CONTINUE);
      expect(await p).toEqual({ kind: 'breakpoint', thread: ep.id });
    } finally {
      stop();
    }
  });
});

describe('DebuggerGdbTarget: reverse execution', () => {
  /** The counter scenario with reverse execution, stopped at the second call of timer_msleep. */
  function atSecondHit(): { own: TravellingDebugger; stops: GdbStop[]; pd: Pd; ep: Thread; at: number } {
    const own = new TravellingDebugger('counter');
    const stops: GdbStop[] = [];
    own.target.onStop((s) => stops.push(s));
    const { pd, ep, sym } = childOf(own.sys, 'counter');
    const at = sym('timer_msleep');
    expect(own.target.insertBreakpoint(pd.id, at, 2)).toBeNull();
    for (let i = 0; i < 2; i++) {
      expect(own.target.resume(CONTINUE)).toBeNull();
      own.runToStop();
      expect(stops.at(-1)).toEqual({ kind: 'breakpoint', thread: ep.id });
    }
    expect(own.target.readRegister(ep.id, REG_PC)).toBe(at);
    return { own, stops, pd, ep, at };
  }

  const counterLines = (sys: System): string[] => sys.transcript().filter((l) => l.startsWith('[init -> counter]'));

  it('has reverseStep and reverseContinue only when given a travel', () => {
    const s = setup('counter');
    expect(s.target.reverseStep).toBeUndefined();
    expect(s.target.reverseContinue).toBeUndefined();
    const own = new TravellingDebugger('counter');
    expect(typeof own.target.reverseStep).toBe('function');
    expect(typeof own.target.reverseContinue).toBe('function');
  });

  it('steps a thread back one instruction and serves the new debugger from then on', () => {
    const { own, stops, pd, ep, at } = atSecondHit();
    const old = own.dbg;
    const position = own.sys.machine.position;
    expect(own.target.reverseStep!(ep.id)).toBeNull();
    expect(stops.at(-1)).toEqual({ kind: 'step', thread: ep.id });
    expect(own.dbg).not.toBe(old);
    expect(own.target.dbg).toBe(own.dbg);
    expect(own.sys.machine.position).toBeLessThan(position);
    // Before the call of timer_msleep: ra is not yet the return address, and the call is 4 bytes.
    const back = own.target.readRegister(ep.id, REG_PC)!;
    expect(back).not.toBe(at);
    expect(instructionLength(own.target, pd, back)).toBe(4);
    // The breakpoint is the same one on the new debugger (a travel keeps ids).
    expect(own.dbg.breakpoints()).toEqual([expect.objectContaining({ pd: pd.id, address: at })]);
    // A step forward on the new debugger arrives at the breakpoint's address again.
    expect(own.target.resume({ threads: new Map([[ep.id, 'step']]), others: 'stop' })).toBeNull();
    own.runToStop();
    expect(stops.at(-1)).toEqual({ kind: 'step', thread: ep.id });
    expect(own.target.readRegister(ep.id, REG_PC)).toBe(at);
    // The old debugger's stops are not reported any more.
    const n = stops.length;
    old.resume();
    old.pause();
    expect(stops.length).toBe(n);
    // The adapter's breakpoint is removed from the debugger it serves now.
    expect(own.target.removeBreakpoint(pd.id, at, 2)).toBeNull();
    expect(own.dbg.breakpoints()).toEqual([]);
  });

  it('continues back to the previous hit, then to the start of the history', () => {
    const { own, stops, ep, at } = atSecondHit();
    expect(counterLines(own.sys)).toEqual(['[init -> counter] 0', '[init -> counter] 1']);
    expect(own.target.reverseContinue!()).toBeNull();
    expect(stops.at(-1)).toEqual({ kind: 'breakpoint', thread: ep.id });
    expect(own.target.readRegister(ep.id, REG_PC)).toBe(at);
    expect(counterLines(own.sys)).toEqual(['[init -> counter] 0']);
    // No hit before the first: to the oldest moment recorded, said as such.
    expect(own.target.reverseContinue!()).toBeNull();
    expect(stops.at(-1)).toEqual({ kind: 'historyStart', thread: ep.id });
    expect(own.sys.machine.position).toBe(own.travel.earliest);
    expect(counterLines(own.sys)).toEqual([]);
    // And there, nothing is left to step back into.
    expect(own.target.reverseStep!(ep.id)).toBeNull();
    expect(stops.at(-1)).toEqual({ kind: 'historyStart', thread: ep.id });
    expect(own.replaced).toHaveLength(2);
    // Forward again: the first hit comes back.
    expect(own.target.resume(CONTINUE)).toBeNull();
    own.runToStop();
    expect(stops.at(-1)).toEqual({ kind: 'breakpoint', thread: ep.id });
    expect(counterLines(own.sys)).toEqual(['[init -> counter] 0']);
  });

  it('fails without moving when the travel fails, and for an unknown thread', () => {
    const { own, stops } = atSecondHit();
    const n = stops.length;
    const dbg = own.dbg;
    expect(own.target.reverseStep!(9999)).toBe('no thread 9999');
    dbg.resume(); // someone else (the UI) runs the machine
    expect(own.target.reverseContinue!()).toMatch(/needs the machine stopped/);
    dbg.pause();
    expect(own.dbg).toBe(dbg);
    expect(stops.length).toBe(n + 1); // the pause only
  });

  it('rebinds to the debugger of a new system: breakpoints and watchpoints are set there again', () => {
    const s = setup('counter');
    const { pd, ep, sym } = s.child('counter');
    const at = sym('timer_msleep');
    const env = sym('env');
    expect(s.target.insertBreakpoint(pd.id, at, 2)).toBeNull();
    expect(s.target.insertWatchpoint(pd.id, env, 4, 'write')).toBeNull();
    expect(s.target.insertBreakpoint(pd.id, sym('component_construct'), 2)).toBeNull();
    const ui = s.dbg.setBreakpoint({ pd: pd.id, address: sym('component_construct') });
    expect('error' in ui).toBe(false);
    // A new system whose debugger has ids of its own (the UI's breakpoint takes the first).
    const sys2 = bootScenario('counter');
    const dbg2 = createDebugger(sys2);
    expect('error' in dbg2.setBreakpoint({ pd: pd.id, address: sym('log') })).toBe(false);
    s.target.rebind(dbg2);
    expect(s.target.dbg).toBe(dbg2);
    expect(s.target.inserted).toEqual({ breakpoints: 2, watchpoints: 1 });
    expect(
      dbg2
        .breakpoints()
        .map((b) => b.address)
        .sort(),
    ).toEqual([sym('log'), at, sym('component_construct')].sort());
    expect(dbg2.watchpoints()).toEqual([expect.objectContaining({ pd: pd.id, address: env, length: 4 })]);
    // Stops come from the new debugger, mapped to the adapter's breakpoints there.
    expect(s.target.resume(CONTINUE)).toBeNull();
    const before = s.stops.length;
    for (let ran = 0; dbg2.running && ran < 3_000_000_000; ran += 1_000_000) dbg2.run(1_000_000);
    expect(s.stops.length).toBe(before + 1);
    expect(s.stops.at(-1)).toMatchObject({ thread: ep.id });
    expect(s.stops.at(-1)!.kind).not.toBe('signal'); // the adapter's own breakpoint or watchpoint
    // Removing through the adapter removes from the new debugger, and leaves the others alone.
    expect(s.target.removeBreakpoint(pd.id, at, 2)).toBeNull();
    expect(s.target.removeBreakpoint(pd.id, sym('component_construct'), 2)).toBeNull();
    expect(s.target.removeWatchpoint(pd.id, env, 4, 'write')).toBeNull();
    expect(dbg2.breakpoints().map((b) => b.address)).toEqual([sym('log')]);
    expect(dbg2.watchpoints()).toEqual([]);
    // The old debugger keeps what the adapter set there (it is not served any more).
    expect(s.dbg.breakpoints()).toHaveLength(3);
  });

  it('rebinds holds only where the new system holds the thread still', () => {
    const s = setup('rpc');
    const server = s.child('hello_server');
    const client = s.child('hello_client');
    go(s, { threads: new Map([[server.ep.id, 'stop']]), others: 'continue' });
    expect(s.target.heldThreads).toEqual([server.ep.id]);
    // The same system again (a travel to this moment): the hold stays the adapter's.
    const again = createDebugger(s.sys);
    s.target.rebind(again);
    expect(s.target.heldThreads).toEqual([server.ep.id]);
    // A fresh system, where nothing is held: no hold to release later.
    const fresh = bootScenario('rpc');
    const dbg3 = createDebugger(fresh);
    s.target.rebind(dbg3);
    expect(s.target.heldThreads).toEqual([]);
    expect(s.target.resume({ threads: new Map([[client.ep.id, 'step']]), others: 'stop' })).toBeNull();
    expect(fresh.kernel.threads.get(server.ep.id)!.debugPaused).toBe(true); // held by this resume
    expect(s.target.heldThreads).toContain(server.ep.id);
  });
});
