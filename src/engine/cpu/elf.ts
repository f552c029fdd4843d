/**
 * ELF32 parser and loader for RV32 executables (pure: works on a Uint8Array, never throws).
 *
 * Format summary (ELF32, little-endian; offsets in bytes):
 *
 * | where            | field                                                               |
 * |------------------|---------------------------------------------------------------------|
 * | 0..3             | magic 7f 'E' 'L' 'F'                                                |
 * | 4 / 5 / 6        | EI_CLASS (1 = 32-bit) / EI_DATA (1 = little-endian) / EI_VERSION (1) |
 * | 16 / 18 / 20     | e_type (2 = ET_EXEC) / e_machine (243 = RISC-V) / e_version (1)     |
 * | 24 / 28 / 32     | e_entry / e_phoff / e_shoff                                         |
 * | 36               | e_flags (RISC-V: bit 0 RVC, bits 1..2 float ABI, bit 3 RVE)         |
 * | 42 / 44          | e_phentsize (32) / e_phnum                                          |
 * | 46 / 48 / 50     | e_shentsize (40) / e_shnum / e_shstrndx                             |
 * | program header   | p_type p_offset p_vaddr p_paddr p_filesz p_memsz p_flags p_align    |
 * | section header   | sh_name sh_type sh_flags sh_addr sh_offset sh_size sh_link sh_info  |
 * |                  | sh_addralign sh_entsize                                             |
 * | symbol (16 B)    | st_name st_value st_size st_info(bind<<4 / type) st_other st_shndx  |
 *
 * Choices:
 * - Only ELFCLASS32, little-endian, EM_RISCV, ET_EXEC files are accepted.
 * - "segment N" in messages is program header N (the same numbering readelf uses), and
 *   `ElfSegment.index` keeps that number; `segments` holds the PT_LOAD headers only.
 * - Parsing is strict: a section or symbol table that points outside the file is an error
 *   rather than silently dropped, since our files come from our assembler or a real linker.
 * - Extended numbering (e_shnum = 0, e_shstrndx = SHN_XINDEX, e_phnum = PN_XNUM) is honoured.
 * - Segment and section `data` are views into the input bytes, not copies.
 * - `loadElf` checks every segment before it copies anything, so an error loads nothing. It
 *   places segments at p_paddr by default (as spike and QEMU do for bare-metal images).
 * - `SymbolTable.symbolAt` ignores section/file symbols, undefined, absolute and common symbols
 *   (absolute ones are constants such as `__global_pointer$`, not places) and RISC-V mapping
 *   symbols (`$x`, `$d...`); a zero-size symbol (an assembler label) covers the bytes up to the
 *   next symbol or the end of its section. Among symbols covering an address the one starting
 *   closest below it wins, then FUNC over OBJECT over NOTYPE, then GLOBAL over WEAK over LOCAL.
 */
import { BOOT_ROM_BASE, BOOT_ROM_SIZE, RAM_BASE, type Bus } from './bus';

export const EM_RISCV = 243;
export const ET_EXEC = 2;
export const PT_LOAD = 1;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHF_WRITE = 1;
export const SHF_ALLOC = 2;
export const SHF_EXECINSTR = 4;
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;
/** e_flags bit: the code may contain compressed instructions. */
export const EF_RISCV_RVC = 1;

const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const SHDR_SIZE = 40;
const SYM_SIZE = 16;
const PN_XNUM = 0xffff;

/** A program header (any type). */
export interface ElfProgramHeader {
  /** Index in the program header table ("segment N" in messages). */
  readonly index: number;
  readonly type: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
  /** PF_R | PF_W | PF_X. */
  readonly flags: number;
  readonly align: number;
  /** Flags as readelf-like text: "r-x", "rw-". */
  readonly perms: string;
}

/** A PT_LOAD program header with its file bytes. */
export interface ElfSegment extends ElfProgramHeader {
  /** The `filesz` bytes at `offset` (a view into the parsed file). */
  readonly data: Uint8Array;
}

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
  /** The section's bytes (a view into the file); empty for SHT_NOBITS and SHT_NULL. */
  readonly data: Uint8Array;
}

