/**
 * Every row of the opcode table must be exercised by some program of this suite: a new row
 * without a test fails here. A row counts as covered when its mnemonic is the instruction of
 * some statement in a test file's assembly (the first word of a line, after an optional label,
 * or right after the opening backtick of a template) or the key of a data-driven operation
 * table (`add: (a, b) => ...`, `'amoadd.w': (m, v) => ...`) whose programs are generated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OPCODES } from '../../src/engine/cpu/opcodes';

const here = dirname(fileURLToPath(import.meta.url));

/** The mnemonics used as instructions (or operation-table keys) in `text`. */
function mnemonics(text: string): Set<string> {
  const found = new Set<string>();
  const add = (m: string): void => {
    found.add(m);
    const amo = /^(.*)\.(aq|rl|aqrl)$/.exec(m);
    if (amo) found.add(amo[1]);
  };
  for (const line of text.split('\n')) {
    const m = /^\s*(?:[A-Za-z_.$0-9]+:\s*)?'?([a-z][a-z0-9.]*)\b/.exec(line);
    if (m) add(m[1]);
  }
  for (const m of text.matchAll(/`\s*([a-z][a-z0-9.]*)\b/g)) add(m[1]);
  return found;
}

describe('opcode table coverage', () => {
  const files = readdirSync(here).filter((f) => f.endsWith('.test.ts') && f !== 'opcode_coverage.test.ts');
  const used = new Set<string>();
  for (const f of files) for (const m of mnemonics(readFileSync(join(here, f), 'utf8'))) used.add(m);

  it('finds the test programs', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('every OPCODES row has a test program using its mnemonic', () => {
    const missing = OPCODES.map((r) => r.name).filter((n) => !used.has(n));
    expect(missing, `rows without a test program: ${missing.join(', ')}`).toEqual([]);
  });

  it('every extension of the table is present (I, M, A, C, Zicsr, Zifencei, privileged)', () => {
    expect(new Set(OPCODES.map((r) => r.ext))).toEqual(new Set(['I', 'M', 'A', 'C', 'Zicsr', 'Zifencei', 'S']));
  });
});
