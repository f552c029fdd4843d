/**
 * RV32C: every compressed instruction gives the same result as its 32-bit expansion. Each case
 * runs twice from the same register and memory state, once with the `c.` form (padded with a
 * c.nop so both programs have the same layout) and once with the expansion; the registers
 * (but t5/t6, which PASS uses), the scratch memory and the trap log must match. Jump-and-link
 * forms link the address of the next instruction, which is pc+2 for the compressed form.
 */
import { describe, expect, it } from 'vitest';
import { matchRow } from '../../src/engine/cpu/opcodes';
import { PASS, runPass, type Run } from './harness';

/** Initial registers: distinct values, pointers into `cbuf` for sp (x2) and a5 (x15). */
const INIT = `
  li ra, 0x01010101
  la sp, cbuf + 64
  li tp, 0x04040404
  li t0, 0x05050505
  li t1, 0x06060606
  li t2, 0x07070707
  li s0, 0x80000f08
  li s1, 0xf0f0f0f9
  li a0, 0x0a0a0a0a
  li a1, 0x8b0b0b0b
  li a2, 0x0c0c0c0c
  li a3, 0x12345678
  li a4, 0
  la a5, cbuf + 32
  li a6, 0x10101013
  la a7, target
  li s2, -17
  li s3, 0x13131313
  li s4, 0x14141414
  li s5, 0x15151515
  li s6, 0x16161616
  li s7, 0x17171717
  li s8, 0x18181818
  li s9, 0x19191919
  li s10, 0x1a1a1a1a
  li s11, 0x1b1b1b1b
  li t3, 0x1c1c1c1c
  li t4, 0x1d1d1d1d
`;

interface Case {
  c: string;
  base: string;
  /** The instruction links a return address (c.jal, c.jalr). */
  links?: boolean;
  /** Extra setup before the instruction. */
  pre?: string;
}

const CASES: Case[] = [
  { c: `c.addi4spn a0, sp, 16`, base: `addi a0, sp, 16` },
  { c: `c.addi4spn s1, sp, 1020`, base: `addi s1, sp, 1020` },
  { c: `c.lw a0, 4(a5)`, base: `lw a0, 4(a5)` },
  { c: `c.lw s1, 124(a5)`, base: `lw s1, 124(a5)`, pre: `la a5, cbuf` },
  { c: `c.sw a1, 8(a5)`, base: `sw a1, 8(a5)` },
  { c: `c.nop`, base: `addi x0, x0, 0` },
  { c: `c.addi a0, -7`, base: `addi a0, a0, -7` },
  { c: `c.addi s2, 31`, base: `addi s2, s2, 31` },
  { c: `c.li a1, -32`, base: `addi a1, x0, -32` },
  { c: `c.li t4, 31`, base: `addi t4, x0, 31` },
  { c: `c.addi16sp sp, -64`, base: `addi sp, sp, -64` },
  { c: `c.addi16sp sp, 496`, base: `addi sp, sp, 496` },
  { c: `c.lui a2, 0xfffe1`, base: `lui a2, 0xfffe1` },
  { c: `c.lui a2, 1`, base: `lui a2, 1` },
  { c: `c.lui s11, 31`, base: `lui s11, 31` },
  { c: `c.srli s1, 7`, base: `srli s1, s1, 7` },
  { c: `c.srli s1, 31`, base: `srli s1, s1, 31` },
  { c: `c.srai s1, 7`, base: `srai s1, s1, 7` },
  { c: `c.srai s0, 31`, base: `srai s0, s0, 31` },
  { c: `c.andi s1, -12`, base: `andi s1, s1, -12` },
  { c: `c.andi a3, 31`, base: `andi a3, a3, 31` },
  { c: `c.sub s0, s1`, base: `sub s0, s0, s1` },
  { c: `c.xor a3, a1`, base: `xor a3, a3, a1` },
  { c: `c.or a3, a1`, base: `or a3, a3, a1` },
  { c: `c.and a3, a1`, base: `and a3, a3, a1` },
  { c: `c.slli a6, 31`, base: `slli a6, a6, 31` },
  { c: `c.slli t0, 1`, base: `slli t0, t0, 1` },
  { c: `c.lwsp t3, 12(sp)`, base: `lw t3, 12(sp)` },
  { c: `c.lwsp ra, 252(sp)`, base: `lw ra, 252(sp)`, pre: `la sp, cbuf` },
  { c: `c.swsp t4, 16(sp)`, base: `sw t4, 16(sp)` },
  { c: `c.swsp s2, 252(sp)`, base: `sw s2, 252(sp)`, pre: `la sp, cbuf` },
  { c: `c.mv t2, s2`, base: `add t2, x0, s2` },
  { c: `c.add t2, s2`, base: `add t2, t2, s2` },
  { c: `c.j target`, base: `jal x0, target` },
  { c: `c.jal target`, base: `jal ra, target`, links: true },
  { c: `c.jr a7`, base: `jalr x0, 0(a7)` },
  { c: `c.jalr a7`, base: `jalr ra, 0(a7)`, links: true },
  { c: `c.jalr ra`, base: `jalr ra, 0(ra)`, links: true, pre: `la ra, target` },
  { c: `c.beqz a4, target`, base: `beq a4, x0, target` },
  { c: `c.beqz s0, target`, base: `beq s0, x0, target` },
  { c: `c.bnez s0, target`, base: `bne s0, x0, target` },
  { c: `c.bnez a4, target`, base: `bne a4, x0, target` },
  { c: `c.ebreak`, base: `ebreak` },
];

