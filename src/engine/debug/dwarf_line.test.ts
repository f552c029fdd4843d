/**
 * The .debug_line decoder against real compiler output: the guest ELFs (DWARF 5, gcc 12) and
 * two small tables gcc 12 wrote with -gdwarf-4 and -gdwarf-3 (embedded below). Expected rows
 * come from `riscv64-unknown-elf-objdump --dwarf=decodedline` and `readelf --debug-dump=rawline`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseElf, type ElfImage } from '../cpu/elf';
import { decodeDebugLine, normalizePath, parseDebugLine, type LineRow } from './dwarf_line';

const GUEST = new URL('../../../resources/guest/', import.meta.url);

function image(path: string): ElfImage {
  const r = parseElf(new Uint8Array(readFileSync(new URL(path, GUEST))));
  if (!r.ok) throw new Error(r.error);
  return r.image;
}

/**
 * .debug_line of a two-file program (main.c including inc/h.h, and tiny.c) built by
 * `riscv64-unknown-elf-gcc -march=rv32imac_zicsr -mabi=ilp32 -O2 -g -gdwarf-4
 * -ffile-prefix-map=$PWD=. -nostdlib -Wl,-Ttext=0x10000 main.c tiny.c`.
 */
const DWARF4 =
  'mQAAAAQAKQAAAAEBAfsODQABAQEBAAAAAQAAAWluYwAAbWFpbi5jAAAAAGguaAABAAAABQEABQIAAAEAFQUCAwEJAAABBQEGA38JAAAB' +
  'BQoDAQkKAAEFAgYDAQkGAAEEAgN9CQAAAQULBgMACQAAAQQBBQIAAgQBBgMECQQAAQUDAAIEAQMBCQAAAQUCAAIEAQN/CQYAAQkCAAAB' +
  'AZEAAAAEAB4AAAABAQH7Dg0AAQEBAQAAAAEAAAEAdGlueS5jAAAAAAAFAQAFAhwAAQAVBQIDAQkAAAEFBgYDAAkAAAEFAgYDAQkCAAEF' +
  'GAN8CQAAAQUhBgMACQAAAQUBAwIJBAABBQQDAgkGAAEFAQMCCQYAAQUEA34JAgABBQIGAwEJBgABBQEGAwEJAAABCQQAAAEB';
/** The same program with -gdwarf-3 (version 3 header: no maximum_operations_per_instruction). */
const DWARF3 =
  'mAAAAAMAKAAAAAEB+w4NAAEBAQEAAAABAAABaW5jAABtYWluLmMAAAAAaC5oAAEAAAAFAQAFAgAAAQAVBQIDAQkAAAEFAQYDfwkAAAEF' +
  'CgMBCQoAAQUCBgMBCQYAAQQCA30JAAABBQsGAwAJAAABBAEFAgACBAEGAwQJBAABBQMAAgQBAwEJAAABBQIAAgQBA38JBgABCQIAAAEB' +
  'kAAAAAMAHQAAAAEB+w4NAAEBAQEAAAABAAABAHRpbnkuYwAAAAAABQEABQIcAAEAFQUCAwEJAAABBQYGAwAJAAABBQIGAwEJAgABBRgD' +
  'fAkAAAEFIQYDAAkAAAEFAQMCCQQAAQUEAwIJBgABBQEDAgkGAAEFBAN+CQIAAQUCBgMBCQYAAQUBBgMBCQAAAQkEAAABAQ==';

/** objdump's decoded rows of that program, with the columns from readelf's raw dump. */
const SMALL_ROWS = [
  'main.c:4:1 0x10000 stmt',
  'main.c:5:2 0x10000 stmt',
  'main.c:4:1 0x10000',
  'main.c:5:10 0x1000a',
  'main.c:6:2 0x10010 stmt',
  'inc/h.h:3:2 0x10010 stmt',
  'inc/h.h:3:11 0x10010',
  'main.c:7:2 0x10014 stmt',
  'main.c:8:3 0x10014 stmt',
  'main.c:7:2 0x1001a stmt',
  'end 0x1001c',
  'tiny.c:4:1 0x1001c stmt',
  'tiny.c:5:2 0x1001c stmt',
  'tiny.c:5:6 0x1001c',
  'tiny.c:6:2 0x1001e stmt',
  'tiny.c:2:24 0x1001e stmt',
  'tiny.c:2:33 0x1001e',
  'tiny.c:4:1 0x10022',
  'tiny.c:6:4 0x10028',
  'tiny.c:8:1 0x1002e',
  'tiny.c:6:4 0x10030',
  'tiny.c:7:2 0x10036 stmt',
  'tiny.c:8:1 0x10036',
  'end 0x1003a',
];

const bytes = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));
const show = (r: LineRow): string =>
  `${r.endSequence ? 'end' : `${r.file}:${r.line}:${r.column}`} 0x${r.address.toString(16)}${r.isStmt && !r.endSequence ? ' stmt' : ''}`;
