import { describe, expect, it } from 'vitest';
import { TRACE_KIND_NAMES } from '../../src/engine/core/trace';
import type { Thread } from '../../src/engine/core/kernel_objects';
import { bootScenario, linesOf, runUntil } from './harness';

const PAGE_FAULT = TRACE_KIND_NAMES.indexOf('page-fault');
const TOUCHED = [0, 1, 2, 7, 255];

describe('scenario ondemand (managed dataspace, asynchronous page-fault handling)', () => {
  it('resolves each first touch of a page through the dataspace manager', () => {
    const sys = bootScenario('ondemand');
    const clientThread = (): Thread | undefined =>
      [...sys.kernel.threads.values()].find((t) => t.pd.label === 'init -> ds_client' && t.name === 'ep');
    const blockedReasons = new Set<string>();
    const blockedAddrs = new Set<number>();
    const done = runUntil(
      sys,
      () => {
        const t = clientThread();
        if (t?.block?.kind === 'page_fault') {
          blockedAddrs.add(t.block.addr);
          blockedReasons.add(sys.kernel.reason(t) ?? '');
        }
        const c = sys.init.children.get('ds_client');
        return c !== undefined && c.exitCode !== null;
      },
      100_000_000,
      20_000,
    );
    expect(done).toBe(true);
    expect(sys.init.children.get('ds_client')!.exitCode).toBe(0);

    // Transcript: each touched page was filled by the manager.
    const client = linesOf(sys, 'init -> ds_client');
    const mgr = linesOf(sys, 'init -> ds_manager');
    const attached = /thread id (\d+); managed dataspace of 1024 KiB attached at 0x([0-9a-f]{8})/.exec(client[0]);
    expect(attached).not.toBeNull();
    const tid = Number(attached![1]);
    const base = parseInt(attached![2], 16);
    expect(client.filter((l) => / -> from ds_manager$/.test(l))).toHaveLength(TOUCHED.length);
    expect(client.join('\n')).toMatch(/5 of 5 pages ok/);
    expect(client.join('\n')).not.toMatch(/WRONG/);
    const resolved = mgr.filter((l) => /resolved (READ|WRITE) fault at 0x[0-9a-f]{8} by thread \d+/.test(l));
    expect(resolved).toHaveLength(TOUCHED.length);
    expect(resolved[0]).toMatch(/resolved READ fault at 0x00000000 by thread/);
    expect(resolved[1]).toMatch(/resolved WRITE fault at 0x00001014 by thread/);
    expect(resolved[4]).toMatch(/resolved READ fault at 0x000ff800 by thread/);

    // The fault records name the faulting thread (Genode issue 898): the client's kernel thread.
    const t = clientThread()!;
    expect(t.id).toBe(tid);
    for (const l of resolved) expect(Number(/by thread (\d+)/.exec(l)![1])).toBe(t.id);

    // The client was seen blocked by a page fault in the manager's region map ...
    expect(blockedAddrs.size).toBeGreaterThan(0);
    for (const a of blockedAddrs) expect(TOUCHED).toContain((a - base) >>> 12);
    expect([...blockedReasons].some((r) => /page fault at 0x6[0-9a-f]{7} in .*ds_manager.*region map/.test(r))).toBe(
      true,
    );
    // ... and is no longer at the end (it exited: paused by init).
    expect(t.block?.kind).not.toBe('page_fault');
    expect(sys.kernel.reason(t)).toBe('paused');

    // TRACE: a page-fault event of the client thread for every touched page.
    const pf = sys.kernel.trace.since(0).filter((e) => e.kind === PAGE_FAULT && e.thread === t.id);
    const pfPages = new Set(pf.map((e) => ((e.a >>> 0) - base) >>> 12).filter((p) => p < 256));
    expect([...pfPages].sort((a, b) => a - b)).toEqual(TOUCHED);

    // The manager's region map has one RAM page per touched page, and no pending fault.
    const rm = [...sys.core.regionMaps].find((r) => /ds_manager.*region map 1$/.test(r.name))!;
    expect(rm).toBeDefined();
    expect(rm.size).toBe(1024 * 1024);
    expect(rm.faultHandler).not.toBeNull();
    expect(rm.faults).toHaveLength(0);
    expect(rm.regions.map((r) => r.base)).toEqual(TOUCHED.map((p) => p * 0x1000));
    for (const r of rm.regions) {
      expect(r.size).toBe(0x1000);
      expect(r.ds.kind).toBe('ram');
      expect(r.ds.owner?.label).toBe('init -> ds_manager');
      // The client's page table maps exactly that page.
      const m = t.pd.mappings.get((base + r.base) >>> 12);
      expect(m?.phys).toBe(r.ds.phys);
    }
    // Nothing was left unresolved.
    expect(sys.core.faults).toHaveLength(0);
  });

  it('runs the same way twice (deterministic)', () => {
    const a = bootScenario('ondemand');
    const b = bootScenario('ondemand');
    a.run(3_000_000);
    b.run(3_000_000);
    expect(a.transcript()).toEqual(b.transcript());
    expect(a.machine.stateHash()).toBe(b.machine.stateHash());
  });
});
