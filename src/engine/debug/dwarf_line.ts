/**
 * DWARF `.debug_line` decoder (versions 2 to 5) for 32-bit little-endian ELF images: runs each
 * unit's line-number program and returns the rows of the line table. Pure, never throws.
 *
 * Unit layout (DWARF 5, section 6.2.4; offsets grow downwards):
 *
 * | field                               | notes                                                |
 * |-------------------------------------|------------------------------------------------------|
 * | unit_length                         | 4 bytes, or 0xffffffff + 8 bytes (64-bit DWARF)       |
 * | version                             | 2 bytes: 2, 3, 4 or 5                                 |
 * | address_size, seg_selector_size     | 1 byte each, version 5 only                           |
 * | header_length                       | 4 (8) bytes: where the program starts                 |
 * | minimum_instruction_length          | 1 byte                                                |
 * | maximum_operations_per_instruction  | 1 byte, version 4 and later                           |
 * | default_is_stmt, line_base, line_range, opcode_base | 1 byte each (line_base signed)        |
 * | standard_opcode_lengths             | opcode_base - 1 bytes                                 |
 * | v2-4: include_directories           | strings, ended by an empty string                     |
 * | v2-4: file_names                    | (string, dir uleb, mtime uleb, size uleb), ended by 0 |
 * | v5: directory / file tables         | entry formats (content type, form), count, entries    |
 * | line-number program                 | up to unit end                                        |
 *
 * Choices:
 * - A row's `file` is the path as the compiler recorded it, joined with its include directory
 *   when relative, then normalised lexically ("./counter.c" -> "counter.c", "./../sdk/src"
 *   + "crt0.S" -> "../sdk/src/crt0.S"), so one file has one name across units. For versions 2
 *   to 4, directory 0 is the compilation directory, which the line table does not record: such
 *   files keep their bare name.
 * - Parsing is strict: a unit that runs past the section, an unknown form, a file index out of
 *   range or a program that ends inside a sequence is an error naming the unit's offset and the
 *   offset of the problem. The whole table is rejected then (our ELFs come from a real
 *   toolchain, so a bad table means a damaged file, not a dialect to guess at).
 * - String forms that need `.debug_str_offsets` (DW_FORM_strx*) are not supported: they need
 *   the unit's DW_AT_str_offsets_base from `.debug_info`, and gcc does not use them here.
 */
import { utf8Decode, type ElfImage } from '../cpu/elf';

/** One row of the line table (the state machine's registers when a row was appended). */
export interface LineRow {
  readonly address: number;
  /** Normalised path: the recorded name joined with its include directory when relative. */
  readonly file: string;
  readonly line: number;
  /** 0 means "no column" (DWARF's "left edge"). */
  readonly column: number;
  /** A recommended breakpoint location (the start of a statement). */
  readonly isStmt: boolean;
  /** The first byte after a sequence: this row ends the previous row's range, covers nothing. */
  readonly endSequence: boolean;
}

/** What one unit (one compilation unit's line program) declared. */
export interface LineUnit {
  /** Offset of the unit in .debug_line. */
  readonly offset: number;
  readonly version: number;
  /** Include directories as recorded (version 5: index 0 is the compilation directory). */
  readonly directories: readonly string[];
  /** The file table as normalised paths, in table order (version 2 to 4: file 1 is `files[0]`). */
  readonly files: readonly string[];
  /** The unit's rows are `rows[rowStart..rowEnd)` of the table. */
  readonly rowStart: number;
  readonly rowEnd: number;
}

export interface LineTable {
  readonly units: readonly LineUnit[];
  /** All rows, unit by unit, in program order; each sequence ends with an `endSequence` row. */
  readonly rows: readonly LineRow[];
}

/** What `parseDebugLine` returns: a table, or a message naming the unit and offset at fault. */
export type LineTableResult =
  { readonly ok: true; readonly table: LineTable } | { readonly ok: false; readonly error: string };

/** The raw sections the decoder reads (string sections may be missing if no form needs them). */
export interface DebugLineSections {
  readonly debugLine: Uint8Array;
  readonly debugLineStr?: Uint8Array;
  readonly debugStr?: Uint8Array;
}

