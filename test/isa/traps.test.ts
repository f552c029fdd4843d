/**
 * Synchronous traps and the trap-return instructions: ECALL from each mode, delegation with
 * medeleg, MRET/SRET and the interrupt-enable stack, EBREAK, illegal instructions (mtval =
 * the instruction bits), access faults, and the privileged instructions' own rules (TSR, TW,
 * TVM, xRET from too low a mode).
 */
import { describe, expect, it } from 'vitest';
import { ENTER_S, ENTER_U, PASS, TO_M, TO_M_EBREAK, runPass, type Run } from './harness';

const MPP = (status: number): number => (status >>> 11) & 3;
const bit = (v: number, b: number): number => (v >>> b) & 1;
const log = (r: Run): number[][] => r.traps().map((t) => [t.cause, t.epc, t.tval]);
const slog = (r: Run): number[][] => r.straps().map((t) => [t.cause, t.epc, t.tval]);

describe('ECALL and delegation', () => {
  it('ecall from U, S and M raises 8, 9 and 11 with mepc = the ecall and mtval = 0', () => {
    const r = runPass(`
main:
  ${ENTER_U}
eu:
  ecall
  ${TO_M}
  ${ENTER_S}
es:
  ecall
  ${TO_M}
em:
  ecall
  ${PASS}
`);
    expect(log(r)).toEqual([
      [8, r.sym('eu'), 0],
      [9, r.sym('es'), 0],
      [11, r.sym('em'), 0],
    ]);
    expect(r.traps().map((t) => MPP(t.status))).toEqual([0, 1, 3]);
  });

  it('medeleg sends U ecalls to S (scause, sepc, stval, SPP = U, SPIE = old SIE); sret returns to U', () => {
    const r = runPass(`
main:
  li t0, 1 << 8
  csrw medeleg, t0
  csrsi sstatus, 2          # SIE = 1 (no interrupt is enabled in sie)
  ${ENTER_U}
eu:
  ecall                     # to the S handler, which returns here + 4
eu2:
  ecall
  ${TO_M}                   # forwarded by the S handler
  csrw medeleg, zero
  ${ENTER_S}
es:
  ecall                     # ECALL from S is not delegated: to M
  ${TO_M}
  ${PASS}
`);
    expect(slog(r)).toEqual([
      [8, r.sym('eu'), 0],
      [8, r.sym('eu2'), 0],
    ]);
    for (const t of r.straps()) {
      expect(bit(t.status, 8)).toBe(0); // SPP = U
      expect(bit(t.status, 1)).toBe(0); // SIE cleared on entry
    }
    expect(bit(r.straps()[0].status, 5)).toBe(1); // SPIE = SIE before the first trap
    expect(log(r)).toEqual([[9, r.sym('es'), 0]]);
  });

  it('delegated traps from S record SPP = S; M-mode traps are never delegated', () => {
    const r = runPass(`
main:
  li t0, (1 << 9) | (1 << 2)
  csrw medeleg, t0
  ${ENTER_S}
es:
  ecall                     # delegated: S handler
ill:
  .word 0xffffffff          # illegal, delegated: S handler
bp:
  ebreak                    # not delegated: M handler
  ${TO_M_EBREAK}
  li t0, (1 << 9) | (1 << 2)
  csrw medeleg, t0
mill:
  .word 0xffffffff          # illegal in M: stays in M despite medeleg
  csrw medeleg, zero
  ${PASS}
`);
    expect(slog(r)).toEqual([
      [9, r.sym('es'), 0],
      [2, r.sym('ill'), 0xffffffff],
    ]);
    expect(r.straps().map((t) => bit(t.status, 8))).toEqual([1, 1]);
    expect(log(r)).toEqual([
      [3, r.sym('bp'), r.sym('bp')],
      [2, r.sym('mill'), 0xffffffff],
    ]);
  });
});

