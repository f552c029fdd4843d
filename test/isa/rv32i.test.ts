/**
 * RV32I: every base instruction, data-driven where the result is a function of the operands
 * (expected values computed here with BigInt, independently of the engine), hand-written
 * programs for control flow, loads/stores, x0 and FENCE.I.
 */
import { describe, expect, it } from 'vitest';
import { CHECK, FAIL, PASS, runPass } from './harness';

const M32 = (1n << 32n) - 1n;
const u = (v: number): bigint => BigInt(v >>> 0);
const s = (v: number): bigint => BigInt(v | 0);
const i32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** Operand values: zero, ones, the signed/unsigned boundaries, shift amounts beyond 31. */
const VALUES = [0, 1, -1, 2, 0x7fffffff, -0x80000000, 0x12345678, -0x12345678, 0x80000001 | 0, 31, 32, 33, -2];

/** Register-register ALU operations: reference results (int32). */
const R_OPS: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => i32(s(a) + s(b)),
  sub: (a, b) => i32(s(a) - s(b)),
  sll: (a, b) => i32((u(a) << (u(b) & 31n)) & M32),
  slt: (a, b) => (s(a) < s(b) ? 1 : 0),
  sltu: (a, b) => (u(a) < u(b) ? 1 : 0),
  xor: (a, b) => i32(u(a) ^ u(b)),
  srl: (a, b) => i32(u(a) >> (u(b) & 31n)),
  sra: (a, b) => i32(s(a) >> (u(b) & 31n)),
  or: (a, b) => i32(u(a) | u(b)),
  and: (a, b) => i32(u(a) & u(b)),
};

/** Immediate ALU operations (12-bit sign-extended immediates). */
const I_OPS: Record<string, (a: number, imm: number) => number> = {
  addi: (a, i) => i32(s(a) + s(i)),
  slti: (a, i) => (s(a) < s(i) ? 1 : 0),
  sltiu: (a, i) => (u(a) < u(i) ? 1 : 0), // the immediate is sign-extended, then compared unsigned
  xori: (a, i) => i32(u(a) ^ u(i)),
  ori: (a, i) => i32(u(a) | u(i)),
  andi: (a, i) => i32(u(a) & u(i)),
};
const IMMS = [0, 1, -1, 2047, -2048, 0x555, -0x556];

const SHIFT_OPS: Record<string, (a: number, sh: number) => number> = {
  slli: (a, sh) => i32((u(a) << BigInt(sh)) & M32),
  srli: (a, sh) => i32(u(a) >> BigInt(sh)),
  srai: (a, sh) => i32(s(a) >> BigInt(sh)),
};
const SHAMTS = [0, 1, 15, 31];

const BRANCHES: Record<string, (a: number, b: number) => boolean> = {
  beq: (a, b) => s(a) === s(b),
  bne: (a, b) => s(a) !== s(b),
  blt: (a, b) => s(a) < s(b),
  bge: (a, b) => s(a) >= s(b),
  bltu: (a, b) => u(a) < u(b),
  bgeu: (a, b) => u(a) >= u(b),
};

/**
 * Runs `cases` (each one asm snippet leaving its result in a2) and returns the results, which
 * the program stores to consecutive words of `results`.
 */
function runTable(cases: { setup: string; insn: string }[]): number[] {
  const body = cases
    .map(
      (c, k) =>
        `  ${c.setup}\n  ${c.insn}\n  sw a2, ${(k % 256) * 4}(s0)${k % 256 === 255 ? '\n  addi s0, s0, 1024' : ''}`,
    )
    .join('\n');
  const r = runPass(
    `
main:
  la s0, results
${body}
  ${PASS}
.data
.balign 4
results: .space ${cases.length * 4}
`,
    { maxCycles: 1_000_000 },
  );
  const base = r.sym('results');
  return cases.map((_, k) => r.word(base + 4 * k) | 0);
}

describe('RV32I register-register ALU', () => {
  for (const [op, ref] of Object.entries(R_OPS)) {
    it(`${op} over ${VALUES.length}x${VALUES.length} operand pairs`, () => {
      const cases = VALUES.flatMap((a) => VALUES.map((b) => ({ a, b })));
      const got = runTable(
        cases.map(({ a, b }) => ({ setup: `li a0, ${a}\n  li a1, ${b}`, insn: `${op} a2, a0, a1` })),
      );
      expect(got).toEqual(cases.map(({ a, b }) => ref(a, b)));
    });
  }

  it('uses only the low 5 bits of a register shift amount', () => {
    const r = runPass(`
main:
  li a0, 0x80000001
  li a1, 32
  sll a2, a0, a1          # shift by 32 -> by 0
  li a1, 33
  srl a3, a0, a1          # by 1
  li a1, -1
  sra a4, a0, a1          # by 31
  li a1, 63
  sll a5, a0, a1          # by 31
  ${PASS}
`);
    expect(r.ureg('a2')).toBe(0x80000001);
    expect(r.ureg('a3')).toBe(0x40000000);
    expect(r.reg('a4')).toBe(-1);
    expect(r.ureg('a5')).toBe(0x80000000);
  });
});

