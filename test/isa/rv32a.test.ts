/**
 * RV32A: the AMOs against reference semantics, LR/SC success and failure (no reservation, a
 * consumed reservation, another hart's store), and misaligned LR/SC/AMO traps (we implement
 * the A extension without Zam: cause 4 for LR, 6 for SC and AMOs, mtval = the address).
 */
import { describe, expect, it } from 'vitest';
import { CHECK, PASS, runPass } from './harness';

const i32 = (v: number): number => v | 0;

/** AMO reference: the new memory value from the old one and rs2. */
const AMOS: Record<string, (mem: number, src: number) => number> = {
  'amoswap.w': (_m, v) => v,
  'amoadd.w': (m, v) => i32(m + v),
  'amoxor.w': (m, v) => m ^ v,
  'amoand.w': (m, v) => m & v,
  'amoor.w': (m, v) => m | v,
  'amomin.w': (m, v) => Math.min(m, v),
  'amomax.w': (m, v) => Math.max(m, v),
  'amominu.w': (m, v) => (m >>> 0 < v >>> 0 ? m : v),
  'amomaxu.w': (m, v) => (m >>> 0 > v >>> 0 ? m : v),
};
const PAIRS: [number, number][] = [
  [0, 0],
  [5, 7],
  [-1, 1],
  [1, -1],
  [0x7fffffff, 1],
  [-0x80000000, 0x7fffffff],
  [0x7fffffff, -0x80000000],
  [0x12345678, -0x12345678],
  [-2, -3],
];

describe('RV32A AMOs', () => {
  for (const [op, ref] of Object.entries(AMOS)) {
    it(`${op} returns the old value and stores op(old, rs2)`, () => {
      const body = PAIRS.map(
        ([m, v], k) => `
  li a0, ${m}
  sw a0, 0(s0)
  li a1, ${v}
  ${op} a2, a1, (s0)
  lw a3, 0(s0)
  sw a2, ${8 * k}(s1)
  sw a3, ${8 * k + 4}(s1)`,
      ).join('\n');
      const r = runPass(`
main:
  la s0, cell
  la s1, results
${body}
  ${PASS}
.data
.balign 4
cell: .word 0
results: .space ${PAIRS.length * 8}
`);
      const base = r.sym('results');
      const got = PAIRS.map((_, k) => [r.word(base + 8 * k) | 0, r.word(base + 8 * k + 4) | 0]);
      expect(got).toEqual(PAIRS.map(([m, v]) => [m | 0, ref(m | 0, v | 0) | 0]));
    });
  }

  it('accepts the .aq, .rl and .aqrl orderings', () => {
    const r = runPass(`
main:
  la s0, cell
  li a1, 2
  amoadd.w.aq a2, a1, (s0)
  amoadd.w.rl a2, a1, (s0)
  amoadd.w.aqrl a2, a1, (s0)
  lr.w.aq a3, (s0)
  sc.w.rl a4, a1, (s0)
  lr.w.aqrl a3, (s0)
  sc.w.aqrl a4, a1, (s0)
  ${CHECK(1, 'a4', 0)}
  lw a5, 0(s0)
  ${PASS}
.data
.balign 4
cell: .word 10
`);
    expect(r.reg('a2')).toBe(14);
    expect(r.reg('a5')).toBe(2);
  });
});