export type SymbolType = 'NOTYPE' | 'OBJECT' | 'FUNC' | 'SECTION' | 'FILE' | 'COMMON' | 'TLS' | 'OTHER';
export type SymbolBind = 'LOCAL' | 'GLOBAL' | 'WEAK' | 'OTHER';

const SYMBOL_TYPES: SymbolType[] = ['NOTYPE', 'OBJECT', 'FUNC', 'SECTION', 'FILE', 'COMMON', 'TLS'];
const SYMBOL_BINDS: SymbolBind[] = ['LOCAL', 'GLOBAL', 'WEAK'];

/** ELF st_info type number of a symbol type (OTHER has none). */
export function symbolTypeNumber(type: Exclude<SymbolType, 'OTHER'>): number {
  return SYMBOL_TYPES.indexOf(type);
}

/** ELF st_info binding number of a symbol binding (OTHER has none). */
export function symbolBindNumber(bind: Exclude<SymbolBind, 'OTHER'>): number {
  return SYMBOL_BINDS.indexOf(bind);
}

export interface ElfSymbol {
  /** Index in .symtab (0, the null symbol, is not listed). */
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly type: SymbolType;
  readonly bind: SymbolBind;
  /** st_other & 3: 0 default, 1 internal, 2 hidden, 3 protected. */
  readonly visibility: number;
  /** Section index (SHN_UNDEF, SHN_ABS, SHN_COMMON or an index into `sections`). */
  readonly shndx: number;
}

/** A parsed executable. */
export interface ElfImage {
  readonly entry: number;
  /** e_flags (EF_RISCV_RVC, float ABI). */
  readonly flags: number;
  readonly programHeaders: readonly ElfProgramHeader[];
  /** The PT_LOAD program headers, in table order. */
  readonly segments: readonly ElfSegment[];
  /** All section headers, including the null section 0 (empty if the file has none). */
  readonly sections: readonly ElfSection[];
  /** The .symtab symbols without the null symbol (empty if the file is stripped). */
  readonly symbols: readonly ElfSymbol[];
}

/** What `parseElf` returns: an image, or a message naming the problem and where it is. */
export type ElfResult =
  { readonly ok: true; readonly image: ElfImage } | { readonly ok: false; readonly error: string };

// ------------------------------------------------------------------ parse --

const hex = (n: number): string => `0x${n.toString(16)}`;

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

const MACHINES: Record<number, string> = { 3: 'x86', 8: 'MIPS', 40: 'ARM', 62: 'x86-64', 183: 'AArch64' };
const ELF_TYPES: Record<number, string> = {
  0: 'ET_NONE',
  1: 'ET_REL, a relocatable object: link it first',
  3: 'ET_DYN, a shared object or PIE',
  4: 'ET_CORE, a core dump',
};

function permsOf(flags: number): string {
  return (flags & PF_R ? 'r' : '-') + (flags & PF_W ? 'w' : '-') + (flags & PF_X ? 'x' : '-');
}

