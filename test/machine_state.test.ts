/**
 * Save and load of the whole machine (harts, devices, time) and determinism: a machine
 * restored from a saved state continues exactly as the original does, and a bad state is
 * refused with the machine left as it was.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../src/engine/cpu/asm';
import { loadElf, parseElf } from '../src/engine/cpu/elf';
import { Machine, type MachineConfig } from '../src/engine/cpu/machine';
import type { StateValue } from '../src/engine/cpu/device';

// Every hart counts in a loop (amoadd on a shared word and a private counter) while a timer
// interrupt every 100 ticks bumps s1 and re-arms mtimecmp; hart 0 also prints on the UART.
const PROGRAM = `
  .globl _start
_start:
  la t0, handler
  csrw mtvec, t0
  csrr a0, mhartid
  slli a1, a0, 3
  li t1, 0x02004000
  add t1, t1, a1          # t1 = &mtimecmp[hartid]
  li t2, 0x0200bff8
  lw t2, 0(t2)
  addi t2, t2, 100
  sw zero, 4(t1)
  sw t2, 0(t1)
  li t0, 0x80
  csrs mie, t0            # MTIE
  csrsi mstatus, 8        # MIE
  la t3, shared
1:
  addi s0, s0, 1
  li t4, 1
  amoadd.w zero, t4, (t3)
  bnez a0, 1b
  andi t5, s0, 1023
  bnez t5, 1b
  li t6, 0x10000000
  li t5, 46               # '.'
  sb t5, 0(t6)
  j 1b
handler:
  addi s1, s1, 1
  lw t2, 0(t1)
  addi t2, t2, 100
  sw t2, 0(t1)
  mret
  .data
shared: .word 0
`;

function boot(config: Partial<MachineConfig>): Machine {
  const asm = assemble(PROGRAM);
  if (!asm.ok) throw new Error(asm.errors.map((e) => `${e.line}:${e.column}: ${e.message}`).join('\n'));
  const parsed = parseElf(asm.elf);
  if (!parsed.ok) throw new Error(parsed.error);
  const m = new Machine(config);
  const err = loadElf(m.bus, parsed.image);
  if (err) throw new Error(err);
  m.writeBootRom(parsed.image.entry);
  m.flushDecoded();
  return m;
}

/** Copies RAM (snapshots store it separately). */
const ramOf = (m: Machine): Uint8Array => m.bus.u8.slice();

describe('machine state', () => {
  it('is deterministic: same program, same config, same state hash', () => {
    const a = boot({ harts: 4 });
    const b = boot({ harts: 4 });
    a.run(300_000);
    b.run(300_000);
    expect(a.stateHash()).toBe(b.stateHash());
    // The run did something: timer interrupts were taken and the shared counter grew.
    expect(a.harts.every((h) => h.x[9] > 10)).toBe(true);
    expect(a.output.length).toBeGreaterThan(0);
  });

  it('a restored machine continues exactly like the original', () => {
    const a = boot({ harts: 2 });
    a.run(123_457);
    const saved = JSON.parse(JSON.stringify(a.saveState())) as StateValue;
    const ram = ramOf(a);
    a.run(200_000);

    const b = boot({ harts: 2 });
    b.bus.u8.set(ram);
    expect(b.loadState(saved)).toBeNull();
    b.run(200_000);
    expect(b.stateHash()).toBe(a.stateHash());
    expect(b.harts.map((h) => h.pc)).toEqual(a.harts.map((h) => h.pc));
  });

  it('refuses a bad state and leaves the machine untouched', () => {
    const m = boot({ harts: 2 });
    m.run(50_000);
    const before = m.stateHash();
    const good = m.saveState() as Record<string, StateValue>;
    const harts = good.harts as Record<string, StateValue>[];
    const bad = {
      ...good,
      harts: [
        { ...harts[0], pc: 0x1234 },
        { ...harts[1], csr: [1, 2, 3] },
      ],
    };
    expect(m.loadState(bad)).toMatch(/hart 1: hart state: csr must be 19 numbers/);
    expect(m.stateHash()).toBe(before);
    expect(m.loadState({ ...good, harts: [harts[0]] })).toMatch(/1 harts, machine has 2/);
    expect(m.stateHash()).toBe(before);
  });

  it('different harts see their own mhartid and all make progress', () => {
    const m = boot({ harts: 3 });
    m.run(100_000);
    expect(m.harts.map((h) => h.x[10])).toEqual([0, 1, 2]);
    expect(m.harts.every((h) => h.x[8] > 1000)).toBe(true);
  });
});
