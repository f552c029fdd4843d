/**
 * `npm run bench:snapshot`: how fast whole-system snapshots are, on a system that holds a
 * realistic amount of live data.
 *
 * The workload (bench/scenarios/snapshot.xml) is a 128 MiB machine whose one component,
 * bench_snapshot (resources/guest/corebench/bench_snapshot.c), fills 20 MiB of RAM dataspaces
 * with random bytes, arrays of records, text and sparse tables, and then keeps updating them.
 * The bench boots it, runs until the data is in place, and measures:
 *
 * - save: captureSystem + encodeSnapshot + writeFileAtomic (a file on the host's disk);
 * - load: loadSnapshotFile + restoreSystem;
 *
 * median of {@link RUNS} runs each, with the host's codec (NODE_CODEC: node:zlib) and, for
 * comparison, the engine's pure-JavaScript default (FFLATE_CODEC). Floors from the issue:
 * save and load under 300 ms each, a file under 25 MiB. Every loaded system is checked to
 * equal the saved one (Machine.stateHash).
 *
 * The bench is a list of {@link sections}; each prints its own rows, so measurements of other
 * snapshot-based features (reverse-step latency, recording slowdown) can be added as sections
 * that share the booted workload.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadScenario } from '../src/cli/scenario_files';
import { System } from '../src/engine/core/system';
import { loadSnapshotFile, NODE_CODEC, writeFileAtomic } from '../src/engine/host/snapshot_file';
import { FFLATE_CODEC, type Codec } from '../src/engine/snapshot/codec';
import { captureSystem, encodeSnapshotAsync, restoreSystem } from '../src/engine/snapshot/system_image';

import { recordingSlowdown, reverseStepLatency } from './reverse_section';

const SCENARIO = join(import.meta.dirname, 'scenarios', 'snapshot.xml');
const COMPONENT = 'init -> bench_snapshot';
const RAM_MIB = 128;
/** RAM the component fills (20 dataspaces of 1 MiB), and what counts as "touched". */
const WORKLOAD_MIB = 20;
const RUNS = 7;

const FLOOR_SAVE_MS = 300;
const FLOOR_LOAD_MS = 300;
const FLOOR_FILE_MIB = 25;

// ------------------------------------------------------------------------ the table --

interface Row {
  what: string;
  value: string;
  /** The floor as text, or '' for figures that have none. */
  floor?: string;
  /** Whether the floor is met; undefined: no floor. */
  ok?: boolean;
  /** Rows shown for comparison only do not count towards "floors met". */
  comparison?: boolean;
}

/** What sections share: the booted workload and a scratch directory. */
interface Context {
  /** The workload system, booted and filled on first use. */
  workload(): System;
  scratch: string;
}

