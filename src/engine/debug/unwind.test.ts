/**
 * Unwinding real guest stacks: scenarios are booted, threads stopped inside nested calls, and
 * their stacks walked through the PD's mappings in emulated RAM. Expected chains were checked
 * with `riscv64-unknown-elf-objdump -d` and `addr2line` (at -O2, timer_msleep tail-calls
 * timer_usleep, so it has no frame of its own on the stack).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bootScenario, runUntil } from '../../../test/scenarios/harness';
import { RAM_BASE } from '../cpu/bus';
import { extractFields, matchRow, Op } from '../cpu/opcodes';
import type { Pd, Thread } from '../core/kernel_objects';
import type { System } from '../core/system';
import { DebugInfo } from './symbols';
import { unwind, type Frame, type Read32, type UnwindRegs } from './unwind';

const GUEST = new URL('../../../resources/guest/', import.meta.url);

function load(path: string): DebugInfo {
  const r = DebugInfo.fromElf(new Uint8Array(readFileSync(new URL(path, GUEST))));
  if (!r.ok) throw new Error(r.error);
  return r.info;
}

/** Reads guest memory the way the debugger will: through the PD's installed mappings. */
function reader(sys: System, pd: Pd): Read32 {
  return (va) => {
    const m = pd.mappings.get(Math.floor(va / 4096));
    return m ? sys.machine.bus.i32[(m.phys - RAM_BASE + (va % 4096)) >>> 2] : null;
  };
}

function regsOf(sys: System, t: Thread): UnwindRegs {
  const k = sys.kernel;
  return { pc: k.pcOf(t), sp: k.reg(t, 2), fp: k.reg(t, 8), ra: k.reg(t, 1) };
}

function thread(sys: System, label: string, name = 'ep'): Thread {
  const t = [...sys.kernel.threads.values()].find((x) => x.pd.label === label && x.name === name);
  if (!t) throw new Error(`no thread ${label}/${name}`);
  return t;
}

const chain = (frames: readonly Frame[]): string[] =>
  frames.map(
    (f) =>
      `0x${f.pc.toString(16)} ${f.function ?? '?'}+0x${(f.offset ?? 0).toString(16)}` +
      (f.file ? ` ${f.file}:${f.line}` : ''),
  );

