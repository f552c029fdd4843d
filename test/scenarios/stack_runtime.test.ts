import { describe, expect, it } from 'vitest';
import type { Pd, Thread } from '../../src/engine/core/kernel_objects';
import { bootScenario, linesOf, runUntil } from './harness';

const PAGE = 0x1000;
const hex8 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

describe('scenario stack_runtime (one PD per worker, isolated stacks)', () => {
  it('shares code and heap between the workers but not their stacks', () => {
    const sys = bootScenario('stack_runtime');
    const child = (): ReturnType<typeof sys.init.children.get> => sys.init.children.get('stack_runtime');
    expect(runUntil(sys, () => child()?.exitCode != null, 100_000_000)).toBe(true);
    expect(child()!.exitCode).toBe(0);

    // Transcript.
    const lines = linesOf(sys, 'init -> stack_runtime');
    const text = lines.join('\n');
    expect(text).toMatch(/segment 0: 0x00010000-0x[0-9a-f]{8} R-X -> shared window of the ROM dataspace/);
    expect(text).toMatch(/segment 1: 0x[0-9a-f]{8}-0x[0-9a-f]{8} RW- -> private copy per worker/);
    expect(text).toMatch(
      /worker1: sum of squares 1\.\.10 = 385 \(shared code\), private counter 110, local variable at 0x401f[0-9a-f]{4} = 0x57ac0001/,
    );
    expect(text).toMatch(
      /worker2: sum of squares 1\.\.20 = 2870 \(shared code\), private counter 120, local variable at 0x402f[0-9a-f]{4} = 0x57ac0002/,
    );
    expect(text).toMatch(/shared heap: 2 visits; the runtime's own private counter is still 100/);
    const w1Var = parseInt(/worker1: sum of squares .* local variable at (0x[0-9a-f]{8})/.exec(text)![1], 16);
    expect(lines).toContain(
      `stack_runtime: worker2 cannot touch worker1's stack: page fault at ${hex8(w1Var)} (pc ${/\(pc (0x[0-9a-f]{8})\)/.exec(text)![1]})`,
    );
    const heapAddr = parseInt(/shared heap: 16 KiB RAM dataspace at (0x[0-9a-f]{8})/.exec(text)![1], 16);

    // Core recorded exactly one unresolved fault: worker 2 reading worker 1's stack address.
    expect(sys.core.faults).toHaveLength(1);
    const f = sys.core.faults[0];
    expect(f.pd).toBe('init -> stack_runtime -> worker2');
    expect(f.thread).toBe('worker2');
    expect(f.addr).toBe(w1Var);
    expect(f.type).toBe('READ');
    expect(f.message).toMatch(/^no RM attachment/);

    // The worker PDs and their threads.
    const pdOf = (label: string): Pd => [...sys.kernel.pds.values()].find((p) => p.label === label)!;
    const w1 = pdOf('init -> stack_runtime -> worker1');
    const w2 = pdOf('init -> stack_runtime -> worker2');
    const rt = child()!.pd;
    expect(w1.refAccount).toBe(rt);
    expect(w2.refAccount).toBe(rt);
    expect(w1.ram.limit).toBe(64 * 1024);
    expect(w1.capQuota.limit).toBe(8);
    expect(w1.caps.size).toBe(0); // the workers hold no capabilities at all
    expect(w2.caps.size).toBe(0);
    const [t1] = [...w1.threads] as Thread[];
    const [t2] = [...w2.threads] as Thread[];
    expect(t1.name).toBe('worker1');
    expect(t1.block?.kind).toBe('stopped');
    expect(t2.paused).toBe(true);
    expect(t2.stopState).toBe(1); // THREAD_STATE.PAGE_FAULT
    expect(t2.stopTval).toBe(w1Var);
    expect(sys.kernel.reason(t2)).toBe('stopped by a page fault');
    expect(f.threadId).toBe(t2.id);

    // Code: the same frames in both workers -- those of the ROM module itself.
    const rom = sys.core.roms.get('stack_runtime')!.ds;
    const codePages = (pd: Pd): number[] => [...pd.mappings.keys()].filter((v) => v >= 0x10 && v < 0x15);
    const common = codePages(w1).filter((v) => w2.mappings.has(v));
    expect(common.length).toBeGreaterThan(0);
    for (const v of common) {
      expect(w1.mappings.get(v)!.phys).toBe(w2.mappings.get(v)!.phys);
      expect(w1.mappings.get(v)!.phys).toBe(rom.phys + PAGE + (v - 0x10) * PAGE);
    }
    const codeRegion = w1.addressSpace.find(0x10000)!;
    expect(codeRegion.ds).toBe(rom);
    expect(codeRegion.writeable).toBe(false);
    expect(codeRegion.executable).toBe(true);
    expect(w2.addressSpace.find(0x10000)!.ds).toBe(rom);

    // Heap: one RAM dataspace at the same address in both workers (and the runtime).
    const hv = heapAddr / PAGE;
    const heapDs = w1.addressSpace.find(heapAddr)!.ds;
    expect(heapDs.kind).toBe('ram');
    expect(heapDs.owner).toBe(rt);
    expect(w2.addressSpace.find(heapAddr)!.ds).toBe(heapDs);
    expect(w1.mappings.get(hv)!.phys).toBe(heapDs.phys);
    expect(w2.mappings.get(hv)!.phys).toBe(heapDs.phys);
    expect(rt.mappings.get(hv)!.phys).toBe(heapDs.phys);

    // Data: the same address, private frames.
    const dataPage = 0x15;
    expect(w1.mappings.get(dataPage)!.phys).not.toBe(w2.mappings.get(dataPage)!.phys);
    expect(w1.addressSpace.find(dataPage * PAGE)!.ds.owner).toBe(w1);

    // Stacks: each in its own slot of its own stack area, different frames, and worker 1's
    // stack page is not mapped (nor attached) in worker 2.
    const stackPages = (pd: Pd, slot: number): number[] =>
      [...pd.mappings.keys()].filter((v) => v >= 0x40000 + slot * 0x100 && v < 0x40000 + slot * 0x100 + 0xff);
    const s1 = stackPages(w1, 1);
    const s2 = stackPages(w2, 2);
    expect(s1).toContain(w1Var >>> 12);
    expect(s2.length).toBeGreaterThan(0);
    expect(stackPages(w2, 1)).toEqual([]);
    expect(stackPages(w1, 2)).toEqual([]);
    const p1 = new Set(s1.map((v) => w1.mappings.get(v)!.phys));
    for (const v of s2) expect(p1.has(w2.mappings.get(v)!.phys)).toBe(false);
    expect(w1.stackArea.find(w1Var - 0x4000_0000)?.ds.owner).toBe(w1);
    expect(w2.stackArea.find(w1Var - 0x4000_0000)).toBeNull();
  });
});
