/**
 * The checkpointing runtime (core/runtime): seed 001's counter under the runtime, checkpointed,
 * rolled back while another component runs on, and migrated to a second machine (seed 002).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, SCENARIO_ROOT } from '../../src/cli/scenario_files';
import { SEL } from '../../src/engine/core/abi';
import { checkInvariants, quotaTotals } from '../../src/engine/core/invariants';
import { RpcObject, type Thread } from '../../src/engine/core/kernel_objects';
import { checkpointComponent } from '../../src/engine/core/runtime/checkpoint';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  type ComponentCheckpoint,
} from '../../src/engine/core/runtime/checkpoint_format';
import { intrinsic, type ComponentRuntime } from '../../src/engine/core/runtime/component_runtime';
import { restoreComponent } from '../../src/engine/core/runtime/restore';
import { VirtualTimerSession } from '../../src/engine/core/runtime/virtual_timer_session';
import { VirtualSession } from '../../src/engine/core/runtime/virtual_session';
import { System } from '../../src/engine/core/system';
import { captureSystem, restoreSystem } from '../../src/engine/snapshot/system_image';
import { bootScenario, linesOf, runUntil } from '../scenarios/harness';

const SECOND = 100_000_000; // cycles at 100 MHz
const COUNTER = 'init -> counter';
const TICKER = 'init -> ticker';

const scenario = (() => {
  const sc = loadScenario(join(SCENARIO_ROOT, 'checkpoint.xml'));
  if (typeof sc === 'string') throw new Error(sc);
  return sc;
})();

/** A second machine: the ticker runs, and a slot waits for the counter (or not). */
function targetXml(opts: { counter?: string; timer?: boolean } = {}): string {
  const timer = opts.timer === false ? '' : '<service name="Timer"/>';
  return `<config>
  <parent-provides>
    <service name="PD"/> <service name="CPU"/> <service name="RM"/> <service name="ROM"/>
    <service name="LOG"/> ${timer}
  </parent-provides>
  <default-route> <any-service> <parent/> </any-service> </default-route>
  <default caps="100"/>
  <start name="ticker" ram="1M"> <binary name="counter"/> </start>
  ${opts.counter ?? '<start name="counter" ram="1M" checkpoint="wait"/>'}
</config>`;
}

function boot(xml: string): System {
  const sys = System.boot(xml, scenario.modules);
  if (typeof sys === 'string') throw new Error(sys);
  return sys;
}

/** Runs until the component `label` has logged `n` lines in all. */
function runToLines(sys: System, label: string, n: number): void {
  expect(runUntil(sys, () => linesOf(sys, label).length >= n, 20 * SECOND, 1_000_000)).toBe(true);
}

function runtimeOf(sys: System, name: string): ComponentRuntime {
  const rt = sys.init.children.get(name)?.runtime;
  if (!rt) throw new Error(`${name} runs without the runtime`);
  return rt;
}

function checkpoint(sys: System, label: string): ComponentCheckpoint {
  const cp = checkpointComponent(sys, label);
  if (typeof cp === 'string') throw new Error(cp);
  return cp;
}

function mainThread(sys: System, name: string): Thread {
  return sys.init.children.get(name)!.main!.thread;
}

/** Everything about a system that a failed restore must leave as it was. */
function state(sys: System): unknown {
  return {
    children: [...sys.init.children.keys()],
    pds: [...sys.kernel.pds.values()].map((p) => p.label),
    objects: sys.kernel.objects.size,
    sessions: sys.core.sessions.size,
    quota: quotaTotals(sys.core),
    init: { ...sys.init.pd.ram },
    log: sys.transcript().length,
    frames: sys.kernel.frames.size,
  };
}

