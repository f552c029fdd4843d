/**
 * `npm run bench:core`: the microkernel's speed, measured on guest components.
 *
 * Prints RPC round trips per second between two components, page faults resolved per second
 * (lazy RAM mapping and managed-dataspace faults, separately), signals delivered per second,
 * and the MIPS of a busy scenario. Each figure is timed between the component's "<name>: start"
 * and "<name>: done <count>" LOG lines, in host time. Floors (from the issue): 200,000 RPC round
 * trips/s and 200,000 lazy page faults/s.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadScenario, SCENARIO_ROOT } from '../src/cli/scenario_files';
import { System } from '../src/engine/core/system';

const dir = join(import.meta.dirname, 'scenarios');

interface Result {
  count: number;
  seconds: number;
  instructions: number;
}

function measure(file: string, name: string): Result {
  const sc = loadScenario(file);
  if (typeof sc === 'string') throw new Error(sc);
  let start = 0;
  let end = 0;
  let count = 0;
  let startInstr = 0;
  let sys: System | null = null;
  const booted = System.boot(sc.xml, sc.modules, {}, (line) => {
    if (line.text === `${name}: start`) {
      start = performance.now();
      startInstr = sys?.instructions ?? 0;
    }
    const m = new RegExp(`^${name}: done (\\d+)$`).exec(line.text);
    if (m) {
      end = performance.now();
      count = Number(m[1]);
    }
    if (/Error|wrong/.test(line.text) && !/ 0 wrong/.test(line.text)) console.error(`  [${line.label}] ${line.text}`);
  });
  if (typeof booted === 'string') throw new Error(booted);
  sys = booted;
  while (end === 0) {
    const r = sys.run(5_000_000);
    if (r === 'idle' || r === 'halted') break;
  }
  if (end === 0) throw new Error(`${name}: never finished:\n${sys.transcript().join('\n')}\n${sys.blockedSummary()}`);
  return { count, seconds: (end - start) / 1000, instructions: sys.instructions - startInstr };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const rows: [string, string, string][] = [];
const rpc = measure(join(dir, 'rpc.xml'), 'rpc');
rows.push(['RPC round trips/s (two components)', fmt(rpc.count / rpc.seconds), 'floor 200,000']);
const lazy = measure(join(dir, 'lazy.xml'), 'lazy');
rows.push(['lazy page faults resolved/s', fmt(lazy.count / lazy.seconds), 'floor 200,000']);
const managed = measure(join(dir, 'managed.xml'), 'managed');
rows.push(['managed-dataspace faults resolved/s', fmt(managed.count / managed.seconds), '']);
const sig = measure(join(dir, 'signal.xml'), 'signal');
rows.push(['signals delivered/s', fmt(sig.count / sig.seconds), '']);

// A busy scenario: the affinity demo's two CPU burners plus the counter, on one CPU.
const busy = loadScenario(join(SCENARIO_ROOT, 'affinity.xml'));
if (typeof busy === 'string') throw new Error(busy);
const bsys = System.boot(busy.xml, busy.modules, { cpus: 1 });
if (typeof bsys === 'string') throw new Error(bsys);
const t0 = performance.now();
for (let i = 0; i < 40; i++) if (bsys.run(5_000_000) !== 'budget') break;
const busyMips = bsys.instructions / ((performance.now() - t0) / 1000) / 1e6;
rows.push(['MIPS of a busy scenario (affinity.xml, 1 CPU)', busyMips.toFixed(1), '']);
rows.push(['MIPS during the RPC benchmark', (rpc.instructions / rpc.seconds / 1e6).toFixed(1), '']);

const w = Math.max(...rows.map((r) => r[0].length));
for (const [k, v, f] of rows) console.log(`${k.padEnd(w)}  ${v.padStart(12)}  ${f}`);
const ok = rpc.count / rpc.seconds >= 200_000 && lazy.count / lazy.seconds >= 200_000;
console.log(`floors: ${ok ? 'met' : 'NOT met'}`);