describe('MRET and SRET', () => {
  it('mret in M-mode: MIE = MPIE, MPIE = 1, MPP = U', () => {
    const r = runPass(`
main:
  li t0, 0x1888
  csrc mstatus, t0          # MIE = MPIE = 0, MPP = 0
  li t0, (3 << 11) | (1 << 7)
  csrs mstatus, t0          # MPP = M, MPIE = 1
  la t0, 1f
  csrw mepc, t0
  mret
1:
  csrr s1, mstatus
  li t0, 0x1800
  csrs mstatus, t0          # MPP = M, MPIE = 1 (from the mret), MIE = 1
  li t0, 0x88
  csrc mstatus, t0          # MIE = MPIE = 0
  la t0, 2f
  csrw mepc, t0
  mret
2:
  csrr s2, mstatus
  ${PASS}
`);
    const s1 = r.ureg('s1');
    expect([bit(s1, 3), bit(s1, 7), MPP(s1)]).toEqual([1, 1, 0]);
    const s2 = r.ureg('s2');
    expect([bit(s2, 3), bit(s2, 7), MPP(s2)]).toEqual([0, 1, 0]);
  });

  it('mret to S and U sets the privilege; the next trap shows where it came from and MIE', () => {
    const r = runPass(`
main:
  li t0, 1 << 7
  csrs mstatus, t0          # MPIE = 1: MIE will be 1 after mret (no interrupt is enabled in mie)
  ${ENTER_S}
es:
  ecall
  ${TO_M}
  li t0, 0x88
  csrc mstatus, t0          # MPIE = 0
  ${ENTER_U}
eu:
  ecall
  ${TO_M}
  ${PASS}
`);
    const [s, u] = r.traps();
    expect([s.cause, MPP(s.status), bit(s.status, 7)]).toEqual([9, 1, 1]); // MPIE = MIE at the trap
    expect([u.cause, MPP(u.status), bit(u.status, 7)]).toEqual([8, 0, 0]);
  });

  it('sret: SIE = SPIE, SPIE = 1, SPP = U, and the privilege comes from SPP', () => {
    const r = runPass(`
main:
  ${ENTER_S}
  li t0, (1 << 8) | (1 << 5) | (1 << 1)
  csrc sstatus, t0
  li t0, (1 << 8) | (1 << 5)
  csrs sstatus, t0          # SPP = S, SPIE = 1, SIE = 0
  la t0, 1f
  csrw sepc, t0
  sret
1:
  csrr s1, sstatus          # still S: SIE = 1, SPIE = 1, SPP = U
  li t0, 1 << 1
  csrc sstatus, t0          # SIE = 0 (SPIE stays 1, SPP = U)
  li t0, 1 << 5
  csrc sstatus, t0          # SPIE = 0
  la t0, 2f
  csrw sepc, t0
  sret
2:
eu:
  ecall                     # in U now
  ${TO_M}
  ${PASS}
`);
    const s1 = r.ureg('s1');
    expect([bit(s1, 1), bit(s1, 5), bit(s1, 8)]).toEqual([1, 1, 0]);
    const t = r.traps()[0];
    expect([t.cause, t.epc, MPP(t.status)]).toEqual([8, r.sym('eu'), 0]);
    expect([bit(t.status, 1), bit(t.status, 5)]).toEqual([0, 1]); // SIE = old SPIE = 0, SPIE = 1
  });

  it('xRET and privileged instructions from too low a mode, and with TSR/TW/TVM, are illegal', () => {
    const r = runPass(`
main:
  ${ENTER_S}
m1:
  mret
  ${TO_M}
  ${ENTER_U}
s1:
  sret
w1:
  wfi
f1:
  sfence.vma
  ${TO_M}
  li t0, (1 << 22) | (1 << 21) | (1 << 20)
  csrs mstatus, t0          # TSR, TW, TVM
  ${ENTER_S}
s2:
  sret
w2:
  wfi
f2:
  sfence.vma
p2:
  csrr a0, satp
  ${TO_M}
  li t0, (1 << 22) | (1 << 21) | (1 << 20)
  csrc mstatus, t0
  ${PASS}
`);
    const names = ['m1', 's1', 'w1', 'f1', 's2', 'w2', 'f2', 'p2'];
    expect(log(r)).toEqual(names.map((n) => [2, r.sym(n), r.word(r.sym(n))]));
  });
});