/**
 * Decodes the `.debug_line` section of `image` (with `.debug_line_str` and `.debug_str`).
 * An image without `.debug_line` gives an empty table. Never throws.
 */
export function parseDebugLine(image: ElfImage): LineTableResult {
  const find = (name: string): Uint8Array | undefined => image.sections.find((s) => s.name === name)?.data;
  const debugLine = find('.debug_line');
  if (!debugLine) return { ok: true, table: { units: [], rows: [] } };
  return decodeDebugLine({ debugLine, debugLineStr: find('.debug_line_str'), debugStr: find('.debug_str') });
}

/** Decodes raw `.debug_line` bytes (see `parseDebugLine`). Never throws. */
export function decodeDebugLine(sections: DebugLineSections): LineTableResult {
  const units: LineUnit[] = [];
  const rows: LineRow[] = [];
  const data = sections.debugLine;
  let unitOffset = 0;
  try {
    while (unitOffset < data.length) {
      const next = decodeUnit(sections, unitOffset, units, rows);
      unitOffset = next;
    }
  } catch (e) {
    if (e instanceof DwarfFault) {
      return {
        ok: false,
        error: `.debug_line unit at offset ${hex(unitOffset)}: ${e.message} (at offset ${hex(e.offset)})`,
      };
    }
    // Not expected: the reader checks every bound. Still, no exception leaves this module.
    return { ok: false, error: `.debug_line unit at offset ${hex(unitOffset)}: ${String(e)}` };
  }
  return { ok: true, table: { units, rows } };
}

// ------------------------------------------------------------ constants --

const DW_LNS_copy = 1;
const DW_LNS_advance_pc = 2;
const DW_LNS_advance_line = 3;
const DW_LNS_set_file = 4;
const DW_LNS_set_column = 5;
const DW_LNS_negate_stmt = 6;
const DW_LNS_set_basic_block = 7;
const DW_LNS_const_add_pc = 8;
const DW_LNS_fixed_advance_pc = 9;
const DW_LNS_set_prologue_end = 10;
const DW_LNS_set_epilogue_begin = 11;
const DW_LNS_set_isa = 12;

const DW_LNE_end_sequence = 1;
const DW_LNE_set_address = 2;
const DW_LNE_define_file = 3;
const DW_LNE_set_discriminator = 4;

const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;

const DW_FORM_block2 = 0x03;
const DW_FORM_block4 = 0x04;
const DW_FORM_data2 = 0x05;
const DW_FORM_data4 = 0x06;
const DW_FORM_data8 = 0x07;
const DW_FORM_string = 0x08;
const DW_FORM_block = 0x09;
const DW_FORM_block1 = 0x0a;
const DW_FORM_data1 = 0x0b;
const DW_FORM_sdata = 0x0d;
const DW_FORM_strp = 0x0e;
const DW_FORM_udata = 0x0f;
const DW_FORM_line_strp = 0x1f;
const DW_FORM_data16 = 0x1e;

const FORM_NAMES: Record<number, string> = {
  0x1a: 'DW_FORM_strx',
  0x1d: 'DW_FORM_strp_sup',
  0x25: 'DW_FORM_strx1',
  0x26: 'DW_FORM_strx2',
  0x27: 'DW_FORM_strx3',
  0x28: 'DW_FORM_strx4',
};

// --------------------------------------------------------------- reader --

const hex = (n: number): string => `0x${n.toString(16)}`;

/** A decoding problem at a byte offset of .debug_line (caught at the API boundary). */
class DwarfFault extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** A bounds-checked little-endian cursor over `[pos, end)` of a byte array. */
class Reader {
  constructor(
    readonly b: Uint8Array,
    public pos: number,
    public end: number,
    /** What `[pos, end)` is, for messages: "section", "unit" or "header". */
    public region: string,
  ) {}

  fail(message: string, at = this.pos): never {
    throw new DwarfFault(at, message);
  }

