/**
 * System-call rules, one by one, from a small assembled guest: whatever a guest passes, the
 * kernel answers with an error code; faults and exceptions stop only the faulting thread and
 * are logged like core does.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/engine/cpu/asm';
import { RAM_BASE } from '../../src/engine/cpu/bus';
import { SYS_RESULT } from '../../src/engine/core/abi';
import { System } from '../../src/engine/core/system';

const CONFIG = `<config>
  <parent-provides> <service name="PD"/> <service name="CPU"/> <service name="ROM"/> <service name="LOG"/> </parent-provides>
  <default-route> <any-service> <parent/> </any-service> </default-route>
  <default caps="100"/>
  <start name="probe" ram="1M"/>
</config>`;

function boot(source: string): System {
  const r = assemble(source, { textBase: 0x10000 });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const sys = System.boot(CONFIG, new Map([['probe', r.elf]]));
  if (typeof sys === 'string') throw new Error(sys);
  sys.run(2_000_000);
  return sys;
}

/** Reads `n` words at virtual `va` of the probe through its page table. */
function words(sys: System, va: number, n: number): number[] {
  const pd = sys.init.children.get('probe')!.pd;
  const m = pd.mappings.get(Math.floor(va / 4096));
  if (!m) throw new Error('not mapped');
  const off = m.phys - RAM_BASE + (va % 4096);
  return Array.from(sys.machine.bus.i32.subarray(off >>> 2, (off >>> 2) + n));
}

const PROBE = `
.text
.globl _start
_start:
  la s0, results
  li a0, 999          # 0: no such selector
  li a7, 1
  ecall
  sw a0, 0(s0)
  li t0, 0x2000       # 1: payload longer than a UTCB holds
  sw t0, 0(tp)
  li a0, 4
  li a7, 1
  ecall
  sw a0, 4(s0)
  sw zero, 0(tp)
  li a7, 77           # 2: no such system call
  ecall
  sw a0, 8(s0)
  li a7, 2            # 3: reply with no caller
  ecall
  sw a0, 12(s0)
  li a0, 4            # 4: signal_pending on a LOG session (not a signal source)
  li a7, 6
  ecall
  sw a0, 16(s0)
  li t0, 9            # 5: nine capabilities
  sw t0, 4(tp)
  li a0, 2
  li a7, 1
  ecall
  sw a0, 20(s0)
  sw zero, 4(tp)
  li a0, 4            # 6: delete the LOG capability ...
  li a7, 11
  ecall
  sw a0, 24(s0)
  li a0, 4            # 7: ... and it is gone
  li a7, 1
  ecall
  sw a0, 28(s0)
  li a0, 4            # 8: deleting it again
  li a7, 11
  ecall
  sw a0, 32(s0)
  li t0, 1            # 9: reached the end
  sw t0, 36(s0)
  lw t1, 8(zero)      # null pointer: unresolved page fault
  sw t1, 40(s0)
1: j 1b
.data
results: .space 64
`;

describe('system calls from a guest', () => {
  it('answer every bad argument with an error code', () => {
    const sys = boot(PROBE);
    const r = words(sys, 0x11000, 11);
    expect(r.slice(0, 10)).toEqual([
      SYS_RESULT.INVALID_CAP,
      SYS_RESULT.BAD_MESSAGE,
      SYS_RESULT.NOSYS,
      SYS_RESULT.NO_CALLER,
      SYS_RESULT.WRONG_TYPE,
      SYS_RESULT.BAD_MESSAGE,
      SYS_RESULT.OK,
      SYS_RESULT.INVALID_CAP,
      SYS_RESULT.INVALID_CAP,
      1,
    ]);
    expect(r[10]).toBe(0); // the load after the fault never completed
  });

  it('stop a thread on an unresolved page fault, log it like core and record it', () => {
    const sys = boot(PROBE);
    const t = [...sys.init.children.get('probe')!.pd.threads][0];
    expect(t.paused).toBe(true);
    expect(t.stopState).toBe(1); // PAGE_FAULT
    expect(t.stopTval).toBe(8);
    expect(sys.core.faults).toHaveLength(1);
    expect(sys.core.faults[0]).toMatchObject({
      pd: 'init -> probe',
      thread: 'ep',
      addr: 8,
      type: 'READ',
      threadId: t.id,
    });
    expect(sys.transcript()).toContain(
      `[core] Error: no RM attachment (READ pf_addr=0x00000008 pf_ip=0x${(sys.core.faults[0].ip >>> 0).toString(16).padStart(8, '0')} from pager_object: pd='init -> probe' thread='ep')`,
    );
    expect(sys.kernel.reason(t)).toBe('stopped by a page fault');
  });

  it('stop a thread on an exception and log it', () => {
    const sys = boot(`.text\n.globl _start\n_start:\n  nop\n  ebreak\n1: j 1b\n`);
    const t = [...sys.init.children.get('probe')!.pd.threads][0];
    expect(t.stopState).toBe(2); // EXCEPTION
    expect(sys.core.faults[0]).toMatchObject({ pd: 'init -> probe', thread: 'ep', ip: 0x10004 });
    expect(
      sys
        .transcript()
        .some((l) => l.startsWith("[core] Error: breakpoint (pd='init -> probe' thread='ep' ip=0x00010004")),
    ).toBe(true);
    const illegal = boot(`.text\n.globl _start\n_start:\n  .word 0\n`);
    expect(
      illegal.transcript().some((l) => l.startsWith("[core] Error: illegal instruction (pd='init -> probe'")),
    ).toBe(true);
  });

  it('cannot write its own code (text is mapped read-only and executable)', () => {
    const sys = boot(`.text\n.globl _start\n_start:\n  la t0, _start\n  sw zero, 0(t0)\n1: j 1b\n`);
    expect(sys.core.faults[0]?.message).toMatch(/^write to a read-only region \(WRITE pf_addr=0x00010000/);
  });
});
