/**
 * ELF32 writer: builds an ET_EXEC, EM_RISCV, little-endian executable from segments and
 * symbols (what our assembler emits, and what tests use to make ELF files).
 *
 * File layout produced:
 *
 * | part                  | notes                                                          |
 * |-----------------------|----------------------------------------------------------------|
 * | ELF header (52 B)     | e_flags defaults to EF_RISCV_RVC (RV32IMAC, soft-float ABI)    |
 * | program headers       | one PT_LOAD per segment, in input order                        |
 * | segment data          | each at a file offset congruent to its vaddr modulo its align  |
 * | .symtab               | null symbol, then locals, then globals/weak (sh_info = first   |
 * |                       | non-local, as the ELF spec requires)                           |
 * | .strtab, .shstrtab    | NUL-separated names                                            |
 * | section headers       | null, the segments' sections, .symtab, .strtab, .shstrtab      |
 *
 * Choices:
 * - Without `sections`, each segment gets one PROGBITS section for its file bytes (named by
 *   `segment.name`, else .text for executable, .data for writable, .rodata otherwise) and one
 *   NOBITS `.bss` section for its zero-filled tail; repeated names get a ".N" suffix.
 * - A symbol's `section` names its section; "*ABS*" makes it absolute and "*UND*" undefined.
 *   Without one, the symbol goes in the section that contains its value (or ends at it, for end
 *   labels like `_end`), else it is absolute.
 * - Errors in the input are returned as values, never thrown.
 */
import {
  EF_RISCV_RVC,
  EM_RISCV,
  ET_EXEC,
  PF_R,
  PF_W,
  PF_X,
  PT_LOAD,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHN_ABS,
  SHN_UNDEF,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_STRTAB,
  SHT_SYMTAB,
  symbolBindNumber,
  symbolTypeNumber,
  utf8Encode,
  type SymbolBind,
  type SymbolType,
} from './elf';

/** One loadable segment. */
export interface ElfWriterSegment {
  readonly vaddr: number;
  /** Load address; defaults to `vaddr`. */
  readonly paddr?: number;
  /** PF_R | PF_W | PF_X. */
  readonly flags: number;
  /** The initialised bytes (p_filesz = data.length). */
  readonly data: Uint8Array;
  /** Size in memory, >= data.length; the rest is zero-filled. Defaults to data.length. */
  readonly memsz?: number;
  /** p_align, a power of two; defaults to 4. */
  readonly align?: number;
  /** Name of the default section for the file bytes. */
  readonly name?: string;
}

/** A section inside a segment (replaces the default one-section-per-segment layout). */
export interface ElfWriterSection {
  readonly name: string;
  /** Index into `segments`. */
  readonly segment: number;
  /** Offset of the section inside the segment's memory image (default 0). */
  readonly offset?: number;
  /** Size in bytes (default: the rest of the segment's data, or of its memory for NOBITS). */
  readonly size?: number;
  /** True for a zero-filled section with no file bytes (.bss). */
  readonly nobits?: boolean;
  /** sh_addralign (default: 4, or less if the address is not 4-aligned). */
  readonly align?: number;
}

export interface ElfWriterSymbol {
  readonly name: string;
  readonly value: number;
  /** Default 0. */
  readonly size?: number;
  /** Default NOTYPE. */
  readonly type?: Exclude<SymbolType, 'OTHER'>;
  /** Default GLOBAL. */
  readonly bind?: Exclude<SymbolBind, 'OTHER'>;
  /** Section name, "*ABS*" or "*UND*"; default: the section holding `value`. */
  readonly section?: string;
}

export interface ElfWriterInput {
  readonly entry: number;
  /** e_flags; default EF_RISCV_RVC. */
  readonly flags?: number;
  readonly segments: readonly ElfWriterSegment[];
  readonly symbols?: readonly ElfWriterSymbol[];
  readonly sections?: readonly ElfWriterSection[];
}

/** The file, or a message naming the bad input. */
export type WriteElfResult =
  { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly error: string };

interface OutSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number; // file offset (filled in once segment offsets are known)
  size: number;
  link: number;
  info: number;
  align: number;
  entsize: number;
  segment: number; // -1 for non-alloc sections
  segOffset: number;
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const isU32 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;

