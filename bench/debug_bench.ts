/**
 * `npm run bench:debug`: what debugging costs.
 *
 * - MIPS of a busy scenario (two cpu_burner components sharing one CPU, never blocking) with no
 *   breakpoint and tracing off; with 100 breakpoints armed in the burners' code (on functions
 *   the hot loop does not run, so they are checked by the engine but not hit; floor: 90% of
 *   the first figure); with TRACE recording on (floor: 80%).
 * - The median round trip of a single-step command through the host protocol (a client over
 *   a WebSocket on 127.0.0.1 to an engine host in this process; floor: 5 ms), and how long a
 *   query waits while the guest runs flat out (the host runs it in ~5 ms slices).
 * - Topology and memory-map query times for a scenario with 100 PDs.
 *
 * Figures are best of three runs in this process; compare them as ratios within one run.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadScenario, SCENARIO_ROOT } from '../src/cli/scenario_files';
import { System } from '../src/engine/core/system';
import { Debugger } from '../src/engine/debug/debugger';
import { memoryMap, topology } from '../src/engine/debug/inspect';
import { DebugInfo } from '../src/engine/debug/symbols';
import { EngineHost } from '../src/engine/host/engine_host';
import { EngineWebSocketServer, connectWebSocketFromNode } from '../src/engine/host/transport_websocket';
import { parseMessage, type Message } from '../src/engine/protocol';

const CYCLES = 60_000_000;

function busySystem(file = join(SCENARIO_ROOT, 'affinity.xml')): System {
  const sc = loadScenario(file);
  if (typeof sc === 'string') throw new Error(sc);
  const xml = sc.xml.replaceAll('rounds="4"', 'rounds="0"');
  const sys = System.boot(xml, sc.modules, { cpus: 1 });
  if (typeof sys === 'string') throw new Error(sys);
  sys.run(5_000_000); // boot and warm up
  return sys;
}

function mips(setup: (sys: System) => void, file?: string, cycles = CYCLES): number {
  let best = 0;
  for (let run = 0; run < 3; run++) {
    const sys = busySystem(file);
    setup(sys);
    const i0 = sys.instructions;
    const t0 = performance.now();
    const r = sys.run(cycles);
    if (r !== 'budget') throw new Error(`the measured run ended early: ${r}`);
    const secs = (performance.now() - t0) / 1000;
    best = Math.max(best, (sys.instructions - i0) / secs / 1e6);
  }
  return best;
}

const plain = mips((sys) => {
  sys.kernel.trace.enabled = false;
});
/**
 * Functions of the burners that the measured loop never runs: found by a calibration run
 * with a breakpoint on every function, dropping each one that is hit, until a run as long as
 * the measurement passes without a hit.
 */
function coldFunctions(): { name: string; address: number }[] {
  const sys = busySystem();
  const dbg = new Debugger(sys);
  const left = sys.init.children.get('left')!;
  const parsed = DebugInfo.fromElf(sys.core.romData(left.start.binary)!);
  if (!parsed.ok) throw new Error(parsed.error);
  for (const f of parsed.info.functions()) dbg.setBreakpoint({ pd: left.pd.id, address: f.address });
  for (let clean = 0; clean < 3;) {
    dbg.resume();
    let hit = false;
    for (let ran = 0; ran < CYCLES && !hit; ran += 1_000_000) {
      const stop = dbg.run(1_000_000);
      if (stop?.breakpoint !== undefined) {
        dbg.removeBreakpoint(stop.breakpoint);
        hit = true;
      }
    }
    clean = hit ? 0 : clean + 1;
  }
  const cold = new Set(dbg.breakpoints().map((b) => b.address));
  return parsed.info.functions().filter((f) => cold.has(f.address));
}

const cold = coldFunctions();
let armed = 0;
const withBps = mips((sys) => {
  sys.kernel.trace.enabled = false;
  const dbg = new Debugger(sys);
  // 100 breakpoints, 50 in each burner, on functions the hot loop never calls: checked by the
  // engine at every instruction fetch of their slots, but never hit.
  armed = 0;
  for (const child of sys.init.children.values()) {
    for (const f of cold.slice(0, 50)) {
      const r = dbg.setBreakpoint({ pd: child.pd.id, address: f.address });
      if (!('error' in r)) armed++;
    }
  }
});
const traced = mips((sys) => {
  sys.kernel.trace.enabled = true;
});
// The same for a scenario that emits many trace events: RPC round trips between two components.
const RPC = join(import.meta.dirname, 'scenarios', 'rpc.xml');
const rpcPlain = mips(
  (sys) => {
    sys.kernel.trace.enabled = false;
  },
  RPC,
  20_000_000,
);
const rpcTraced = mips(
  (sys) => {
    sys.kernel.trace.enabled = true;
  },
  RPC,
  20_000_000,
);

