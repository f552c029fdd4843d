/**
 * DebugInfo against the real guest ELFs. Expected values were read off
 * `riscv64-unknown-elf-addr2line -e ELF ADDR`, `objdump --dwarf=decodedline` and `readelf -s`;
 * where the toolchain is installed, one test also compares every code address with addr2line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PF_R, PF_W, PF_X } from '../cpu/elf';
import { writeElf } from '../cpu/elf_writer';
import { normalizePath } from './dwarf_line';
import { DebugInfo } from './symbols';

const GUEST = new URL('../../../resources/guest/', import.meta.url);
const elfBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(path, GUEST)));

function load(path: string): DebugInfo {
  const r = DebugInfo.fromElf(elfBytes(path));
  if (!r.ok) throw new Error(r.error);
  return r.info;
}

const counter = load('basics/counter.elf');
const server = load('basics/hello_server.elf');

describe('function symbols', () => {
  it('symbolizes addresses into FUNC symbols (counter.elf, readelf -s)', () => {
    expect(counter.symbolize(0x13602)).toEqual({
      name: 'component_construct',
      offset: 0,
      start: 0x13602,
      end: 0x13658,
    });
    expect(counter.symbolize(0x13634)).toMatchObject({ name: 'component_construct', offset: 0x32 });
    expect(counter.symbolize(0x12d86)).toMatchObject({ name: 'timer_usleep', offset: 0x40 });
    expect(counter.symbolize(0x12dc3)).toMatchObject({ name: 'timer_msleep', offset: 0x13 });
    expect(counter.symbolize(0x10f74)).toMatchObject({ name: 'number', offset: 0 }); // a LOCAL function
    expect(counter.symbolize(0x10000)).toMatchObject({ name: '_start', offset: 0 }); // not __text_start
    expect(counter.symbolize(0x13658)).toBeNull(); // _etext: past the last function
    expect(counter.symbolize(0x1400c)).toBeNull(); // `env`, an OBJECT
    expect(counter.symbolize(0)).toBeNull();
  });

  it('looks functions up by name and lists them', () => {
    expect(counter.lookup('component_construct')).toBe(0x13602);
    expect(counter.lookup('_thread_entry')).toBe(0x10030);
    expect(counter.lookup('insert_free')).toBe(0x10bd0);
    expect(counter.lookup('env')).toBeNull(); // data, not code
    expect(counter.lookup('__global_pointer$')).toBeNull(); // an absolute-looking label in .rodata
    expect(counter.lookup('no_such_function')).toBeNull();
    const fns = counter.functions();
    expect(fns).toHaveLength(134); // readelf -s counter.elf | awk '$4 == "FUNC"'
    expect(fns.find((f) => f.name === 'timer_msleep')).toEqual({
      name: 'timer_msleep',
      address: 0x12db0,
      size: 20,
      bind: 'GLOBAL',
    });
    for (let i = 1; i < fns.length; i++) expect(fns[i].address).toBeGreaterThanOrEqual(fns[i - 1].address);
  });

  it('falls back to the nearest preceding label for code without a sized function', () => {
    const text = new Uint8Array(0x100).fill(0x01); // c.nop
    const w = writeElf({
      entry: 0x1000,
      segments: [
        { vaddr: 0x1000, flags: PF_R | PF_X, data: text },
        { vaddr: 0x3000, flags: PF_R | PF_W, data: new Uint8Array(16) },
      ],
      symbols: [
        { name: 'sized', value: 0x1000, size: 0x20, type: 'FUNC' },
        { name: 'asm_label', value: 0x1040, type: 'FUNC' },
        { name: 'global_mark', value: 0x1080 },
        { name: 'local_mark', value: 0x1090, bind: 'LOCAL' },
        { name: '$xrv32i2p1', value: 0x10a0, bind: 'LOCAL' },
        { name: 'static_fn', value: 0x10c0, size: 0x10, type: 'FUNC', bind: 'LOCAL' },
        { name: 'alias', value: 0x10c0, size: 0x10, type: 'FUNC', bind: 'WEAK' },
        { name: '_etext', value: 0x1100 },
        { name: 'data_mark', value: 0x3000 },
        { name: 'abs_const', value: 0x1234, section: '*ABS*' },
      ],
    });
    if (!w.ok) throw new Error(w.error);
    const r = DebugInfo.fromElf(w.bytes);
    if (!r.ok) throw new Error(r.error);
    const d = r.info;
    expect(d.symbolize(0x101f)).toEqual({ name: 'sized', offset: 0x1f, start: 0x1000, end: 0x1020 });
    expect(d.symbolize(0x1020)).toBeNull(); // between a sized function and the next label
    expect(d.symbolize(0x1044)).toEqual({ name: 'asm_label', offset: 4, start: 0x1040, end: 0x1080 });
    // Local NOTYPE and mapping symbols are not names: global_mark reaches up to static_fn.
    expect(d.symbolize(0x10a5)).toEqual({ name: 'global_mark', offset: 0x25, start: 0x1080, end: 0x10c0 });
    expect(d.symbolize(0x10c4)).toMatchObject({ name: 'alias', offset: 4 }); // WEAK over LOCAL
    expect(d.symbolize(0x10d0)).toBeNull();
    expect(d.symbolize(0x1100)).toBeNull();
    expect(d.symbolize(0x3000)).toBeNull();
    expect(d.lookup('static_fn')).toBe(0x10c0);
    expect(d.lookup('global_mark')).toBe(0x1080);
    expect(d.lookup('local_mark')).toBeNull();
    expect(d.lookup('data_mark')).toBeNull();
    expect(d.lookup('abs_const')).toBeNull();
    expect(d.functions().map((f) => f.name)).toEqual(['sized', 'asm_label', 'alias', 'static_fn']);
    // No .debug_line: no lines, and no error either.
    expect(d.lineError).toBeNull();
    expect(d.lineOf(0x1000)).toBeNull();
    expect(d.files()).toEqual([]);
    expect(d.addressesOf('x.c', 1)).toEqual({
      ok: false,
      error: 'no source file in the line table matches "x.c"',
      files: [],
      requestedLine: 1,
      line: 1,
      addresses: [],
    });
  });

  it('reads code bytes from executable segments only', () => {
    expect([...counter.code(0x13602, 4)!]).toEqual([0x01, 0x11, 0x22, 0xcc]); // addi sp,-32; sw s0,24(sp)
    const seg = counter.image.segments.find((x) => x.flags & PF_X)!;
    expect(counter.code(seg.vaddr + seg.filesz - 4, 4)).not.toBeNull();
    expect(counter.code(seg.vaddr + seg.filesz - 2, 4)).toBeNull(); // runs past the segment's file bytes
    expect(counter.code(0x1400c, 4)).toBeNull(); // .bss
  });

  it('rejects bytes that are not an ELF', () => {
    expect(DebugInfo.fromElf(new Uint8Array([1, 2, 3]))).toEqual({
      ok: false,
      error: 'not an ELF file (bad magic at offset 0)',
    });
  });
});

describe('source lines', () => {
  it('maps addresses to file:line as addr2line does', () => {
    // riscv64-unknown-elf-addr2line -e counter.elf (paths normalised: "././counter.c" -> "counter.c")
    const where = (d: DebugInfo, pc: number): string | null => {
      const l = d.lineOf(pc);
      return l && `${l.file}:${l.line}`;
    };
    expect(where(counter, 0x10000)).toBe('../sdk/src/crt0.S:15');
    expect(where(counter, 0x10048)).toBe('../sdk/src/start.c:15');
    expect(where(counter, 0x13602)).toBe('counter.c:12'); // the last of five rows at 0x13602
    expect(where(counter, 0x1360e)).toBe('counter.c:15');
    expect(where(counter, 0x13616)).toBe('counter.c:16');
    expect(where(counter, 0x13633)).toBe('counter.c:25');
    expect(where(counter, 0x12d86)).toBe('../sdk/src/timer_session.c:80');
    expect(where(counter, 0x13658)).toBeNull(); // end of the last sequence
    expect(where(server, 0x105fa)).toBe('../sdk/include/corescope/syscall.h:29'); // inlined sys_ecall
    expect(where(server, 0x10600)).toBe('../sdk/src/entrypoint.c:152');
    expect(where(server, 0x11de8)).toBe('../sdk/include/corescope/rpc.h:49');
    expect(where(server, 0x13604)).toBe('hello_server.c:97');
    expect(where(server, 0x13630)).toBe('hello_server.c:105');
    expect(where(server, 0x13948)).toBe('hello_server.c:115');
    // Column and row start (readelf rawline: line 15 at 0x1360e has column 10, is_stmt 0).
    expect(counter.lineOf(0x13612)).toEqual({
      file: 'counter.c',
      line: 15,
      column: 10,
      address: 0x1360e,
      isStmt: false,
    });
    expect(counter.lineOf(0x1361c)).toEqual({ file: 'counter.c', line: 23, column: 3, address: 0x1361c, isStmt: true });
  });

  it('finds the is_stmt addresses of a line, by basename, path suffix or full path', () => {
    expect(counter.addressesOf('counter.c', 15)).toEqual({
      ok: true,
      files: ['counter.c'],
      requestedLine: 15,
      line: 15,
      addresses: [0x13602],
    });
    // `for (;;)` has two statement rows (objdump: line 22 at 0x1361c and 0x13634).
    expect(counter.addressesOf('basics/counter.c', 22)).toMatchObject({ ok: true, addresses: [0x1361c, 0x13634] });
    expect(counter.addressesOf('/somewhere/resources/guest/basics/counter.c', 24)).toMatchObject({
      ok: true,
      line: 24,
      addresses: [0x13626],
    });
    expect(counter.addressesOf('start.c', 20)).toMatchObject({
      ok: true,
      files: ['../sdk/src/start.c'],
      addresses: [0x10058],
    });
    expect(counter.addressesOf('sdk/src/start.c', 20)).toMatchObject({ ok: true, addresses: [0x10058] });
    expect(counter.addressesOf('../sdk/src/start.c', 20)).toMatchObject({ ok: true, addresses: [0x10058] });
    // A header: its statement rows from every unit that inlined it (objdump, rpc.h line 115).
    expect(server.addressesOf('corescope/rpc.h', 115)).toEqual({
      ok: true,
      files: ['../sdk/include/corescope/rpc.h'],
      requestedLine: 115,
      line: 115,
      addresses: [
        0x1024c, 0x107e0, 0x10804, 0x13022, 0x1305e, 0x130c6, 0x130e2, 0x130f8, 0x1310e, 0x1311e, 0x1313a, 0x1313e,
        0x13142, 0x1325e, 0x13284, 0x1328e, 0x13296, 0x132ba, 0x137ce, 0x137f0,
      ],
    });
  });

  it('moves a line without code to the next line with some, and says so', () => {
    expect(counter.addressesOf('counter.c', 20)).toMatchObject({ ok: true, requestedLine: 20, line: 22 });
    expect(counter.addressesOf('counter.c', 1)).toMatchObject({ ok: true, line: 12, addresses: [0x13602] });
    expect(server.addressesOf('hello_server.c', 107)).toMatchObject({ ok: true, line: 111, addresses: [0x138fe] });
    // Line 27's only row is not a statement; nothing follows it.
    expect(counter.addressesOf('counter.c', 26)).toEqual({
      ok: false,
      error: 'counter.c has no code at or after line 26',
      files: ['counter.c'],
      requestedLine: 26,
      line: 26,
      addresses: [],
    });
    // "other/start.c" and "../sdk/src/start.c": neither ends with the other.
    expect(counter.addressesOf('other/start.c', 20)).toMatchObject({
      ok: false,
      error: 'no source file in the line table matches "other/start.c"',
      addresses: [],
    });
    expect(counter.addressesOf('ounter.c', 15).ok).toBe(false); // components match whole
  });

  it('lists the files with code', () => {
    const files = counter.files();
    expect(files).toContain('counter.c');
    expect(files).toContain('../sdk/src/crt0.S');
    expect(files).toContain('../sdk/include/corescope/syscall.h');
    expect(files).toHaveLength(28);
    expect([...files].sort()).toEqual(files);
  });

  it('gives the address range of the source line around pc', () => {
    // start.c line 15 has three consecutive rows (0x10048, 0x1004e, 0x10050) before line 20.
    expect(counter.lineRange(0x1004e)).toEqual({ start: 0x10048, end: 0x10058, file: '../sdk/src/start.c', line: 15 });
    expect(counter.lineRange(0x13604)).toEqual({ start: 0x13602, end: 0x1360e, file: 'counter.c', line: 12 });
    expect(counter.lineRange(0x13620)).toMatchObject({ start: 0x1361c, end: 0x13626, line: 23 });
    expect(counter.lineRange(0x13626)).toMatchObject({ start: 0x13626, end: 0x1362e, line: 25 });
    expect(counter.lineRange(0x13656)).toMatchObject({ start: 0x1364c, end: 0x13658, line: 27 });
    expect(counter.lineRange(0x13658)).toBeNull();
  });

  it('has a line row at the address of every FUNC symbol', () => {
    for (const d of [counter, server]) {
      const starts = new Set(d.lineTable!.rows.filter((r) => !r.endSequence).map((r) => r.address));
      const missing = d.functions().filter((f) => !starts.has(f.address) || d.lineOf(f.address) === null);
      expect(missing).toEqual([]);
      expect(d.functions().length).toBeGreaterThan(100);
    }
  });

  it('keeps the symbols when .debug_line is corrupt, and says why there are no lines', () => {
    const bytes = elfBytes('basics/counter.elf');
    const r0 = DebugInfo.fromElf(bytes);
    if (!r0.ok) throw new Error(r0.error);
    const lineSection = r0.info.image.sections.find((s) => s.name === '.debug_line')!;
    bytes[lineSection.offset + 0xc8 + 4] = 9; // unit 2's version
    const r = DebugInfo.fromElf(bytes);
    if (!r.ok) throw new Error(r.error);
    const d = r.info;
    expect(d.lineError).toBe(
      '.debug_line unit at offset 0xc8: version 9 is not supported (2 to 5 are) (at offset 0xcc)',
    );
    expect(d.lineTable).toBeNull();
    expect(d.lineOf(0x13602)).toBeNull();
    expect(d.lineRange(0x13602)).toBeNull();
    expect(d.files()).toEqual([]);
    expect(d.addressesOf('counter.c', 15)).toMatchObject({ ok: false, error: `no line table: ${d.lineError}` });
    expect(d.symbolize(0x13602)).toMatchObject({ name: 'component_construct', offset: 0 });
  });
});

// The full comparison needs the cross toolchain (Debian: binutils-riscv64-unknown-elf).
const ADDR2LINE = '/usr/bin/riscv64-unknown-elf-addr2line';
const haveAddr2line = existsSync(ADDR2LINE);
if (!haveAddr2line) console.warn(`addr2line comparison skipped: ${ADDR2LINE} not found`);

describe.skipIf(!haveAddr2line)('every code address against addr2line', () => {
  it.each(['basics/counter.elf', 'basics/hello_server.elf'])('%s', (path) => {
    const d = load(path);
    const text = d.image.sections.find((s) => s.name === '.text')!;
    const addrs: number[] = [];
    for (let a = text.addr - 4; a < text.addr + text.size + 4; a += 2) addrs.push(a);
    const out = execFileSync(ADDR2LINE, ['-e', fileURLToPath(new URL(path, GUEST))], {
      input: addrs.map((a) => a.toString(16)).join('\n'),
      maxBuffer: 1 << 26,
    })
      .toString()
      .trim()
      .split('\n');
    expect(out).toHaveLength(addrs.length);
    const wrong: string[] = [];
    addrs.forEach((a, i) => {
      const m = /^(.*):(\d+|\?)/.exec(out[i]);
      const theirs = !m || m[1] === '??' ? null : `${normalizePath(m[1])}:${m[2]}`;
      const l = d.lineOf(a);
      const ours = l && `${l.file}:${l.line}`;
      if (ours !== theirs) wrong.push(`0x${a.toString(16)}: addr2line ${theirs}, ours ${ours}`);
    });
    expect(wrong.slice(0, 10)).toEqual([]);
  });
});