function program(insn: string, pad: boolean, pre = ''): string {
  return `
main:
${INIT}
  ${pre}
insn:
  ${insn}
  ${pad ? 'c.nop' : ''}
  li s10, 0x111            # fall-through marker
  j done
  .space 64
target:
  li s10, 0x222            # jump-target marker
done:
  ${PASS}
.data
.balign 64
cbuf:
${Array.from({ length: 64 }, (_, i) => `  .word ${(0x9e3779b9 * (i + 1)) >>> 0}`).join('\n')}
`;
}

function state(r: Run): { x: number[]; mem: number[]; traps: number[][] } {
  const x = Array.from({ length: 30 }, (_, i) => r.ureg(i));
  const base = r.sym('cbuf');
  const mem = Array.from({ length: 64 }, (_, i) => r.word(base + 4 * i));
  return { x, mem, traps: r.traps().map((t) => [t.cause, t.epc, t.tval]) };
}

describe('RV32C equals its expansion', () => {
  for (const k of CASES) {
    it(`${k.c}  ==  ${k.base}`, () => {
      const rc = runPass(program(k.c, true, k.pre));
      const rb = runPass(program(k.base, false, k.pre));
      const at = rc.sym('insn');
      // The compressed program really holds the 16-bit encoding, the other the 32-bit one.
      const hc = rc.m.bus.read(at, 2)!;
      expect(matchRow(hc)?.name).toBe(k.c.split(' ')[0]);
      expect(matchRow(rb.word(at))?.name).toBe(k.base.split(' ')[0]);
      const sc = state(rc);
      const sb = state(rb);
      if (k.links) {
        expect(sc.x[1]).toBe(at + 2);
        expect(sb.x[1]).toBe(at + 4);
        sc.x[1] = sb.x[1] = 0;
      }
      expect(sc).toEqual(sb);
    });
  }

  it('covers both branch outcomes and both markers', () => {
    const taken = runPass(program(`c.beqz a4, target`, true));
    const fall = runPass(program(`c.bnez a4, target`, true));
    expect(taken.reg('s10')).toBe(0x222);
    expect(fall.reg('s10')).toBe(0x111);
  });

  it('c.ebreak traps with cause 3 and mtval = pc, like ebreak', () => {
    const r = runPass(program(`c.ebreak`, true));
    expect(r.traps().map((t) => [t.cause, t.epc, t.tval])).toEqual([[3, r.sym('insn'), r.sym('insn')]]);
  });
});
