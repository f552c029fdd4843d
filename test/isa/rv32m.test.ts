/**
 * RV32M: multiply and divide against BigInt references, including the high products of
 * negative and large operands, division by zero and the one signed overflow (-2^31 / -1).
 */
import { describe, expect, it } from 'vitest';
import { PASS, runPass } from './harness';

const s = (v: number): bigint => BigInt(v | 0);
const u = (v: number): bigint => BigInt(v >>> 0);
const i32 = (v: bigint): number => Number(BigInt.asIntN(32, v));
const INT_MIN = -0x80000000;

/** Reference semantics from the ISA manual (M extension, division table). */
const OPS: Record<string, (a: number, b: number) => number> = {
  mul: (a, b) => i32(s(a) * s(b)),
  mulh: (a, b) => i32((s(a) * s(b)) >> 32n),
  mulhsu: (a, b) => i32((s(a) * u(b)) >> 32n),
  mulhu: (a, b) => i32((u(a) * u(b)) >> 32n),
  div: (a, b) => (b === 0 ? -1 : a === INT_MIN && b === -1 ? INT_MIN : i32(s(a) / s(b))),
  divu: (a, b) => (b === 0 ? -1 : i32(u(a) / u(b))),
  rem: (a, b) => (b === 0 ? a | 0 : a === INT_MIN && b === -1 ? 0 : i32(s(a) % s(b))),
  remu: (a, b) => (b === 0 ? a | 0 : i32(u(a) % u(b))),
};

const VALUES = [
  0,
  1,
  -1,
  2,
  -2,
  3,
  -7,
  7,
  0x7fffffff,
  INT_MIN,
  0x80000001 | 0,
  0x12345678,
  -0x12345678,
  0xfffffffe | 0,
  0x10000,
  0xffff,
];

describe('RV32M', () => {
  for (const [op, ref] of Object.entries(OPS)) {
    it(`${op} over ${VALUES.length}x${VALUES.length} operand pairs`, () => {
      const pairs = VALUES.flatMap((a) => VALUES.map((b) => [a, b] as const));
      // The operands come from a table in memory; the loop stores one result per pair.
      const table = pairs.map(([a, b]) => `  .word ${a >>> 0}, ${b >>> 0}`).join('\n');
      const r = runPass(
        `
main:
  la s0, operands
  la s1, results
  li s2, ${pairs.length}
1:
  lw a0, 0(s0)
  lw a1, 4(s0)
  ${op} a2, a0, a1
  sw a2, 0(s1)
  addi s0, s0, 8
  addi s1, s1, 4
  addi s2, s2, -1
  bnez s2, 1b
  ${PASS}
.data
.balign 4
operands:
${table}
results: .space ${pairs.length * 4}
`,
        { maxCycles: 100_000 },
      );
      const base = r.sym('results');
      const got = pairs.map((_, k) => r.word(base + 4 * k) | 0);
      const want = pairs.map(([a, b]) => ref(a, b));
      const bad = pairs.flatMap(([a, b], k) => (got[k] !== want[k] ? [`${op}(${a}, ${b}) = ${got[k]}`] : []));
      expect(bad, `mismatches: ${bad.slice(0, 5).join(', ')}`).toEqual([]);
      expect(got).toEqual(want);
    });
  }

  it('division by zero and overflow give the specified values (no trap)', () => {
    const r = runPass(`
main:
  li a0, 1234
  li a1, 0
  div s0, a0, a1          # -1
  divu s1, a0, a1         # 2^32 - 1
  rem s2, a0, a1          # dividend
  remu s3, a0, a1         # dividend
  li a0, -2147483648
  li a1, -1
  div s4, a0, a1          # -2^31
  rem s5, a0, a1          # 0
  divu s6, a0, a1         # 0
  remu s7, a0, a1         # 2^31
  li a0, -7
  li a1, 2
  div s8, a0, a1          # -3 (rounds towards zero)
  rem s9, a0, a1          # -1 (sign of the dividend)
  ${PASS}
`);
    expect(r.traps()).toEqual([]);
    expect([r.reg('s0'), r.ureg('s1'), r.reg('s2'), r.reg('s3')]).toEqual([-1, 0xffffffff, 1234, 1234]);
    expect([r.reg('s4'), r.reg('s5'), r.reg('s6'), r.ureg('s7')]).toEqual([INT_MIN, 0, 0, 0x80000000]);
    expect([r.reg('s8'), r.reg('s9')]).toEqual([-3, -1]);
  });

  it('mulh/mulhsu/mulhu of the extremes', () => {
    const r = runPass(`
main:
  li a0, -2147483648
  li a1, -2147483648
  mulh s0, a0, a1         # 2^62 >> 32 = 0x40000000
  mulhu s1, a0, a1        # 0x40000000
  mulhsu s2, a0, a1       # -2^31 * 2^31 -> 0xc0000000
  li a0, -1
  li a1, -1
  mulh s3, a0, a1         # 1 -> high 0
  mulhu s4, a0, a1        # 0xfffffffe
  mulhsu s5, a0, a1       # -1 * (2^32-1) -> high 0xffffffff
  mul s6, a0, a1          # 1
  ${PASS}
`);
    expect([r.ureg('s0'), r.ureg('s1'), r.ureg('s2')]).toEqual([0x40000000, 0x40000000, 0xc0000000]);
    expect([r.ureg('s3'), r.ureg('s4'), r.ureg('s5'), r.ureg('s6')]).toEqual([0, 0xfffffffe, 0xffffffff, 1]);
  });
});