// Single-step round trips through the host protocol: a client over a WebSocket on 127.0.0.1
// (as the browser host's UI), JSON on the wire and every message validated on both ends. The
// round trip is from sending stepInstruction to receiving the stopped event it causes.
const host = EngineHost.create();
const server = await EngineWebSocketServer.listen({}, (t) => host.attach(t));
const client = await connectWebSocketFromNode(server.url);
const waiting = new Map<number, (m: Message) => void>();
let onStopped: (() => void) | null = null;
client.onMessage((raw) => {
  const p = parseMessage(raw);
  if (!p.ok) throw new Error(p.error.message);
  const m = p.value;
  if (m.type === 'reply') waiting.get(m.id)?.(m);
  if (m.type === 'event' && m.event.kind === 'stopped') onStopped?.();
});
let nextId = 1;
const call = (cmd: object): Promise<Message> =>
  new Promise((resolve) => {
    const id = nextId++;
    waiting.set(id, (m) => {
      waiting.delete(id);
      if (m.type === 'reply' && !m.ok) throw new Error(m.error.message);
      resolve(m);
    });
    client.send({ type: 'cmd', id, cmd } as Message);
  });
const stopped = (): Promise<void> => new Promise((resolve) => (onStopped = resolve));

await call({ kind: 'load', path: join(SCENARIO_ROOT, 'counter.xml') });
const pdId = host.pdIdOf('counter')!;
const thread = host.threadIdOf('counter', 'ep')!;
let stop = stopped();
await call({ kind: 'runTo', pd: pdId, symbol: 'timer_msleep' });
await stop;
const steps: number[] = [];
for (let i = 0; i < 300; i++) {
  const t0 = performance.now();
  stop = stopped();
  await call({ kind: 'stepInstruction', thread });
  await stop;
  steps.push(performance.now() - t0);
}
steps.splice(0, 50); // warm-up
// A query while the guest runs flat out: answered between two slices.
const busy: number[] = [];
{
  const sc = loadScenario(join(SCENARIO_ROOT, 'affinity.xml'));
  if (typeof sc === 'string') throw new Error(sc);
  await call({ kind: 'load', text: sc.xml.replaceAll('rounds="4"', 'rounds="0"'), name: 'busy.xml' });
  await call({ kind: 'run' });
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    await call({ kind: 'registersRead', thread: host.threadIdOf('left', 'ep')! });
    busy.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 3));
  }
  await call({ kind: 'pause' });
}
client.close();
await server.close();
await host.dispose();
busy.sort((a, b) => a - b);
const medianBusy = busy[Math.floor(busy.length / 2)];
const p95Busy = busy[Math.floor(busy.length * 0.95)];
steps.sort((a, b) => a - b);
const medianStep = steps[Math.floor(steps.length / 2)];

// Queries on 100 PDs.
const sc = loadScenario(join(SCENARIO_ROOT, 'counter.xml'));
if (typeof sc === 'string') throw new Error(sc);
const starts = Array.from({ length: 100 }, (_, i) => `<start name="c${i}" ram="512K"><binary name="counter"/></start>`);
const big = System.boot(sc.xml.replace(/<start name="counter"[^>]*\/>/, starts.join('\n')), sc.modules, {
  ramMiB: 256,
});
if (typeof big === 'string') throw new Error(big);
big.run(50_000_000);
const pdCount = big.kernel.pds.size;
const time = (f: () => void): number => {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
};
const topoMs = time(() => JSON.stringify(topology(big)));
const mmMs = time(() => {
  for (const pd of big.kernel.pds.values()) JSON.stringify(memoryMap(big, pd));
});

const rows: [string, string, string][] = [
  ['MIPS, no breakpoint, tracing off', plain.toFixed(1), ''],
  [`MIPS, ${armed} breakpoints armed`, `${withBps.toFixed(1)} (${((withBps / plain) * 100).toFixed(0)}%)`, 'floor 90%'],
  ['MIPS, TRACE recording on', `${traced.toFixed(1)} (${((traced / plain) * 100).toFixed(0)}%)`, 'floor 80%'],
  ['MIPS of RPC round trips, tracing off', rpcPlain.toFixed(1), ''],
  [
    'MIPS of RPC round trips, TRACE recording on',
    `${rpcTraced.toFixed(1)} (${((rpcTraced / rpcPlain) * 100).toFixed(0)}%)`,
    'floor 80%',
  ],
  ['single-step round trip through the host (median)', `${medianStep.toFixed(2)} ms`, 'floor 5 ms'],
  [
    'registersRead while the guest runs (median / p95)',
    `${medianBusy.toFixed(2)} / ${p95Busy.toFixed(2)} ms`,
    'about 10 ms',
  ],
  [`topology query, ${pdCount} PDs`, `${topoMs.toFixed(2)} ms`, ''],
  [`memory maps of all ${pdCount} PDs`, `${mmMs.toFixed(2)} ms`, ''],
];
const w = Math.max(...rows.map((r) => r[0].length));
for (const [k, v, f] of rows) console.log(`${k.padEnd(w)}  ${v.padStart(16)}  ${f}`);
const ok = withBps / plain >= 0.9 && traced / plain >= 0.8 && rpcTraced / rpcPlain >= 0.8 && medianStep <= 5;
console.log(`floors: ${ok ? 'met' : 'NOT met'}`);
