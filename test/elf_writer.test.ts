import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EF_RISCV_RVC,
  parseElf,
  PF_R,
  PF_W,
  PF_X,
  SHN_ABS,
  SHN_UNDEF,
  SHT_NOBITS,
  SHT_PROGBITS,
  SymbolTable,
  type ElfImage,
} from '../src/engine/cpu/elf';
import { writeElf, type ElfWriterInput } from '../src/engine/cpu/elf_writer';

function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const READELF = 'riscv64-unknown-elf-readelf';
const OBJDUMP = 'riscv64-unknown-elf-objdump';
const hasBinutils = hasTool(READELF) && hasTool(OBJDUMP);
if (!hasBinutils) console.warn(`elf_writer.test: ${READELF}/${OBJDUMP} not found; skipping the binutils cross-check`);

/** addi a0,a0,1 ; c.addi a0,1 ; ret (c.jr ra) ; nop */
const CODE = Uint8Array.from([0x13, 0x05, 0x15, 0x00, 0x05, 0x05, 0x82, 0x80, 0x13, 0x00, 0x00, 0x00]);
const DATA = Uint8Array.from([0x68, 0x69, 0x00]);

const SAMPLE: ElfWriterInput = {
  entry: 0x8000_0000,
  segments: [
    { vaddr: 0x8000_0000, flags: PF_R | PF_X, data: CODE },
    { vaddr: 0x8000_1001, flags: PF_R | PF_W, data: DATA, memsz: 0x43, align: 0x1000 },
  ],
  symbols: [
    { name: '_start', value: 0x8000_0000, size: 8, type: 'FUNC' },
    { name: 'loop', value: 0x8000_0008, bind: 'LOCAL' },
    { name: 'message', value: 0x8000_1001, size: 3, type: 'OBJECT', bind: 'WEAK' },
    { name: 'buffer', value: 0x8000_1004, size: 0x40, type: 'OBJECT', bind: 'LOCAL' },
    { name: '_end', value: 0x8000_1044 },
    { name: 'UART_BASE', value: 0x1000_0000, section: '*ABS*' },
    { name: 'extern_thing', value: 0, section: '*UND*' },
    { name: 'grüße_λ', value: 0x8000_0004, type: 'FUNC', size: 4 },
  ],
};

function write(input: ElfWriterInput): Uint8Array {
  const r = writeElf(input);
  if (!r.ok) throw new Error(r.error);
  return r.bytes;
}

function parse(bytes: Uint8Array): ElfImage {
  const r = parseElf(bytes);
  if (!r.ok) throw new Error(r.error);
  return r.image;
}

