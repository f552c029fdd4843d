import { describe, expect, it } from 'vitest';
import type { Child } from '../../src/engine/core/init/init';
import type { System } from '../../src/engine/core/system';
import { bootScenario, linesOf, logMatches, runUntil } from './harness';

const SESSION_RAM = 16 * 1024; // HELLO_SESSION_ARGS in resources/guest/basics/hello_session.h
const SESSION_CAPS = 4;

function child(sys: System, name: string): Child {
  const c = sys.init.children.get(name);
  if (!c) throw new Error(`no child ${name}`);
  return c;
}

function helloSessions(c: Child) {
  return [...c.sessions.values()].filter((s) => s.service === 'Hello');
}

describe('scenario rpc (a custom "Hello" service between two children)', () => {
  it('routes Hello to the server, trades quota, answers calls and denies the unrouted client', () => {
    const sys = bootScenario('rpc');
    const server = child(sys, 'hello_server');
    const client = child(sys, 'hello_client');
    const serverRam = server.pd.ram.limit;
    const serverCaps = server.pd.capQuota.limit;

    // While the session is open (the client sleeps 100 ms right after opening it).
    expect(runUntil(sys, () => logMatches(sys, /^\[init -> hello_client\] Hello session open/))).toBe(true);
    const [open] = helloSessions(client);
    expect(open).toBeDefined();
    expect(open.label).toBe('hello_client'); // Genode label: init names the client
    expect(open.server).toBe(server);
    expect(open.ram).toBe(SESSION_RAM);
    expect(open.caps).toBe(SESSION_CAPS);
    expect(server.pd.ram.limit).toBe(serverRam + SESSION_RAM);
    expect(server.pd.capQuota.limit).toBe(serverCaps + SESSION_CAPS);
    const clientOpenRam = client.pd.ram.limit;
    const clientOpenCaps = client.pd.capQuota.limit;
    expect(client.pd.ram.used).toBeLessThanOrEqual(clientOpenRam);
    // The server saw the label init gave the client and the donated quota.
    expect(linesOf(sys, 'init -> hello_server')).toContain(`new session for "hello_client" (ram_quota=${SESSION_RAM})`);

    // To the end: the client closed and exited, the server handled the close.
    expect(
      runUntil(
        sys,
        () => client.exitCode !== null && logMatches(sys, /^\[init -> hello_server\] closed session of "hello_client"/),
      ),
    ).toBe(true);
    expect(client.exitCode).toBe(0);
    expect(helloSessions(client)).toEqual([]);
    expect(client.pd.ram.limit).toBe(clientOpenRam + SESSION_RAM);
    expect(client.pd.capQuota.limit).toBe(clientOpenCaps + SESSION_CAPS);
    expect(server.pd.ram.limit).toBe(serverRam);
    expect(server.pd.capQuota.limit).toBe(serverCaps);

    // The client's own view of its quota (pd_ram_quota) agrees with the engine.
    const lines = linesOf(sys, 'init -> hello_client');
    const m = /^Hello session open: RAM quota (\d+) -> (\d+) bytes \(donated (\d+)\)$/.exec(lines[0]);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(client.pd.ram.limit);
    expect(Number(m![2])).toBe(clientOpenRam);
    expect(Number(m![3])).toBe(SESSION_RAM);

    // RPC round trips: greetings (logged by the server, returned to the client) and sums.
    const names = ['Alice', 'Bob', 'Carol', 'Dave', 'Eve', 'Mallory'];
    names.forEach((n, i) => {
      expect(lines).toContain(`say_hello("${n}") -> OK "Hello, ${n}!" (greeting ${i + 1})`);
    });
    expect(linesOf(sys, 'init -> hello_server').filter((l) => l.startsWith('Hello, '))).toEqual(
      names.map((n) => `Hello, ${n}!`),
    );
    for (const i of [0, 10, 20, 30, 40, 49]) {
      const a = i * 1000 + 7;
      const b = i * i;
      expect(lines).toContain(`add(${a}, ${b}) -> OK ${a + b}`);
    }
    expect(lines).toContain('op 99 -> UNKNOWN_OP');
    expect(lines).toContain('57 calls, 0 wrong');
    expect(lines).toContain(`Hello session closed (OK): RAM quota ${client.pd.ram.limit} bytes`);
    expect(linesOf(sys, 'init -> hello_server')).toContain(
      'closed session of "hello_client" after 6 greetings and 50 additions',
    );

    // The client without a route for Hello: denied by init, exit value 2.
    const lost = child(sys, 'lost_client');
    expect(lost.exitCode).toBe(2);
    expect(helloSessions(lost)).toEqual([]);
    expect(sys.transcript()).toContain(
      '[init] Error: lost_client: no route for service "Hello" (label "") of child "lost_client"',
    );
    expect(linesOf(sys, 'init -> lost_client')).toEqual(['Hello session denied: DENIED']);
    expect(sys.transcript()).toContain('[init] child "lost_client" exited with exit value 2');
    expect(sys.transcript()).toContain('[init] child "hello_client" exited with exit value 0');

    // The server still serves (waits for requests); nothing faulted.
    expect(server.exitCode).toBeNull();
    expect(sys.kernel.reason(server.main!.thread)).toBe('waiting for a request');
    expect(server.announced.has('Hello')).toBe(true);
    expect(sys.core.faults).toHaveLength(0);
  });

  it('runs the same way twice (deterministic)', () => {
    const a = bootScenario('rpc');
    const b = bootScenario('rpc');
    runUntil(a, () => a.init.children.get('hello_client')!.exitCode !== null);
    runUntil(b, () => b.init.children.get('hello_client')!.exitCode !== null);
    expect(a.transcript()).toEqual(b.transcript());
    expect(a.machine.stateHash()).toBe(b.machine.stateHash());
  });
});
