/**
 * Debug information of one guest ELF for the debugger: function symbols (address <-> name)
 * and the DWARF line table (address <-> file:line). Pure, never throws.
 *
 * Choices:
 * - Functions are FUNC symbols with their sizes. An address in no sized function falls back to
 *   the nearest preceding label (a FUNC of size 0, or a global/weak NOTYPE symbol) in an
 *   executable section; a label reaches up to the next function or label, or its section's
 *   end. Mapping symbols (`$x...`) and absolute ones (`__global_pointer$`) are never names.
 * - Line lookups follow addr2line: when several rows share an address, the last one wins
 *   (earlier ones are empty ranges). A sequence that does not start in an executable section
 *   (code the linker discarded, left at address 0) is ignored.
 * - Files are named by the normalised paths of `dwarf_line.ts` (e.g. "counter.c",
 *   "../sdk/src/start.c", relative to the directory the ELF was built in). A query matches a
 *   file when one path's components end with the other's (leading ".." dropped), so
 *   "counter.c", "basics/counter.c" and "/abs/resources/guest/basics/counter.c" all name
 *   "counter.c"; the files sharing the most trailing components win.
 * - A corrupt `.debug_line` does not make the ELF unusable: the symbols still work, there are
 *   no lines, and `lineError` says what is wrong.
 */
import { parseElf, PF_X, SHF_EXECINSTR, SHN_UNDEF, type ElfImage, type SymbolBind } from '../cpu/elf';
import { normalizePath, parseDebugLine, type LineRow, type LineTable } from './dwarf_line';

/** A FUNC symbol. */
export interface FunctionSymbol {
  readonly name: string;
  readonly address: number;
  /** 0 for a label without size (assembly). */
  readonly size: number;
  readonly bind: SymbolBind;
}

/** The function (or label) an address lies in. */
export interface SymbolizedAddress {
  readonly name: string;
  /** `addr - start`. */
  readonly offset: number;
  /** The function's first byte. */
  readonly start: number;
  /** One past its last byte (for a label: the next symbol or the section end). */
  readonly end: number;
}

/** The line-table row covering an address. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  /** 0 if the compiler recorded no column. */
  readonly column: number;
  /** Where the covering row starts (pc is the start of a line when `address === pc`). */
  readonly address: number;
  /** Whether the covering row is a recommended breakpoint location. */
  readonly isStmt: boolean;
}

/**
 * Where a source line's code is (for breakpoints). Both outcomes carry `line` and `addresses`
 * (empty on failure), so a caller that only wants addresses need not look at `ok`.
 */
export type LineAddresses = {
  /** The matching files (one unless the query is ambiguous, e.g. "util.h" in two folders). */
  readonly files: readonly string[];
  /** The line asked for. */
  readonly requestedLine: number;
  /** The line used: the requested one, or the next line with code if it has none. */
  readonly line: number;
  /** Addresses of its is_stmt rows, ascending, without duplicates (a fresh array). */
  readonly addresses: number[];
} & ({ readonly ok: true } | { readonly ok: false; readonly error: string });

/** A half-open address range `[start, end)`. */
export interface AddressRange {
  readonly start: number;
  readonly end: number;
}

export type DebugInfoResult =
  { readonly ok: true; readonly info: DebugInfo } | { readonly ok: false; readonly error: string };

/** A row's address range within its sequence. */
interface LineSpan {
  readonly start: number;
  readonly end: number;
  readonly row: LineRow;
  /** Index of the sequence in `sequences`, and of this span in it. */
  readonly seq: number;
  readonly idx: number;
}

interface CodeSymbol {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  /** Sized FUNC 2, label 1: on equal starts the higher wins. */
  readonly rank: number;
  readonly bind: SymbolBind;
}

const BIND_RANK: Record<SymbolBind, number> = { OTHER: 0, LOCAL: 1, WEAK: 2, GLOBAL: 3 };

/** Symbols and lines of one ELF. Build once per image; lookups are binary searches. */
export class DebugInfo {
  /** Decoded line table, or null when `.debug_line` is corrupt (see `lineError`). */
  readonly lineTable: LineTable | null;
  /** Why the line table could not be read, or null (an ELF without `.debug_line` is fine). */
  readonly lineError: string | null;