describe('EBREAK, illegal instructions and access faults', () => {
  it('ebreak raises 3 with mtval = pc', () => {
    const r = runPass(`
main:
b1:
  ebreak
  ${ENTER_S}
b2:
  ebreak
  ${TO_M}
  ${PASS}
`);
    expect(log(r)).toEqual([
      [3, r.sym('b1'), r.sym('b1')],
      [3, r.sym('b2'), r.sym('b2')],
    ]);
  });

  it('illegal instructions raise 2 with mtval = the instruction bits (16 for compressed)', () => {
    const r = runPass(`
main:
i1:
  .word 0xffffffff
i2:
  .word 0xfe000033          # OP with an unknown funct7
i3:
  .word 0x0000007f          # reserved long-instruction prefix
i4:
  .half 0x0000              # the all-zero halfword
i5:
  .half 0x8002              # c.jr x0: reserved
i6:
  .half 0x4002              # c.lwsp x0: reserved
i7:
  .word 0x00002073          # csrrs x0, ustatus-less CSR 0: unimplemented
  .balign 4
  ${PASS}
`);
    expect(log(r)).toEqual([
      [2, r.sym('i1'), 0xffffffff],
      [2, r.sym('i2'), 0xfe000033],
      [2, r.sym('i3'), 0x0000007f],
      [2, r.sym('i4'), 0],
      [2, r.sym('i5'), 0x8002],
      [2, r.sym('i6'), 0x4002],
      [2, r.sym('i7'), 0x00002073],
    ]);
  });

  it('reserved, RV64-only and floating-point encodings are illegal in RV32IMAC', () => {
    const words: [string, number, 2 | 4][] = [
      ['c.lui a0, 0 (reserved)', 0x6501, 2],
      ['c.addi16sp sp, 0 (reserved)', 0x6101, 2],
      ['c.srli s0, 33 (shamt[5] = 1)', 0x9005, 2],
      ['c.slli a0, 33 (shamt[5] = 1)', 0x1506, 2],
      ['c.subw (RV64)', 0x9c01, 2],
      ['c.fld', 0x2000, 2],
      ['c.flw', 0x6000, 2],
      ['c.fsdsp', 0xa002, 2],
      ['slli a0, a0, 32', 0x02051513, 4],
      ['uret', 0x00200073, 4],
      ['flw', 0x00052007, 4],
      ['addw (RV64)', 0x00b5053b, 4],
    ];
    const body = words.map(([, w, n], k) => `i${k}:\n  ${n === 2 ? '.half' : '.word'} ${w}`).join('\n');
    const r = runPass(`
main:
${body}
  .balign 4
  ${PASS}
`);
    expect(log(r)).toEqual(words.map(([, w], k) => [2, r.sym(`i${k}`), w]));
  });

  it('fetching from an address with no memory raises 1 with mtval = mepc = the address', () => {
    const r = runPass(
      `
main:
  li t0, 0x40000000
  jalr ra, 0(t0)            # nothing there
r1:
  li t0, 0x10000000
  jalr ra, 0(t0)            # the UART: not executable
r2:
  li t0, 0x80000000 + 4 * 1024 * 1024
  jalr ra, 0(t0)            # just past the end of RAM
r3:
  ${PASS}
`,
      { ramSize: 4 * 1024 * 1024 },
    );
    expect(log(r)).toEqual([
      [1, 0x40000000, 0x40000000],
      [1, 0x10000000, 0x10000000],
      [1, 0x80400000, 0x80400000],
    ]);
  });

  it('loads and stores where nothing answers raise 5 and 7 with mtval = the address', () => {
    const r = runPass(`
main:
  li s0, 0x40000000
l1:
  lw a0, 4(s0)
s1:
  sw a0, 8(s0)
  li s1, 0x02000000        # CLINT: word accesses only
l2:
  lb a0, 0(s1)
s2:
  sh a0, 0(s1)
  li s2, 0x1000            # boot ROM: read-only
l3:
  lw a0, 0(s2)
s3:
  sw a0, 0(s2)
  ${PASS}
`);
    expect(log(r)).toEqual([
      [5, r.sym('l1'), 0x40000004],
      [7, r.sym('s1'), 0x40000008],
      [5, r.sym('l2'), 0x02000000],
      [7, r.sym('s2'), 0x02000000],
      [7, r.sym('s3'), 0x1000],
    ]);
    expect(r.m.bus.read(0x1000, 4)).not.toBe(0);
  });
});
