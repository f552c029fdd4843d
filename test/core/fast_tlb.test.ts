/**
 * The hart keeps a fast TLB per address space (ASID) across thread switches instead of flushing
 * it on every trap. That is only right if the kernel drops the entries of what it unmaps, also
 * in address spaces that are not running at the time. Two PDs run the same probe, which reads a
 * word of its .data page and yields, forever; the host remaps one PD's page while the other
 * PD runs, and the first must see the new frame the next time it runs.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/engine/cpu/asm';
import { RAM_BASE } from '../../src/engine/cpu/bus';
import { System } from '../../src/engine/core/system';
import type { Pd } from '../../src/engine/core/kernel_objects';

const CONFIG = `<config>
  <parent-provides> <service name="PD"/> <service name="CPU"/> <service name="ROM"/> <service name="LOG"/> </parent-provides>
  <default-route> <any-service> <parent/> </any-service> </default-route>
  <default caps="100"/>
  <start name="a" ram="1M"> <binary name="probe"/> </start>
  <start name="b" ram="1M"> <binary name="probe"/> </start>
</config>`;

const PROBE = `
.text
.globl _start
_start:
  la s0, seen
  la s1, cell
loop:
  lw t1, 0(s1)       # through the fast TLB once warm
  sw t1, 0(s0)
  li a7, 8           # yield: the other PD runs
  ecall
  j loop
.data
.balign 4096
seen: .word 0
.balign 4096
cell: .word 0x1111
`;

describe('fast TLB per address space', () => {
  it('a page remapped while its PD is switched out is read through the new mapping', () => {
    const r = assemble(PROBE, { textBase: 0x10000 });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const sys = System.boot(CONFIG, new Map([['probe', r.elf]]));
    if (typeof sys === 'string') throw new Error(sys);
    const seen = r.symbols.get('seen')!;
    const cell = r.symbols.get('cell')!;
    const pdOf = (name: string): Pd => sys.init.children.get(name)!.pd;
    const word = (pd: Pd, va: number): number => {
      const m = pd.mappings.get(Math.floor(va / 4096));
      if (!m) throw new Error(`${pd.label}: ${va.toString(16)} not mapped`);
      return sys.machine.bus.i32[(m.phys - RAM_BASE + (va % 4096)) >>> 2];
    };
    sys.run(2_000_000);
    const a = pdOf('a');
    const b = pdOf('b');
    expect(word(a, seen)).toBe(0x1111);
    expect(word(b, seen)).toBe(0x1111);

    // Give b's cell a new value, then run until b is on the CPU (a switched out, warm).
    const bCell = b.mappings.get(cell / 4096)!;
    sys.machine.bus.i32[(bCell.phys - RAM_BASE) >>> 2] = 0x2222;
    const cpu = sys.kernel.cpus[0];
    for (let i = 0; i < 1000 && cpu.current?.pd !== b; i++) sys.run(1);
    expect(cpu.current?.pd).toBe(b);

    // Remap a's cell onto b's frame while b runs; a must read 0x2222 when it runs again.
    sys.kernel.map(a, cell / 4096, bCell.phys, true, false, []);
    sys.run(10_000);
    expect(word(a, seen)).toBe(0x2222);
    expect(word(b, seen)).toBe(0x2222);
  });
});