describe('writeElf', () => {
  it('round-trips entry, flags and segments through parseElf', () => {
    const bytes = write(SAMPLE);
    const img = parse(bytes);
    expect(img.entry).toBe(0x8000_0000);
    expect(img.flags).toBe(EF_RISCV_RVC);
    expect(img.segments).toHaveLength(2);
    const [text, data] = img.segments;
    expect([text.vaddr, text.paddr, text.filesz, text.memsz, text.flags, text.perms]).toEqual([
      0x8000_0000,
      0x8000_0000,
      12,
      12,
      5,
      'r-x',
    ]);
    expect([...text.data]).toEqual([...CODE]);
    expect([data.vaddr, data.filesz, data.memsz, data.align, data.perms]).toEqual([
      0x8000_1001,
      3,
      0x43,
      0x1000,
      'rw-',
    ]);
    expect([...data.data]).toEqual([...DATA]);
    // Loaders that map pages need offset = vaddr (mod align).
    for (const s of img.segments) expect(s.offset % s.align).toBe(s.vaddr % s.align);
  });

  it('builds default sections: PROGBITS per segment and .bss for the zero-filled tail', () => {
    const img = parse(write(SAMPLE));
    const names = img.sections.map((s) => s.name);
    expect(names).toEqual(['', '.text', '.data', '.bss', '.symtab', '.strtab', '.shstrtab']);
    const [, text, data, bss] = img.sections;
    expect([text.type, text.addr, text.size, text.flags]).toEqual([SHT_PROGBITS, 0x8000_0000, 12, 2 | 4]);
    expect([...text.data]).toEqual([...CODE]);
    expect([data.type, data.addr, data.size, data.flags]).toEqual([SHT_PROGBITS, 0x8000_1001, 3, 2 | 1]);
    expect([bss.type, bss.addr, bss.size, bss.data.length]).toEqual([SHT_NOBITS, 0x8000_1004, 0x40, 0]);
    expect(text.addralign).toBe(4);
    expect(data.addralign).toBe(1);
  });

  it('round-trips symbols, locals first, with sections resolved by name or address', () => {
    const img = parse(write(SAMPLE));
    const byName = new Map(img.symbols.map((s) => [s.name, s]));
    expect(img.symbols.slice(0, 2).map((s) => s.name)).toEqual(['loop', 'buffer']); // locals first
    const symtab = img.sections.find((s) => s.name === '.symtab')!;
    expect(symtab.info).toBe(3); // first non-local symbol index
    const sec = (name: string) => img.sections[byName.get(name)!.shndx]?.name;
    expect(byName.get('_start')).toMatchObject({ value: 0x8000_0000, size: 8, type: 'FUNC', bind: 'GLOBAL' });
    expect(sec('_start')).toBe('.text');
    expect(byName.get('loop')).toMatchObject({ type: 'NOTYPE', bind: 'LOCAL' });
    expect(byName.get('message')).toMatchObject({ size: 3, type: 'OBJECT', bind: 'WEAK' });
    expect(sec('message')).toBe('.data');
    expect(sec('buffer')).toBe('.bss');
    expect(sec('_end')).toBe('.bss'); // end label: the section that ends at it
    expect(byName.get('UART_BASE')!.shndx).toBe(SHN_ABS);
    expect(byName.get('extern_thing')!.shndx).toBe(SHN_UNDEF);
    expect(byName.get('grüße_λ')).toMatchObject({ value: 0x8000_0004, type: 'FUNC' });
    const table = SymbolTable.fromImage(img);
    expect(table.format(0x8000_0006)).toBe('grüße_λ+0x2');
    expect(table.format(0x8000_100a)).toBe('buffer+0x6');
  });

  it('honours explicit sections, paddr and e_flags', () => {
    const bytes = write({
      entry: 0x1000,
      flags: 0,
      segments: [
        {
          vaddr: 0xc000_0000,
          paddr: 0x8000_0000,
          flags: PF_R | PF_X | PF_W,
          data: new Uint8Array(32).fill(7),
          memsz: 64,
        },
      ],
      sections: [
        { name: '.text', segment: 0, size: 16 },
        { name: '.rodata', segment: 0, offset: 16, align: 8 },
        { name: '.sbss', segment: 0, offset: 32, size: 8, nobits: true },
        { name: '.bss', segment: 0, offset: 40, nobits: true },
      ],
      symbols: [{ name: 'x', value: 0xc000_0020, section: '.sbss' }],
    });
    const img = parse(bytes);
    expect(img.flags).toBe(0);
    expect(img.segments[0]).toMatchObject({ vaddr: 0xc000_0000, paddr: 0x8000_0000, filesz: 32, memsz: 64 });
    expect(img.sections.slice(1, 5).map((s) => [s.name, s.addr, s.size, s.type, s.addralign])).toEqual([
      ['.text', 0xc000_0000, 16, SHT_PROGBITS, 4],
      ['.rodata', 0xc000_0010, 16, SHT_PROGBITS, 8],
      ['.sbss', 0xc000_0020, 8, SHT_NOBITS, 4],
      ['.bss', 0xc000_0028, 24, SHT_NOBITS, 4],
    ]);
    expect(img.sections[img.symbols[0].shndx].name).toBe('.sbss');
  });

  it('writes a file with no segments or symbols', () => {
    const img = parse(write({ entry: 0, segments: [] }));
    expect(img.segments).toEqual([]);
    expect(img.programHeaders).toEqual([]);
    expect(img.symbols).toEqual([]);
    expect(img.sections.map((s) => s.name)).toEqual(['', '.symtab', '.strtab', '.shstrtab']);
  });

  it('suffixes repeated default section names', () => {
    const img = parse(
      write({
        entry: 0,
        segments: [
          { vaddr: 0x8000_0000, flags: PF_R | PF_X, data: CODE },
          { vaddr: 0x8000_1000, flags: PF_R | PF_X, data: CODE },
          { vaddr: 0x8000_2000, flags: PF_R, data: DATA, name: '.boot' },
        ],
      }),
    );
    expect(img.sections.slice(1, 4).map((s) => s.name)).toEqual(['.text', '.text.1', '.boot']);
  });

  it.each<[string, ElfWriterInput, RegExp]>([
    [
      'memsz below data',
      { entry: 0, segments: [{ vaddr: 0, flags: PF_R, data: CODE, memsz: 4 }] },
      /segment 0: memsz 4 is smaller/,
    ],
    [
      'align not a power of two',
      { entry: 0, segments: [{ vaddr: 0, flags: PF_R, data: CODE, align: 3 }] },
      /segment 0: align 3/,
    ],
    ['bad flags', { entry: 0, segments: [{ vaddr: 0, flags: 8, data: CODE }] }, /segment 0: flags 8/],
    ['wrap', { entry: 0, segments: [{ vaddr: 0xffff_fffc, flags: PF_R, data: CODE }] }, /wrap past/],
    ['bad entry', { entry: -1, segments: [] }, /entry -1/],
    [
      'unknown section',
      {
        entry: 0,
        segments: [{ vaddr: 0, flags: PF_R, data: CODE }],
        symbols: [{ name: 'a', value: 0, section: '.nope' }],
      },
      /symbol 0 \(a\): section \.nope does not exist/,
    ],
    [
      'section past its segment',
      {
        entry: 0,
        segments: [{ vaddr: 0, flags: PF_R, data: CODE }],
        sections: [{ name: '.text', segment: 0, offset: 8, size: 8 }],
      },
      /section \.text: .* not inside segment 0's data/,
    ],
    [
      'section in a missing segment',
      { entry: 0, segments: [], sections: [{ name: '.text', segment: 2 }] },
      /segment 2 does not exist/,
    ],
    [
      'duplicate section name',
      {
        entry: 0,
        segments: [{ vaddr: 0, flags: PF_R, data: CODE }],
        sections: [
          { name: '.a', segment: 0 },
          { name: '.a', segment: 0 },
        ],
      },
      /\.a is used twice/,
    ],
    [
      'reserved section name',
      { entry: 0, segments: [{ vaddr: 0, flags: PF_R, data: CODE }], sections: [{ name: '.symtab', segment: 0 }] },
      /\.symtab is reserved/,
    ],
    [
      'symbol value out of range',
      { entry: 0, segments: [], symbols: [{ name: 'a', value: 2 ** 32 }] },
      /symbol 0 \(a\): value and size/,
    ],
  ])('returns an error for %s', (_, input, message) => {
    const r = writeElf(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it.skipIf(!hasBinutils)('produces a file binutils reads without complaint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corescope-elfw-'));
    try {
      const file = join(dir, 'sample.elf');
      writeFileSync(file, write(SAMPLE));
      const res = execFileSync(READELF, ['-W', '-h', '-l', '-S', '-s', file], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(res).not.toMatch(/warning|error/i);
      expect(res).toMatch(/Machine:\s+RISC-V/);
      expect(res).toMatch(/Flags:\s+0x1, RVC, soft-float ABI/);
      expect(res).toMatch(/LOAD\s+0x[0-9a-f]+ 0x80000000 0x80000000 0x0000c 0x0000c R E 0x4/);
      expect(res).toMatch(/8 FUNC\s+GLOBAL DEFAULT\s+1 _start/);
      expect(res).toMatch(/64 OBJECT\s+LOCAL\s+DEFAULT\s+3 buffer/);
      const dis = execFileSync(OBJDUMP, ['-d', file], { encoding: 'utf8' });
      expect(dis).toMatch(/80000000 <_start>:/);
      expect(dis).toMatch(/80000000:\s+00150513\s+addi?\s+a0,a0,1/); // older binutils print addi as "add"
      expect(dis).toMatch(/\bret\b/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
