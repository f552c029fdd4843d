/**
 * Zicsr and the CSR rules of the privileged architecture: read-only CSRs, privilege checks,
 * unimplemented CSRs, the read-without-write forms, counters and their enables, and the
 * WARL fields we implement.
 */
import { describe, expect, it } from 'vitest';
import { CHECK, ENTER_S, ENTER_U, PASS, TO_M, runPass, type Run } from './harness';

const ILLEGAL = 2;

/** [cause, epc, tval] of every trap the default M handler logged. */
const traps = (r: Run): number[][] => r.traps().map((t) => [t.cause, t.epc, t.tval]);

/** The expected log entry for an illegal instruction at label `l`: tval = its bits. */
const illegalAt = (r: Run, l: string): number[] => [ILLEGAL, r.sym(l), r.word(r.sym(l))];

describe('CSR instructions', () => {
  it('csrrw/csrrs/csrrc and the immediate forms read the old value and write the new one', () => {
    const r = runPass(`
main:
  csrr s11, mscratch       # the trap handler's; restored below
  li a0, 0x0f0f
  csrrw a1, mscratch, a0   # new 0x0f0f
  li a0, 0xf000
  csrrs a2, mscratch, a0   # new 0xff0f
  li a0, 0x0f00
  csrrc a3, mscratch, a0   # new 0xf00f
  csrrwi a4, mscratch, 21  # new 21
  csrrsi a5, mscratch, 10  # new 31
  csrrci a6, mscratch, 5   # new 26
  csrr a7, mscratch
  li t0, 77
  csrrw t0, mscratch, t0   # rd = rs1: old value in, new value out
  csrr t1, mscratch
  csrw mscratch, s11
  ${PASS}
`);
    expect(r.ureg('a1')).toBe(r.ureg('s11'));
    expect([r.reg('a2'), r.reg('a3'), r.reg('a4'), r.reg('a5'), r.reg('a6'), r.reg('a7')]).toEqual([
      0x0f0f, 0xff0f, 0xf00f, 21, 31, 26,
    ]);
    expect([r.reg('t0'), r.reg('t1')]).toEqual([26, 77]);
  });

  it('reads read-only CSRs with csrrs/csrrc rs1=x0 and csrrsi/csrrci zimm=0 (no write)', () => {
    const r = runPass(`
main:
  csrr a0, mhartid
  csrrs a1, mvendorid, x0
  csrrc a2, marchid, x0
  csrrsi a3, mimpid, 0
  csrrci a4, mhartid, 0
  csrr a5, cycle
  csrr a6, instret
  ${PASS}
`);
    expect(r.traps()).toEqual([]);
    expect([r.reg('a0'), r.reg('a1'), r.reg('a2'), r.reg('a3'), r.reg('a4')]).toEqual([0, 0, 0, 0, 0]);
    expect(r.ureg('a6')).toBeGreaterThan(0);
  });

  it('writing a read-only CSR is illegal (mtval = instruction bits), even with a zero value', () => {
    const r = runPass(`
main:
  li a0, 0x55
  li a1, 0x66
  li t2, 0
w1:
  csrw mhartid, a1
w2:
  csrrs a0, mvendorid, t2   # rs1 != x0: a write, although t2 = 0
w3:
  csrrwi x0, cycle, 0
w4:
  csrrci a0, marchid, 1
w5:
  csrrw a0, instret, a1
  ${PASS}
`);
    expect(traps(r)).toEqual(['w1', 'w2', 'w3', 'w4', 'w5'].map((l) => illegalAt(r, l)));
    expect(r.reg('a0')).toBe(0x55); // rd is not written by a trapping CSR instruction
  });

  it('unimplemented CSRs are illegal', () => {
    const r = runPass(`
main:
u1:
  csrr a0, 0x7c0           # custom M read/write
u2:
  csrr a0, 0x5c0           # custom S
u3:
  csrw 0x800, a0           # custom U
u4:
  csrr a0, 0x3c0           # pmpaddr16: beyond our 16 entries
u5:
  csrr a0, 0xfff
u6:
  csrr a0, 0x3a4           # pmpcfg4
  ${PASS}
`);
    expect(traps(r)).toEqual(['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((l) => illegalAt(r, l)));
  });

  it('accessing a CSR from too low a privilege is illegal', () => {
    const r = runPass(`
main:
  ${ENTER_S}
  csrr s1, sstatus         # fine in S
  csrw sscratch, s1
s1:
  csrr a0, mstatus
s2:
  csrw mscratch, a0
s3:
  csrr a0, mhartid
  ${TO_M}
  ${ENTER_U}
u1:
  csrr a0, sstatus
u2:
  csrr a0, satp
u3:
  csrw sscratch, a0
u4:
  csrr a0, mepc
  ${TO_M}
  ${PASS}
`);
    expect(traps(r)).toEqual(['s1', 's2', 's3', 'u1', 'u2', 'u3', 'u4'].map((l) => illegalAt(r, l)));
    expect(r.traps().map((t) => (t.status >>> 11) & 3)).toEqual([1, 1, 1, 0, 0, 0, 0]);
  });
});

describe('CSR values', () => {
  it('misa is MXL=1 with A C I M S U, and ignores writes', () => {
    const r = runPass(`
main:
  csrr a0, misa
  csrw misa, zero
  csrr a1, misa
  ${PASS}
`);
    expect(r.ureg('a0')).toBe(0x40141105);
    expect(r.ureg('a1')).toBe(0x40141105);
  });

  it('mhartid is the hart number on every hart (and a0 from the boot ROM agrees)', () => {
    const r = runPass(
      `
main:
  csrr t0, mhartid
  la t1, ids
  slli t2, t0, 2
  add t1, t1, t2
  sw t0, 0(t1)
  sw a0, 16(t1)
  la t1, done
  li t2, 1
  amoadd.w zero, t2, (t1)
  bnez t0, 2f
1:
  lw t2, 0(t1)
  li t3, 4
  bne t2, t3, 1b
  ${PASS}
2:
  wfi
  j 2b
.data
.balign 4
ids: .word -1, -1, -1, -1, -1, -1, -1, -1
done: .word 0
`,
      { harts: 4 },
    );
    const ids = Array.from({ length: 8 }, (_, i) => r.word(r.sym('ids') + 4 * i));
    expect(ids).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('mtvec and stvec: modes 0 and 1 are kept, reserved modes 2 and 3 read back as Direct', () => {
    const r = runPass(`
main:
  csrr s11, mtvec
  li t0, 0x80001001
  csrw mtvec, t0
  csrr a0, mtvec
  li t0, 0x80001002
  csrw mtvec, t0
  csrr a1, mtvec
  li t0, 0x80001003
  csrw mtvec, t0
  csrr a2, mtvec
  li t0, 0x80001000
  csrw mtvec, t0
  csrr a3, mtvec
  csrw mtvec, s11
  csrr s10, stvec
  li t0, 0x80002001
  csrw stvec, t0
  csrr a4, stvec
  li t0, 0x80002003
  csrw stvec, t0
  csrr a5, stvec
  csrw stvec, s10
  ${PASS}
`);
    expect([r.ureg('a0'), r.ureg('a1'), r.ureg('a2'), r.ureg('a3')]).toEqual([
      0x80001001, 0x80001000, 0x80001000, 0x80001000,
    ]);
    expect([r.ureg('a4'), r.ureg('a5')]).toEqual([0x80002001, 0x80002000]);
  });

  it('mstatus: MPP keeps M, S and U; the reserved value 2 reads back as U (our WARL choice)', () => {
    const mpp = (v: number): string => `
  li t0, 0x1800
  csrc mstatus, t0
  li t0, ${v << 11}
  csrs mstatus, t0
  csrr t1, mstatus
  srli t1, t1, 11
  andi t1, t1, 3
  sw t1, ${4 * v}(s0)`;
    const r = runPass(`
main:
  la s0, mpps
${[0, 1, 2, 3].map(mpp).join('\n')}
  ${PASS}
.data
.balign 4
mpps: .word -1, -1, -1, -1
`);
    const got = [0, 1, 2, 3].map((i) => r.word(r.sym('mpps') + 4 * i));
    expect(got).toEqual([0, 1, 0, 3]);
  });

  it('writable bits of mstatus, sstatus, medeleg, mideleg, mie and mip', () => {
    const r = runPass(`
main:
  li t0, -1
  csrrw s1, mstatus, t0
  csrrw a0, mstatus, s1     # a0: every writable mstatus bit
  csrw sstatus, t0
  csrr a1, sstatus          # the S view
  csrr a2, mstatus          # only the sstatus bits changed
  csrw mstatus, s1
  csrw medeleg, t0
  csrr a3, medeleg
  csrw mideleg, t0
  csrr a4, mideleg
  csrw mie, t0
  csrr a5, mie
  csrr a6, sie              # mie & mideleg
  csrw mie, zero
  csrw mip, t0
  csrr a7, mip              # only SSIP, STIP, SEIP are software-writable
  csrr s2, sip
  csrw mip, zero
  csrw medeleg, zero
  csrw mideleg, zero
  ${PASS}
`);
    expect(r.ureg('a0')).toBe(0x007e19aa);
    expect(r.ureg('a1')).toBe(0x000c0122);
    expect(r.ureg('a2')).toBe((r.ureg('s1') | 0x000c0122) >>> 0);
    expect(r.ureg('a3')).toBe(0xb3ff); // every exception but ECALL from M (and reserved codes)
    expect(r.ureg('a4')).toBe(0x222);
    expect(r.ureg('a5')).toBe(0xaaa);
    expect(r.ureg('a6')).toBe(0x222);
    expect(r.ureg('a7')).toBe(0x222);
    expect(r.ureg('s2')).toBe(0x222);
  });
  it('mepc and sepc keep bit 0 clear (IALIGN = 16); mtval and mcause hold any value', () => {
    const r = runPass(`
main:
  csrr s11, mepc
  li t0, 0x80000003
  csrw mepc, t0
  csrr a0, mepc
  csrw sepc, t0
  csrr a1, sepc
  li t0, 0x12345679
  csrw mtval, t0
  csrr a2, mtval
  li t0, 0x8000000b
  csrw mcause, t0
  csrr a3, mcause
  ${PASS}
`);
    expect([r.ureg('a0'), r.ureg('a1'), r.ureg('a2'), r.ureg('a3')]).toEqual([
      0x80000002, 0x80000002, 0x12345679, 0x8000000b,
    ]);
  });
});

describe('counters', () => {
  it('cycle, instret and time count in M-mode; minstret, minstreth and mcycle are writable', () => {
    const r = runPass(`
main:
  csrr a0, instret
  nop
  nop
  csrr a1, instret          # 3 instructions later
  csrr a2, cycle
  nop
  csrr a3, cycle
  li t0, 100
  csrw minstret, t0
  csrr a4, minstret         # the write does not count itself
  li t0, 5
  csrw minstreth, t0
  csrr a5, minstreth
  csrr a6, instreth
  csrr s4, cycle
  csrr s1, time             # one cycle later
  li t0, 1000
  csrw mcycle, t0
  csrr a7, mcycle
  csrr s2, timeh
  csrr s3, cycleh
  ${PASS}
`);
    expect(r.reg('a1') - r.reg('a0')).toBe(3);
    expect(r.reg('a3') - r.reg('a2')).toBe(2);
    expect(r.reg('a4')).toBe(100);
    expect([r.reg('a5'), r.reg('a6')]).toEqual([5, 5]);
    expect(r.reg('a7')).toBeGreaterThanOrEqual(1000);
    expect(r.reg('a7')).toBeLessThanOrEqual(1002);
    // mtime runs at timebaseHz = cpuHz / 10: one tick per 10 cycles.
    expect(r.reg('s1')).toBe(Math.floor((r.reg('s4') + 1) / 10));
    expect([r.reg('s2'), r.reg('s3')]).toEqual([0, 0]);
  });

  it('an ECALL does not retire (minstret counts only the handler and the code around it)', () => {
    const r = runPass(`
main:
  la t0, handler
  csrw mtvec, t0
  csrr a0, minstret
  ecall
  csrr a1, minstret
  ${PASS}
handler:                    # 4 instructions
  csrr t1, mepc
  addi t1, t1, 4
  csrw mepc, t1
  mret
`);
    expect(r.reg('a1') - r.reg('a0')).toBe(5); // the handler's 4, then the second csrr
  });

  /** Counter accesses from `mode` with the given enables; returns which of them trapped. */
  function counterAccess(mode: 'S' | 'U', mcounteren: number, scounteren: number): string[] {
    const r = runPass(`
main:
  li t0, ${mcounteren}
  csrw mcounteren, t0
  li t0, ${scounteren}
  csrw scounteren, t0
  ${mode === 'S' ? ENTER_S : ENTER_U}
cy:
  csrr a0, cycle
tm:
  csrr a0, time
ir:
  csrr a0, instret
cyh:
  csrr a0, cycleh
tmh:
  csrr a0, timeh
irh:
  csrr a0, instreth
  ${TO_M}
  ${PASS}
`);
    const names = ['cy', 'tm', 'ir', 'cyh', 'tmh', 'irh'];
    for (const t of r.traps()) expect(t.cause).toBe(ILLEGAL);
    return r.traps().map((t) => names.find((n) => r.sym(n) === t.epc) ?? '?');
  }

  it('S-mode needs mcounteren (CY, TM, IR bits)', () => {
    expect(counterAccess('S', 0, 7)).toEqual(['cy', 'tm', 'ir', 'cyh', 'tmh', 'irh']);
    expect(counterAccess('S', 1, 0)).toEqual(['tm', 'ir', 'tmh', 'irh']);
    expect(counterAccess('S', 2, 0)).toEqual(['cy', 'ir', 'cyh', 'irh']);
    expect(counterAccess('S', 4, 0)).toEqual(['cy', 'tm', 'cyh', 'tmh']);
    expect(counterAccess('S', 7, 0)).toEqual([]);
  });

  it('U-mode needs both mcounteren and scounteren', () => {
    expect(counterAccess('U', 7, 0)).toEqual(['cy', 'tm', 'ir', 'cyh', 'tmh', 'irh']);
    expect(counterAccess('U', 0, 7)).toEqual(['cy', 'tm', 'ir', 'cyh', 'tmh', 'irh']);
    expect(counterAccess('U', 7, 5)).toEqual(['tm', 'tmh']);
    expect(counterAccess('U', 7, 7)).toEqual([]);
  });

  it('scounteren is accessible from S-mode, mcounteren is not', () => {
    const r = runPass(`
main:
  ${ENTER_S}
  li t0, 7
  csrw scounteren, t0
  csrr s1, scounteren
bad:
  csrw mcounteren, t0
  ${TO_M}
  ${CHECK(1, 's1', 7)}
  ${PASS}
`);
    expect(traps(r)).toEqual([illegalAt(r, 'bad')]);
  });
});