  private readonly funcs: FunctionSymbol[];
  /** Sized functions and labels sorted by start; `symMaxEnd[i]` = max end of `syms[0..i]`. */
  private readonly syms: CodeSymbol[];
  private readonly symMaxEnd: number[];
  private readonly byName = new Map<string, CodeSymbol>();

  /** Spans of each kept sequence, in address order. */
  private readonly sequences: LineSpan[][] = [];
  /** All spans sorted by start; `spanMaxEnd[i]` = max end of `spans[0..i]`. */
  private readonly spans: LineSpan[] = [];
  private readonly spanMaxEnd: number[] = [];
  /** file -> line -> is_stmt addresses. */
  private readonly stmts = new Map<string, Map<number, Set<number>>>();

  /** Parses `elf` (bytes or an already parsed image). Fails only if the ELF itself is invalid. */
  static fromElf(elf: Uint8Array | ElfImage): DebugInfoResult {
    if (elf instanceof Uint8Array) {
      const r = parseElf(elf);
      if (!r.ok) return { ok: false, error: r.error };
      return { ok: true, info: new DebugInfo(r.image) };
    }
    return { ok: true, info: new DebugInfo(elf) };
  }

  constructor(readonly image: ElfImage) {
    // ---- symbols
    const exec = (shndx: number): boolean =>
      shndx !== SHN_UNDEF && shndx < 0xff00 && (image.sections[shndx]?.flags & SHF_EXECINSTR) !== 0;
    const defined = image.symbols.filter(
      (s) => s.name !== '' && !s.name.startsWith('$') && s.shndx !== SHN_UNDEF && s.shndx < 0xff00,
    );
    this.funcs = defined
      .filter((s) => s.type === 'FUNC')
      .map((s) => ({ name: s.name, address: s.value, size: s.size, bind: s.bind }))
      .sort((a, b) => a.address - b.address || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const sized = defined.filter((s) => s.type === 'FUNC' && s.size > 0);
    const labels = defined.filter(
      (s) => exec(s.shndx) && s.size === 0 && (s.type === 'FUNC' || (s.type === 'NOTYPE' && s.bind !== 'LOCAL')),
    );
    const starts = [...new Set([...sized, ...labels].map((s) => s.value))].sort((a, b) => a - b);
    const syms: CodeSymbol[] = sized.map((s) => ({
      name: s.name,
      start: s.value,
      end: s.value + s.size,
      rank: 2,
      bind: s.bind,
    }));
    for (const s of labels) {
      const k = upperBound(starts, s.value);
      let end = k < starts.length ? starts[k] : 0x1_0000_0000;
      const sec = image.sections[s.shndx];
      if (s.value >= sec.addr && s.value <= sec.addr + sec.size) end = Math.min(end, sec.addr + sec.size);
      if (end > s.value) syms.push({ name: s.name, start: s.value, end, rank: 1, bind: s.bind });
    }
    syms.sort(
      (a, b) =>
        a.start - b.start ||
        a.rank - b.rank ||
        BIND_RANK[a.bind] - BIND_RANK[b.bind] ||
        (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
    );
    this.syms = syms;
    this.symMaxEnd = prefixMax(syms.map((s) => s.end));
    for (const s of syms) {
      const old = this.byName.get(s.name);
      if (!old || s.rank > old.rank || (s.rank === old.rank && BIND_RANK[s.bind] > BIND_RANK[old.bind])) {
        this.byName.set(s.name, s);
      }
    }

    // ---- lines
    const lt = parseDebugLine(image);
    this.lineTable = lt.ok ? lt.table : null;
    this.lineError = lt.ok ? null : lt.error;
    if (lt.ok) this.indexLines(lt.table);
  }

  // ------------------------------------------------------------- symbols --

  /** The function (or label) containing `addr` and the offset into it, or null. */
  symbolize(addr: number): SymbolizedAddress | null {
    addr >>>= 0;
    // The covering symbol that starts closest below addr (later entries win on equal starts).
    for (let i = upperBoundBy(this.syms, addr, (s) => s.start) - 1; i >= 0 && this.symMaxEnd[i] > addr; i--) {
      const s = this.syms[i];
      if (addr < s.end) return { name: s.name, offset: addr - s.start, start: s.start, end: s.end };
    }
    return null;
  }

  /** The address of the function or code label `name` (a global one if several), or null. */
  lookup(name: string): number | null {
    return this.byName.get(name)?.start ?? null;
  }

  /** All FUNC symbols, by address. */
  functions(): readonly FunctionSymbol[] {
    return this.funcs;
  }

  /**
   * `length` bytes of the ELF's executable segments at `addr` (a view, not a copy), or null if
   * they are not all in one segment's file bytes. The unwinder reads prologues through this.
   */
  code(addr: number, length: number): Uint8Array | null {
    for (const s of this.image.segments) {
      if (!(s.flags & PF_X)) continue;
      const off = addr - s.vaddr;
      if (off >= 0 && off + length <= s.filesz) return s.data.subarray(off, off + length);
    }
    return null;
  }

  // --------------------------------------------------------------- lines --

  /** The file, line and column of the line-table row covering `pc`, or null. */
  lineOf(pc: number): SourceLocation | null {
    const span = this.spanAt(pc);
    if (!span) return null;
    const r = span.row;
    return { file: r.file, line: r.line, column: r.column, address: span.start, isStmt: r.isStmt };
  }

  /**
   * The address range around `pc` that belongs to the same source line: the covering row
   * extended over its neighbours in the same sequence with the same file and line. Stepping
   * "by source line" runs until pc leaves it. Null if no row covers `pc`.
   */
  lineRange(pc: number): (AddressRange & { readonly file: string; readonly line: number }) | null {
    const span = this.spanAt(pc);
    if (!span) return null;
    const seq = this.sequences[span.seq];
    const same = (s: LineSpan): boolean => s.row.line === span.row.line && s.row.file === span.row.file;
    let a = span.idx;
    let b = span.idx;
    while (a > 0 && same(seq[a - 1])) a--;
    while (b + 1 < seq.length && same(seq[b + 1])) b++;
    return { start: seq[a].start, end: seq[b].end, file: span.row.file, line: span.row.line };
  }

  /**
   * Addresses of the is_stmt rows of `line` in `file` (a full path, a basename or a path
   * suffix). If the line has no code, the next line of the file that has some is used, and
   * reported in `line`. Fails if the line table is corrupt, no file matches or no code follows
   * the line.
   */
  addressesOf(file: string, line: number): LineAddresses {
    const fail = (error: string, files: readonly string[] = []): LineAddresses => ({
      ok: false,
      error,
      files,
      requestedLine: line,
      line,
      addresses: [],
    });
    if (this.lineError !== null) return fail(`no line table: ${this.lineError}`);
    const files = this.matchFiles(file);
    if (files.length === 0) return fail(`no source file in the line table matches "${file}"`);
    let best = Infinity;
    for (const f of files) {
      for (const l of this.stmts.get(f)!.keys()) if (l >= line && l < best) best = l;
    }
    if (best === Infinity) return fail(`${files.join(', ')} has no code at or after line ${line}`, files);
    const set = new Set<number>();
    for (const f of files) for (const a of this.stmts.get(f)!.get(best) ?? []) set.add(a);
    const addresses = [...set].sort((a, b) => a - b);
    return { ok: true, files, requestedLine: line, line: best, addresses };
  }

  /**
   * The lines of `file` (matched as in {@link addressesOf}) that have code, each with its
   * lowest statement address, by line; null when no file of the line table matches.
   */
  linesOf(file: string): { file: string; lines: { line: number; address: number }[] } | null {
    const files = this.matchFiles(file);
    if (files.length === 0) return null;
    const first = new Map<number, number>();
    for (const f of files) {
      for (const [line, addrs] of this.stmts.get(f)!) {
        const low = Math.min(...addrs);
        first.set(line, Math.min(first.get(line) ?? Infinity, low));
      }
    }
    const lines = [...first].map(([line, address]) => ({ line, address })).sort((a, b) => a.line - b.line);
    return { file: files[0], lines };
  }

  /**
   * Defined symbols (functions, objects, labels) whose name is `name`, then those that start
   * with it, at most `max`, each with its source line when the line table covers it.
   */
  findSymbols(
    name: string,
    max = 256,
  ): {
    name: string;
    address: number;
    size: number;
    kind: 'function' | 'object' | 'other';
    file?: string;
    line?: number;
  }[] {
    const defined = this.image.symbols.filter(
      (s) => s.name.startsWith(name) && !s.name.startsWith('$') && s.shndx !== SHN_UNDEF && s.shndx < 0xff00,
    );
    defined.sort((a, b) => Number(b.name === name) - Number(a.name === name) || (a.name < b.name ? -1 : 1));
    const seen = new Set<string>();
    const out: ReturnType<DebugInfo['findSymbols']> = [];
    for (const s of defined) {
      const key = `${s.name}@${s.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const kind = s.type === 'FUNC' ? 'function' : s.type === 'OBJECT' ? 'object' : 'other';
      const loc = kind === 'function' ? this.lineOf(s.value) : null;
      out.push({
        name: s.name,
        address: s.value,
        size: s.size,
        kind,
        ...(loc ? { file: loc.file, line: loc.line } : {}),
      });
      if (out.length >= max) break;
    }
    return out;
  }

  /** Every source file with code in the line table (normalised paths), sorted. */
  files(): string[] {
    return [...this.stmts.keys()].sort();
  }

  // ------------------------------------------------------------- private --

  private spanAt(pc: number): LineSpan | null {
    pc >>>= 0;
    for (let i = upperBoundBy(this.spans, pc, (s) => s.start) - 1; i >= 0 && this.spanMaxEnd[i] > pc; i--) {
      if (pc < this.spans[i].end) return this.spans[i];
    }
    return null;
  }

  /** Splits rows into sequences, keeps those in executable sections, builds the indexes. */
  private indexLines(table: LineTable): void {
    const execRanges = this.image.sections
      .filter((s) => s.flags & SHF_EXECINSTR && s.size > 0)
      .map((s) => ({ start: s.addr, end: s.addr + s.size }));
    const inCode = (a: number): boolean => execRanges.length === 0 || execRanges.some((r) => a >= r.start && a < r.end);
    let seqRows: LineRow[] = [];
    for (const row of table.rows) {
      if (!row.endSequence) {
        seqRows.push(row);
        continue;
      }
      const rows = seqRows;
      seqRows = [];
      if (rows.length === 0 || !inCode(rows[0].address)) continue;
      const seq = this.sequences.length;
      const spans: LineSpan[] = [];
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        if (!this.stmts.has(r.file)) this.stmts.set(r.file, new Map());
        if (r.isStmt) {
          const byLine = this.stmts.get(r.file)!;
          if (!byLine.has(r.line)) byLine.set(r.line, new Set());
          byLine.get(r.line)!.add(r.address);
        }
        const end = i + 1 < rows.length ? rows[i + 1].address : row.address;
        // Rows sharing an address: the last one wins (the others cover nothing).
        if (end > r.address) spans.push({ start: r.address, end, row: r, seq, idx: spans.length });
      }
      this.sequences.push(spans);
      this.spans.push(...spans);
    }
    this.spans.sort((a, b) => a.start - b.start || a.seq - b.seq);
    this.spanMaxEnd.push(...prefixMax(this.spans.map((s) => s.end)));
  }

  /** The files `query` names (see the module comment), best matches only. */
  private matchFiles(query: string): string[] {
    const q = components(query);
    if (q.length === 0) return [];
    let best = 0;
    let out: string[] = [];
    for (const f of this.stmts.keys()) {
      const c = components(f);
      const n = Math.min(c.length, q.length);
      let k = 0;
      while (k < n && c[c.length - 1 - k] === q[q.length - 1 - k]) k++;
      if (k < n) continue; // Neither path ends with the other.
      if (k > best) {
        best = k;
        out = [f];
      } else if (k === best) out.push(f);
    }
    return out.sort();
  }
}

/** Path components without the root, "." and leading ".." (what a suffix match compares). */
function components(p: string): string[] {
  const parts = normalizePath(p.replace(/\\/g, '/')).split('/');
  let i = 0;
  while (i < parts.length && (parts[i] === '' || parts[i] === '..' || parts[i] === '.')) i++;
  return parts.slice(i);
}

function prefixMax(a: readonly number[]): number[] {
  const out: number[] = [];
  let m = -Infinity;
  for (const v of a) out.push((m = Math.max(m, v)));
  return out;
}

/** Index of the first element of `a` (sorted by `key`) whose key is greater than `x`. */
function upperBoundBy<T>(a: readonly T[], x: number, key: (t: T) => number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(a[mid]) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: readonly number[], x: number): number {
  return upperBoundBy(a, x, (v) => v);
}