  need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      this.fail(`truncated: ${what} needs ${n} bytes, ${Math.max(0, this.end - this.pos)} left in the ${this.region}`);
    }
  }

  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.b[this.pos++];
  }

  i8(what = 'a byte'): number {
    return (this.u8(what) << 24) >> 24;
  }

  u16(what = 'a 2-byte value'): number {
    this.need(2, what);
    const v = this.b[this.pos] | (this.b[this.pos + 1] << 8);
    this.pos += 2;
    return v;
  }

  u32(what = 'a 4-byte value'): number {
    this.need(4, what);
    const b = this.b;
    const p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  /** An 8-byte value; values at or above 2^53 are an error (no offset or address gets there). */
  u64(what = 'an 8-byte value'): number {
    const at = this.pos;
    const lo = this.u32(what);
    const hi = this.u32(what);
    if (hi >= 0x20_0000) this.fail(`${what} ${hex(hi)}${lo.toString(16).padStart(8, '0')} is too large`, at);
    return hi * 0x1_0000_0000 + lo;
  }

  /** An unsigned value of `size` bytes (1, 2, 4 or 8). */
  uN(size: number, what: string): number {
    if (size === 1) return this.u8(what);
    if (size === 2) return this.u16(what);
    if (size === 4) return this.u32(what);
    if (size === 8) return this.u64(what);
    return this.fail(`${what}: size ${size} is not 1, 2, 4 or 8`);
  }

  uleb(what = 'a ULEB128 value'): number {
    const at = this.pos;
    let v = 0;
    let scale = 1;
    for (;;) {
      const byte = this.u8(what);
      if (scale < 2 ** 53) v += (byte & 0x7f) * scale;
      else if (byte & 0x7f) this.fail(`${what} does not fit in 53 bits`, at);
      scale *= 128;
      if (!(byte & 0x80)) return v;
    }
  }

  sleb(what = 'an SLEB128 value'): number {
    const at = this.pos;
    let v = 0;
    let scale = 1;
    for (;;) {
      const byte = this.u8(what);
      if (scale < 2 ** 53) v += (byte & 0x7f) * scale;
      else if ((byte & 0x7f) !== 0 && (byte & 0x7f) !== 0x7f) this.fail(`${what} does not fit in 53 bits`, at);
      scale *= 128;
      if (!(byte & 0x80)) {
        if (byte & 0x40 && scale <= 2 ** 53) v -= scale;
        return v;
      }
    }
  }

  cstr(what = 'a string'): string {
    const stop = this.b.subarray(0, this.end).indexOf(0, this.pos);
    if (stop < 0) this.fail(`${what} is not NUL-terminated before the end of the ${this.region}`);
    const s = utf8Decode(this.b.subarray(this.pos, stop));
    this.pos = stop + 1;
    return s;
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }
}

/** The NUL-terminated string at `off` in a string section. */
function stringAt(r: Reader, table: Uint8Array | undefined, name: string, off: number, at: number): string {
  if (!table) return r.fail(`a string form refers to ${name}, which the file does not have`, at);
  if (off >= table.length) {
    return r.fail(`string offset ${hex(off)} is outside ${name} (size ${hex(table.length)})`, at);
  }
  const stop = table.indexOf(0, off);
  if (stop < 0) return r.fail(`string at ${name}+${hex(off)} is not NUL-terminated`, at);
  return utf8Decode(table.subarray(off, stop));
}

// ---------------------------------------------------------------- paths --

/**
 * Normalises a path lexically: drops "." and empty components and folds "dir/.." (never a
 * leading ".."); an absolute path keeps its leading "/". The empty path becomes ".".
 */
export function normalizePath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (part === '..' && abs) continue;
    else out.push(part);
  }
  const joined = out.join('/');
  return abs ? `/${joined}` : joined || '.';
}

/** `name` joined with `dir` unless `name` is absolute, normalised. */
function joinPath(dir: string | undefined, name: string): string {
  if (name.startsWith('/') || dir === undefined || dir === '') return normalizePath(name);
  return normalizePath(`${dir}/${name}`);
}

// ----------------------------------------------------------------- unit --

interface EntryFormat {
  readonly type: number;
  readonly form: number;
}