const ERROR_SHAPE = /^\.debug_line unit at offset 0x[0-9a-f]+: .+ \(at offset 0x[0-9a-f]+\)$/;

describe('parseDebugLine on the guest ELFs (DWARF 5)', () => {
  it('decodes counter.elf: units, file tables, and the rows objdump prints', () => {
    const r = parseDebugLine(image('basics/counter.elf'));
    if (!r.ok) throw new Error(r.error);
    const { units, rows } = r.table;
    // readelf --debug-dump=rawline: 25 units; objdump --dwarf=decodedline: 5797 rows.
    expect(units).toHaveLength(25);
    expect(rows).toHaveLength(5797);
    expect(units.every((u) => u.version === 5)).toBe(true);
    // Unit 0 is crt0.S: directories "." and "./../sdk/src" (.debug_line_str), file 0 = file 1.
    expect(units[0]).toMatchObject({
      offset: 0,
      directories: ['.', './../sdk/src'],
      files: ['../sdk/src/crt0.S', '../sdk/src/crt0.S'],
    });
    expect(units[1].directories).toEqual(['.', '../sdk/src', '../sdk/include/corescope']);
    expect(units[1].files.slice(0, 4)).toEqual([
      '../sdk/src/start.c',
      '../sdk/src/start.c',
      '../sdk/include/corescope/syscall.h',
      '../sdk/include/corescope/env.h',
    ]);
    expect(units[24].files[0]).toBe('counter.c');
    // The first sequence (crt0.S) and counter.c's rows as objdump and readelf show them.
    expect(rows.slice(0, 3).map(show)).toEqual([
      '../sdk/src/crt0.S:15:0 0x10000 stmt',
      '../sdk/src/crt0.S:17:0 0x10008 stmt',
      '../sdk/src/crt0.S:18:0 0x1000a stmt',
    ]);
    expect(show(rows[units[0].rowEnd - 1])).toBe('end 0x10048');
    const counter = rows.slice(units[24].rowStart, units[24].rowEnd).map(show);
    expect(counter.slice(0, 9)).toEqual([
      'counter.c:12:1 0x13602 stmt',
      'counter.c:13:2 0x13602 stmt',
      'counter.c:14:2 0x13602 stmt',
      'counter.c:15:2 0x13602 stmt',
      'counter.c:12:1 0x13602',
      'counter.c:15:10 0x1360e',
      'counter.c:16:2 0x13616 stmt',
      'counter.c:16:5 0x13616',
      'counter.c:13:11 0x13618',
    ]);
    expect(counter[counter.length - 1]).toBe('end 0x13658');
  });

  it('decodes every guest that has debug info; an ELF without .debug_line gives an empty table', () => {
    for (const elf of ['basics/hello_server.elf', 'fuzz/fuzzer.elf', 'memory/stack_runtime.elf']) {
      const r = parseDebugLine(image(elf));
      expect(r.ok, elf).toBe(true);
    }
    const hello = parseDebugLine(image('basics/hello_server.elf'));
    if (!hello.ok) throw new Error(hello.error);
    expect(hello.table.rows).toHaveLength(6046); // objdump --dwarf=decodedline
    expect(parseDebugLine(image('bench/sort.elf'))).toEqual({ ok: true, table: { units: [], rows: [] } });
  });
});

describe('decodeDebugLine on older versions', () => {
  it('decodes a DWARF 4 table (include directory table, 1-based file indexes)', () => {
    const r = decodeDebugLine({ debugLine: bytes(DWARF4) });
    if (!r.ok) throw new Error(r.error);
    expect(r.table.rows.map(show)).toEqual(SMALL_ROWS);
    expect(r.table.units.map((u) => [u.offset, u.version, u.directories, u.files])).toEqual([
      [0, 4, ['inc'], ['main.c', 'inc/h.h']],
      [0x9d, 4, [], ['tiny.c']],
    ]);
  });

  it('decodes DWARF 3 and DWARF 2 tables (no maximum_operations_per_instruction)', () => {
    const v3 = decodeDebugLine({ debugLine: bytes(DWARF3) });
    if (!v3.ok) throw new Error(v3.error);
    expect(v3.table.rows.map(show)).toEqual(SMALL_ROWS);
    expect(v3.table.units.map((u) => [u.offset, u.version])).toEqual([
      [0, 3],
      [0x9c, 3],
    ]);
    // A version 2 header is laid out like version 3: relabel both units.
    const b = bytes(DWARF3);
    b[4] = 2;
    b[0x9c + 4] = 2;
    const v2 = decodeDebugLine({ debugLine: b });
    if (!v2.ok) throw new Error(v2.error);
    expect(v2.table.rows.map(show)).toEqual(SMALL_ROWS);
    expect(v2.table.units.map((u) => u.version)).toEqual([2, 2]);
  });
});