describe('the checkpointing runtime', () => {
  it("knows what every capability of the counter means, and its records match core's", () => {
    const sys = bootScenario('checkpoint');
    runToLines(sys, COUNTER, 3);
    const child = sys.init.children.get('counter')!;
    const rt = runtimeOf(sys, 'counter');
    expect(sys.init.children.get('ticker')!.runtime).toBeNull();
    const pd = child.pd;
    const k = sys.kernel;

    // Sessions: the environment init opened, then the Timer the counter asked for.
    const sessions = [...rt.sessions.values()] as VirtualSession[];
    expect(sessions.map((s) => [s.service, s.label, s.env])).toEqual([
      ['PD', COUNTER, true],
      ['CPU', COUNTER, true],
      ['LOG', COUNTER, true],
      ['Timer', COUNTER, false],
    ]);
    for (const s of sessions) {
      expect(s).toBeInstanceOf(VirtualSession);
      expect([s.ram, s.caps]).toEqual([s.session.ram.limit, s.session.caps.limit]);
      expect(sys.core.sessions.has(s.session)).toBe(true);
    }
    const timer = sessions[3] as VirtualTimerSession;
    expect(timer.args).toBe('ram_quota=8K, cap_quota=4, label=""');
    const booked = child.sessions.get(timer.session.obj)!;
    expect([booked.service, booked.ram, booked.caps]).toEqual(['Timer', 8192, 4]);
    expect([timer.ram, timer.caps]).toEqual([8192, 4]);

    // The capability space holds the runtime's objects, never the real sessions.
    expect(pd.caps.get(SEL.PARENT)).toBe(rt.parent.obj);
    expect(pd.caps.get(SEL.PD)).toBe(rt.envPd.obj);
    expect(pd.caps.get(SEL.CPU)).toBe(rt.envCpu.obj);
    expect(pd.caps.get(SEL.LOG)).toBe(rt.envLog.obj);
    expect(pd.caps.get(SEL.MAIN_THREAD)).toBe(child.main!.obj);
    for (const s of sessions) expect(s.session.obj.holders.has(pd)).toBe(false);
    expect(child.parentObj.holders.has(pd)).toBe(false);
    expect(rt.envPd.pd).toBe(pd);

    // Dataspaces: exactly the PD's RAM (the loaded segments and the main stack).
    expect(new Set([...rt.dataspaces.values()].filter((d) => d.kind === 'ram').map((d) => d.ds))).toEqual(
      pd.dataspaces,
    );
    // Region maps: the records are the regions, but for those core puts there itself.
    expect([...rt.regionMaps.keys()]).toEqual([pd.addressSpace, pd.stackArea, pd.linkerArea]);
    for (const v of rt.regionMaps.values()) {
      const real = v.rm.regions
        .filter((r) => !intrinsic(pd, r))
        .map((r) => ({
          at: r.base,
          size: r.size,
          offset: r.offset,
          writeable: r.writeable,
          executable: r.executable,
          ds: r.ds,
        }));
      expect(v.attachments).toEqual(real);
    }
    expect(rt.regionMaps.get(pd.addressSpace)!.attachments.length).toBeGreaterThanOrEqual(2); // text, data
    expect(rt.regionMaps.get(pd.stackArea)!.attachments).toHaveLength(1); // the main stack
    // The counter asked for its address space (the SDK does at start): it got the runtime's.
    expect([...pd.caps.values()]).toContain(rt.regionMaps.get(pd.addressSpace)!.obj);

    // Threads and signals: the counter waits for its timer's signal.
    const ep = mainThread(sys, 'counter');
    expect([...rt.threads.keys()]).toEqual([ep]);
    expect(ep.block?.kind).toBe('signal');
    const source = ep.block?.kind === 'signal' ? ep.block.source : null;
    expect(rt.signalSources.get(source!)?.session).toBe(rt.envPd);
    expect(timer.mode).toBe('once');
    expect(rt.signalContexts.has(timer.sigh!)).toBe(true);
    expect(timer.sigh!.source).toBe(source);
    expect(k.timeoutOf(timer.session)?.ctx).toBe(timer.sigh);

    // The checkpoint names every selector, by what it is.
    const cp = checkpoint(sys, COUNTER);
    const kinds = Object.fromEntries(cp.caps.map((c) => [c.sel, c.ref.kind]));
    expect(Object.keys(kinds).map(Number)).toEqual([...pd.caps.keys()].sort((a, b) => a - b));
    expect(kinds).toMatchObject({
      [SEL.PARENT]: 'parent',
      [SEL.PD]: 'session',
      [SEL.CPU]: 'session',
      [SEL.LOG]: 'session',
      [SEL.MAIN_THREAD]: 'thread',
    });
    expect(Object.values(kinds).sort()).toEqual(
      [
        'parent',
        'region_map',
        'session',
        'session',
        'session',
        'session',
        'signal_context',
        'signal_source',
        'thread',
      ].sort(),
    );
    const t = cp.sessions.find((s) => s.service === 'Timer')!;
    expect(t.timer).toMatchObject({ mode: 'once', periodUs: 0 });
    expect(t.timer!.pending!.remainingUs).toBeGreaterThan(0);
    expect(t.timer!.pending!.remainingUs).toBeLessThanOrEqual(1_000_000);
    expect(cp.threads).toHaveLength(1);
    expect(cp.threads[0]).toMatchObject({ name: 'ep', slot: 0, started: true, paused: false });
    expect(cp.threads[0].block.kind).toBe('signal');
    expect(cp.dataspaces.filter((d) => d.kind === 'ram').reduce((n, d) => n + d.size, 0)).toBe(
      [...pd.dataspaces].reduce((n, d) => n + d.size, 0),
    );
    expect(checkInvariants(sys.core, quotaTotals(sys.core))).toEqual([]);
  });

  it('is invisible to the counter: the same log, at the same times, with the same instructions', () => {
    const sc = loadScenario(join(SCENARIO_ROOT, 'counter.xml'));
    if (typeof sc === 'string') throw new Error(sc);
    const plain = System.boot(sc.xml, sc.modules);
    const under = System.boot(
      sc.xml.replace('<start name="counter"', '<start name="counter" checkpoint="yes"'),
      sc.modules,
    );
    if (typeof plain === 'string' || typeof under === 'string') throw new Error('boot failed');
    expect(plain.init.children.get('counter')!.runtime).toBeNull();
    expect(under.init.children.get('counter')!.runtime).not.toBeNull();
    plain.run(5.5 * SECOND);
    under.run(5.5 * SECOND);
    expect(linesOf(under, COUNTER)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(under.log).toEqual(plain.log);
    expect(under.instructions).toBe(plain.instructions);
    expect(mainThread(under, 'counter').execCycles).toBe(mainThread(plain, 'counter').execCycles);
  });

  it('rolls the counter back to a checkpoint while the ticker runs on', () => {
    const sys = bootScenario('checkpoint');
    runToLines(sys, COUNTER, 3); // logged 0, 1, 2
    const k = 2;
    const cp = checkpoint(sys, 'counter');
    const remainingUs = cp.sessions.find((s) => s.service === 'Timer')!.timer!.pending!.remainingUs;
    runToLines(sys, COUNTER, k + 4); // ... 3, 4, 5
    expect(linesOf(sys, COUNTER).at(-1)).toBe(String(k + 3));
    const ticker = linesOf(sys, TICKER).map(Number);
    const quota = quotaTotals(sys.core);
    const old = sys.init.children.get('counter')!;

    const r = restoreComponent(sys, cp);
    expect(r).toEqual({ name: 'counter', replaced: true, sessions: 4, threads: 1, dataspaces: 3 });
    const fresh = sys.init.children.get('counter')!;
    expect(fresh).not.toBe(old);
    expect(old.pd.dead).toBe(true);
    expect(sys.init.children.get('ticker')!.pd.dead).toBe(false);
    // Restored as it was: waiting for its timer's signal, the timer set with the time it had left.
    const ep = mainThread(sys, 'counter');
    expect(ep.block?.kind).toBe('signal');
    const timer = [...fresh.runtime!.sessions.values()].find((s) => s instanceof VirtualTimerSession)!;
    expect(sys.kernel.timeoutOf((timer as VirtualTimerSession).session)!.remainingUs).toBeCloseTo(remainingUs, 1);
    expect(checkInvariants(sys.core, quota)).toEqual([]);

    const at = sys.log.length;
    const restoredAt = sys.kernel.nowUs();
    runToLines(sys, COUNTER, k + 7);
    const after = sys.log.slice(at);
    const counter = after.filter((l) => l.label === COUNTER);
    // Rolled back: the counter logs k+1 again next, and counts on from there.
    expect(counter.map((l) => l.text)).toEqual(['3', '4', '5']);
    expect(counter[0].time - restoredAt).toBeCloseTo(remainingUs, -2);
    // The ticker was not rolled back: it continues where it was.
    const next = after.filter((l) => l.label === TICKER).map((l) => Number(l.text));
    expect(next[0]).toBe(ticker.at(-1)! + 1);
    expect(next).toEqual(next.map((_, i) => next[0] + i));
    expect(sys.core.faults).toEqual([]);
    expect(checkInvariants(sys.core, quota)).toEqual([]);
  });

  it('migrates the counter to a second machine, which continues from where it was, and back', () => {
    const a = bootScenario('checkpoint');
    runToLines(a, COUNTER, 3); // 0, 1, 2
    const bytes = encodeCheckpoint(checkpoint(a, 'counter'));
    const cp = decodeCheckpoint(bytes);
    if (typeof cp === 'string') throw new Error(cp);

    // The second machine has a slot for the counter, with nothing started in it.
    const b = boot(targetXml());
    b.run(1.5 * SECOND);
    expect(b.init.children.has('counter')).toBe(false);
    expect(linesOf(b, COUNTER)).toEqual([]);
    const quota = quotaTotals(b.core);
    expect(restoreComponent(b, cp)).toMatchObject({ name: 'counter', replaced: false });
    expect(checkInvariants(b.core, quota)).toEqual([]);
    runToLines(b, COUNTER, 3);
    expect(linesOf(b, COUNTER)).toEqual(['3', '4', '5']);
    expect(b.core.faults).toEqual([]);
    expect(linesOf(b, TICKER).length).toBeGreaterThan(3); // B's own ticker ran on beside it

    // A goes on by itself.
    runToLines(a, COUNTER, 8);
    expect(linesOf(a, COUNTER)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);

    // The migrated counter is under B's runtime: it can go back, and A's counter (at 7) resumes at 6.
    const back = checkpointComponent(b, 'counter');
    if (typeof back === 'string') throw new Error(back);
    expect(restoreComponent(a, back)).toMatchObject({ replaced: true });
    const at = linesOf(a, COUNTER).length;
    runToLines(a, COUNTER, at + 2);
    expect(linesOf(a, COUNTER).slice(at)).toEqual(['6', '7']);
  });

  it('restores into a machine that gets a start node for it by a new configuration', () => {
    const a = bootScenario('checkpoint');
    runToLines(a, COUNTER, 2);
    const cp = checkpoint(a, 'counter');
    const b = boot(targetXml({ counter: '' }));
    b.run(SECOND);
    expect(restoreComponent(b, cp)).toBe(
      `cannot restore "counter": the target's init configuration has no <start name="counter">`,
    );
    expect(b.updateConfig(targetXml())).toBeNull();
    expect(restoreComponent(b, cp)).toMatchObject({ replaced: false });
    runToLines(b, COUNTER, 2);
    expect(linesOf(b, COUNTER)).toEqual(['2', '3']);
    // A later reconfiguration with the same start node keeps it.
    expect(b.updateConfig(targetXml() + '\n')).toBeNull();
    runToLines(b, COUNTER, 3);
    expect(linesOf(b, COUNTER)).toEqual(['2', '3', '4']);
  });

  it('restores a checkpoint taken while the counter runs, between any two instructions', () => {
    for (const steps of [0, 5, 20, 60, 120]) {
      const a = bootScenario('checkpoint');
      a.run(1.99 * SECOND);
      const ep = mainThread(a, 'counter');
      // On the CPU just after its timer woke it, then some instructions further.
      expect(runUntil(a, () => a.kernel.cpus[0].current === ep, SECOND, 100)).toBe(true);
      for (let i = 0; i < steps && a.kernel.cpus[0].current === ep; i++) a.run(3);
      const cp = checkpoint(a, 'counter');
      const at = linesOf(a, COUNTER).length;
      const b = boot(targetXml());
      expect(restoreComponent(b, cp)).toMatchObject({ name: 'counter' });
      a.run(3 * SECOND);
      b.run(3 * SECOND);
      // Whatever A logs after the checkpoint, B logs too, from the same point on.
      expect(linesOf(b, COUNTER), `after ${steps} steps`).toEqual(linesOf(a, COUNTER).slice(at));
      expect(linesOf(b, COUNTER).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('makes a call the component was blocked in again after a restore', () => {
    // The counter asks for a Timer session of a child that never announces the service:
    // init holds the request back, and the counter's thread is blocked in its call.
    const xml = targetXml({
      counter: `<start name="counter" ram="1M" checkpoint="yes">
    <route> <service name="Timer"> <child name="mute"/> </service> <any-service> <parent/> </any-service> </route>
  </start>
  <start name="mute" ram="1M"> <binary name="counter"/> <provides> <service name="Timer"/> </provides> </start>`,
    });
    const a = boot(xml);
    a.run(SECOND / 2);
    const ep = mainThread(a, 'counter');
    expect(ep.block?.kind).toBe('call');
    expect(linesOf(a, COUNTER)).toEqual([]); // it logs only once it has its timer
    const cp = checkpoint(a, 'counter');
    expect(cp.threads[0].block).toEqual({ kind: 'call', source: null });
    expect(cp.sessions.map((s) => s.service)).toEqual(['PD', 'CPU', 'LOG']);
    // Where Timer comes from the parent, the call made again is answered: the counter counts on.
    const b = boot(targetXml());
    expect(restoreComponent(b, cp)).toMatchObject({ sessions: 3 });
    expect(mainThread(b, 'counter').block).toBeNull(); // back on its ecall
    runToLines(b, COUNTER, 2);
    expect(linesOf(b, COUNTER)).toEqual(['0', '1']);
    const rt = runtimeOf(b, 'counter');
    expect([...rt.sessions.values()].map((s) => s.service)).toEqual(['PD', 'CPU', 'LOG', 'Timer']);
  });

  it('survives a whole-system snapshot of the restored machine', () => {
    const a = bootScenario('checkpoint');
    runToLines(a, COUNTER, 2);
    const b = boot(targetXml());
    b.run(SECOND);
    expect(restoreComponent(b, checkpoint(a, 'counter'))).toMatchObject({ name: 'counter' });
    b.run(SECOND / 3);
    const img = captureSystem(b);
    if (typeof img === 'string') throw new Error(img);
    const c = restoreSystem(img);
    if (typeof c === 'string') throw new Error(c);
    b.run(3 * SECOND);
    c.run(3 * SECOND);
    expect(c.transcript()).toEqual(b.transcript());
    expect(linesOf(c, COUNTER).slice(0, 3)).toEqual(['2', '3', '4']);
    // The loaded machine's runtime still works: its counter can be checkpointed and restored.
    const again = checkpointComponent(c, 'counter');
    if (typeof again === 'string') throw new Error(again);
    expect(restoreComponent(c, again)).toMatchObject({ replaced: true });
  });
});

describe('the checkpointing runtime, given bad input', () => {
  it('names the label it cannot checkpoint', () => {
    const sys = bootScenario('checkpoint');
    sys.run(SECOND / 2);
    expect(checkpointComponent(sys, 'nope')).toBe('no component "nope" is running (running: "counter", "ticker")');
    expect(checkpointComponent(sys, 'ticker')).toBe(
      '"ticker" does not run under the checkpointing runtime (its <start> node needs checkpoint="yes")',
    );
    expect(typeof checkpointComponent(sys, COUNTER)).toBe('object');
  });

  it('rejects corrupted checkpoint bytes with a clear message', () => {
    const sys = bootScenario('checkpoint');
    runToLines(sys, COUNTER, 2);
    const cp = checkpoint(sys, 'counter');
    const good = encodeCheckpoint(cp);
    expect(decodeCheckpoint(good)).toEqual(cp);

    const flipped = good.slice();
    flipped[flipped.length - 10] ^= 0x40;
    expect(decodeCheckpoint(flipped)).toBe('checkpoint corrupted: checksum mismatch');
    expect(decodeCheckpoint(good.subarray(0, good.length - 1))).toMatch(
      /^checkpoint truncated or padded: the header promises \d+ payload bytes, the file has \d+$/,
    );
    expect(decodeCheckpoint(new Uint8Array(10))).toBe('not a component checkpoint (no "CORECKPT" header)');
    const snap = good.slice();
    snap.set(new TextEncoder().encode('CORESNAP'));
    expect(decodeCheckpoint(snap)).toBe('not a component checkpoint (no "CORECKPT" header)');
    const v2 = good.slice();
    new DataView(v2.buffer).setUint32(8, 2, true);
    expect(decodeCheckpoint(v2)).toBe('checkpoint format version 2; this engine reads version 1');

    // Intact bytes of a checkpoint whose parts do not fit together.
    const dangling = structuredClone(cp);
    dangling.caps.find((c) => c.sel === SEL.PD)!.ref = { kind: 'session', id: 999 };
    expect(decodeCheckpoint(encodeCheckpoint(dangling))).toBe(
      `checkpoint inconsistent: caps[1] (selector ${SEL.PD}): names session 999, which the checkpoint has no session for`,
    );
    const short = structuredClone(cp);
    short.threads[0].regs.pop();
    expect(decodeCheckpoint(encodeCheckpoint(short))).toMatch(/^checkpoint malformed at threads\.0\.regs: /);
    const wrongSize = structuredClone(cp);
    const ram = wrongSize.dataspaces.find((d) => d.kind === 'ram')!;
    if (ram.kind === 'ram') ram.size += 0x1000;
    expect(decodeCheckpoint(encodeCheckpoint(wrongSize))).toMatch(
      /^checkpoint inconsistent: dataspaces\[0\]: \d+ bytes of contents for \d+ bytes$/,
    );
    // restoreComponent checks checkpoints built in memory the same way, before it changes anything.
    const before = state(sys);
    expect(restoreComponent(sys, dangling)).toMatch(
      /^cannot restore "counter": the checkpoint is inconsistent: caps\[1\]/,
    );
    expect(state(sys)).toEqual(before);
  });

  it('leaves a target without a Timer route untouched, naming the service', () => {
    const a = bootScenario('checkpoint');
    runToLines(a, COUNTER, 2);
    const cp = checkpoint(a, 'counter');
    const b = boot(targetXml({ timer: false }));
    b.run(SECOND);
    const before = state(b);
    const quota = quotaTotals(b.core);
    expect(restoreComponent(b, cp)).toBe(
      'cannot restore "counter": its Timer session (label "") cannot be routed in the target: ' +
        'no available provider for service "Timer" (label "") of child "counter"',
    );
    expect(state(b)).toEqual(before);
    // The target runs on as if nothing had happened.
    b.run(SECOND);
    expect(linesOf(b, COUNTER)).toEqual([]);
    expect(checkInvariants(b.core, quota)).toEqual([]);
  });

  it('leaves a target whose start node gives too little quota untouched', () => {
    const a = bootScenario('checkpoint');
    runToLines(a, COUNTER, 2);
    const cp = checkpoint(a, 'counter');
    const b = boot(targetXml({ counter: '<start name="counter" ram="96K" checkpoint="wait"/>' }));
    const before = state(b);
    expect(restoreComponent(b, cp)).toMatch(
      /^cannot restore "counter": not enough RAM quota: it needs \d+ bytes, its <start> node in the target gives \d+ \(ram="98304" minus its environment sessions\)$/,
    );
    expect(state(b)).toEqual(before);
  });

  it('refuses components that hold what the runtime cannot carry', () => {
    // shared_memory: the writer's session is served by another component.
    const sc = loadScenario(join(SCENARIO_ROOT, 'shared_memory.xml'));
    if (typeof sc === 'string') throw new Error(sc);
    const sys = System.boot(sc.xml.replace(/<start name="([^"]+)"/g, '<start name="$1" checkpoint="yes"'), sc.modules);
    if (typeof sys === 'string') throw new Error(sys);
    sys.run(3 * SECOND);
    expect(checkpointComponent(sys, 'shm_writer')).toBe(
      'cannot checkpoint "shm_writer": its Shm session "shm_writer" is served by component "shm_server"; ' +
        'the runtime re-creates only sessions its parent provides',
    );
    // A capability smuggled into the counter's space is reported by its selector.
    const c = bootScenario('checkpoint');
    c.run(SECOND / 2);
    const stranger = c.kernel.newRpcObject(null, null, null);
    expect(c.kernel.grant(c.init.children.get('counter')!.pd, stranger, 100)).toBe(100);
    expect(checkpointComponent(c, 'counter')).toBe(
      `cannot checkpoint "counter": selector 100 names RPC object ${stranger.id} of nobody, which the component did not get through the runtime`,
    );
    expect(stranger).toBeInstanceOf(RpcObject);
  });
});