/** Decodes the unit at `start`, appending to `units` and `rows`; returns the next unit's offset. */
function decodeUnit(s: DebugLineSections, start: number, units: LineUnit[], rows: LineRow[]): number {
  const data = s.debugLine;
  const r: Reader = new Reader(data, start, data.length, 'section');
  let offsetSize = 4;
  let length = r.u32('the unit length');
  if (length === 0xffff_ffff) {
    offsetSize = 8;
    length = r.u64('the 64-bit unit length');
  } else if (length >= 0xffff_fff0) {
    r.fail(`unit length ${hex(length)} is a reserved value`, start);
  }
  const unitEnd = r.pos + length;
  if (unitEnd > data.length) {
    r.fail(`unit length ${hex(length)} runs past the end of .debug_line (size ${hex(data.length)})`, start);
  }
  r.end = unitEnd;
  r.region = 'unit';
  const versionAt = r.pos;
  const version = r.u16('the version');
  if (version < 2 || version > 5) r.fail(`version ${version} is not supported (2 to 5 are)`, versionAt);
  if (version >= 5) {
    const at = r.pos;
    const addressSize = r.u8('the address size');
    if (addressSize !== 4 && addressSize !== 8) r.fail(`address size ${addressSize} is not 4 or 8`, at);
    const segAt = r.pos;
    const segSize = r.u8('the segment selector size');
    if (segSize !== 0) r.fail(`segment selector size ${segSize} is not supported`, segAt);
  }
  const headerLengthAt = r.pos;
  const headerLength = r.uN(offsetSize, 'the header length');
  const programStart = r.pos + headerLength;
  if (programStart > unitEnd) {
    r.fail(`header length ${hex(headerLength)} runs past the end of the unit`, headerLengthAt);
  }
  const minInstLength = r.u8('minimum_instruction_length');
  let maxOps = 1;
  if (version >= 4) {
    const at = r.pos;
    maxOps = r.u8('maximum_operations_per_instruction');
    if (maxOps === 0) r.fail('maximum_operations_per_instruction is 0', at);
  }
  const defaultIsStmt = r.u8('default_is_stmt') !== 0;
  const lineBase = r.i8('line_base');
  const lineRangeAt = r.pos;
  const lineRange = r.u8('line_range');
  if (lineRange === 0) r.fail('line_range is 0', lineRangeAt);
  const opcodeBaseAt = r.pos;
  const opcodeBase = r.u8('opcode_base');
  if (opcodeBase === 0) r.fail('opcode_base is 0', opcodeBaseAt);
  const opLengths = [0];
  for (let i = 1; i < opcodeBase; i++) opLengths.push(r.u8('standard_opcode_lengths'));

  // The header's tables must stay inside the header.
  r.end = programStart;
  r.region = 'header';
  const directories: string[] = [];
  const files: string[] = [];
  if (version >= 5) {
    const readFormats = (what: string): EntryFormat[] => {
      const n = r.u8(`the ${what} entry format count`);
      const list: EntryFormat[] = [];
      for (let i = 0; i < n; i++) list.push({ type: r.uleb(`${what} content type`), form: r.uleb(`${what} form`) });
      return list;
    };
    const readEntries = (what: string, formats: EntryFormat[], add: (path: string, dir: number) => void): void => {
      const countAt = r.pos;
      const count = r.uleb(`the ${what} count`);
      if (count > r.end - r.pos) r.fail(`${what} count ${count} cannot fit in the header`, countAt);
      for (let i = 0; i < count; i++) {
        const entryAt = r.pos;
        let path: string | null = null;
        let dir = 0;
        for (const f of formats) {
          const v = readForm(r, s, f.form, offsetSize, `${what} ${i}`);
          if (f.type === DW_LNCT_path) {
            if (typeof v !== 'string') r.fail(`${what} ${i}: the path has non-string form ${hex(f.form)}`, entryAt);
            path = v;
          } else if (f.type === DW_LNCT_directory_index) {
            if (typeof v !== 'number') {
              r.fail(`${what} ${i}: the directory index has non-numeric form ${hex(f.form)}`, entryAt);
            }
            dir = v;
          }
        }
        if (path === null) r.fail(`${what} ${i} has no path (DW_LNCT_path)`, entryAt);
        add(path, dir);
      }
    };
    const dirFormats = readFormats('directory');
    readEntries('directory', dirFormats, (p) => directories.push(p));
    const fileFormats = readFormats('file name');
    const fileTableAt = r.pos;
    readEntries('file name', fileFormats, (p, d) => {
      if (d >= directories.length && !p.startsWith('/')) {
        r.fail(`file "${p}" names directory ${d}, but the unit has ${directories.length}`, fileTableAt);
      }
      files.push(joinPath(directories[d], p));
    });
  } else {
    for (;;) {
      const d = r.cstr('an include directory');
      if (d === '') break;
      directories.push(d);
    }
    for (;;) {
      const at = r.pos;
      const name = r.cstr('a file name');
      if (name === '') break;
      files.push(v4File(r, directories, name, at));
    }
  }

  // ---- the line-number program (section 6.2.5)
  r.pos = programStart;
  r.end = unitEnd;
  r.region = 'unit';
  const rowStart = rows.length;
  let address = 0;
  let opIndex = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = defaultIsStmt;
  let inSequence = false;
  let fileAt = programStart;
  const reset = (): void => {
    address = 0;
    opIndex = 0;
    file = 1;
    line = 1;
    column = 0;
    isStmt = defaultIsStmt;
    inSequence = false;
  };
  const fileName = (): string => {
    const i = version >= 5 ? file : file - 1;
    if (i < 0 || i >= files.length) {
      const range = version >= 5 ? `0..${files.length - 1}` : `1..${files.length}`;
      r.fail(`file index ${file} is out of range (the file table has ${range})`, fileAt);
    }
    return files[i];
  };
  const emit = (endSequence: boolean): void => {
    rows.push({ address, file: fileName(), line, column, isStmt, endSequence });
    inSequence = !endSequence;
  };
  /** Advances by `n` operations (section 6.2.5.1, "operation advance"). */
  const advance = (n: number): void => {
    if (maxOps === 1) address = (address + minInstLength * n) >>> 0;
    else {
      address = (address + minInstLength * Math.floor((opIndex + n) / maxOps)) >>> 0;
      opIndex = (opIndex + n) % maxOps;
    }
  };

  while (r.pos < unitEnd) {
    const opAt = r.pos;
    const op = r.u8('an opcode');
    if (op >= opcodeBase) {
      // Special opcode: advance address and line, append a row.
      const adjusted = op - opcodeBase;
      advance(Math.floor(adjusted / lineRange));
      line += lineBase + (adjusted % lineRange);
      emit(false);
    } else if (op === 0) {
      const lenAt = r.pos;
      const len = r.uleb('an extended opcode length');
      if (len === 0) r.fail('extended opcode of length 0', lenAt);
      const bodyEnd = r.pos + len;
      if (bodyEnd > unitEnd) r.fail(`extended opcode length ${len} runs past the end of the unit`, lenAt);
      const sub = r.u8('an extended opcode');
      switch (sub) {
        case DW_LNE_end_sequence:
          emit(true);
          reset();
          break;
        case DW_LNE_set_address: {
          const size = len - 1;
          const at = r.pos;
          if (size !== 4 && size !== 8) r.fail(`DW_LNE_set_address with a ${size}-byte operand`, at);
          const a = r.uN(size, 'the DW_LNE_set_address operand');
          if (a >= 0x1_0000_0000) r.fail(`address ${hex(a)} does not fit in 32 bits`, at);
          address = a;
          opIndex = 0;
          break;
        }
        case DW_LNE_define_file: {
          const at = r.pos;
          const name = r.cstr('the DW_LNE_define_file name');
          files.push(v4File(r, directories, name, at));
          break;
        }
        case DW_LNE_set_discriminator:
          r.uleb('the discriminator');
          break;
        default:
          break; // Vendor extension: skipped by its length.
      }
      if (r.pos > bodyEnd) r.fail(`extended opcode ${sub} overruns its length ${len}`, opAt);
      r.pos = bodyEnd;
    } else {
      switch (op) {
        case DW_LNS_copy:
          emit(false);
          break;
        case DW_LNS_advance_pc:
          advance(r.uleb('the DW_LNS_advance_pc operand'));
          break;
        case DW_LNS_advance_line:
          line += r.sleb('the DW_LNS_advance_line operand');
          break;
        case DW_LNS_set_file:
          fileAt = opAt;
          file = r.uleb('the DW_LNS_set_file operand');
          break;
        case DW_LNS_set_column:
          column = r.uleb('the DW_LNS_set_column operand');
          break;
        case DW_LNS_negate_stmt:
          isStmt = !isStmt;
          break;
        case DW_LNS_set_basic_block:
          break;
        case DW_LNS_const_add_pc:
          advance(Math.floor((255 - opcodeBase) / lineRange));
          break;
        case DW_LNS_fixed_advance_pc:
          address = (address + r.u16('the DW_LNS_fixed_advance_pc operand')) >>> 0;
          opIndex = 0;
          break;
        case DW_LNS_set_prologue_end:
        case DW_LNS_set_epilogue_begin:
          break;
        case DW_LNS_set_isa:
          r.uleb('the DW_LNS_set_isa operand');
          break;
        default:
          // An opcode this decoder does not know: the header says how many ULEB operands it has.
          for (let i = 0; i < opLengths[op]; i++) r.uleb(`operand ${i} of standard opcode ${op}`);
      }
    }
  }
  if (inSequence) r.fail('the line program ends inside a sequence (no DW_LNE_end_sequence)', unitEnd);
  units.push({ offset: start, version, directories, files, rowStart, rowEnd: rows.length });
  return unitEnd;
}

