/** The harness itself: pass/fail reporting, mode switches and the default trap handlers. */
import { describe, expect, it } from 'vitest';
import { CHECK, ENTER_S, ENTER_U, FAIL, PASS, TO_M, assembleTest, runAsm, runPass } from './harness';

describe('isa harness', () => {
  it('exits with 0 on PASS and keeps registers for inspection', () => {
    const r = runPass(`
main:
  li a0, 5
  ${CHECK(1, 'a0', 5)}
  ${PASS}
`);
    expect(r.reg('a0')).toBe(5);
  });

  it('exits with the test number on FAIL and on a failed CHECK', () => {
    expect(runAsm(`main:\n  ${FAIL(7)}\n`).exitCode).toBe(7);
    expect(runAsm(`main:\n  li a0, 4\n  ${CHECK(9, 'a0', 5)}\n  ${PASS}\n`).exitCode).toBe(9);
  });

  it('reports assembler errors with line and column of the test source', () => {
    expect(() => assembleTest(`main:\n  addi a0, a0\n`)).toThrow(/^test program does not assemble:\n2:\d+: /);
  });

  it('switches modes with ENTER and TO_M, and logs traps with their origin', () => {
    const r = runPass(`
main:
  ${ENTER_S}
  ecall
  ${TO_M}
  ${ENTER_U}
  ecall
  ${TO_M}
  ecall
  ${PASS}
`);
    const t = r.traps();
    expect(t.map((x) => x.cause)).toEqual([9, 8, 11]);
    expect(t.map((x) => (x.status >>> 11) & 3)).toEqual([1, 0, 3]);
  });

  it('collects UART and HTIF console output', () => {
    const r = runPass(`
main:
  li t0, 0x10000000
  li t1, 'h'
  sb t1, 0(t0)
  li t1, 'i'
  sb t1, 0(t0)
  la t0, tohost
  li t1, 0x01010000         # device 1 (console), command 1 (putchar)
  sw t1, 4(t0)
  li t1, '!'
  sw t1, 0(t0)
  ${PASS}
`);
    expect(r.output).toBe('hi!');
  });
});