describe('RV32A LR/SC', () => {
  it('SC succeeds after LR to the same word and writes', () => {
    const r = runPass(`
main:
  la s0, cell
  lr.w a0, (s0)
  addi a0, a0, 1
  sc.w a1, a0, (s0)
  lw a2, 0(s0)
  ${PASS}
.data
.balign 4
cell: .word 41
`);
    expect(r.reg('a1')).toBe(0);
    expect(r.reg('a2')).toBe(42);
  });

  it('SC fails (rd != 0, no write) without a reservation and after an SC consumed it', () => {
    const r = runPass(`
main:
  la s0, cell
  li a0, 7
  sc.w s1, a0, (s0)        # no reservation since reset
  lw s2, 0(s0)
  lr.w a1, (s0)
  li a0, 8
  sc.w s3, a0, (s0)        # succeeds
  li a0, 9
  sc.w s4, a0, (s0)        # reservation consumed: fails
  lw s5, 0(s0)
  ${PASS}
.data
.balign 4
cell: .word 1
`);
    expect(r.reg('s1')).not.toBe(0);
    expect(r.reg('s2')).toBe(1);
    expect(r.reg('s3')).toBe(0);
    expect(r.reg('s4')).not.toBe(0);
    expect(r.reg('s5')).toBe(8);
  });

  it('SC to another word than the LR fails (our reservation set is one word: implementation-specific)', () => {
    const r = runPass(`
main:
  la s0, cell
  addi s3, s0, 4
  lr.w a1, (s0)
  li a0, 5
  sc.w s1, a0, (s3)
  lw s2, 4(s0)
  ${PASS}
.data
.balign 4
cell: .word 1, 2
`);
    expect(r.reg('s1')).not.toBe(0);
    expect(r.reg('s2')).toBe(2);
  });

  /**
   * Hart 0 takes a reservation, hart 1 does `action` on the reserved word (or near it), then
   * hart 0's SC runs. Returns hart 0's SC result and the final word.
   */
  function contended(action: string): { sc: number; value: number } {
    const r = runPass(
      `
main:
  la s0, cell
  la s1, flag
  la s2, ack
  bnez a0, other
  lr.w a1, (s0)
  li t0, 1
  sw t0, 0(s1)             # tell hart 1 to go
1:
  lw t0, 0(s2)
  beqz t0, 1b
  li a2, 100
  sc.w a3, a2, (s0)
  lw a4, 0(s0)
  ${PASS}
other:
1:
  lw t0, 0(s1)
  beqz t0, 1b
  li a2, 55
  ${action}
  li t0, 1
  sw t0, 0(s2)
2:
  wfi
  j 2b
.data
.balign 4
cell: .word 1, 2
flag: .word 0
ack: .word 0
`,
      { harts: 2 },
    );
    return { sc: r.reg('a3'), value: r.reg('a4') };
  }

  it('another hart storing to the reserved word makes SC fail', () => {
    expect(contended('sw a2, 0(s0)')).toEqual({ sc: 1, value: 55 });
  });

  it('another hart storing a byte of the reserved word makes SC fail', () => {
    expect(contended('sb a2, 3(s0)')).toEqual({ sc: 1, value: 0x37000001 });
  });

  it("another hart's AMO on the reserved word makes SC fail", () => {
    expect(contended('amoadd.w zero, a2, (s0)')).toEqual({ sc: 1, value: 56 });
  });

  it("another hart's failing SC (no reservation of its own) does not break the reservation", () => {
    expect(contended('sc.w t1, a2, (s0)')).toEqual({ sc: 0, value: 100 });
  });

  it('a store by another hart to the next word leaves the reservation (one-word set: implementation-specific)', () => {
    expect(contended('sw a2, 4(s0)')).toEqual({ sc: 0, value: 100 });
  });
});

describe('RV32A misaligned', () => {
  it('misaligned LR traps with cause 4, SC and AMOs with cause 6; mtval = address; nothing written', () => {
    const r = runPass(`
main:
  la s0, cell
  li a0, 0x11
  li a1, 0x22
  li a2, 0x33
  li a3, 0x44
  li a5, 9
  addi s1, s0, 1
  addi s2, s0, 2
  addi s3, s0, 3
lr1:
  lr.w a0, (s1)
sc1:
  sc.w a1, a5, (s2)
amo1:
  amoadd.w a2, a5, (s2)
amo2:
  amoswap.w a3, a5, (s3)
lr2:
  lr.w a4, (s0)
sc2:
  sc.w a4, a5, (s2)        # misaligned SC: traps even with a reservation
  lw s4, 0(s0)
  lw s5, 4(s0)
  ${PASS}
.data
.balign 4
cell: .word 0x01020304, 0x05060708
`);
    const t = r.traps();
    expect(t.map((x) => [x.cause, x.epc, x.tval])).toEqual([
      [4, r.sym('lr1'), r.sym('cell') + 1],
      [6, r.sym('sc1'), r.sym('cell') + 2],
      [6, r.sym('amo1'), r.sym('cell') + 2],
      [6, r.sym('amo2'), r.sym('cell') + 3],
      [6, r.sym('sc2'), r.sym('cell') + 2],
    ]);
    expect([r.reg('a0'), r.reg('a1'), r.reg('a2'), r.reg('a3')]).toEqual([0x11, 0x22, 0x33, 0x44]);
    expect([r.ureg('s4'), r.ureg('s5')]).toEqual([0x01020304, 0x05060708]);
  });
});
