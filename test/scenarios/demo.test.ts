import { describe, expect, it } from 'vitest';
import { bootScenario, linesOf, logMatches, runUntil } from './harness';

describe('scenario demo (the default scenario)', () => {
  it('runs every part: counter, RPC, on-demand paging, shared memory, UART driver', () => {
    const sys = bootScenario('demo');
    expect(runUntil(sys, () => linesOf(sys, 'init -> counter').includes('2'))).toBe(true);
    const exited = (name: string): number | null => sys.init.children.get(name)!.exitCode;
    for (const c of ['hello_client', 'ds_client', 'shm_writer', 'shm_reader']) expect(exited(c)).toBe(0);
    expect(logMatches(sys, /\[init -> hello_client\] 57 calls, 0 wrong/)).toBe(true);
    expect(logMatches(sys, /\[init -> ds_client\] ds_client: page 0 again: .*5 of 5 pages ok/)).toBe(true);
    expect(sys.machine.output.length).toBeGreaterThan(0); // the UART driver's greeting
    // Servers and the driver stay up, waiting for work; nothing faulted; no deadlock.
    for (const c of ['hello_server', 'ds_manager', 'shm_server', 'uart_driver', 'counter'])
      expect(exited(c)).toBeNull();
    expect(sys.core.faults).toEqual([]);
    expect(sys.deadlocks()).toEqual([]);
    // Priorities from the config reach the threads.
    const prio = (name: string): number => [...sys.init.children.get(name)!.pd.threads][0].priority;
    expect(prio('counter')).toBe(-1);
    expect(prio('hello_server')).toBe(0);
  });

  it('echoes UART input through the user-level driver', () => {
    const sys = bootScenario('demo');
    runUntil(sys, () => linesOf(sys, 'init -> counter').includes('0'));
    const before = sys.machine.output.length;
    sys.machine.input([...'hi\r'].map((c) => c.charCodeAt(0)));
    runUntil(sys, () => logMatches(sys, /uart: received/));
    runUntil(sys, () => sys.machine.output.length >= before + 3, 50_000_000);
    expect(String.fromCharCode(...sys.machine.output.slice(before))).toContain('HI');
  });
});