interface Section {
  title: string;
  run(ctx: Context): Row[] | Promise<Row[]>;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const MiB = (bytes: number): number => bytes / (1024 * 1024);

function must<T>(x: T | string, what: string): T {
  if (typeof x === 'string') throw new Error(`${what}: ${x}`);
  return x;
}

// --------------------------------------------------------------------- the workload --

/** Boots the workload and runs it until its data is in place, then a little longer. */
function bootWorkload(): System {
  const sc = must(loadScenario(SCENARIO), 'scenario');
  const sys = must(System.boot(sc.xml, sc.modules, { ramMiB: RAM_MIB }), 'boot');
  const ready = (): boolean => sys.log.some((l) => l.label === COMPONENT && l.text.startsWith('snapshot: ready'));
  for (let i = 0; i < 100 && !ready(); i++) {
    const r = sys.run(5_000_000);
    if (r === 'halted') break;
  }
  if (!ready())
    throw new Error(`the workload never got ready:\n${sys.transcript().join('\n')}\n${sys.blockedSummary()}`);
  sys.run(20_000_000); // keeps running: a few ticks of updates
  const owned = [...sys.kernel.frames.values()].filter((f) => f.owner === COMPONENT).reduce((n, f) => n + f.size, 0);
  if (owned < WORKLOAD_MIB * 1024 * 1024)
    throw new Error(`the workload holds ${MiB(owned).toFixed(1)} MiB of RAM, expected ${WORKLOAD_MIB}`);
  return sys;
}

/** RAM pages that are not all zeros. */
function nonZeroPages(sys: System): number {
  const w = sys.machine.bus.i32;
  let n = 0;
  for (let p = 0; p < w.length; p += 1024) {
    for (let i = p; i < p + 1024; i++) {
      if (w[i] !== 0) {
        n++;
        break;
      }
    }
  }
  return n;
}

// ------------------------------------------------------------------ save and load --

interface SaveLoad {
  save: number[];
  capture: number[];
  encode: number[];
  write: number[];
  load: number[];
  read: number[];
  restore: number[];
  fileBytes: number;
  imagePages: number;
}

/**
 * Saves the running system RUNS times (running it a little between saves, so each save is of
 * a live system), then loads the last file RUNS times. The first save and load warm up and are
 * not counted. Throws if a loaded system is not the saved one.
 */
async function saveAndLoad(sys: System, path: string, codec: Codec): Promise<SaveLoad> {
  const r: SaveLoad = {
    save: [],
    capture: [],
    encode: [],
    write: [],
    load: [],
    read: [],
    restore: [],
    fileBytes: 0,
    imagePages: 0,
  };
  let savedHash = '';
  for (let i = 0; i <= RUNS; i++) {
    sys.run(1_000_000);
    const t0 = performance.now();
    const img = must(captureSystem(sys, null, { views: true }), 'capture');
    const t1 = performance.now();
    // The host's path: blocks deflated in parallel where the codec can (node:zlib's thread pool).
    const bytes = await encodeSnapshotAsync(img, codec);
    const t2 = performance.now();
    const err = writeFileAtomic(path, bytes);
    const t3 = performance.now();
    if (err) throw new Error(err);
    if (i === 0) continue;
    r.capture.push(t1 - t0);
    r.encode.push(t2 - t1);
    r.write.push(t3 - t2);
    r.save.push(t3 - t0);
    r.fileBytes = bytes.length;
    r.imagePages = img.ram.filter((p) => p !== null).length;
  }
  savedHash = sys.machine.stateHash();
  const savedInstructions = sys.instructions;
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    const img = must(loadSnapshotFile(path, codec), 'load');
    const t1 = performance.now();
    const back = must(restoreSystem(img), 'restore');
    const t2 = performance.now();
    if (i === 0 || i === RUNS) {
      const h = back.machine.stateHash();
      if (h !== savedHash || back.instructions !== savedInstructions)
        throw new Error(`the loaded system differs from the saved one (state hash ${h}, saved ${savedHash})`);
    }
    if (i === 0) continue;
    r.read.push(t1 - t0);
    r.restore.push(t2 - t1);
    r.load.push(t2 - t0);
  }
  return r;
}