/** Parses an ELF32 RISC-V executable. Never throws: malformed input gives `{ ok: false }`. */
export function parseElf(bytes: Uint8Array): ElfResult {
  const fail = (error: string): ElfResult => ({ ok: false, error });
  const len = bytes.length;

  // ---- identification and header
  if (len < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    return fail('not an ELF file (bad magic at offset 0)');
  }
  if (len < EHDR_SIZE) return fail(`truncated: the ELF header needs ${EHDR_SIZE} bytes, the file has ${len}`);
  if (bytes[4] !== 1) {
    const what = bytes[4] === 2 ? ' (64-bit)' : '';
    return fail(`ELF class ${bytes[4]}${what} is not supported; expected ELFCLASS32 (offset 4)`);
  }
  if (bytes[5] !== 1) {
    const what = bytes[5] === 2 ? ' (big-endian)' : '';
    return fail(`ELF data encoding ${bytes[5]}${what} is not supported; expected little-endian (offset 5)`);
  }
  if (bytes[6] !== 1) return fail(`ELF ident version ${bytes[6]} is not 1 (offset 6)`);
  const type = u16(bytes, 16);
  if (type !== ET_EXEC) {
    const what = ELF_TYPES[type] ? ` (${ELF_TYPES[type]})` : '';
    return fail(`ELF type ${type}${what} is not supported; expected ET_EXEC (offset 16)`);
  }
  const machine = u16(bytes, 18);
  if (machine !== EM_RISCV) {
    const what = MACHINES[machine] ? ` (${MACHINES[machine]})` : '';
    return fail(`machine ${machine}${what} is not RISC-V (offset 18)`);
  }
  const version = u32(bytes, 20);
  if (version !== 1) return fail(`ELF version ${version} is not 1 (offset 20)`);
  const entry = u32(bytes, 24);
  const phoff = u32(bytes, 28);
  const shoff = u32(bytes, 32);
  const flags = u32(bytes, 36);
  const phentsize = u16(bytes, 42);
  let phnum = u16(bytes, 44);
  const shentsize = u16(bytes, 46);
  let shnum = u16(bytes, 48);
  let shstrndx = u16(bytes, 50);

  // ---- extended numbering lives in section header 0
  if (shoff !== 0 && (shnum === 0 || shstrndx === SHN_XINDEX || phnum === PN_XNUM)) {
    if (shentsize !== SHDR_SIZE) return fail(`section header entry size ${shentsize} is not ${SHDR_SIZE} (offset 46)`);
    if (shoff + SHDR_SIZE > len) {
      return fail(`truncated: section header 0 at offset ${hex(shoff)} extends past end of file (size ${hex(len)})`);
    }
    if (shnum === 0) shnum = u32(bytes, shoff + 20);
    if (shstrndx === SHN_XINDEX) shstrndx = u32(bytes, shoff + 24);
    if (phnum === PN_XNUM) phnum = u32(bytes, shoff + 28);
  }

  // ---- program headers
  if (phnum > 0 && phentsize !== PHDR_SIZE) {
    return fail(`program header entry size ${phentsize} is not ${PHDR_SIZE} (offset 42)`);
  }
  if (phnum > 0 && phoff + phnum * PHDR_SIZE > len) {
    const i = phoff >= len ? 0 : Math.floor((len - phoff) / PHDR_SIZE);
    return fail(
      `truncated: program header ${i} at offset ${hex(phoff + i * PHDR_SIZE)} extends past end of file (size ${hex(len)})`,
    );
  }
  const programHeaders: ElfProgramHeader[] = [];
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * PHDR_SIZE;
    const ph: ElfProgramHeader = {
      index: i,
      type: u32(bytes, o),
      offset: u32(bytes, o + 4),
      vaddr: u32(bytes, o + 8),
      paddr: u32(bytes, o + 12),
      filesz: u32(bytes, o + 16),
      memsz: u32(bytes, o + 20),
      flags: u32(bytes, o + 24),
      align: u32(bytes, o + 28),
      perms: permsOf(u32(bytes, o + 24)),
    };
    programHeaders.push(ph);
    if (ph.type !== PT_LOAD) continue;
    const where = `segment ${i} (vaddr ${hex(ph.vaddr)})`;
    if (ph.filesz > ph.memsz) return fail(`${where}: filesz ${hex(ph.filesz)} exceeds memsz ${hex(ph.memsz)}`);
    if (ph.offset + ph.filesz > len) {
      return fail(
        `${where}: file data [${hex(ph.offset)}, ${hex(ph.offset + ph.filesz)}) extends past end of file (size ${hex(len)})`,
      );
    }
    if (ph.vaddr + ph.memsz > 0x1_0000_0000) {
      return fail(
        `${where}: memory [${hex(ph.vaddr)}, ${hex(ph.vaddr + ph.memsz)}) wraps past the 32-bit address space`,
      );
    }
    if (ph.paddr + ph.memsz > 0x1_0000_0000) {
      return fail(
        `${where}: paddr range [${hex(ph.paddr)}, ${hex(ph.paddr + ph.memsz)}) wraps past the 32-bit address space`,
      );
    }
    segments.push({ ...ph, data: bytes.subarray(ph.offset, ph.offset + ph.filesz) });
  }

  // ---- section headers
  const sections: ElfSection[] = [];
  if (shoff !== 0 && shnum > 0) {
    if (shentsize !== SHDR_SIZE) return fail(`section header entry size ${shentsize} is not ${SHDR_SIZE} (offset 46)`);
    if (shoff + shnum * SHDR_SIZE > len) {
      const i = shoff >= len ? 0 : Math.floor((len - shoff) / SHDR_SIZE);
      return fail(
        `truncated: section header ${i} at offset ${hex(shoff + i * SHDR_SIZE)} extends past end of file (size ${hex(len)})`,
      );
    }
    if (shstrndx !== SHN_UNDEF && shstrndx >= shnum) {
      return fail(`section name table index ${shstrndx} is out of range: the file has ${shnum} sections (offset 50)`);
    }
    const raw: Omit<ElfSection, 'name'>[] = [];
    const nameOffsets: number[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * SHDR_SIZE;
      const s = {
        index: i,
        type: u32(bytes, o + 4),
        flags: u32(bytes, o + 8),
        addr: u32(bytes, o + 12),
        offset: u32(bytes, o + 16),
        size: u32(bytes, o + 20),
        link: u32(bytes, o + 24),
        info: u32(bytes, o + 28),
        addralign: u32(bytes, o + 32),
        entsize: u32(bytes, o + 36),
        data: bytes.subarray(0, 0),
      };
      if (i > 0 && s.type !== SHT_NOBITS && s.type !== SHT_NULL) {
        if (s.offset + s.size > len) {
          return fail(
            `truncated: section ${i} data [${hex(s.offset)}, ${hex(s.offset + s.size)}) extends past end of file (size ${hex(len)})`,
          );
        }
        s.data = bytes.subarray(s.offset, s.offset + s.size);
      }
      raw.push(s);
      nameOffsets.push(u32(bytes, o));
    }
    const shstr = shstrndx === SHN_UNDEF ? null : raw[shstrndx];
    if (shstr && shstr.type !== SHT_STRTAB) {
      return fail(`section name table (section ${shstrndx}) has type ${shstr.type}, not SHT_STRTAB`);
    }
    for (let i = 0; i < shnum; i++) {
      let name = '';
      if (shstr) {
        const n = cString(shstr.data, nameOffsets[i]);
        if (n === null) {
          return fail(`section ${i}: name offset ${hex(nameOffsets[i])} is not a string in the section name table`);
        }
        name = n;
      }
      sections.push({ ...raw[i], name });
    }
  }

  // ---- symbols
  const symbols: ElfSymbol[] = [];
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (symtab) {
    const where = `symbol table (section ${symtab.index} ${symtab.name})`;
    if (symtab.entsize !== SYM_SIZE) return fail(`${where}: entry size ${symtab.entsize} is not ${SYM_SIZE}`);
    if (symtab.size % SYM_SIZE !== 0)
      return fail(`${where}: size ${hex(symtab.size)} is not a multiple of ${SYM_SIZE}`);
    const strtab = sections[symtab.link];
    if (!strtab || symtab.link === 0 || strtab.type !== SHT_STRTAB) {
      return fail(`${where}: link ${symtab.link} is not a string table`);
    }
    const d = symtab.data;
    for (let i = 1; i < d.length / SYM_SIZE; i++) {
      const o = i * SYM_SIZE;
      const nameOff = u32(d, o);
      const name = cString(strtab.data, nameOff);
      if (name === null) {
        return fail(
          `symbol ${i} at offset ${hex(symtab.offset + o)}: name offset ${hex(nameOff)} runs past the end of ${strtab.name || 'its string table'}`,
        );
      }
      const info = d[o + 12];
      symbols.push({
        index: i,
        name,
        value: u32(d, o + 4),
        size: u32(d, o + 8),
        type: SYMBOL_TYPES[info & 0xf] ?? 'OTHER',
        bind: SYMBOL_BINDS[info >>> 4] ?? 'OTHER',
        visibility: d[o + 13] & 3,
        shndx: u16(d, o + 14),
      });
    }
  }

  return { ok: true, image: { entry, flags, programHeaders, segments, sections, symbols } };
}