describe('RV32I immediate ALU', () => {
  for (const [op, ref] of Object.entries(I_OPS)) {
    it(`${op} with boundary immediates`, () => {
      const cases = VALUES.flatMap((a) => IMMS.map((imm) => ({ a, imm })));
      const got = runTable(cases.map(({ a, imm }) => ({ setup: `li a0, ${a}`, insn: `${op} a2, a0, ${imm}` })));
      expect(got).toEqual(cases.map(({ a, imm }) => ref(a, imm)));
    });
  }
  for (const [op, ref] of Object.entries(SHIFT_OPS)) {
    it(`${op} by 0, 1, 15 and 31`, () => {
      const cases = VALUES.flatMap((a) => SHAMTS.map((sh) => ({ a, sh })));
      const got = runTable(cases.map(({ a, sh }) => ({ setup: `li a0, ${a}`, insn: `${op} a2, a0, ${sh}` })));
      expect(got).toEqual(cases.map(({ a, sh }) => ref(a, sh)));
    });
  }

  it('lui loads the upper 20 bits and clears the rest', () => {
    const r = runPass(`
main:
  li a0, -1
  lui a0, 0x80000
  lui a1, 0xfffff
  lui a2, 0
  lui a3, 0x12345
  ${PASS}
`);
    expect([r.ureg('a0'), r.ureg('a1'), r.ureg('a2'), r.ureg('a3')]).toEqual([0x80000000, 0xfffff000, 0, 0x12345000]);
  });
});

describe('RV32I branches', () => {
  for (const [op, ref] of Object.entries(BRANCHES)) {
    it(`${op} taken and not taken at signed/unsigned boundaries`, () => {
      const cases = VALUES.flatMap((a) => VALUES.map((b) => ({ a, b })));
      const got = runTable(
        cases.map(({ a, b }) => ({
          setup: `li a0, ${a}\n  li a1, ${b}\n  li a2, 0`,
          insn: `${op} a0, a1, 1f\n  j 2f\n1:\n  li a2, 1\n2:`,
        })),
      );
      expect(got).toEqual(cases.map(({ a, b }) => (ref(a, b) ? 1 : 0)));
    });
  }

  it('branch backwards (loops) and forwards over a distance', () => {
    const r = runPass(`
main:
  li a0, 0
  li a1, 10
1:
  addi a0, a0, 1
  bne a0, a1, 1b          # 10 iterations
  li a2, -5
2:
  addi a2, a2, 1
  blt a2, zero, 2b        # up to 0
  li a3, 0
  li a4, 3
3:
  addi a3, a3, 1
  bltu a3, a4, 3b
  li a5, 0
4:
  addi a5, a5, 1
  bgeu a4, a5, 4b         # until a5 = 4
  beq zero, zero, 5f
  ${FAIL(1)}
  .space 2000
5:
  bge a0, a1, 6f
  ${FAIL(2)}
6:
  ${PASS}
`);
    expect([r.reg('a0'), r.reg('a2'), r.reg('a3'), r.reg('a5')]).toEqual([10, 0, 3, 4]);
  });
});

describe('RV32I jumps', () => {
  it('auipc adds to its own address', () => {
    const r = runPass(`
main:
here:
  auipc a0, 0
there:
  auipc a1, 0x12345
back:
  auipc a2, 0xfffff          # pc - 4096
  ${PASS}
`);
    expect(r.ureg('a0')).toBe(r.sym('here'));
    expect(r.ureg('a1')).toBe((r.sym('there') + 0x12345000) >>> 0);
    expect(r.ureg('a2')).toBe((r.sym('back') - 4096) >>> 0);
  });

  it('jal links pc+4 and jumps forward and backward', () => {
    const r = runPass(`
main:
  jal ra, fwd
after1:
  ${FAIL(1)}
bwd:
  jal t1, done
after2:
fwd:
  mv s1, ra
  jal t0, bwd
after3:
  ${FAIL(2)}
done:
  ${PASS}
`);
    expect(r.ureg('s1')).toBe(r.sym('after1'));
    expect(r.ureg('t0')).toBe(r.sym('after3'));
    expect(r.ureg('t1')).toBe(r.sym('after2'));
  });

  it('jalr adds the offset, clears bit 0, and reads rs1 before writing rd', () => {
    const r = runPass(`
main:
  la t0, target1
  addi t0, t0, 1          # odd address: bit 0 is dropped
  jalr ra, 0(t0)
ret1:
  ${FAIL(1)}
target1:
  la t1, target2 + 16
  jalr s2, -16(t1)        # negative offset
ret2:
  ${FAIL(2)}
target2:
  la t2, target3
  jalr t2, 0(t2)          # rd = rs1
ret3:
  ${FAIL(3)}
target3:
  mv s3, ra
  ${PASS}
`);
    expect(r.ureg('s3')).toBe(r.sym('ret1'));
    expect(r.ureg('s2')).toBe(r.sym('ret2'));
    expect(r.ureg('t2')).toBe(r.sym('ret3'));
  });
});