async function saveLoadSection(ctx: Context): Promise<Row[]> {
  const sys = ctx.workload();
  const rows: Row[] = [];
  rows.push({
    what: `machine: ${RAM_MIB} MiB RAM; RAM pages not all zero`,
    value: `${nonZeroPages(sys)} (${MiB(nonZeroPages(sys) * 4096).toFixed(1)} MiB)`,
  });
  const path = join(ctx.scratch, 'bench.snap');
  for (const [name, codec, comparison] of [
    ['node:zlib', NODE_CODEC, false],
    ['fflate', FFLATE_CODEC, true],
  ] as const) {
    const r = await saveAndLoad(sys, path, codec);
    if (statSync(path).size !== r.fileBytes) throw new Error('the file on disk is not what was written');
    const save = median(r.save);
    const load = median(r.load);
    const size = MiB(r.fileBytes);
    const tag = comparison ? ` [${name}, for comparison]` : ` [${name}]`;
    rows.push(
      {
        what: `save: capture + encode + atomic write${tag}`,
        value: ms(save),
        floor: `< ${FLOOR_SAVE_MS} ms`,
        ok: save < FLOOR_SAVE_MS,
        comparison,
      },
      {
        what: `  capture / encode / write`,
        value: `${median(r.capture).toFixed(0)} / ${median(r.encode).toFixed(0)} / ${median(r.write).toFixed(0)} ms`,
      },
      {
        what: `load: read + decode + restore${tag}`,
        value: ms(load),
        floor: `< ${FLOOR_LOAD_MS} ms`,
        ok: load < FLOOR_LOAD_MS,
        comparison,
      },
      {
        what: `  read and decode / restore`,
        value: `${median(r.read).toFixed(0)} / ${median(r.restore).toFixed(0)} ms`,
      },
      {
        what: `file size (${r.imagePages} RAM pages saved)${tag}`,
        value: `${size.toFixed(2)} MiB`,
        floor: `< ${FLOOR_FILE_MIB} MiB`,
        ok: size < FLOOR_FILE_MIB,
        comparison,
      },
    );
  }
  rows.push({ what: 'loaded system == saved system (stateHash)', value: 'yes' });
  return rows;
}

// --------------------------------------------------------------------------- main --

/** The bench's sections, in order. Add new measurements here. */
/** A CPU-bound scenario for reverse execution (two burners that never block). */
const BUSY = join(import.meta.dirname, 'scenarios', 'busy.xml');

const sections: Section[] = [
  { title: `Save and load (${RUNS} runs each, median)`, run: saveLoadSection },
  {
    title: 'Reverse execution (bench/scenarios/busy.xml: two CPU burners)',
    run: () => [
      ...reverseStepLatency(BUSY, 60_000_000, 'init -> burner1/ep'),
      recordingSlowdown(BUSY, 5_000_000, 150_000_000),
    ],
  },
  {
    title: `Reverse execution (the ${WORKLOAD_MIB} MiB workload)`,
    run: () => [
      ...reverseStepLatency(SCENARIO, 40_000_000, COMPONENT + '/ep'),
      recordingSlowdown(SCENARIO, 30_000_000, 100_000_000),
    ],
  },
];

function print(title: string, rows: Row[]): void {
  const w = Math.max(...rows.map((r) => r.what.length));
  const v = Math.max(...rows.map((r) => r.value.length));
  console.log(`\n${title}`);
  console.log(`${'  '.padEnd(w + 2, '-')}  ${''.padEnd(v, '-')}  ${'-'.repeat(14)}`);
  for (const r of rows) {
    const mark = r.ok === undefined ? '' : r.ok ? '✓' : '✗';
    const floor = r.floor ? `${r.floor.padEnd(12)} ${mark}` : '';
    console.log(`  ${r.what.padEnd(w)}  ${r.value.padStart(v)}  ${floor}`);
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'corescope-snapbench-'));
let workload: System | null = null;
const ctx: Context = {
  scratch,
  workload: () => {
    if (!workload) {
      const t0 = performance.now();
      workload = bootWorkload();
      console.log(
        `workload: ${SCENARIO.slice(process.cwd().length + 1)} booted and filled in ${((performance.now() - t0) / 1000).toFixed(1)} s (${(workload.instructions / 1e6).toFixed(0)} M instructions)`,
      );
    }
    return workload;
  },
};

// Timings are only as good as the host is idle; say how busy it was.
console.log(
  `host: ${availableParallelism()} CPUs, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
let allOk = true;
try {
  for (const s of sections) {
    const rows = await s.run(ctx);
    print(s.title, rows);
    if (rows.some((r) => r.ok === false && !r.comparison)) allOk = false;
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`\nfloors: ${allOk ? 'met' : 'NOT met'}`);