/** The NUL-terminated string at `off` in `table`, or null if it does not end inside the table. */
function cString(table: Uint8Array, off: number): string | null {
  if (off >= table.length) return off === 0 && table.length === 0 ? '' : null;
  const end = table.indexOf(0, off);
  if (end < 0) return null;
  return utf8Decode(table.subarray(off, end));
}

// ------------------------------------------------------------------- utf8 --

/** Decodes UTF-8 (invalid sequences become U+FFFD). The engine has no TextDecoder. */
export function utf8Decode(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length;) {
    const c = b[i];
    let cp = 0xfffd;
    let n = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c < 0xe0) n = 2;
    else if (c >= 0xe0 && c < 0xf0) n = 3;
    else if (c >= 0xf0 && c < 0xf5) n = 4;
    if (n > 1) {
      let v = c & (0xff >> (n + 1));
      let k = 1;
      for (; k < n && i + k < b.length && (b[i + k] & 0xc0) === 0x80; k++) v = (v << 6) | (b[i + k] & 0x3f);
      const min = n === 2 ? 0x80 : n === 3 ? 0x800 : 0x10000;
      if (k === n && v >= min && v <= 0x10ffff && (v < 0xd800 || v > 0xdfff)) cp = v;
      else n = Math.max(1, k);
    }
    out += String.fromCodePoint(cp);
    i += n;
  }
  return out;
}

