/**
 * The official RISC-V ISA tests (riscv-tests: rv32ui, rv32uc, rv32um, rv32ua, rv32mi, rv32si in
 * the -p and -v environments), run under `corescope run` in bare mode.
 *
 * They are not in this repository (nor a script that builds them): build them yourself with
 * their own Makefile and Debian's gcc-riscv64-unknown-elf, then point RISCV_TESTS_DIR at the
 * folder holding the binaries (e.g. riscv-tests/isa). Without it this suite is skipped and
 * says so.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadElf, parseElf } from '../src/engine/cpu/elf';
import { attachHtif } from '../src/engine/cpu/htif';
import { Machine } from '../src/engine/cpu/machine';

const dir = process.env.RISCV_TESTS_DIR;
const SUITES = /^rv32(ui|uc|um|ua|mi|si)-(p|v)-[a-z0-9_-]+$/;
const files = dir
  ? readdirSync(dir)
      .filter((f) => SUITES.test(f) && statSync(join(dir, f)).isFile())
      .sort()
  : [];

if (!dir) console.log('riscv-tests: skipped (set RISCV_TESTS_DIR to a folder of built rv32 riscv-tests binaries)');

/** Runs one binary the way `corescope run --mode bare` does; returns the HTIF exit code. */
function runTest(file: string): number | null {
  const parsed = parseElf(readFileSync(file));
  if (!parsed.ok) throw new Error(parsed.error);
  const m = new Machine();
  const err = loadElf(m.bus, parsed.image);
  if (err) throw new Error(err);
  const sym = (n: string): number | null => parsed.image.symbols.find((s) => s.name === n)?.value ?? null;
  const tohost = sym('tohost');
  if (tohost === null) throw new Error('no tohost symbol');
  attachHtif(
    { bus: m.bus, output: () => {}, exit: (code) => ((m.exitCode = code), m.harts.forEach((h) => h.stop('exit'))) },
    tohost,
    sym('fromhost'),
  );
  m.writeBootRom(parsed.image.entry);
  m.flushDecoded();
  m.run(50_000_000);
  return m.exitCode;
}

describe.skipIf(!dir)('official riscv-tests (RISCV_TESTS_DIR)', () => {
  it('found test binaries', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  let passed = 0;
  for (const f of files) {
    it(f, () => {
      expect(runTest(join(dir!, f)), `${f}: tohost exit code (0 = pass, n = failed test n)`).toBe(0);
      passed++;
    });
  }
  it('summary', () => {
    console.log(`riscv-tests: ${passed} of ${files.length} passed`);
  });
});
