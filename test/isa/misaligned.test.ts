/**
 * Misaligned loads and stores: our hardware performs them (byte by byte), also across a page
 * boundary, without trapping. Misaligned LR/SC/AMOs trap instead (rv32a.test.ts); misaligned
 * accesses under Sv32 whose second page faults are in sv32.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { PASS, runPass } from './harness';

describe('misaligned loads and stores (bare)', () => {
  it('loads at every misaligned offset, sign- and zero-extended', () => {
    const r = runPass(`
main:
  la s0, data
  lw a0, 1(s0)
  lw a1, 2(s0)
  lw a2, 3(s0)
  lh a3, 1(s0)
  lhu a4, 3(s0)
  lh a5, 3(s0)
  ${PASS}
.data
.balign 4
data: .byte 0x00, 0x11, 0x22, 0x33, 0x84, 0x55, 0x66, 0x77
`);
    expect(r.traps()).toEqual([]);
    expect([r.ureg('a0'), r.ureg('a1'), r.ureg('a2')]).toEqual([0x84332211, 0x55843322, 0x66558433]);
    expect([r.reg('a3'), r.reg('a4'), r.reg('a5')]).toEqual([0x2211, 0x8433, 0x8433 - 0x10000]);
  });

  it('stores at misaligned offsets write exactly their bytes', () => {
    const r = runPass(`
main:
  la s0, buf
  li a0, 0xa1b2c3d4
  sw a0, 1(s0)
  li a1, 0xeeff
  sh a1, 7(s0)
  ${PASS}
.data
.balign 4
buf: .word 0, 0, 0
`);
    const b = r.sym('buf');
    expect([r.word(b), r.word(b + 4), r.word(b + 8)]).toEqual([0xb2c3d400, 0xff0000a1, 0x000000ee]);
  });

  it('loads and stores that straddle a page boundary', () => {
    const r = runPass(`
main:
  la s0, edge              # the last byte of a page
  lw a0, -2(s0)            # bytes fd, fe, ff | 00
  lh a1, 0(s0)             # ff | 00
  li a2, 0x12345678
  sw a2, -1(s0)            # bytes fe, ff | 00, 01
  lw a3, -1(s0)
  ${PASS}
.data
.balign 4096
  .space 4096 - 4
  .byte 0xfc, 0xfd, 0xfe
edge:
  .byte 0xff
  .byte 0x00, 0x01, 0x02, 0x03
`);
    expect(r.traps()).toEqual([]);
    expect(r.sym('edge') % 4096).toBe(4095);
    expect(r.ureg('a0')).toBe(0x00fffefd);
    expect(r.reg('a1')).toBe(0x00ff);
    expect(r.ureg('a3')).toBe(0x12345678);
    const e = r.sym('edge');
    expect([
      r.m.bus.read(e - 1, 1),
      r.m.bus.read(e, 1),
      r.m.bus.read(e + 1, 1),
      r.m.bus.read(e + 2, 1),
      r.m.bus.read(e + 3, 1),
    ]).toEqual([0x78, 0x56, 0x34, 0x12, 0x02]);
  });

  it('a misaligned instruction fetch cannot happen: jalr clears bit 0 and C allows 2-byte alignment', () => {
    const r = runPass(`
main:
  li a0, 0
  c.nop
target:
  bnez a0, 2f
  li a0, 1
  la t0, target
  addi t0, t0, 1
  jalr zero, 0(t0)          # lands on target (2-byte aligned)
2:
  ${PASS}
`);
    expect(r.sym('target') % 4).toBe(2);
    expect(r.traps()).toEqual([]);
  });

  it('a 32-bit instruction straddling a page boundary runs, and sees a store to its upper half after fence.i', () => {
    const r = runPass(`
main:
  li a0, 0
  jal ra, straddle          # a0 += 1
  mv s1, a0
  la t0, straddle
  li t1, 0x0025             # upper half of addi a0, a0, 2
  sh t1, 2(t0)
  fence.i
  jal ra, straddle          # a0 += 2
  mv s2, a0
  ${PASS}
.balign 4096
  .space 4094
straddle:
  addi a0, a0, 1            # bytes 0xffe..0x1001 of a page pair
  ret
`);
    expect(r.sym('straddle') % 4096).toBe(4094);
    expect([r.reg('s1'), r.reg('s2')]).toEqual([1, 3]);
  });
});