describe('RV32I loads and stores', () => {
  it('lb/lh sign-extend, lbu/lhu zero-extend, lw loads words, with positive and negative offsets', () => {
    const r = runPass(`
main:
  la s0, data
  lb a0, 0(s0)            # 0x80 -> -128
  lbu a1, 0(s0)           # 128
  lb a2, 1(s0)            # 0x7f
  lh a3, 2(s0)            # 0xff01 -> -255
  lhu a4, 2(s0)           # 0xff01
  lh a5, 4(s0)            # 0x7ffe
  lw a6, 4(s0)            # 0x00017ffe? see data
  addi s1, s0, 8
  lw a7, -8(s1)
  lbu s2, -1(s1)
  lb s3, -1(s1)
  lhu s4, 6(s0)
  ${PASS}
.data
.balign 4
data:
  .byte 0x80, 0x7f, 0x01, 0xff
  .byte 0xfe, 0x7f, 0x00, 0xc0
`);
    expect(r.reg('a0')).toBe(-128);
    expect(r.reg('a1')).toBe(128);
    expect(r.reg('a2')).toBe(0x7f);
    expect(r.reg('a3')).toBe(-255);
    expect(r.reg('a4')).toBe(0xff01);
    expect(r.reg('a5')).toBe(0x7ffe);
    expect(r.ureg('a6')).toBe(0xc0007ffe);
    expect(r.ureg('a7')).toBe(0xff017f80);
    expect(r.reg('s2')).toBe(0xc0);
    expect(r.reg('s3')).toBe(-64);
    expect(r.reg('s4')).toBe(0xc000);
  });

  it('sb/sh/sw store the low bytes only', () => {
    const r = runPass(`
main:
  la s0, buf
  li a0, 0x12345678
  sw a0, 0(s0)
  li a1, 0xaabbccdd
  sb a1, 0(s0)            # byte 0 = dd
  sh a1, 6(s0)            # bytes 6,7 = dd cc
  sb a1, 5(s0)
  addi s1, s0, 16
  sw a1, -4(s1)           # word 3
  ${PASS}
.data
.balign 4
buf: .space 16
`);
    const b = r.sym('buf');
    expect([r.word(b), r.word(b + 4), r.word(b + 8), r.word(b + 12)].map((v) => v >>> 0)).toEqual([
      0x123456dd, 0xccdddd00, 0, 0xaabbccdd,
    ]);
  });
});

describe('RV32I x0', () => {
  it('discards writes to x0 by every kind of instruction', () => {
    const r = runPass(`
main:
  la s0, word
  addi x0, x0, 5
  ${CHECK(1, 'x0', 0)}
  lui x0, 0x12345
  ${CHECK(2, 'x0', 0)}
  auipc x0, 1
  ${CHECK(3, 'x0', 0)}
  lw x0, 0(s0)
  ${CHECK(4, 'x0', 0)}
  lb x0, 0(s0)
  lbu x0, 0(s0)
  lh x0, 0(s0)
  lhu x0, 0(s0)
  ${CHECK(5, 'x0', 0)}
  jal x0, 1f
1:
  la t0, 2f
  jalr x0, 0(t0)
2:
  ${CHECK(6, 'x0', 0)}
  csrrs x0, mstatus, x0
  csrr s5, mscratch       # (the trap handler's; restored below)
  csrrw x0, mscratch, s0
  csrrs x0, mscratch, x0
  csrr a0, mscratch
  csrw mscratch, s5
  bne a0, s0, __fail
  ${CHECK(7, 'x0', 0)}
  li a1, 3
  amoadd.w x0, a1, (s0)   # memory still updated
  ${CHECK(8, 'x0', 0)}
  lw a2, 0(s0)
  ${CHECK(9, 'a2', 0x2a + 3)}
  add x0, a1, a1
  sub x0, a1, zero
  xor x0, a1, zero
  mul x0, a1, a1
  ${CHECK(10, 'x0', 0)}
  mv a3, x0
  ${PASS}
.data
.balign 4
word: .word 0x2a
`);
    expect(r.m.harts[0].x[0]).toBe(0);
    expect(r.reg('a3')).toBe(0);
  });
});

describe('RV32I fences', () => {
  it('fence and fence with sets execute as no-ops', () => {
    const r = runPass(`
main:
  li a0, 1
  fence
  fence rw, rw
  fence iorw, iorw
  addi a0, a0, 1
  ${PASS}
`);
    expect(r.reg('a0')).toBe(2);
  });

  it('fence.i makes a store to code visible to fetch', () => {
    const r = runPass(`
main:
  li s1, 0
loop:
  la t0, patch
  lw t1, newinsn
  jal ra, patch           # first time: a0 = 1
  mv s2, a0
  sw t1, 0(t0)
  fence.i
  jal ra, patch           # now: a0 = 42
  mv s3, a0
  ${PASS}
patch:
  li a0, 1
  ret
.data
.balign 4
newinsn: addi a0, zero, 42
`);
    expect(r.reg('s2')).toBe(1);
    expect(r.reg('s3')).toBe(42);
  });
});