describe('malformed tables give an error naming the unit and the offset', () => {
  const debugLineOf = (img: ElfImage): Uint8Array => img.sections.find((s) => s.name === '.debug_line')!.data;

  it('rejects an unknown version (counter.elf, second unit)', () => {
    const img = image('basics/counter.elf');
    const data = debugLineOf(img); // a view into this test's own copy of the file
    data[0xc8 + 4] = 9;
    expect(parseDebugLine(img)).toEqual({
      ok: false,
      error: '.debug_line unit at offset 0xc8: version 9 is not supported (2 to 5 are) (at offset 0xcc)',
    });
  });

  it('rejects a form the decoder does not support (DW_FORM_strx needs .debug_info)', () => {
    const img = image('basics/counter.elf');
    debugLineOf(img)[0x20] = 0x1a; // unit 0: the directory path form, DW_FORM_line_strp
    expect(parseDebugLine(img)).toEqual({
      ok: false,
      error:
        '.debug_line unit at offset 0x0: directory 0: form 0x1a (DW_FORM_strx) is not supported in a line table header (at offset 0x22)',
    });
  });

  it('rejects a string offset outside .debug_line_str', () => {
    const img = image('basics/counter.elf');
    const d = debugLineOf(img);
    d[0x22] = 0xff; // directory 0's DW_FORM_line_strp offset (4 bytes at 0x22), was 0
    d[0x23] = 0xff;
    expect(parseDebugLine(img)).toEqual({
      ok: false,
      error:
        '.debug_line unit at offset 0x0: string offset 0xffff is outside .debug_line_str (size 0x301) (at offset 0x22)',
    });
  });

  it('rejects truncation, a zero line_range, a bad file index and a missing end_sequence', () => {
    const b = bytes(DWARF4);
    expect(decodeDebugLine({ debugLine: b.subarray(0, 100) })).toEqual({
      ok: false,
      error:
        '.debug_line unit at offset 0x0: unit length 0x99 runs past the end of .debug_line (size 0x64) (at offset 0x0)',
    });
    const zeroRange = b.slice();
    zeroRange[0x0e] = 0;
    expect(decodeDebugLine({ debugLine: zeroRange })).toEqual({
      ok: false,
      error: '.debug_line unit at offset 0x0: line_range is 0 (at offset 0xe)',
    });
    const badFile = b.slice();
    badFile[0x60] = 9; // DW_LNS_set_file 2 at 0x5f becomes set_file 9
    expect(decodeDebugLine({ debugLine: badFile })).toEqual({
      ok: false,
      error: '.debug_line unit at offset 0x0: file index 9 is out of range (the file table has 1..2) (at offset 0x5f)',
    });
    // Unit 1 without its final DW_LNE_end_sequence (00 01 01), its length shortened to match.
    const unit1 = b.slice(0x9d, b.length - 3);
    unit1[0] -= 3;
    expect(decodeDebugLine({ debugLine: unit1 })).toEqual({
      ok: false,
      error:
        '.debug_line unit at offset 0x0: the line program ends inside a sequence (no DW_LNE_end_sequence) (at offset 0x92)',
    });
    // A string form with no string section.
    const img = image('basics/counter.elf');
    const r = decodeDebugLine({ debugLine: debugLineOf(img) });
    expect(r).toEqual({
      ok: false,
      error:
        '.debug_line unit at offset 0x0: a string form refers to .debug_line_str, which the file does not have (at offset 0x22)',
    });
  });

  it('never throws on truncated or randomly corrupted input', () => {
    const good = bytes(DWARF4);
    const check = (debugLine: Uint8Array): void => {
      const r = decodeDebugLine({ debugLine });
      if (!r.ok) expect(r.error).toMatch(ERROR_SHAPE);
    };
    for (let n = 0; n < good.length; n++) check(good.subarray(0, n));
    let seed = 12345;
    const rnd = (k: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % k;
    };
    let failures = 0;
    for (let i = 0; i < 3000; i++) {
      const b = good.slice();
      for (let j = 1 + rnd(3); j > 0; j--) b[rnd(b.length)] = rnd(256);
      const r = decodeDebugLine({ debugLine: b });
      if (!r.ok) {
        failures++;
        expect(r.error).toMatch(ERROR_SHAPE);
      }
    }
    expect(failures).toBeGreaterThan(0); // the mutations did reach the checks
  });
});

describe('normalizePath', () => {
  it('folds "." and "dir/.." but keeps leading ".."', () => {
    expect(normalizePath('./counter.c')).toBe('counter.c');
    expect(normalizePath('././../sdk/src/crt0.S')).toBe('../sdk/src/crt0.S');
    expect(normalizePath('a/b/../c//d.c')).toBe('a/c/d.c');
    expect(normalizePath('../../x.h')).toBe('../../x.h');
    expect(normalizePath('/usr/./include/../lib/x.h')).toBe('/usr/lib/x.h');
    expect(normalizePath('/../x')).toBe('/x');
    expect(normalizePath('.')).toBe('.');
    expect(normalizePath('a/..')).toBe('.');
  });
});