/** A version 2-4 file entry after its name: directory index, mtime, length. */
function v4File(r: Reader, directories: readonly string[], name: string, at: number): string {
  const dir = r.uleb('a file entry directory index');
  r.uleb('a file entry time');
  r.uleb('a file entry length');
  if (dir === 0 || name.startsWith('/')) return joinPath(undefined, name);
  if (dir > directories.length) {
    r.fail(`file "${name}" names directory ${dir}, but the unit has ${directories.length}`, at);
  }
  return joinPath(directories[dir - 1], name);
}

/** Reads one attribute value of `form` (a string, a number, or null for blocks and data16). */
function readForm(
  r: Reader,
  s: DebugLineSections,
  form: number,
  offsetSize: number,
  what: string,
): string | number | null {
  const at = r.pos;
  switch (form) {
    case DW_FORM_string:
      return r.cstr(`${what}: a DW_FORM_string`);
    case DW_FORM_line_strp:
      return stringAt(r, s.debugLineStr, '.debug_line_str', r.uN(offsetSize, `${what}: a string offset`), at);
    case DW_FORM_strp:
      return stringAt(r, s.debugStr, '.debug_str', r.uN(offsetSize, `${what}: a string offset`), at);
    case DW_FORM_udata:
      return r.uleb(`${what}: a DW_FORM_udata`);
    case DW_FORM_sdata:
      return r.sleb(`${what}: a DW_FORM_sdata`);
    case DW_FORM_data1:
      return r.u8(`${what}: a DW_FORM_data1`);
    case DW_FORM_data2:
      return r.u16(`${what}: a DW_FORM_data2`);
    case DW_FORM_data4:
      return r.u32(`${what}: a DW_FORM_data4`);
    case DW_FORM_data8:
      r.skip(8, `${what}: a DW_FORM_data8`);
      return null;
    case DW_FORM_data16:
      r.skip(16, `${what}: a DW_FORM_data16`);
      return null;
    case DW_FORM_block:
      r.skip(r.uleb(`${what}: a block length`), `${what}: a DW_FORM_block`);
      return null;
    case DW_FORM_block1:
      r.skip(r.u8(`${what}: a block length`), `${what}: a DW_FORM_block1`);
      return null;
    case DW_FORM_block2:
      r.skip(r.u16(`${what}: a block length`), `${what}: a DW_FORM_block2`);
      return null;
    case DW_FORM_block4:
      r.skip(r.u32(`${what}: a block length`), `${what}: a DW_FORM_block4`);
      return null;
    default: {
      const name = FORM_NAMES[form] ? ` (${FORM_NAMES[form]})` : '';
      return r.fail(`${what}: form ${hex(form)}${name} is not supported in a line table header`, at);
    }
  }
}