/** Encodes a string as UTF-8 (lone surrogates become U+FFFD). */
export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    let cp = ch.codePointAt(0) ?? 0xfffd;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}

// ------------------------------------------------------------------- load --

/**
 * Copies the PT_LOAD segments of `image` into RAM or the boot ROM: `filesz` bytes from the file,
 * then `memsz - filesz` zeros. Segments are placed at p_paddr, or at p_vaddr with
 * `usePaddr: false`. Every segment is checked first (wholly inside RAM or the boot ROM, no two
 * overlapping), so on error nothing is written. Returns an error message or null.
 */
export function loadElf(bus: Bus, image: ElfImage, opts?: { usePaddr?: boolean }): string | null {
  const usePaddr = opts?.usePaddr ?? true;
  const placed = image.segments
    .filter((s) => s.memsz > 0)
    .map((s) => ({ s, base: usePaddr ? s.paddr : s.vaddr, end: (usePaddr ? s.paddr : s.vaddr) + s.memsz }));
  const romEnd = BOOT_ROM_BASE + BOOT_ROM_SIZE;
  for (const { s, base, end } of placed) {
    const inRom = base >= BOOT_ROM_BASE && end <= romEnd;
    if (!bus.inRam(base, s.memsz) && !inRom) {
      return (
        `segment ${s.index} at physical ${hex(base)}+${hex(s.memsz)} lies outside RAM ` +
        `[${hex(RAM_BASE)}, ${hex(RAM_BASE + bus.ramSize)}) and the boot ROM [${hex(BOOT_ROM_BASE)}, ${hex(romEnd)})`
      );
    }
  }
  for (let j = 0; j < placed.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = placed[i];
      const b = placed[j];
      if (a.base < b.end && b.base < a.end) {
        return `segment ${b.s.index} overlaps segment ${a.s.index} at physical ${hex(Math.max(a.base, b.base))}`;
      }
    }
  }
  for (const { s, base } of placed) {
    const ok =
      bus.writeBytes(base, s.data) &&
      (s.memsz === s.filesz || bus.writeBytes(base + s.filesz, new Uint8Array(s.memsz - s.filesz)));
    if (!ok) return `segment ${s.index}: copy to physical ${hex(base)} failed`;
  }
  return null;
}

// ---------------------------------------------------------------- symbols --

/** The symbol an address falls in, and how far into it. */
export interface SymbolHit {
  readonly symbol: ElfSymbol;
  readonly name: string;
  readonly offset: number;
}

/** The fields `SymbolTable` needs of a symbol (so assembler output can be used directly). */
export type SymbolLike = Pick<ElfSymbol, 'name' | 'value' | 'size' | 'type' | 'bind' | 'shndx'> & Partial<ElfSymbol>;

const TYPE_RANK: Partial<Record<SymbolType, number>> = { NOTYPE: 1, OBJECT: 2, FUNC: 3 };
const BIND_RANK: Record<SymbolBind, number> = { OTHER: 0, LOCAL: 1, WEAK: 2, GLOBAL: 3 };

