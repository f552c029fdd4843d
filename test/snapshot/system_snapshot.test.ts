import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, SCENARIO_ROOT } from '../../src/cli/scenario_files';
import { System } from '../../src/engine/core/system';
import { encodeGraph } from '../../src/engine/snapshot/graph';
import { ENGINE_SCHEMA } from '../../src/engine/snapshot/schema';
import { captureSystem, decodeSnapshot, encodeSnapshot, restoreSystem } from '../../src/engine/snapshot/system_image';

function boot(name: string, cpus = 1): System {
  const sc = loadScenario(join(SCENARIO_ROOT, name));
  if (typeof sc === 'string') throw new Error(sc);
  const sys = System.boot(sc.xml, sc.modules, { cpus });
  if (typeof sys === 'string') throw new Error(sys);
  return sys;
}

/** Everything about a system, as text: machine hash, kernel/core/init objects, the log. */
function fingerprint(sys: System): string {
  const m = sys.machine;
  const ext = new Map<object, string>([
    [m, 'machine'],
    [m.bus, 'bus'],
    [m.clint, 'clint'],
    [m.plic, 'plic'],
    [m.uart, 'uart'],
  ]);
  m.harts.forEach((h, i) => ext.set(h, `hart${i}`));
  const g = encodeGraph(
    [
      ['kernel', sys.kernel],
      ['core', sys.core],
      ['init', sys.init],
    ],
    ENGINE_SCHEMA,
    ext,
  );
  const blobs = g.blobs.map((b) =>
    b.bytes ? Array.from(b.bytes).join() : b.pages!.map((p) => (p ? Array.from(p).join() : '')).join('|'),
  );
  return `${m.stateHash()}\n${JSON.stringify(g.records)}\n${blobs.join('\n')}\n${sys.transcript().join('\n')}`;
}

/** Asserts equal fingerprints, showing only where they first differ. */
function expectSame(b: System, a: System): void {
  const x = fingerprint(b);
  const y = fingerprint(a);
  if (x === y) return;
  let i = 0;
  while (x[i] === y[i]) i++;
  expect(x.slice(Math.max(0, i - 300), i + 100)).toBe(y.slice(Math.max(0, i - 300), i + 100));
}

function roundTrip(sys: System): System {
  const img = captureSystem(sys);
  if (typeof img === 'string') throw new Error(img);
  const back = decodeSnapshot(encodeSnapshot(img));
  if (typeof back === 'string') throw new Error(back);
  const restored = restoreSystem(back);
  if (typeof restored === 'string') throw new Error(restored);
  return restored;
}

const scenarios = readdirSync(SCENARIO_ROOT).filter((f) => f.endsWith('.xml'));

describe('whole-system snapshots', () => {
  for (const name of scenarios) {
    for (const cpus of [1, 2]) {
      it(`${name} on ${cpus} CPU(s): run N, save, run M == load, run M`, () => {
        const a = boot(name, cpus);
        a.run(3_000_000);
        const b = roundTrip(a);
        expectSame(b, a);
        a.run(4_000_000);
        b.run(4_000_000);
        expectSame(b, a);
        expect(b.instructions).toBe(a.instructions);
      });
    }
  }
});
