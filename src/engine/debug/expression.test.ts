import { describe, expect, it } from 'vitest';
import { evaluate, parseExpression, registerNumber, type ExprEnv } from './expression';

const regs = new Int32Array(32);
regs[10] = 3; // a0
regs[2] = 0x1000; // sp
regs[11] = -1; // a1
const mem = new Map<number, number>([[0x1008, 0x12345678]]);
const env: ExprEnv = {
  reg: (n) => regs[n],
  pc: () => 0x10234,
  read: (addr, width) => {
    const w = mem.get(addr & ~3);
    if (w === undefined) return `no memory at 0x${addr.toString(16)}`;
    const shift = (addr & 3) * 8;
    return width === 4 ? w >>> 0 : (w >>> shift) & (width === 1 ? 0xff : 0xffff);
  },
};

function value(text: string): number | string {
  const p = parseExpression(text);
  if (!p.ok) return `parse: ${p.error}`;
  return evaluate(p.expr, env);
}

describe('breakpoint condition expressions', () => {
  it('read registers by ABI name and number, and pc', () => {
    expect(value('a0 == 3')).toBe(1);
    expect(value('x10 + sp')).toBe(0x1003);
    expect(value('pc == 0x10234')).toBe(1);
    expect(value('zero')).toBe(0);
    expect(registerNumber('fp')).toBe(8);
  });

  it('compare 32-bit patterns for equality and signed for order', () => {
    expect(value('a1 == -1')).toBe(1);
    expect(value('a1 == 0xffffffff')).toBe(1);
    expect(value('a1 < 0')).toBe(1);
  });

  it('read memory with u8..i32 and short-circuit && and ||', () => {
    expect(value('u32(sp + 8) == 0x12345678')).toBe(1);
    expect(value('u8(sp + 9)')).toBe(0x56);
    expect(value('i16(sp + 10)')).toBe(0x1234);
    expect(value('a0 == 4 && u32(0) == 1')).toBe(0); // the read is never made
    expect(value('u32(0) == 1')).toBe('no memory at 0x0');
  });

  it('report bad expressions with a reason instead of throwing', () => {
    expect(value('a0 ==')).toMatch(/^parse: .*column/);
    expect(value('q7 == 1')).toBe('parse: unknown register "q7"');
    expect(value('peek(sp)')).toMatch(/unknown function "peek"/);
    expect(value('a0 / 0')).toBe('division by zero');
    expect(value('"text"')).toMatch(/not an integer/);
    expect(value('a0[1]')).toMatch(/unsupported expression/);
  });
});