/**
 * Symbol lookups for the debugger and disassembler: by name, and by address ("main+0x1c").
 * Build it once per image; lookups are a hash probe and a binary search.
 */
export class SymbolTable {
  private readonly byName = new Map<string, ElfSymbol>();
  /** Sorted boundaries of elementary address ranges; `owner[i]` covers [bounds[i], bounds[i+1]). */
  private readonly bounds: number[] = [];
  private readonly owner: (ElfSymbol | null)[] = [];

  /** A table over an image's symbols, with zero-size labels bounded by their sections. */
  static fromImage(image: ElfImage): SymbolTable {
    return new SymbolTable(image.symbols, image.sections);
  }

  /**
   * `sections`, if given, bounds each zero-size symbol by the end of its section (looked up by
   * `shndx`); without it a label reaches up to the next symbol or the end of the address space.
   */
  constructor(symbols: readonly SymbolLike[], sections?: readonly Pick<ElfSection, 'addr' | 'size'>[]) {
    const all = symbols.map((s, i): ElfSymbol => ({ ...s, index: s.index ?? i + 1, visibility: s.visibility ?? 0 }));
    for (const s of all) {
      const old = this.byName.get(s.name);
      if (s.name !== '' && (!old || BIND_RANK[s.bind] > BIND_RANK[old.bind])) this.byName.set(s.name, s);
    }
    const cands = all
      // Undefined, absolute (constants like __global_pointer$) and common symbols are not places.
      .filter(
        (s) =>
          TYPE_RANK[s.type] && s.shndx !== SHN_UNDEF && s.shndx < 0xff00 && s.name !== '' && !s.name.startsWith('$'),
      )
      .sort(
        (a, b) =>
          a.value - b.value ||
          (TYPE_RANK[a.type] ?? 0) - (TYPE_RANK[b.type] ?? 0) ||
          BIND_RANK[a.bind] - BIND_RANK[b.bind] ||
          b.index - a.index,
      );
    const starts = [...new Set(cands.map((s) => s.value))];
    const ranges: { s: ElfSymbol; start: number; end: number }[] = [];
    for (const s of cands) {
      let end: number;
      if (s.size > 0) end = s.value + s.size;
      else {
        const k = upperBound(starts, s.value);
        end = k < starts.length ? starts[k] : 0x1_0000_0000;
        // A label inside (or at the end of) a known section stops at the section's end.
        const sec = sections?.[s.shndx];
        if (sec && s.value >= sec.addr && s.value <= sec.addr + sec.size) end = Math.min(end, sec.addr + sec.size);
      }
      if (end > s.value) ranges.push({ s, start: s.value, end });
    }
    const edges = [...new Set(ranges.flatMap((r) => [r.start, r.end]))].sort((a, b) => a - b);
    this.bounds = edges;
    this.owner = new Array<ElfSymbol | null>(edges.length).fill(null);
    // Ranges come sorted by start (then preference): later ones paint over earlier ones, so
    // each elementary range ends up owned by the covering symbol that starts closest below it.
    for (const r of ranges) {
      for (let i = upperBound(edges, r.start) - 1; i < edges.length && edges[i] < r.end; i++) this.owner[i] = r.s;
    }
  }

  /** The symbol called `name` (a global one if there are several), or undefined. */
  lookup(name: string): ElfSymbol | undefined {
    return this.byName.get(name);
  }

  /** The function, object or label containing `addr`, with the offset into it; null if none. */
  symbolAt(addr: number): SymbolHit | null {
    const i = upperBound(this.bounds, addr) - 1;
    const s = i >= 0 ? this.owner[i] : null;
    return s ? { symbol: s, name: s.name, offset: addr - s.value } : null;
  }

  /** `addr` as "name+0x1c" (or "name"), or null if no symbol contains it. */
  format(addr: number): string | null {
    const hit = this.symbolAt(addr);
    if (!hit) return null;
    return hit.offset === 0 ? hit.name : `${hit.name}+${hex(hit.offset)}`;
  }
}

/** Index of the first element of sorted `a` greater than `x`. */
function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