/** A string table under construction: deduplicated names at stable offsets. */
class StringTable {
  private bytes: number[] = [0];
  private offsets = new Map<string, number>([['', 0]]);
  add(s: string): number {
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    const off = this.bytes.length;
    this.bytes.push(...utf8Encode(s), 0);
    this.offsets.set(s, off);
    return off;
  }
  data(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** Builds an ELF32 RISC-V executable. Returns the bytes, or an error naming the bad input. */
export function writeElf(input: ElfWriterInput): WriteElfResult {
  const fail = (error: string): WriteElfResult => ({ ok: false, error });
  if (!isU32(input.entry)) return fail(`entry ${input.entry} is not a 32-bit address`);
  const eflags = input.flags ?? EF_RISCV_RVC;
  if (!isU32(eflags)) return fail(`flags ${eflags} is not a 32-bit value`);

  // ---- segments
  const segs = input.segments.map((s) => ({
    vaddr: s.vaddr,
    paddr: s.paddr ?? s.vaddr,
    flags: s.flags,
    data: s.data,
    memsz: s.memsz ?? s.data.length,
    align: s.align ?? 4,
    offset: 0,
  }));
  for (const [i, s] of segs.entries()) {
    if (!isU32(s.vaddr) || !isU32(s.paddr)) return fail(`segment ${i}: vaddr/paddr must be 32-bit addresses`);
    if (!isU32(s.memsz) || s.memsz < s.data.length) {
      return fail(`segment ${i}: memsz ${s.memsz} is smaller than its ${s.data.length} data bytes`);
    }
    if (s.vaddr + s.memsz > 0x1_0000_0000 || s.paddr + s.memsz > 0x1_0000_0000) {
      return fail(`segment ${i} (vaddr ${hex(s.vaddr)}): ${hex(s.memsz)} bytes wrap past the 32-bit address space`);
    }
    if (!isU32(s.flags) || (s.flags & ~(PF_R | PF_W | PF_X)) !== 0)
      return fail(`segment ${i}: flags ${s.flags} are not PF_R|PF_W|PF_X`);
    if (!isU32(s.align) || s.align === 0 || (s.align & (s.align - 1)) !== 0) {
      return fail(`segment ${i}: align ${s.align} is not a power of two`);
    }
  }

  // ---- sections of the segments
  const secs: OutSection[] = [];
  const used = new Set<string>();
  const unique = (name: string): string => {
    let n = name;
    for (let k = 1; used.has(n); k++) n = `${name}.${k}`;
    used.add(n);
    return n;
  };
  const addSection = (
    name: string,
    seg: number,
    off: number,
    size: number,
    nobits: boolean,
    align?: number,
  ): string | null => {
    const s = segs[seg];
    if (!s) return `section ${name}: segment ${seg} does not exist`;
    const limit = nobits ? s.memsz : s.data.length;
    if (!isU32(off) || !isU32(size) || off + size > limit) {
      return `section ${name}: [${off}, ${off}+${size}) is not inside segment ${seg}'s ${nobits ? 'memory' : 'data'} (${limit} bytes)`;
    }
    const addr = s.vaddr + off;
    const al = align ?? (addr % 4 === 0 ? 4 : addr % 2 === 0 ? 2 : 1);
    if (!isU32(al) || al === 0 || (al & (al - 1)) !== 0) return `section ${name}: align ${al} is not a power of two`;
    secs.push({
      name,
      type: nobits ? SHT_NOBITS : SHT_PROGBITS,
      flags: SHF_ALLOC | (s.flags & PF_W ? SHF_WRITE : 0) | (s.flags & PF_X ? SHF_EXECINSTR : 0),
      addr,
      offset: 0,
      size,
      link: 0,
      info: 0,
      align: al,
      entsize: 0,
      segment: seg,
      segOffset: off,
    });
    return null;
  };
  if (input.sections) {
    for (const sec of input.sections) {
      if (used.has(sec.name)) return fail(`section name ${sec.name} is used twice`);
      used.add(sec.name);
      const s = segs[sec.segment];
      const off = sec.offset ?? 0;
      const size = sec.size ?? (s ? (sec.nobits ? s.memsz : s.data.length) - off : 0);
      const err = addSection(sec.name, sec.segment, off, size, sec.nobits ?? false, sec.align);
      if (err) return fail(err);
    }
  } else {
    for (const [i, s] of segs.entries()) {
      const name = input.segments[i].name ?? (s.flags & PF_X ? '.text' : s.flags & PF_W ? '.data' : '.rodata');
      const err =
        (s.data.length > 0 ? addSection(unique(name), i, 0, s.data.length, false) : null) ??
        (s.memsz > s.data.length ? addSection(unique('.bss'), i, s.data.length, s.memsz - s.data.length, true) : null);
      if (err) return fail(err);
    }
  }
  for (const name of ['.symtab', '.strtab', '.shstrtab']) {
    if (used.has(name)) return fail(`section name ${name} is reserved`);
  }
  const symtabIndex = secs.length + 1;
  const strtabIndex = secs.length + 2;
  const shstrtabIndex = secs.length + 3;

  // ---- symbols
  const strtab = new StringTable();
  const symbols = input.symbols ?? [];
  const resolved: { name: number; value: number; size: number; info: number; shndx: number; local: boolean }[] = [];
  for (const [i, sym] of symbols.entries()) {
    const where = `symbol ${i} (${sym.name})`;
    const size = sym.size ?? 0;
    if (!isU32(sym.value) || !isU32(size)) return fail(`${where}: value and size must be 32-bit numbers`);
    const type = sym.type ?? 'NOTYPE';
    const bind = sym.bind ?? 'GLOBAL';
    const t = symbolTypeNumber(type);
    const b = symbolBindNumber(bind);
    if (t < 0) return fail(`${where}: unknown type ${type}`);
    if (b < 0) return fail(`${where}: unknown binding ${bind}`);
    let shndx: number;
    if (sym.section === '*ABS*') shndx = SHN_ABS;
    else if (sym.section === '*UND*') shndx = SHN_UNDEF;
    else if (sym.section !== undefined) {
      const k = secs.findIndex((s) => s.name === sym.section);
      if (k < 0) return fail(`${where}: section ${sym.section} does not exist`);
      shndx = k + 1;
    } else {
      let k = secs.findIndex((s) => sym.value >= s.addr && sym.value < s.addr + s.size);
      if (k < 0) k = secs.findIndex((s) => sym.value === s.addr + s.size);
      shndx = k < 0 ? SHN_ABS : k + 1;
    }
    resolved.push({
      name: strtab.add(sym.name),
      value: sym.value,
      size,
      info: (b << 4) | t,
      shndx,
      local: bind === 'LOCAL',
    });
  }
  const ordered = [...resolved.filter((s) => s.local), ...resolved.filter((s) => !s.local)];
  const firstGlobal = 1 + resolved.filter((s) => s.local).length;
  const symData = new Uint8Array(16 * (ordered.length + 1));
  const symView = new DataView(symData.buffer);
  ordered.forEach((s, i) => {
    const o = 16 * (i + 1);
    symView.setUint32(o, s.name, true);
    symView.setUint32(o + 4, s.value, true);
    symView.setUint32(o + 8, s.size, true);
    symData[o + 12] = s.info;
    symData[o + 13] = 0;
    symView.setUint16(o + 14, s.shndx, true);
  });
  const strData = strtab.data();

  const shstrtab = new StringTable();
  const secNames = secs.map((s) => shstrtab.add(s.name));
  const symtabName = shstrtab.add('.symtab');
  const strtabName = shstrtab.add('.strtab');
  const shstrtabName = shstrtab.add('.shstrtab');
  const shstrData = shstrtab.data();

  // ---- layout
  const phoff = segs.length ? 52 : 0;
  let pos = 52 + 32 * segs.length;
  for (const s of segs) {
    if (s.data.length > 0) {
      const want = s.vaddr % s.align;
      pos += (want - (pos % s.align) + s.align) % s.align;
    }
    s.offset = pos;
    pos += s.data.length;
  }
  for (const sec of secs) sec.offset = segs[sec.segment].offset + sec.segOffset;
  const align4 = (n: number) => (n + 3) & ~3;
  const symOff = align4(pos);
  const strOff = symOff + symData.length;
  const shstrOff = strOff + strData.length;
  const shoff = align4(shstrOff + shstrData.length);
  const shnum = secs.length + 4;
  const total = shoff + 40 * shnum;

  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  // e_ident
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0);
  v.setUint16(16, ET_EXEC, true);
  v.setUint16(18, EM_RISCV, true);
  v.setUint32(20, 1, true);
  v.setUint32(24, input.entry, true);
  v.setUint32(28, phoff, true);
  v.setUint32(32, shoff, true);
  v.setUint32(36, eflags, true);
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, segs.length, true);
  v.setUint16(46, 40, true);
  v.setUint16(48, shnum, true);
  v.setUint16(50, shstrtabIndex, true);

