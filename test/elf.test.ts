import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOT_ROM_BASE, Bus, RAM_BASE } from '../src/engine/cpu/bus';
import {
  loadElf,
  parseElf,
  PF_R,
  PF_W,
  PF_X,
  SymbolTable,
  utf8Decode,
  utf8Encode,
  type ElfImage,
  type ElfSymbol,
  type SymbolLike,
} from '../src/engine/cpu/elf';
import { writeElf, type ElfWriterInput } from '../src/engine/cpu/elf_writer';

const GCC = 'riscv64-unknown-elf-gcc';
const hasGcc = (() => {
  try {
    execFileSync(GCC, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasGcc) console.warn(`elf.test: ${GCC} not found; skipping the tests that parse compiler output`);

// ----------------------------------------------------------------- helpers --

const CODE = Uint8Array.from([0x13, 0x05, 0x15, 0x00, 0x05, 0x05, 0x82, 0x80]);

const SAMPLE: ElfWriterInput = {
  entry: 0x8000_0000,
  segments: [
    { vaddr: 0x8000_0000, flags: PF_R | PF_X, data: CODE },
    { vaddr: 0x8000_1000, flags: PF_R | PF_W, data: Uint8Array.from([1, 2, 3, 4]), memsz: 0x20 },
  ],
  symbols: [
    { name: '_start', value: 0x8000_0000, size: 8, type: 'FUNC' },
    { name: 'table', value: 0x8000_1000, size: 4, type: 'OBJECT' },
  ],
};

function build(input: ElfWriterInput = SAMPLE): Uint8Array {
  const r = writeElf(input);
  if (!r.ok) throw new Error(r.error);
  return r.bytes;
}

function image(input: ElfWriterInput = SAMPLE): ElfImage {
  const r = parseElf(build(input));
  if (!r.ok) throw new Error(r.error);
  return r.image;
}

const rd32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true);

/** A copy of `b` with a 1-, 2- or 4-byte little-endian field patched. */
function patch(b: Uint8Array, off: number, width: 1 | 2 | 4, value: number): Uint8Array {
  const c = b.slice();
  const v = new DataView(c.buffer);
  if (width === 1) v.setUint8(off, value);
  else if (width === 2) v.setUint16(off, value, true);
  else v.setUint32(off, value >>> 0, true);
  return c;
}

function errorOf(b: Uint8Array): string {
  const r = parseElf(b);
  if (r.ok) throw new Error('expected a parse error');
  return r.error;
}

/** Offset of section header `i` in `b`. */
const shdr = (b: Uint8Array, i: number) => rd32(b, 32) + 40 * i;
const sectionIndex = (b: Uint8Array, name: string) => {
  const r = parseElf(b);
  if (!r.ok) throw new Error(r.error);
  return r.image.sections.findIndex((s) => s.name === name);
};

/** Deterministic PRNG (mulberry32) so fuzz failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------------- parse --

describe('parseElf', () => {
  it('extracts entry, flags, program headers, sections and symbols', () => {
    const img = image();
    expect(img.entry).toBe(0x8000_0000);
    expect(img.flags).toBe(1);
    expect(img.programHeaders.map((p) => p.type)).toEqual([1, 1]);
    expect(img.segments.map((s) => [s.index, s.vaddr, s.filesz, s.memsz, s.perms])).toEqual([
      [0, 0x8000_0000, 8, 8, 'r-x'],
      [1, 0x8000_1000, 4, 0x20, 'rw-'],
    ]);
    expect(img.sections.map((s) => s.name)).toEqual(['', '.text', '.data', '.bss', '.symtab', '.strtab', '.shstrtab']);
    expect(img.symbols.map((s) => [s.name, s.value, s.size, s.type, s.bind, img.sections[s.shndx].name])).toEqual([
      ['_start', 0x8000_0000, 8, 'FUNC', 'GLOBAL', '.text'],
      ['table', 0x8000_1000, 4, 'OBJECT', 'GLOBAL', '.data'],
    ]);
  });

  it('keeps non-LOAD program headers out of segments', () => {
    const b = patch(build(), 52, 4, 0x7000_0003); // program header 0 becomes RISCV_ATTRIBUTES
    const r = parseElf(b);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.image.programHeaders.map((p) => p.type)).toEqual([0x7000_0003, 1]);
    expect(r.image.segments.map((s) => s.index)).toEqual([1]);
  });

  it('parses a stripped file with no section headers', () => {
    let b = patch(build(), 32, 4, 0); // e_shoff
    b = patch(b, 48, 2, 0); // e_shnum
    b = patch(b, 50, 2, 0); // e_shstrndx
    const r = parseElf(b);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.image.sections).toEqual([]);
      expect(r.image.symbols).toEqual([]);
      expect(r.image.segments).toHaveLength(2);
    }
  });

  it('honours extended section numbering (e_shnum = 0, count in section 0)', () => {
    const good = build();
    const shnum = good[48] | (good[49] << 8);
    let b = patch(good, 48, 2, 0);
    b = patch(b, shdr(b, 0) + 20, 4, shnum);
    const r = parseElf(b);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.image.sections).toHaveLength(shnum);
  });

  describe('errors', () => {
    const good = build();

    it.each<[string, Uint8Array, string]>([
      ['empty input', new Uint8Array(0), 'not an ELF file (bad magic at offset 0)'],
      ['bad magic', patch(good, 1, 1, 0x45 ^ 0x20), 'not an ELF file (bad magic at offset 0)'],
      ['a short header', good.subarray(0, 40), 'truncated: the ELF header needs 52 bytes, the file has 40'],
      ['ELFCLASS64', patch(good, 4, 1, 2), 'ELF class 2 (64-bit) is not supported; expected ELFCLASS32 (offset 4)'],
      ['ELFCLASSNONE', patch(good, 4, 1, 0), 'ELF class 0 is not supported; expected ELFCLASS32 (offset 4)'],
      [
        'big-endian',
        patch(good, 5, 1, 2),
        'ELF data encoding 2 (big-endian) is not supported; expected little-endian (offset 5)',
      ],
      ['ident version', patch(good, 6, 1, 0), 'ELF ident version 0 is not 1 (offset 6)'],
      [
        'ET_REL',
        patch(good, 16, 2, 1),
        'ELF type 1 (ET_REL, a relocatable object: link it first) is not supported; expected ET_EXEC (offset 16)',
      ],
      [
        'ET_DYN',
        patch(good, 16, 2, 3),
        'ELF type 3 (ET_DYN, a shared object or PIE) is not supported; expected ET_EXEC (offset 16)',
      ],
      ['x86-64', patch(good, 18, 2, 62), 'machine 62 (x86-64) is not RISC-V (offset 18)'],
      ['unknown machine', patch(good, 18, 2, 999), 'machine 999 is not RISC-V (offset 18)'],
      ['e_version', patch(good, 20, 4, 2), 'ELF version 2 is not 1 (offset 20)'],
      ['phentsize', patch(good, 42, 2, 56), 'program header entry size 56 is not 32 (offset 42)'],
      ['shentsize', patch(good, 46, 2, 64), 'section header entry size 64 is not 40 (offset 46)'],
    ])('reports %s', (_, bytes, message) => {
      expect(errorOf(bytes)).toBe(message);
    });

    it('names the first program header that runs past the end of the file', () => {
      const b = patch(good.subarray(0, 52 + 32 + 20), 44, 2, 2);
      expect(errorOf(b)).toBe('truncated: program header 1 at offset 0x54 extends past end of file (size 0x68)');
      const far = new Uint8Array(0x1200);
      far.set(patch(good, 28, 4, 0x1234));
      expect(errorOf(far)).toBe('truncated: program header 0 at offset 0x1234 extends past end of file (size 0x1200)');
      const many = patch(good, 44, 2, 0xfffe);
      expect(errorOf(many)).toMatch(/^truncated: program header \d+ at offset 0x[0-9a-f]+ extends past end of file/);
    });

    it('checks each PT_LOAD segment: sizes, file bounds and address wrap', () => {
      const ph1 = 52 + 32;
      expect(errorOf(patch(good, ph1 + 16, 4, 0x21))).toBe(
        'segment 1 (vaddr 0x80001000): filesz 0x21 exceeds memsz 0x20',
      );
      const off = rd32(good, ph1 + 4);
      const tooFar = patch(good, ph1 + 4, 4, good.length - 2);
      expect(errorOf(tooFar)).toBe(
        `segment 1 (vaddr 0x80001000): file data [0x${(good.length - 2).toString(16)}, 0x${(good.length + 2).toString(16)}) extends past end of file (size 0x${good.length.toString(16)})`,
      );
      expect(off).toBeGreaterThan(0);
      expect(errorOf(patch(good, ph1 + 8, 4, 0xffff_fff0))).toBe(
        'segment 1 (vaddr 0xfffffff0): memory [0xfffffff0, 0x100000010) wraps past the 32-bit address space',
      );
      expect(errorOf(patch(good, ph1 + 12, 4, 0xffff_fff0))).toMatch(
        /^segment 1 \(vaddr 0x80001000\): paddr range .* wraps/,
      );
    });

    it('checks the section header table and section data', () => {
      const shoff = rd32(good, 32);
      expect(errorOf(good.subarray(0, shoff + 40 * 3 + 7))).toBe(
        `truncated: section header 3 at offset 0x${(shoff + 120).toString(16)} extends past end of file (size 0x${(shoff + 127).toString(16)})`,
      );
      const sym = sectionIndex(good, '.symtab');
      expect(errorOf(patch(good, shdr(good, sym) + 20, 4, 0x10_0000))).toMatch(
        new RegExp(`^truncated: section ${sym} data \\[0x[0-9a-f]+, 0x[0-9a-f]+\\) extends past end of file`),
      );
      expect(errorOf(patch(good, 50, 2, 40))).toBe(
        'section name table index 40 is out of range: the file has 7 sections (offset 50)',
      );
      expect(errorOf(patch(good, 50, 2, 1))).toBe('section name table (section 1) has type 1, not SHT_STRTAB');
      expect(errorOf(patch(good, shdr(good, 2), 4, 0xffff))).toBe(
        'section 2: name offset 0xffff is not a string in the section name table',
      );
      // .bss is NOBITS: a huge size there is fine.
      const bss = sectionIndex(good, '.bss');
      expect(parseElf(patch(good, shdr(good, bss) + 20, 4, 0xffff_0000)).ok).toBe(true);
    });

    it('checks the symbol table', () => {
      const sym = sectionIndex(good, '.symtab');
      const base = shdr(good, sym);
      expect(errorOf(patch(good, base + 36, 4, 24))).toBe(
        `symbol table (section ${sym} .symtab): entry size 24 is not 16`,
      );
      expect(errorOf(patch(good, base + 20, 4, 40))).toBe(
        `symbol table (section ${sym} .symtab): size 0x28 is not a multiple of 16`,
      );
      expect(errorOf(patch(good, base + 24, 4, 1))).toBe(
        `symbol table (section ${sym} .symtab): link 1 is not a string table`,
      );
      expect(errorOf(patch(good, base + 24, 4, 99))).toBe(
        `symbol table (section ${sym} .symtab): link 99 is not a string table`,
      );
      const symOff = rd32(good, base + 16);
      expect(errorOf(patch(good, symOff + 16, 4, 0x999))).toBe(
        `symbol 1 at offset 0x${(symOff + 16).toString(16)}: name offset 0x999 runs past the end of .strtab`,
      );
    });
  });

  describe('never throws', () => {
    const good = build({
      ...SAMPLE,
      symbols: [...(SAMPLE.symbols ?? []), { name: 'lbl', value: 0x8000_0004, bind: 'LOCAL' }],
    });
    const check = (b: Uint8Array) => {
      const r = parseElf(b);
      expect(typeof r.ok).toBe('boolean');
      if (r.ok) {
        // Whatever parses must also be safe to load and index.
        loadElf(new Bus(0x1000), r.image);
        SymbolTable.fromImage(r.image).symbolAt(0x8000_0004);
      } else {
        expect(r.error.length).toBeGreaterThan(0);
      }
    };

    it('on every truncation of a valid file', () => {
      for (let n = 0; n <= good.length; n++) check(good.subarray(0, n));
    });

    it('on random byte and word corruptions of a valid file', () => {
      const rand = rng(1234);
      for (let k = 0; k < 3000; k++) {
        const b = good.slice();
        const hits = 1 + Math.floor(rand() * 4);
        for (let h = 0; h < hits; h++) {
          const at = Math.floor(rand() * b.length);
          if (rand() < 0.5) b[at] = Math.floor(rand() * 256);
          else if (at + 4 <= b.length) new DataView(b.buffer).setUint32(at, Math.floor(rand() * 2 ** 32), true);
        }
        check(b);
      }
    });

    it('on random bytes behind a valid identification', () => {
      const rand = rng(99);
      for (let k = 0; k < 2000; k++) {
        const b = new Uint8Array(Math.floor(rand() * 400));
        for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
        if (b.length >= 20 && rand() < 0.8) {
          b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
          b.set([2, 0, 243, 0], 16);
        }
        check(b);
      }
    });
  });
});

// -------------------------------------------------------------------- load --

describe('loadElf', () => {
  const RAM = 0x4000;

  it('copies file bytes and zero-fills the rest of each segment', () => {
    const bus = new Bus(RAM);
    bus.u8.fill(0xee);
    expect(loadElf(bus, image())).toBeNull();
    expect([...bus.readBytes(0x8000_0000, 8)!]).toEqual([...CODE]);
    const data = bus.readBytes(0x8000_1000, 0x21)!;
    expect([...data.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
    expect(data.subarray(4, 0x20).every((x) => x === 0)).toBe(true);
    expect(data[0x20]).toBe(0xee); // nothing past memsz
    expect(bus.u8[8]).toBe(0xee);
  });

  it('places segments at p_paddr by default and at p_vaddr on request', () => {
    const img = image({
      entry: 0xc000_0000,
      segments: [{ vaddr: 0xc000_0000, paddr: 0x8000_0100, flags: PF_R | PF_X, data: CODE }],
    });
    const bus = new Bus(RAM);
    expect(loadElf(bus, img)).toBeNull();
    expect([...bus.readBytes(0x8000_0100, 8)!]).toEqual([...CODE]);
    expect(loadElf(new Bus(RAM), img, { usePaddr: false })).toBe(
      'segment 0 at physical 0xc0000000+0x8 lies outside RAM [0x80000000, 0x80004000) and the boot ROM [0x1000, 0x10000)',
    );
    const low = image({ entry: 0, segments: [{ vaddr: 0x8000_0200, paddr: 0, flags: PF_R, data: CODE }] });
    const bus2 = new Bus(RAM);
    expect(loadElf(bus2, low, { usePaddr: false })).toBeNull();
    expect(bus2.u8[0x200]).toBe(CODE[0]);
  });

  it('loads into the boot ROM', () => {
    const bus = new Bus(RAM);
    const img = image({
      entry: BOOT_ROM_BASE,
      segments: [{ vaddr: BOOT_ROM_BASE, flags: PF_R | PF_X, data: CODE, memsz: 16 }],
    });
    bus.rom.fill(0xaa);
    expect(loadElf(bus, img)).toBeNull();
    expect([...bus.rom.subarray(0, 17)]).toEqual([...CODE, 0, 0, 0, 0, 0, 0, 0, 0, 0xaa]);
  });

  it('rejects segments outside RAM and ROM, or straddling their ends', () => {
    const at = (vaddr: number, memsz = 8) => image({ entry: 0, segments: [{ vaddr, flags: PF_R, data: CODE, memsz }] });
    expect(loadElf(new Bus(RAM), at(0x1000_0000))).toMatch(/^segment 0 at physical 0x10000000\+0x8 lies outside RAM/);
    expect(loadElf(new Bus(RAM), at(RAM_BASE + RAM - 4))).toMatch(
      /^segment 0 at physical 0x80003ffc\+0x8 lies outside/,
    );
    expect(loadElf(new Bus(RAM), at(0x7fff_fffc))).toMatch(/lies outside/);
    expect(loadElf(new Bus(RAM), at(0xf000 + 0xffc))).toMatch(/lies outside/); // ROM end is 0x10000
    expect(loadElf(new Bus(RAM), at(RAM_BASE + RAM - 8))).toBeNull(); // exactly the last 8 bytes
  });

  it('loads nothing when a later segment is bad', () => {
    const img = image({
      entry: 0,
      segments: [
        { vaddr: 0x8000_0000, flags: PF_R, data: CODE },
        { vaddr: 0x9000_0000, flags: PF_R, data: CODE },
      ],
    });
    const bus = new Bus(RAM);
    expect(loadElf(bus, img)).toMatch(/^segment 1 at physical 0x90000000/);
    expect(bus.u8.subarray(0, 8).every((x) => x === 0)).toBe(true);
  });

  it('rejects overlapping segments (including zero-filled tails) and accepts adjacent ones', () => {
    const img = (second: number) =>
      image({
        entry: 0,
        segments: [
          { vaddr: 0x8000_0000, flags: PF_R, data: CODE, memsz: 0x100 },
          { vaddr: second, flags: PF_R, data: CODE },
        ],
      });
    const bus = new Bus(RAM);
    expect(loadElf(bus, img(0x8000_00f8))).toBe('segment 1 overlaps segment 0 at physical 0x800000f8');
    expect(bus.u8.every((x) => x === 0)).toBe(true);
    expect(loadElf(new Bus(RAM), img(0x7fff_fffc + 0x100))).toMatch(/overlaps segment 0 at physical 0x800000fc/);
    expect(loadElf(new Bus(RAM), img(0x8000_00ff))).toBe('segment 1 overlaps segment 0 at physical 0x800000ff'); // one byte
    expect(loadElf(new Bus(RAM), img(0x8000_0100))).toBeNull();
    // Overlap is judged at the load address: same vaddr, different paddr is fine.
    const split = image({
      entry: 0,
      segments: [
        { vaddr: 0x1_0000, paddr: 0x8000_0000, flags: PF_R, data: CODE },
        { vaddr: 0x1_0000, paddr: 0x8000_0100, flags: PF_R, data: CODE },
      ],
    });
    expect(loadElf(new Bus(RAM), split)).toBeNull();
    expect(loadElf(new Bus(RAM), split, { usePaddr: false })).toMatch(/lies outside RAM/);
  });

  it('skips empty segments wherever they claim to be', () => {
    const img = image({
      entry: 0,
      segments: [
        { vaddr: 0x8000_0000, flags: PF_R, data: CODE },
        { vaddr: 0x1234_0000, flags: PF_R, data: new Uint8Array(0) },
      ],
    });
    expect(loadElf(new Bus(RAM), img)).toBeNull();
  });
});

// ----------------------------------------------------------------- symbols --

describe('SymbolTable', () => {
  const sym = (
    name: string,
    value: number,
    size = 0,
    type: ElfSymbol['type'] = 'NOTYPE',
    bind: ElfSymbol['bind'] = 'GLOBAL',
    shndx = 1,
  ): SymbolLike => ({
    name,
    value,
    size,
    type,
    bind,
    shndx,
  });

  it('finds a symbol by name, preferring a global over locals of the same name', () => {
    const t = new SymbolTable([
      sym('helper', 0x10, 4, 'FUNC', 'LOCAL'),
      sym('helper', 0x20, 4, 'FUNC', 'GLOBAL'),
      sym('helper', 0x30, 4, 'FUNC', 'LOCAL'),
    ]);
    expect(t.lookup('helper')?.value).toBe(0x20);
    expect(t.lookup('nope')).toBeUndefined();
    const locals = new SymbolTable([sym('s', 0x10, 0, 'FUNC', 'LOCAL'), sym('s', 0x20, 0, 'FUNC', 'LOCAL')]);
    expect(locals.lookup('s')?.value).toBe(0x10);
  });

  it('maps addresses inside sized symbols to name+offset and leaves gaps empty', () => {
    const t = new SymbolTable([sym('a', 0x100, 0x10, 'FUNC'), sym('b', 0x120, 8, 'OBJECT')]);
    expect(t.symbolAt(0x100)).toMatchObject({ name: 'a', offset: 0 });
    expect(t.symbolAt(0x10f)).toMatchObject({ name: 'a', offset: 0xf });
    expect(t.symbolAt(0x110)).toBeNull();
    expect(t.symbolAt(0xff)).toBeNull();
    expect(t.format(0x124)).toBe('b+0x4');
    expect(t.format(0x120)).toBe('b');
    expect(t.format(0x128)).toBeNull();
  });

  it('lets a label run to the next symbol, or to the end of its section', () => {
    const syms = [sym('_start', 0x100), sym('loop', 0x108), sym('func', 0x120, 4, 'FUNC'), sym('tail', 0x130)];
    const open = new SymbolTable(syms);
    expect(open.format(0x104)).toBe('_start+0x4');
    expect(open.format(0x11c)).toBe('loop+0x14');
    expect(open.format(0x124)).toBeNull(); // func ended; tail starts at 0x130
    expect(open.format(0x5000)).toBe('tail+0x4ed0'); // no section info: up to the end of memory
    const bounded = new SymbolTable(syms, [
      { addr: 0, size: 0 },
      { addr: 0x100, size: 0x40 },
    ]);
    expect(bounded.format(0x13f)).toBe('tail+0xf');
    expect(bounded.format(0x140)).toBeNull();
  });

  it('prefers the innermost symbol, then FUNC over OBJECT over labels, then globals', () => {
    const t = new SymbolTable([
      sym('outer', 0x100, 0x100, 'FUNC'),
      sym('inner', 0x140, 0x10, 'FUNC'),
      sym('label', 0x100),
      sym('alias_local', 0x180, 8, 'FUNC', 'LOCAL'),
      sym('alias_global', 0x180, 8, 'FUNC', 'GLOBAL'),
    ]);
    expect(t.format(0x100)).toBe('outer');
    expect(t.format(0x144)).toBe('inner+0x4');
    expect(t.format(0x150)).toBe('outer+0x50');
    expect(t.format(0x184)).toBe('alias_global+0x4');
    expect(t.format(0x1ff)).toBe('outer+0xff');
  });

  it('ignores section, file, undefined, absolute and mapping symbols', () => {
    const t = new SymbolTable([
      sym('.text', 0x100, 0, 'SECTION', 'LOCAL'),
      sym('a.c', 0, 0, 'FILE', 'LOCAL', 0xfff1),
      sym('$xrv32i2p1', 0x100, 0, 'NOTYPE', 'LOCAL'),
      sym('__global_pointer$', 0x900, 0, 'NOTYPE', 'GLOBAL', 0xfff1),
      sym('printf', 0, 0, 'FUNC', 'GLOBAL', 0),
    ]);
    expect(t.symbolAt(0x100)).toBeNull();
    expect(t.symbolAt(0x900)).toBeNull();
    expect(t.symbolAt(0)).toBeNull();
    expect(t.lookup('__global_pointer$')?.value).toBe(0x900); // still found by name
  });
});

describe('utf8', () => {
  it('round-trips text and replaces invalid sequences', () => {
    for (const s of ['', 'abc', 'grüße', 'λ→∀', '𝔘🙂']) expect(utf8Decode(utf8Encode(s))).toBe(s);
    expect(utf8Decode(Uint8Array.from([0x61, 0xff, 0x62]))).toBe('a\ufffdb');
    expect(utf8Decode(Uint8Array.from([0xc0, 0x80]))).toBe('\ufffd\ufffd'); // overlong
    expect(utf8Decode(Uint8Array.from([0xe2, 0x82]))).toBe('\ufffd'); // truncated
    expect(utf8Decode(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe('\ufffd'); // surrogate
  });
});

// --------------------------------------------------------- real toolchain --

describe('compiler output', () => {
  const compile = (name: string, source: string, extra: string[] = []): Uint8Array => {
    const dir = mkdtempSync(join(tmpdir(), 'corescope-elf-'));
    try {
      const src = join(dir, name);
      const ld = join(dir, 'link.ld');
      const out = join(dir, 'a.elf');
      writeFileSync(src, source);
      writeFileSync(
        ld,
        [
          'ENTRY(_start)',
          'PHDRS { text PT_LOAD; data PT_LOAD; }',
          'SECTIONS {',
          '  . = 0x80000000;',
          '  .text : { *(.text*) } :text',
          '  .rodata : { *(.rodata*) } :text',
          '  . = ALIGN(0x1000);',
          '  .data : { *(.data*) *(.sdata*) } :data',
          '  .bss : { *(.sbss*) *(.bss*) } :data',
          '}',
        ].join('\n'),
      );
      execFileSync(GCC, [
        '-march=rv32imac_zicsr_zifencei',
        '-mabi=ilp32',
        '-nostdlib',
        '-static',
        '-T',
        ld,
        '-o',
        out,
        src,
        ...extra,
      ]);
      return new Uint8Array(readFileSync(out));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.skipIf(!hasGcc)('parses and loads an assembled program', () => {
    const bytes = compile(
      't.S',
      `.section .text
.globl _start
.type _start, @function
_start:
  la a0, message
  call helper
1: j 1b
.size _start, .-_start
.globl helper
.type helper, @function
helper:
  addi a0, a0, 1
  ret
.size helper, .-helper
.section .data
.globl message
.type message, @object
message: .asciz "hi"
.size message, .-message
.section .bss
.globl buffer
.type buffer, @object
buffer: .zero 64
.size buffer, 64
`,
    );
    const r = parseElf(bytes);
    if (!r.ok) throw new Error(r.error);
    const img = r.image;
    const t = SymbolTable.fromImage(img);
    expect(img.entry).toBe(0x8000_0000);
    expect(img.segments.map((s) => [s.vaddr, s.perms])).toEqual([
      [0x8000_0000, 'r-x'],
      [0x8000_1000, 'rw-'],
    ]);
    expect(img.segments[1].memsz).toBeGreaterThan(img.segments[1].filesz); // .bss tail
    expect(t.lookup('_start')).toMatchObject({ value: 0x8000_0000, type: 'FUNC', bind: 'GLOBAL' });
    const helper = t.lookup('helper')!;
    expect(helper).toMatchObject({ type: 'FUNC', size: 4 });
    expect(t.lookup('message')).toMatchObject({ type: 'OBJECT', size: 3 });
    expect(t.lookup('buffer')).toMatchObject({ type: 'OBJECT', size: 64 });
    expect(t.format(helper.value + 2)).toBe('helper+0x2');
    expect(t.format(0x8000_0002)).toBe('_start+0x2');

    const bus = new Bus(0x10000);
    bus.u8.fill(0x5a);
    expect(loadElf(bus, img)).toBeNull();
    const text = img.sections.find((s) => s.name === '.text')!;
    expect([...bus.readBytes(text.addr, text.size)!]).toEqual([...text.data]);
    const msg = t.lookup('message')!;
    expect([...bus.readBytes(msg.value, 3)!]).toEqual([0x68, 0x69, 0]);
    const buf = t.lookup('buffer')!;
    expect(bus.readBytes(buf.value, 64)!.every((x) => x === 0)).toBe(true);
  });

  it.skipIf(!hasGcc)('parses a compiled C program with static and global functions', () => {
    const bytes = compile(
      'm.c',
      `static int counter;
static int bump(int x) { return x + counter++; }
int table[4] = {1, 2, 3, 4};
int work(int n) { int s = 0; for (int i = 0; i < n; i++) s += bump(table[i & 3]); return s; }
void _start(void) { volatile int r = work(10); (void)r; for (;;) {} }
`,
      ['-O1', '-fno-inline'],
    );
    const r = parseElf(bytes);
    if (!r.ok) throw new Error(r.error);
    const t = SymbolTable.fromImage(r.image);
    expect(r.image.entry).toBe(t.lookup('_start')!.value);
    expect(t.lookup('work')).toMatchObject({ type: 'FUNC', bind: 'GLOBAL' });
    expect(t.lookup('bump')).toMatchObject({ type: 'FUNC', bind: 'LOCAL' });
    expect(t.lookup('table')).toMatchObject({ type: 'OBJECT', size: 16 });
    expect(t.lookup('counter')).toMatchObject({ type: 'OBJECT', bind: 'LOCAL', size: 4 });
    const work = t.lookup('work')!;
    expect(t.symbolAt(work.value + work.size - 2)?.name).toBe('work');
    expect(loadElf(new Bus(0x10000), r.image)).toBeNull();
  });
});
