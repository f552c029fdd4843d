import { describe, expect, it } from 'vitest';
import type { Mapping, Pd, RegionMap } from '../../src/engine/core/kernel_objects';
import { bootScenario, linesOf, runUntil } from './harness';

/** The page-table entries of `pd` that were resolved through the managed region map `rm`. */
function mappingsVia(pd: Pd, rm: RegionMap): Mapping[] {
  return [...pd.mappings.values()].filter((m) => m.via.some((r) => r.rm === rm));
}

describe('scenario shared_memory (a managed dataspace shared by two PDs)', () => {
  it('lets the reader see what the writer wrote, through one physical page', () => {
    const sys = bootScenario('shared_memory');
    const exited = (n: string): boolean => {
      const c = sys.init.children.get(n);
      return c !== undefined && c.exitCode !== null;
    };
    expect(runUntil(sys, () => exited('shm_writer') && exited('shm_reader'), 100_000_000, 100_000)).toBe(true);
    expect(sys.init.children.get('shm_writer')!.exitCode).toBe(0);
    expect(sys.init.children.get('shm_reader')!.exitCode).toBe(0);

    // Transcript: the reader got every message the writer wrote, in order.
    const writer = linesOf(sys, 'init -> shm_writer');
    const reader = linesOf(sys, 'init -> shm_reader');
    expect(writer[0]).toBe('shm_writer: shared memory attached at 0x60000000');
    expect(reader[0]).toBe('shm_reader: shared memory attached at 0x70000000');
    const got = reader.filter((l) => /^shm_reader: seq \d+:/.test(l));
    expect(got).toEqual(
      [1, 2, 3].map(
        (n) =>
          `shm_reader: seq ${2 * n}: "message ${n} from shm_writer" (counter ${n}), written at 0x60000000 in shm_writer, read at 0x70000000 here`,
      ),
    );
    expect(writer.filter((l) => /reader acknowledged seq \d+/.test(l))).toHaveLength(3);
    expect(writer).toContain('shm_writer: done');

    // Core: the server's region map is backed by exactly one RAM dataspace (one page at 0).
    const rm = [...sys.core.regionMaps].find((r) => /shm_server.*region map 1$/.test(r.name))!;
    expect(rm).toBeDefined();
    expect(rm.size).toBe(0x10000);
    expect(rm.regions).toHaveLength(1);
    const backing = rm.regions[0];
    expect(backing.base).toBe(0);
    expect(backing.ds.kind).toBe('ram');
    expect(backing.ds.size).toBe(0x1000);
    expect(backing.ds.owner?.label).toBe('init -> shm_server');
    const backingDs = [...sys.core.dataspaces].filter(
      (d) => d.kind === 'ram' && [...d.regions].some((r) => r.rm === rm),
    );
    expect(backingDs).toEqual([backing.ds]);
    const serverLog = linesOf(sys, 'init -> shm_server').join('\n');
    expect(serverLog).toContain(
      `RAM page (phys 0x${backing.ds.phys.toString(16).padStart(8, '0')}) attached at offset 0x0`,
    );
    expect(serverLog).toMatch(/Shm session 2 for "shm_reader": OK/);

    // Both clients' page tables map that same frame, at different virtual addresses.
    const w = sys.init.children.get('shm_writer')!.pd;
    const r = sys.init.children.get('shm_reader')!.pd;
    const wm = mappingsVia(w, rm);
    const rmap = mappingsVia(r, rm);
    expect(wm.map((m) => m.vpage)).toEqual([0x60000]);
    expect(rmap.map((m) => m.vpage)).toEqual([0x70000]);
    expect(wm[0].phys).toBe(backing.ds.phys);
    expect(rmap[0].phys).toBe(backing.ds.phys);
    // The shared page is the only frame the two PDs have in common.
    const wPhys = new Set([...w.mappings.values()].map((m) => m.phys));
    const common = [...r.mappings.values()].filter((m) => wPhys.has(m.phys));
    expect(common.map((m) => m.phys)).toEqual([backing.ds.phys]);

    // The shared region was resolved without faults into the void.
    expect(rm.faults).toHaveLength(0);
    expect(sys.core.faults).toHaveLength(0);
  });
});