  segs.forEach((s, i) => {
    const o = 52 + 32 * i;
    v.setUint32(o, PT_LOAD, true);
    v.setUint32(o + 4, s.offset, true);
    v.setUint32(o + 8, s.vaddr, true);
    v.setUint32(o + 12, s.paddr, true);
    v.setUint32(o + 16, s.data.length, true);
    v.setUint32(o + 20, s.memsz, true);
    v.setUint32(o + 24, s.flags, true);
    v.setUint32(o + 28, s.align, true);
    out.set(s.data, s.offset);
  });
  out.set(symData, symOff);
  out.set(strData, strOff);
  out.set(shstrData, shstrOff);

  const writeShdr = (i: number, s: Omit<OutSection, 'segment' | 'segOffset' | 'name'>, name: number) => {
    const o = shoff + 40 * i;
    v.setUint32(o, name, true);
    v.setUint32(o + 4, s.type, true);
    v.setUint32(o + 8, s.flags, true);
    v.setUint32(o + 12, s.addr, true);
    v.setUint32(o + 16, s.offset, true);
    v.setUint32(o + 20, s.size, true);
    v.setUint32(o + 24, s.link, true);
    v.setUint32(o + 28, s.info, true);
    v.setUint32(o + 32, s.align, true);
    v.setUint32(o + 36, s.entsize, true);
  };
  const plain = { flags: 0, addr: 0, link: 0, info: 0, entsize: 0 };
  secs.forEach((s, i) => writeShdr(i + 1, s, secNames[i]));
  writeShdr(
    symtabIndex,
    {
      ...plain,
      type: SHT_SYMTAB,
      offset: symOff,
      size: symData.length,
      link: strtabIndex,
      info: firstGlobal,
      align: 4,
      entsize: 16,
    },
    symtabName,
  );
  writeShdr(strtabIndex, { ...plain, type: SHT_STRTAB, offset: strOff, size: strData.length, align: 1 }, strtabName);
  writeShdr(
    shstrtabIndex,
    { ...plain, type: SHT_STRTAB, offset: shstrOff, size: shstrData.length, align: 1 },
    shstrtabName,
  );
  return { ok: true, bytes: out };
}
