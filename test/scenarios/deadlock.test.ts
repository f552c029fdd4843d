import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootMain } from '../../src/cli/boot';
import { SCENARIO_ROOT } from '../../src/cli/scenario_files';
import { bootScenario, linesOf, runUntil } from './harness';

const CYCLE = 'init -> deadlock_server/ep waits for init -> deadlock_server/ep';

describe("scenario deadlock (seed 001: an RPC to the caller's own entrypoint)", () => {
  it('blocks the server on itself and the client on the server; the kernel finds the cycle', () => {
    const sys = bootScenario('deadlock');
    expect(runUntil(sys, () => sys.kernel.deadlocks().length > 0)).toBe(true);
    // Nothing can happen any more: no thread runs, no timer is pending.
    expect(sys.run(10_000_000)).toBe('idle');

    const server = sys.init.children.get('deadlock_server')!;
    const client = sys.init.children.get('deadlock_client')!;
    const st = server.main!.thread;
    const ct = client.main!.thread;

    // The server's entrypoint calls an object it serves itself.
    expect(st.block?.kind).toBe('call');
    const selfTarget = st.block?.kind === 'call' ? st.block.target : null;
    expect(selfTarget?.ep).toBe(st);
    expect(st.sendQueue.map((p) => p.caller)).toEqual([st]);
    expect(sys.kernel.reason(st)).toBe(`blocked calling object ${selfTarget!.id} of init -> deadlock_server`);

    // The client waits for the server's reply to CALL_SELF, on its session object.
    expect(ct.block?.kind).toBe('call');
    const clientTarget = ct.block?.kind === 'call' ? ct.block.target : null;
    expect(clientTarget?.ep).toBe(st);
    expect(clientTarget).toBe(selfTarget); // the one session object
    expect(st.replyTo).toBe(ct);
    expect(sys.kernel.reason(ct)).toBe(`blocked calling object ${clientTarget!.id} of init -> deadlock_server`);
    const [session] = [...client.sessions.values()].filter((s) => s.service === 'Selfcall');
    expect(session.server).toBe(server);
    expect(session.obj).toBe(clientTarget);

    // Exactly one cycle, the server waiting for itself; the client hangs off it.
    expect(sys.kernel.deadlocks()).toEqual([[st]]);
    expect(sys.deadlocks()).toEqual([CYCLE]);
    expect(sys.kernel.waitFor().map((e) => [e.from, e.to])).toEqual(
      expect.arrayContaining([
        [st, st],
        [ct, st],
      ]),
    );

    expect(linesOf(sys, 'init -> deadlock_client')).toEqual(['ping -> OK 1', 'calling call_self...']);
    expect(linesOf(sys, 'init -> deadlock_server')).toEqual([
      'announced "Selfcall"',
      'call_self: calling PING on my own session object from my entrypoint...',
    ]);
    expect(server.exitCode).toBeNull();
    expect(client.exitCode).toBeNull();
    expect(sys.core.faults).toHaveLength(0);
  });

  it('makes `corescope boot` fail with the deadlock', () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = bootMain(
      [join(SCENARIO_ROOT, 'deadlock.xml')],
      (s) => out.push(s),
      (s) => err.push(s),
    );
    expect(code).toBe(1);
    expect(err.join('')).toBe(`corescope boot: deadlock: ${CYCLE}\n`);
    expect(out.join('')).toContain('[init -> deadlock_client] calling call_self...\n');
  });
});
