/**
 * `npm run bench:cpu`: MIPS of the interpreter on the project's guest workloads
 * (resources/guest/bench, C compiled for rv32 Linux user mode), with the MMU off and with Sv32
 * on, their geometric means, the ratio to qemu-riscv32 on the same ELF where it is installed,
 * and the engine's resident memory against the floor (guest RAM + 64 MiB).
 *
 * Each figure is the best of `--runs` runs (default 3) in this process, so JIT warm-up and a
 * noisy neighbour count as little as possible; compare figures as ratios within one run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseElf } from '../src/engine/cpu/elf';
import { Machine } from '../src/engine/cpu/machine';
import { LinuxUser, type MmuMode } from '../src/engine/cpu/user_mode';

const WORKLOADS = ['intmix', 'crc', 'recurse', 'sort', 'memcpy'];
const dir = join(import.meta.dirname, '..', 'resources', 'guest', 'bench');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : WORKLOADS;

interface Result {
  instret: number;
  seconds: number;
  output: string;
  exit: number | null;
}

function runOnce(file: string, mmu: MmuMode): Result {
  const parsed = parseElf(readFileSync(file));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error}`);
  const m = new Machine();
  let output = '';
  const env = LinuxUser.start(m, parsed.image, {
    mmu,
    argv: [file],
    write: (_fd, b) => (output += Buffer.from(b).toString()),
  });
  if (typeof env === 'string') throw new Error(`${file}: ${env}`);
  const t0 = process.hrtime.bigint();
  while (m.exitCode === null && m.run(100_000_000) === 'budget');
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { instret: m.harts[0].instret, seconds, output: output.trim(), exit: m.exitCode };
}

function qemuSeconds(file: string): number | null {
  const probe = spawnSync('qemu-riscv32', ['--version']);
  if (probe.status !== 0) return null;
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('qemu-riscv32', [file]);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) return null;
    best = Math.min(best, s);
  }
  return best;
}

const geo = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const rows: string[][] = [
  ['workload', 'instructions', 'MIPS (MMU off)', 'MIPS (Sv32)', 'qemu-riscv32 s', 'slowdown vs qemu'],
];
const off: number[] = [];
const sv: number[] = [];
const ratios: number[] = [];
let peakRss = 0;
for (const name of only) {
  const file = join(dir, `${name}.elf`);
  const best: Record<MmuMode, Result | null> = { off: null, sv32: null };
  for (let i = 0; i < RUNS; i++) {
    for (const mode of ['off', 'sv32'] as MmuMode[]) {
      const r = runOnce(file, mode);
      if (r.exit !== 0) throw new Error(`${name} (${mode}) exited ${r.exit}: ${r.output}`);
      if (!best[mode] || r.seconds < best[mode]!.seconds) best[mode] = r;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  }
  const mOff = best.off!.instret / best.off!.seconds / 1e6;
  const mSv = best.sv32!.instret / best.sv32!.seconds / 1e6;
  off.push(mOff);
  sv.push(mSv);
  const q = qemuSeconds(file);
  if (q !== null) ratios.push(best.sv32!.seconds / q);
  rows.push([
    name,
    String(best.sv32!.instret),
    mOff.toFixed(1),
    mSv.toFixed(1),
    q === null ? 'n/a' : q.toFixed(3),
    q === null ? 'n/a' : `${(best.sv32!.seconds / q).toFixed(2)}x`,
  ]);
}
rows.push([
  'geometric mean',
  '',
  geo(off).toFixed(1),
  geo(sv).toFixed(1),
  '',
  ratios.length ? `${geo(ratios).toFixed(2)}x` : 'n/a',
]);
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  '));
const ramMiB = new Machine().bus.ramSize / 1048576;
console.log(
  `\npeak resident memory: ${(peakRss / 1048576).toFixed(0)} MiB (floor: guest RAM ${ramMiB} MiB + 64 MiB = ${ramMiB + 64} MiB)`,
);
console.log(`floor for Sv32 geometric mean: 80 MIPS -> ${geo(sv) >= 80 ? 'met' : 'NOT met'} (${geo(sv).toFixed(1)})`);
