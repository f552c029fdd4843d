import { describe, expect, it } from 'vitest';
import { bootScenario, linesOf, logMatches, runUntil } from './harness';

const DS = 64 * 1024;

describe('scenario quota (ram_hog exhausts its RAM quota, counter is unaffected)', () => {
  it('stops ram_hog at its quota with OUT_OF_RAM and leaves counter alone', () => {
    const sys = bootScenario('quota');
    const hog = sys.init.children.get('ram_hog')!;
    const counter = sys.init.children.get('counter')!;
    // Sampled after every step of the run: the hog never uses more than its limit.
    let overdrawn = 0;
    let peak = 0;
    const check = (): void => {
      if (hog.pd.ram.used > hog.pd.ram.limit) overdrawn++;
      peak = Math.max(peak, hog.pd.ram.used);
    };
    const hogLine = (re: RegExp) => () => (check(), logMatches(sys, re));

    // Counter's quota once it is set up (Timer session open, first line logged).
    expect(runUntil(sys, () => (check(), linesOf(sys, 'init -> counter').length > 0))).toBe(true);
    const counterRam = { ...counter.pd.ram };
    const counterCaps = { ...counter.pd.capQuota };

    // Exhausted: ram_hog now holds everything for 500 ms.
    expect(runUntil(sys, hogLine(/^\[init -> ram_hog\] exhausted:/))).toBe(true);
    const hogLines = linesOf(sys, 'init -> ram_hog');
    const got = /^allocated (\d+) dataspaces of 64 KiB \((\d+) KiB\), then OUT_OF_RAM$/.exec(hogLines[1]);
    expect(got).not.toBeNull();
    const n = Number(got![1]);
    expect(n).toBeGreaterThan(10);
    const ram = hog.pd.ram;
    expect(ram.used).toBeLessThanOrEqual(ram.limit);
    expect(ram.limit - ram.used).toBeLessThan(DS); // close to the limit: not one more 64 KiB
    expect(hogLines[2]).toBe(
      `exhausted: RAM quota limit ${ram.limit}, used ${ram.used}, free ${ram.limit - ram.used} bytes`,
    );
    // ram_hog never attaches its dataspaces (the heap's chunk and the stack are attached).
    const loose = () => [...hog.pd.dataspaces].filter((d) => d.kind === 'ram' && d.size === DS && d.regions.size === 0);
    const hogDs = loose();
    expect(hogDs).toHaveLength(n);
    expect(hogDs.every((d) => d.owner === hog.pd)).toBe(true);
    const hogLimit = ram.limit;

    // The rest: free/alloc again, malloc failing with OUT_OF_RAM, then working, then idle.
    expect(runUntil(sys, hogLine(/^\[init -> ram_hog\] holding \d+ dataspaces/))).toBe(true);
    expect(linesOf(sys, 'init -> ram_hog').slice(3)).toEqual([
      'freed one dataspace: OK',
      'allocating 64 KiB again: OK',
      'and one more: OUT_OF_RAM',
      'malloc(1000) -> 0x00000000, heap_last_error OUT_OF_RAM',
      'after freeing two dataspaces: malloc(1000) -> ok',
      `done: RAM quota limit ${hog.pd.ram.limit}, used ${hog.pd.ram.used}, free ${hog.pd.ram.limit - hog.pd.ram.used} bytes`,
      `holding ${n - 2} dataspaces and a heap chunk; idle`,
    ]);
    expect(hog.pd.ram.limit).toBe(hogLimit);
    expect(loose()).toHaveLength(n - 2);
    expect(sys.kernel.reason(hog.main!.thread)).toBe('waiting for a request');
    expect(hog.exitCode).toBeNull();

    // Counter keeps counting, once a second, through all of it.
    expect(runUntil(sys, () => (check(), linesOf(sys, 'init -> counter').length >= 4))).toBe(true);
    expect(linesOf(sys, 'init -> counter')).toEqual(['0', '1', '2', '3']);
    const times = sys.log.filter((l) => l.label === 'init -> counter').map((l) => l.time);
    for (let i = 1; i < times.length; i++)
      expect(Math.abs(times[i] - times[i - 1] - 1_000_000)).toBeLessThanOrEqual(1000);
    expect(counter.pd.ram).toEqual(counterRam);
    expect(counter.pd.capQuota).toEqual(counterCaps);
    expect(sys.kernel.reason(counter.main!.thread)).toMatch(/^waiting for signal source \d+$/);

    expect(overdrawn).toBe(0);
    expect(peak).toBeGreaterThan(hogLimit - DS);
    expect(peak).toBeLessThanOrEqual(hogLimit);
    expect(sys.core.faults).toHaveLength(0);
  });

  it('runs the same way twice (deterministic)', () => {
    const a = bootScenario('quota');
    const b = bootScenario('quota');
    runUntil(a, () => logMatches(a, /idle$/));
    runUntil(b, () => logMatches(b, /idle$/));
    expect(a.transcript()).toEqual(b.transcript());
    expect(a.machine.stateHash()).toBe(b.machine.stateHash());
  });
});