/** Whether the instruction just before `pc` is a call (jal/jalr writing ra, 4 or 2 bytes). */
function followsCall(info: DebugInfo, pc: number): boolean {
  for (const len of [4, 2]) {
    const b = info.code(pc - len, len);
    if (!b) continue;
    const word = len === 4 ? (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 : b[0] | (b[1] << 8);
    const row = matchRow(word);
    if (!row || row.len !== len) continue;
    const f = extractFields(row.fmt, word);
    if ((row.op === Op.JAL || row.op === Op.JALR) && f.rd === 1) return true;
  }
  return false;
}

const COUNTER_CHAIN = [
  '0x12d86 timer_usleep+0x40 ../sdk/src/timer_session.c:80',
  '0x13634 component_construct+0x32 counter.c:25',
  '0x10092 _sdk_start+0x3a ../sdk/src/start.c:31',
  '0x10028 _start+0x28 ../sdk/src/crt0.S:26',
];

describe('unwinding counter while it sleeps (timer_msleep -> timer_usleep -> ecall)', () => {
  let sys: System;
  let ep: Thread;
  let read32: Read32;
  let info: DebugInfo;
  let regs: UnwindRegs;
  let frames: Frame[];
  beforeAll(() => {
    sys = bootScenario('counter');
    expect(runUntil(sys, () => sys.machine.cycles >= 150_000_000, 150_000_000, 5_000_000)).toBe(true);
    ep = thread(sys, 'init -> counter');
    read32 = reader(sys, ep.pd);
    info = load('basics/counter.elf');
    regs = regsOf(sys, ep);
    frames = unwind(regs, read32, info);
  });

  it('walks from the system call up to crt0', () => {
    expect(ep.block?.kind).toBe('signal');
    expect(chain(frames)).toEqual(COUNTER_CHAIN);
    expect(frames[0].sp).toBe(regs.sp >>> 0);
    // The frame is 16 bytes (addi sp,sp,-16), and each caller's sp is its callee's CFA.
    expect(frames[0].fp).toBe(frames[0].sp + 16);
    for (let i = 1; i < frames.length; i++) expect(frames[i].sp).toBe(frames[i - 1].fp);
    expect(frames[1].fp).toBeGreaterThan(frames[0].fp);
    expect(frames[2].fp).toBeGreaterThan(frames[1].fp);
    // _start runs on the initial stack without a frame of its own: its CFA is its sp.
    expect(frames[3].fp).toBe(frames[3].sp);
  });

  it('finds the same return addresses from the frame-pointer chain alone (frame 0 saved ra)', () => {
    const plain = unwind(regs, read32);
    expect(plain.map((f) => f.pc)).toEqual(frames.map((f) => f.pc));
    expect(plain.every((f) => f.function === undefined && f.file === undefined)).toBe(true);
  });

  it('works with symbols that give only name and offset (code read from memory)', () => {
    const bare = {
      symbolize: (a: number) => {
        const s = info.symbolize(a);
        return s && { name: s.name, offset: s.offset };
      },
    };
    expect(unwind(regs, read32, bare).map((f) => `0x${f.pc.toString(16)} ${f.function}`)).toEqual(
      COUNTER_CHAIN.map((c) => c.split('+')[0]),
    );
  });

  it('stops at maxFrames and at a failed read', () => {
    expect(chain(unwind(regs, read32, info, 2))).toEqual(COUNTER_CHAIN.slice(0, 2));
    expect(chain(unwind(regs, () => null, info))).toEqual(COUNTER_CHAIN.slice(0, 1));
  });

  // Frame 0 elsewhere in the same call, on the same stack: registers as they were there.
  const ret = 0x13634;
  const usleepCfa = (): number => frames[0].fp;
  const ccFp = (): number => frames[1].fp;
  const expectChain = (r: UnwindRegs, first: string, mem: Read32 = read32): void => {
    expect(chain(unwind(r, mem, info))).toEqual([first, ...COUNTER_CHAIN.slice(1)]);
  };

  it('takes the caller from ra at a function entry', () => {
    expectChain(
      { pc: 0x12d46, sp: usleepCfa(), fp: ccFp(), ra: ret },
      '0x12d46 timer_usleep+0x0 ../sdk/src/timer_session.c:74',
    );
  });

  it('knows which prologue stores have run', () => {
    // After addi sp,sp,-16 and sw s0,8(sp); ra not saved yet, s0 not yet the frame pointer.
    expectChain(
      { pc: 0x12d4a, sp: usleepCfa() - 16, fp: ccFp(), ra: ret },
      '0x12d4a timer_usleep+0x4 ../sdk/src/timer_session.c:74',
    );
  });

  it('follows an epilogue whose restores have run', () => {
    // 0x12d70: ra and s0 reloaded, `addi sp,sp,16; ret` to go.
    expectChain(
      { pc: 0x12d70, sp: usleepCfa() - 16, fp: ccFp(), ra: ret },
      '0x12d70 timer_usleep+0x2a ../sdk/src/timer_session.c:84',
    );
  });

  it('unwinds a leaf that saves only s0 (at CFA-4) and tail-calls', () => {
    // timer_msleep: addi sp,-16; sw s0,12(sp); addi s0,sp,16; lw s0,12(sp); addi sp,16; j timer_usleep
    expectChain(
      { pc: 0x12db0, sp: usleepCfa(), fp: ccFp(), ra: ret },
      '0x12db0 timer_msleep+0x0 ../sdk/src/timer_session.c:86',
    );
    // Inside its frame: timer_usleep has since overwritten that stack slot, so put back the
    // s0 that timer_msleep saved there.
    const saved: Read32 = (va) => (va === usleepCfa() - 4 ? ccFp() : read32(va));
    expectChain(
      { pc: 0x12dbe, sp: usleepCfa() - 16, fp: usleepCfa(), ra: ret },
      '0x12dbe timer_msleep+0xe ../sdk/src/timer_session.c:86',
      saved,
    );
  });
});

describe('unwinding hello_client while it waits for the server (a leaf: rpc_call)', () => {
  it('takes the leaf caller from ra and the rest from the stack', () => {
    const sys = bootScenario('rpc');
    const ep = thread(sys, 'init -> hello_client');
    const opened = (): boolean => sys.log.some((l) => l.text.startsWith('Hello session open'));
    expect(runUntil(sys, () => opened() && ep.block?.kind === 'call', 100_000_000, 10_000)).toBe(true);
    const frames = unwind(regsOf(sys, ep), reader(sys, ep.pd), load('basics/hello_client.elf'));
    // rpc_call saves s0 only (addi sp,sp,-16; sw s0,12(sp); addi s0,sp,16) and traps in ecall.
    expect(chain(frames)).toEqual([
      '0x101c6 rpc_call+0x38 ../sdk/src/rpc.c:55',
      '0x136e2 component_construct+0xe0 hello_client.c:20', // say_hello, inlined
      '0x10092 _sdk_start+0x3a ../sdk/src/start.c:31',
      '0x10028 _start+0x28 ../sdk/src/crt0.S:26',
    ]);
  });
});

describe('unwinding at arbitrary stops', () => {
  it('walks every thread of the fuzz scenario to crt0, stopped every 7 cycles', () => {
    const sys = bootScenario('fuzz');
    const info = load('fuzz/fuzzer.elf');
    const ends = new Map<string, number>();
    const pcs = new Set<number>();
    const bad: string[] = [];
    for (let i = 0; i < 4000; i++) {
      sys.run(7);
      for (const t of sys.kernel.threads.values()) {
        if (!t.started || t.dead || t.pd.dead || !t.pd.label.startsWith('init -> fuzz')) continue;
        const regs = regsOf(sys, t);
        const frames = unwind(regs, reader(sys, t.pd), info);
        pcs.add(regs.pc);
        const last = frames[frames.length - 1].function ?? '?';
        ends.set(last, (ends.get(last) ?? 0) + 1);
        const ok =
          ['_start', '_thread_entry'].includes(last) &&
          frames.every((f) => f.function !== undefined) &&
          frames.slice(1).every((f) => followsCall(info, f.pc));
        if (!ok && bad.length < 5) bad.push(`${t.pd.label}/${t.name}: ${chain(frames).join(' < ')}`);
      }
    }
    expect(bad).toEqual([]);
    expect(pcs.size).toBeGreaterThan(500); // prologues, epilogues, leaves and loops alike
    expect(ends.get('_thread_entry')).toBeGreaterThan(0); // threads made by thread_start()
  });
});

describe('stop conditions (synthetic stacks, no symbols)', () => {
  const mem =
    (words: Record<number, number>, log?: number[]): Read32 =>
    (va) => {
      log?.push(va);
      return words[va] ?? null;
    };
  const at = { pc: 0x13634, sp: 0x1000, fp: 0x2000, ra: 0 };

  it('follows the convention: ra at fp-4, the caller fp at fp-8', () => {
    const f = unwind(at, mem({ 0x1ffc: 0x10092, 0x1ff8: 0x3000, 0x2ffc: 0x10028, 0x2ff8: 0 }));
    expect(f.map((x) => [x.pc, x.sp, x.fp])).toEqual([
      [0x13634, 0x1000, 0x2000],
      [0x10092, 0x2000, 0x3000],
      [0x10028, 0x3000, 0x3000], // s0 = 0: the outermost frame, its CFA taken to be its sp
    ]);
  });

  it('stops at fp == 0 without reading near address 0', () => {
    const reads: number[] = [];
    const f = unwind(at, mem({ 0x1ffc: 0x10092, 0x1ff8: 0 }, reads));
    expect(f.map((x) => x.pc)).toEqual([0x13634, 0x10092]);
    expect(reads.every((va) => va >= 0x1000)).toBe(true);
  });

  it('stops at a return address of 0, a loop, a misaligned fp and a null read', () => {
    expect(unwind(at, mem({ 0x1ffc: 0, 0x1ff8: 0x3000 }))).toHaveLength(1);
    // A caller fp that is not above the callee's: that caller is listed, nothing beyond it.
    expect(unwind(at, mem({ 0x1ffc: 0x10092, 0x1ff8: 0x2000 })).map((x) => x.pc)).toEqual([0x13634, 0x10092]);
    expect(unwind(at, mem({ 0x1ffc: 0x10092, 0x1ff8: 0x1800, 0x17fc: 0x10028 })).map((x) => x.pc)).toEqual([
      0x13634, 0x10092,
    ]);
    expect(unwind({ ...at, fp: 0x2002 }, mem({ 0x1ffe: 0x10092, 0x1ffa: 0x3000 }))).toHaveLength(1);
    expect(unwind(at, mem({ 0x1ffc: 0x10092 }))).toHaveLength(1);
  });
});
