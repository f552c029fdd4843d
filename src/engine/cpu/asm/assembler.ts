/**
 * The assembler's driver: directives, sections, symbols, the two passes and the ELF output.
 *
 * Pass 1 walks the statements once, defines labels at section offsets and turns every
 * statement into chunks of known size (instructions, data, padding). A chunk whose bytes depend
 * only on values known at that point (registers, constants, `.equ` symbols defined earlier,
 * differences of labels already placed) is encoded immediately; the others keep a closure.
 * Sections are then placed, and pass 2 runs the closures with every label's final address.
 * Sizes never change after pass 1, so no iteration is needed:
 * - `li` with a value not known in pass 1 is always lui+addi (8 bytes);
 * - branches and jumps are never relaxed or compressed automatically.
 *
 * Compression policy: by default nothing is compressed (explicit `c.` mnemonics are always
 * honoured). After `.option rvc`, an instruction whose operands are all known in pass 1
 * (registers and constant immediates, not pc-relative targets) is emitted in compressed form
 * when one exists, choosing the first matching compressed row of the table as gas does;
 * `.option norvc` turns this off again.
 *
 * Layout: `.text` sections at `textBase` (default 0x80000000), then `.rodata`, `.data` and
 * `.bss` sections, each group starting on a 4 KiB page (`.data` at `dataBase` if given).
 * Sections of other names join a group by prefix (`.text.*`, `.sdata`, ...) or by flags.
 * The ELF has one PT_LOAD segment per non-empty section and every label in `.symtab`, except
 * numeric local labels and `.L` labels (as gas). Entry: `_start` if defined, else textBase.
 */
import { writeElf, type ElfWriterSection, type ElfWriterSegment, type ElfWriterSymbol } from '../elf_writer';
import { PF_R, PF_W, PF_X } from '../elf';
import { OPCODE_BY_NAME } from '../opcodes';
import {
  applyImm,
  encodeReq,
  isColError,
  OperandParser,
  parseRowOperands,
  tryCompress,
  type ColError,
  type InsnEnv,
  type InsnReq,
} from './encode';
import { evaluate, hi20, isExprError, lo12, type EvalEnv, type Expr, type Value } from './expr';
import { lex } from './lexer';
import { parseStatements, type Operand, type Statement } from './parser';
import { PSEUDOS } from './pseudo';

/** Options of `assemble`. */
export interface AsmOptions {
  /** Address of the first `.text` section (default 0x80000000). */
  textBase?: number;
  /** Address of the first `.data` section (default: the page after `.rodata`). */
  dataBase?: number;
  /** Source file name, copied into error messages. */
  fileName?: string;
}

/** An error with its 1-based line and column. */
export interface AsmError {
  line: number;
  column: number;
  message: string;
  file?: string;
}

export type SectionKind = 'text' | 'rodata' | 'data' | 'bss';

/** An output section. */
export interface AsmSection {
  name: string;
  kind: SectionKind;
  addr: number;
  size: number;
  align: number;
  /** The bytes (empty for `.bss`). */
  data: Uint8Array;
}

/** A symbol as written to `.symtab`. */
export interface AsmSymbol {
  name: string;
  value: number;
  size: number;
  type: 'NOTYPE' | 'FUNC' | 'OBJECT';
  bind: 'LOCAL' | 'GLOBAL' | 'WEAK';
  /** Section name, or null for absolute symbols (`.equ`). */
  section: string | null;
}

/** Which source line produced which bytes. */
export interface LineEntry {
  line: number;
  addr: number;
  size: number;
}

export type AsmResult =
  | {
      ok: true;
      /** The ELF32 executable. */
      elf: Uint8Array;
      entry: number;
      /** Every named symbol (labels and `.equ`) and its value; numeric local labels excluded. */
      symbols: Map<string, number>;
      /** The symbols written to `.symtab`. */
      symbolTable: AsmSymbol[];
      /** Sections in address order, empty ones included. */
      sections: AsmSection[];
      /** Source line -> address of its first byte. */
      lines: Map<number, number>;
      /** Every line's address ranges, in address order. */
      lineTable: LineEntry[];
    }
  | { ok: false; errors: AsmError[] };

/** Formats an error as `file:line:column: message` (the file part only when known). */
export function formatAsmError(e: AsmError): string {
  return `${e.file ? `${e.file}:` : ''}${e.line}:${e.column}: ${e.message}`;
}

// ------------------------------------------------------------- internals --

/** Bytes of a section: fixed `bytes`, an `emit` closure for pass 2, or neither for zeros. */
interface Chunk {
  off: number;
  size: number;
  line: number;
  stmt: number;
  bytes?: number[];
  emit?: (pc: number) => number[] | ColError;
}

interface Section {
  name: string;
  kind: SectionKind;
  code: boolean;
  size: number;
  align: number;
  chunks: Chunk[];
  addr: number;
  data: Uint8Array;
}

interface LabelDef {
  sec: Section;
  off: number;
  line: number;
  col: number;
  local: boolean;
}

interface EquDef {
  stmt: number;
  expr: Expr;
  sec: Section;
  off: number;
}

interface SymInfo {
  bind?: 'LOCAL' | 'GLOBAL' | 'WEAK';
  type?: 'NOTYPE' | 'FUNC' | 'OBJECT';
  size?: { expr: Expr; stmt: number; sec: Section; off: number; line: number };
}

const PAGE = 4096;
/** Largest size or count a directive may ask for: more is surely a mistake. */
const MAX_SIZE = 0x1000_0000;
const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;
const NOP = [0x13, 0x00, 0x00, 0x00];
const C_NOP = [0x01, 0x00];
const le = (v: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => Number((BigInt(Math.trunc(v)) >> BigInt(8 * i)) & 0xffn));

const DATA_SIZES: Record<string, number> = {
  '.byte': 1,
  '.half': 2,
  '.short': 2,
  '.2byte': 2,
  '.hword': 2,
  '.word': 4,
  '.long': 4,
  '.int': 4,
  '.4byte': 4,
  '.dword': 8,
  '.quad': 8,
  '.8byte': 8,
};

/** Directives accepted and ignored: they only matter to debuggers or linkers. */
const IGNORED = new Set([
  '.file',
  '.ident',
  '.attribute',
  '.loc',
  '.hidden',
  '.protected',
  '.internal',
  '.addrsig',
  '.addrsig_sym',
  '.variant_cc',
]);

function kindOf(name: string, flags: string | null, nobits: boolean): SectionKind {
  if (/^\.(s|t)?bss(\.|$)/.test(name) || nobits) return 'bss';
  if (/^\.text(\.|$)/.test(name) || /^\.init$|^\.fini$/.test(name)) return 'text';
  if (/^\.s?rodata(\.|$)/.test(name)) return 'rodata';
  if (/^\.s?data(\.|$)|^\.tdata(\.|$)/.test(name)) return 'data';
  if (flags?.includes('x')) return 'text';
  if (flags?.includes('w')) return 'data';
  return flags === null ? 'data' : 'rodata';
}

class Assembler {
  private readonly errors: AsmError[] = [];
  private readonly sections = new Map<string, Section>();
  private cur!: Section;
  private previous: Section | null = null;
  private readonly sectionStack: Section[] = [];
  private rvc = false;
  private readonly optionStack: boolean[] = [];
  private readonly labels = new Map<string, LabelDef>();
  private readonly equs = new Map<string, EquDef[]>();
  private readonly info = new Map<string, SymInfo>();
  /** %pcrel_hi uses by section and offset, so %pcrel_lo can find its auipc. */
  private readonly pcrelHi: { sec: Section; off: number; stmt: number; expr: Expr }[] = [];
  private readonly hiByAddr = new Map<number, { stmt: number; expr: Expr }>();
  private stmt = 0;
  private line = 0;
  private readonly p: OperandParser;

  constructor(private readonly opts: AsmOptions) {
    this.switchTo('.text', null, false);
    this.p = new OperandParser((e) => this.known(e));
  }

  // ---------------------------------------------------------------- errors

  private error(col: number, message: string, line = this.line): void {
    const e: AsmError = { line, column: col, message };
    if (this.opts.fileName) e.file = this.opts.fileName;
    this.errors.push(e);
  }

  // -------------------------------------------------------------- sections

  private switchTo(name: string, flags: string | null, nobits: boolean): void {
    let s = this.sections.get(name);
    if (!s) {
      const kind = kindOf(name, flags, nobits);
      s = { name, kind, code: kind === 'text', size: 0, align: 1, chunks: [], addr: 0, data: new Uint8Array(0) };
      this.sections.set(name, s);
    }
    if (this.cur && this.cur !== s) this.previous = this.cur;
    this.cur = s;
  }

  private addChunk(size: number, bytes?: number[], emit?: (pc: number) => number[] | ColError): void {
    const c: Chunk = { off: this.cur.size, size, line: this.line, stmt: this.stmt };
    if (bytes) c.bytes = bytes;
    if (emit) c.emit = emit;
    if (this.cur.kind === 'bss' && bytes && bytes.some((b) => b !== 0)) {
      this.error(1, `non-zero data in ${this.cur.name}`);
      return;
    }
    this.cur.chunks.push(c);
    this.cur.size += size;
  }

  // ------------------------------------------------------------ evaluation

  /** The pass-1 environment: labels are section offsets, later labels unknown. */
  private pass1Env(stmt: number, dot: Value, guard: Set<string>): EvalEnv {
    return {
      symbol: (name, display, col) => {
        const l = this.labels.get(name);
        if (l) return { v: l.off, sec: l.sec.name };
        const defs = this.equs.get(name);
        if (!defs) return undefined;
        const def = [...defs].reverse().find((d) => d.stmt < stmt);
        if (!def) return undefined;
        const key = `${name}@${def.stmt}`;
        if (guard.has(key)) return { col, message: `symbol '${display}' is defined in terms of itself` };
        guard.add(key);
        const v = evaluate(def.expr, this.pass1Env(def.stmt, { v: def.off, sec: def.sec.name }, guard));
        guard.delete(key);
        return v;
      },
      dot: () => dot,
      modifier: () => undefined,
    };
  }

  /** Value of `e` at the current statement in pass 1: a number, unknown, or an error. */
  private known(e: Expr): number | undefined | ColError {
    const v = evaluate(e, this.pass1Env(this.stmt + 0.5, { v: this.cur.size, sec: this.cur.name }, new Set()));
    if (v === undefined || isExprError(v)) return v;
    return v.sec === null ? v.v : undefined;
  }

  /** The pass-2 environment at statement `stmt` and address `pc`. */
  private pass2Env(stmt: number, pc: number, guard: Set<string>): EvalEnv {
    const env: EvalEnv = {
      symbol: (name, display, col) => {
        const l = this.labels.get(name);
        if (l) return { v: l.sec.addr + l.off, sec: null };
        const defs = this.equs.get(name);
        if (!defs) return { col, message: `undefined symbol '${display}'` };
        const def = [...defs].reverse().find((d) => d.stmt < stmt) ?? defs[0];
        const key = `${name}@${def.stmt}`;
        if (guard.has(key)) return { col, message: `symbol '${display}' is defined in terms of itself` };
        guard.add(key);
        const v = evaluate(def.expr, this.pass2Env(def.stmt, def.sec.addr + def.off, guard));
        guard.delete(key);
        return v;
      },
      dot: () => ({ v: pc, sec: null }),
      modifier: (m, inner, col) => {
        const x = evaluate(inner, env);
        if (x === undefined || isExprError(x)) return x;
        if (m === 'pcrel_hi') return { v: hi20((x.v - pc) | 0), sec: null };
        const rec = this.hiByAddr.get(x.v >>> 0);
        if (!rec)
          return {
            col,
            message: `%pcrel_lo needs the label of an auipc with %pcrel_hi; none at 0x${(x.v >>> 0).toString(16)}`,
          };
        const t = evaluate(rec.expr, this.pass2Env(rec.stmt, x.v, guard));
        if (t === undefined || isExprError(t)) return t;
        return { v: lo12((t.v - x.v) | 0), sec: null };
      },
    };
    return env;
  }

  private value2(e: Expr, stmt: number, pc: number): number | ColError {
    const v = evaluate(e, this.pass2Env(stmt, pc, new Set()));
    if (v === undefined) return { col: e.col, message: 'value is not known' };
    if (isExprError(v)) return v;
    return v.v;
  }

  // ------------------------------------------------------------ statements

  run(source: string): AsmResult {
    const lexed = lex(source);
    for (const e of lexed.errors) this.error(e.column, e.message, e.line);
    const parsed = parseStatements(lexed.statements);
    for (const e of parsed.errors) this.error(e.column, e.message, e.line);
    for (const [i, s] of parsed.statements.entries()) {
      this.stmt = i;
      this.line = s.line;
      if (this.statement(s) === 'end') break;
    }
    this.layout();
    this.pass2();
    if (this.errors.length > 0) return this.failed();
    return this.output();
  }

  private failed(): AsmResult {
    const errors = [...this.errors].sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, errors };
  }

  private statement(s: Statement): 'end' | void {
    for (const l of s.labels) this.defineLabel(l.name, l.display, l.col, l.local);
    const b = s.body;
    if (!b) return;
    if (b.kind === 'assign') return this.defineEqu(b.name, b.col, b.value, false);
    if (b.kind === 'directive') return this.directive(b.name, b.col, b.operands);
    this.instruction(b.name, b.col, b.operands);
  }

  private defined(name: string): boolean {
    return this.labels.has(name) || this.equs.has(name);
  }

  private defineLabel(name: string, display: string, col: number, local: boolean): void {
    if (this.defined(name)) {
      const prev = this.labels.get(name);
      this.error(col, `symbol '${display}' is already defined${prev ? ` (line ${prev.line})` : ''}`);
      return;
    }
    this.labels.set(name, { sec: this.cur, off: this.cur.size, line: this.line, col, local });
  }

  private defineEqu(name: string, col: number, value: Operand, once: boolean): void {
    if (this.labels.has(name) || (once && this.equs.has(name))) {
      this.error(col, `symbol '${name}' is already defined`);
      return;
    }
    const e = this.p.expr(value);
    if (isColError(e)) return this.error(e.col, e.message);
    const defs = this.equs.get(name) ?? [];
    defs.push({ stmt: this.stmt, expr: e, sec: this.cur, off: this.cur.size });
    this.equs.set(name, defs);
  }

  // ----------------------------------------------------------- instructions

  private instruction(mnemonic: string, col: number, ops: Operand[]): void {
    let base = mnemonic;
    let aux = 0;
    const amo = /^(.*)\.(aq|rl|aqrl)$/.exec(mnemonic);
    if (amo && OPCODE_BY_NAME.get(amo[1])?.fmt === 'AMO') {
      base = amo[1];
      aux = { aq: 2, rl: 1, aqrl: 3 }[amo[2] as 'aq' | 'rl' | 'aqrl'];
    }
    let reqs: InsnReq[] | ColError | null = null;
    const pseudo = PSEUDOS.get(mnemonic);
    if (pseudo) reqs = pseudo(ops, { mnemonic, col, rvc: this.rvc, p: this.p });
    if (reqs === null) {
      const row = OPCODE_BY_NAME.get(base);
      if (!row) return this.error(col, `unknown instruction '${mnemonic}'`);
      const r = parseRowOperands(row, mnemonic, col, ops, this.p, aux);
      reqs = isColError(r) ? r : [r];
    }
    if (isColError(reqs)) return this.error(reqs.col, reqs.message);
    if (this.cur.kind === 'bss') return this.error(col, `instructions are not allowed in ${this.cur.name}`);
    for (const req of reqs) this.plan(req);
  }

  /** Pass 1 for one instruction: encode now if everything is known, else defer. */
  private plan(req: InsnReq): void {
    if (req.raw) {
      this.addChunk(req.raw.len, le(req.raw.word, req.raw.len));
      return;
    }
    const row = req.row;
    const imm = req.imm;
    if (imm?.kind === 'expr') {
      const hi = findModifier(imm.e, 'pcrel_hi');
      if (hi) this.pcrelHi.push({ sec: this.cur, off: this.cur.size, stmt: this.stmt, expr: hi });
    }
    let fields = imm ? undefined : req.fields;
    if (imm?.kind === 'expr' && imm.mode !== 'target') {
      const v = this.known(imm.e);
      if (isColError(v)) return this.error(v.col, v.message);
      if (v !== undefined) {
        const f = applyImm(req, v, 0);
        if (isColError(f)) return this.error(f.col, f.message);
        fields = f;
      }
    }
    if (fields) {
      const w = encodeReq(req, fields);
      if (isColError(w)) return this.error(w.col, w.message);
      const c = this.rvc && req.compress ? tryCompress(row, w) : null;
      if (c) this.addChunk(2, le(c.word, 2));
      else this.addChunk(row.len, le(w, row.len));
      return;
    }
    const stmt = this.stmt;
    this.addChunk(row.len, undefined, (pc) => {
      const env: InsnEnv = { pc, value: (e) => this.value2(e, stmt, pc) };
      const v = imm!.kind === 'fn' ? imm!.fn(env) : env.value(imm!.e);
      if (isColError(v)) return v;
      const f = applyImm(req, v, pc);
      if (isColError(f)) return f;
      const w = encodeReq(req, f);
      return isColError(w) ? w : le(w, row.len);
    });
  }

  // ------------------------------------------------------------ directives

  private directive(name: string, col: number, ops: Operand[]): 'end' | void {
    const p = this.p;
    const sizeOf = DATA_SIZES[name];
    if (sizeOf !== undefined) return this.data(name, sizeOf, ops);
    switch (name) {
      case '.text':
      case '.data':
      case '.bss':
      case '.rodata':
        return this.switchTo(name, null, false);
      case '.section':
      case '.pushsection': {
        const sec = this.sectionArgs(ops, col);
        if (!sec) return;
        if (name === '.pushsection') this.sectionStack.push(this.cur);
        return this.switchTo(sec.name, sec.flags, sec.nobits);
      }
      case '.popsection': {
        const s = this.sectionStack.pop();
        if (!s) return this.error(col, '.popsection without .pushsection');
        return this.switchTo(s.name, null, false);
      }
      case '.previous':
        if (this.previous) this.switchTo(this.previous.name, null, false);
        return;
      case '.globl':
      case '.global':
      case '.local':
      case '.weak':
        for (const op of ops) {
          const n = this.symbolName(op);
          if (n === null) continue;
          const bind = name === '.local' ? 'LOCAL' : name === '.weak' ? 'WEAK' : 'GLOBAL';
          this.symInfo(n).bind = bind;
        }
        return;
      case '.type': {
        if (ops.length !== 2) return this.error(col, '.type takes a symbol and a type (@function, @object)');
        const n = this.symbolName(ops[0]);
        if (n === null) return;
        const t = p
          .text(ops[1])
          .replace(/^[@%"]|"$/g, '')
          .toLowerCase();
        const type = {
          function: 'FUNC',
          stt_func: 'FUNC',
          object: 'OBJECT',
          stt_object: 'OBJECT',
          notype: 'NOTYPE',
          stt_notype: 'NOTYPE',
        }[t];
        if (!type) return this.error(ops[1].col, `unknown symbol type '${p.text(ops[1])}'`);
        this.symInfo(n).type = type as SymInfo['type'];
        return;
      }
      case '.size': {
        if (ops.length !== 2) return this.error(col, '.size takes a symbol and a size');
        const n = this.symbolName(ops[0]);
        if (n === null) return;
        const e = p.expr(ops[1]);
        if (isColError(e)) return this.error(e.col, e.message);
        this.symInfo(n).size = { expr: e, stmt: this.stmt, sec: this.cur, off: this.cur.size, line: this.line };
        return;
      }
      case '.equ':
      case '.set':
      case '.equiv': {
        if (ops.length !== 2) return this.error(col, `${name} takes a symbol and a value`);
        const n = this.symbolName(ops[0]);
        if (n === null) return;
        return this.defineEqu(n, ops[0].col, ops[1], name === '.equiv');
      }
      case '.ascii':
      case '.asciz':
      case '.string': {
        if (ops.length === 0) return this.error(col, `${name} needs a string`);
        for (const op of ops) {
          if (op.tokens.length !== 1 || op.tokens[0].kind !== 'str') {
            this.error(op.col, `expected a string, got '${p.text(op)}'`);
            continue;
          }
          const bytes = [...(op.tokens[0].bytes ?? [])];
          if (name !== '.ascii') bytes.push(0);
          this.addChunk(bytes.length, bytes);
        }
        return;
      }
      case '.zero':
      case '.space':
      case '.skip': {
        if (ops.length < 1 || ops.length > 2) return this.error(col, `${name} takes a size and an optional fill byte`);
        const n = this.constant(ops[0], name);
        const fill = ops.length === 2 ? this.constant(ops[1], name) : 0;
        if (n === null || fill === null) return;
        if (n < 0) return this.error(ops[0].col, `${name} size ${n} is negative`);
        this.addChunk(n, (fill & 0xff) === 0 ? undefined : new Array<number>(n).fill(fill & 0xff)); // zeros need no bytes
        return;
      }
      case '.fill': {
        if (ops.length < 1 || ops.length > 3) return this.error(col, '.fill takes repeat, size and value');
        const repeat = this.constant(ops[0], name);
        const size = ops.length > 1 ? this.constant(ops[1], name) : 1;
        const value = ops.length > 2 ? this.constant(ops[2], name) : 0;
        if (repeat === null || size === null || value === null) return;
        if (repeat < 0) return this.error(ops[0].col, `.fill repeat count ${repeat} is negative`);
        if (size < 0 || size > 8) return this.error(ops[1].col, `.fill size ${size} out of range [0, 8]`);
        const one = le(value & 0xffffffff, Math.min(size, 4)).concat(new Array<number>(Math.max(0, size - 4)).fill(0));
        if (repeat * size > MAX_SIZE) return this.error(ops[0].col, `.fill of ${repeat * size} bytes is too large`);
        this.addChunk(repeat * size, Array.from({ length: repeat }, () => one).flat());
        return;
      }
      case '.align':
      case '.p2align':
      case '.balign':
        return this.align(name, col, ops);
      case '.option':
        return this.option(col, ops);
      case '.comm':
      case '.lcomm':
        return this.common(name, col, ops);
      case '.end':
        return 'end';
      case '.macro':
      case '.rept':
      case '.irp':
      case '.if':
      case '.include':
      case '.org':
      case '.insn':
        return this.error(col, `unsupported directive '${name}'`);
      default:
        if (IGNORED.has(name) || name.startsWith('.cfi_')) return;
        return this.error(col, `unknown directive '${name}'`);
    }
  }

  private symInfo(name: string): SymInfo {
    let i = this.info.get(name);
    if (!i) this.info.set(name, (i = {}));
    return i;
  }

  private symbolName(op: Operand): string | null {
    if (op.tokens.length === 1 && op.tokens[0].kind === 'ident') return op.tokens[0].text;
    this.error(op.col, `expected a symbol name, got '${this.p.text(op)}'`);
    return null;
  }

  /** A pass-1 constant for a size or count (at most 256 MiB of bytes). */
  private constant(op: Operand, what: string): number | null {
    const e = this.p.expr(op);
    if (isColError(e)) {
      this.error(e.col, e.message);
      return null;
    }
    const v = this.known(e);
    if (isColError(v)) {
      this.error(v.col, v.message);
      return null;
    }
    if (v === undefined) {
      this.error(op.col, `${what} needs a constant (symbols must be defined before use)`);
      return null;
    }
    if (Math.abs(v) > MAX_SIZE) {
      this.error(op.col, `${what} value ${v} is too large`);
      return null;
    }
    return v;
  }

  private sectionArgs(ops: Operand[], col: number): { name: string; flags: string | null; nobits: boolean } | null {
    if (ops.length === 0) {
      this.error(col, '.section needs a name');
      return null;
    }
    const nameOp = ops[0];
    const t = nameOp.tokens;
    let name: string;
    if (t.length === 1 && t[0].kind === 'str') name = String.fromCharCode(...(t[0].bytes ?? []));
    else if (
      t.length > 0 &&
      t.every((x) => x.kind === 'ident' || x.kind === 'num' || (x.kind === 'punct' && x.text === '-'))
    ) {
      name = t.map((x) => x.text).join('');
    } else {
      this.error(nameOp.col, `bad section name '${this.p.text(nameOp)}'`);
      return null;
    }
    let flags: string | null = null;
    let nobits = false;
    if (ops.length > 1) {
      const f = ops[1].tokens;
      if (f.length !== 1 || f[0].kind !== 'str') {
        this.error(ops[1].col, `expected section flags in quotes, like "ax"`);
        return null;
      }
      flags = String.fromCharCode(...(f[0].bytes ?? []));
    }
    if (ops.length > 2) nobits = /nobits/.test(this.p.text(ops[2]));
    return { name, flags, nobits };
  }

  private data(name: string, size: number, ops: Operand[]): void {
    if (ops.length === 0) return;
    const lo = -(2 ** (size * 8 - 1));
    const hi = 2 ** (size * 8) - 1;
    const check = (v: number, col: number): number[] | ColError =>
      size < 8 && (v < lo || v > hi)
        ? { col, message: `value ${v} out of range [${lo}, ${hi}] for ${name}` }
        : le(v, size);
    for (const op of ops) {
      const e = this.p.expr(op);
      if (isColError(e)) {
        this.error(e.col, e.message);
        continue;
      }
      const v = this.known(e);
      if (isColError(v)) {
        this.error(v.col, v.message);
        continue;
      }
      if (v !== undefined) {
        const b = check(v, op.col);
        if (isColError(b)) this.error(b.col, b.message);
        else this.addChunk(size, b);
        continue;
      }
      const stmt = this.stmt;
      const bss = this.cur.kind === 'bss' ? this.cur.name : null;
      this.addChunk(size, undefined, (pc) => {
        const x = this.value2(e, stmt, pc);
        if (isColError(x)) return x;
        if (bss && x !== 0) return { col: op.col, message: `non-zero data in ${bss}` };
        return check(x, op.col);
      });
    }
  }

  private align(name: string, col: number, ops: Operand[]): void {
    if (ops.length < 1 || ops.length > 3)
      return this.error(col, `${name} takes an alignment, an optional fill and an optional limit`);
    const n = this.constant(ops[0], name);
    if (n === null) return;
    let bytes: number;
    if (name === '.balign') {
      if (n <= 0 || (n & (n - 1)) !== 0) return this.error(ops[0].col, `alignment ${n} is not a power of two`);
      bytes = n;
    } else {
      if (n < 0 || n > 16) return this.error(ops[0].col, `alignment 2^${n} out of range [0, 16]`);
      bytes = 2 ** n;
    }
    const hasFill = ops.length > 1 && ops[1].tokens.length > 0;
    const fill = hasFill ? this.constant(ops[1], name) : 0;
    const max = ops.length > 2 ? this.constant(ops[2], name) : null;
    if (fill === null || (ops.length > 2 && max === null)) return;
    const pad = (bytes - (this.cur.size % bytes)) % bytes;
    if (max !== null && pad > max) return;
    this.cur.align = Math.max(this.cur.align, bytes);
    if (pad === 0) return;
    this.addChunk(pad, hasFill || !this.cur.code ? new Array<number>(pad).fill(fill & 0xff) : nopFill(pad));
  }

  private option(col: number, ops: Operand[]): void {
    if (ops.length === 0) return this.error(col, '.option needs an argument');
    const what = this.p.text(ops[0]);
    switch (what) {
      case 'rvc':
        this.rvc = true;
        return;
      case 'norvc':
        this.rvc = false;
        return;
      case 'push':
        this.optionStack.push(this.rvc);
        return;
      case 'pop': {
        const v = this.optionStack.pop();
        if (v === undefined) return this.error(col, '.option pop without .option push');
        this.rvc = v;
        return;
      }
      case 'relax':
      case 'norelax':
      case 'pic':
      case 'nopic':
      case 'arch':
      case 'csr-check':
      case 'no-csr-check':
        return;
      default:
        return this.error(ops[0].col, `unknown .option '${what}'`);
    }
  }

  /** `.comm name, size[, align]` and `.lcomm`: space in .bss. */
  private common(name: string, col: number, ops: Operand[]): void {
    if (ops.length < 2 || ops.length > 3)
      return this.error(col, `${name} takes a symbol, a size and an optional alignment`);
    const sym = this.symbolName(ops[0]);
    const size = this.constant(ops[1], name);
    const al = ops.length > 2 ? this.constant(ops[2], name) : 4;
    if (sym === null || size === null || al === null) return;
    const back = this.cur;
    this.switchTo('.bss', null, false);
    const pad = (al - (this.cur.size % al)) % al;
    if (pad) this.addChunk(pad);
    this.cur.align = Math.max(this.cur.align, al);
    this.defineLabel(sym, sym, ops[0].col, false);
    this.addChunk(size);
    if (name === '.comm') this.symInfo(sym).bind ??= 'GLOBAL';
    this.symInfo(sym).type ??= 'OBJECT';
    this.switchTo(back.name, null, false);
  }

  // ---------------------------------------------------------------- layout

  private ordered(): Section[] {
    const order: SectionKind[] = ['text', 'rodata', 'data', 'bss'];
    return order.flatMap((k) => [...this.sections.values()].filter((s) => s.kind === k));
  }

  private layout(): void {
    let addr = (this.opts.textBase ?? 0x8000_0000) >>> 0;
    let kind: SectionKind = 'text';
    for (const s of this.ordered()) {
      if (s.kind !== kind) {
        kind = s.kind;
        addr = kind === 'data' && this.opts.dataBase !== undefined ? this.opts.dataBase >>> 0 : alignUp(addr, PAGE);
      }
      addr = alignUp(addr, s.align);
      s.addr = addr;
      addr += s.size;
      if (addr > 0x1_0000_0000)
        this.error(1, `section ${s.name} ends at 0x${addr.toString(16)}, past the 32-bit address space`, 1);
    }
    for (const h of this.pcrelHi) this.hiByAddr.set((h.sec.addr + h.off) >>> 0, { stmt: h.stmt, expr: h.expr });
  }

  private pass2(): void {
    for (const s of this.sections.values()) {
      if (s.kind === 'bss') continue;
      s.data = new Uint8Array(s.size);
      for (const c of s.chunks) {
        let bytes = c.bytes;
        if (c.emit) {
          const r = c.emit((s.addr + c.off) >>> 0);
          if (isColError(r)) {
            this.error(r.col, r.message, c.line);
            continue;
          }
          bytes = r;
        }
        if (bytes) s.data.set(bytes, c.off);
      }
    }
    for (const s of this.sections.values()) {
      if (s.kind !== 'bss') continue;
      for (const c of s.chunks) {
        if (!c.emit) continue;
        const r = c.emit((s.addr + c.off) >>> 0);
        if (isColError(r)) this.error(r.col, r.message, c.line);
      }
    }
  }

  // ---------------------------------------------------------------- output

  private output(): AsmResult {
    const sections = this.ordered();
    const symbols = new Map<string, number>();
    const table: AsmSymbol[] = [];
    const emitted = (s: Section): boolean => s.size > 0;
    const sizeOf = (name: string): number => {
      const sz = this.info.get(name)?.size;
      if (!sz) return 0;
      const v = this.value2(sz.expr, sz.stmt, sz.sec.addr + sz.off);
      if (isColError(v)) {
        this.error(v.col, v.message, sz.line);
        return 0;
      }
      return v >>> 0;
    };
    for (const [name, l] of this.labels) {
      if (l.local) continue;
      const value = (l.sec.addr + l.off) >>> 0;
      symbols.set(name, value);
      if (name.startsWith('.L')) continue;
      const i = this.info.get(name) ?? {};
      table.push({
        name,
        value,
        size: sizeOf(name),
        type: i.type ?? 'NOTYPE',
        bind: i.bind ?? 'LOCAL',
        section: emitted(l.sec) ? l.sec.name : null,
      });
    }
    for (const [name, defs] of this.equs) {
      const d = defs[defs.length - 1];
      const v = this.value2({ k: 'sym', name, display: name, col: 1 }, d.stmt + 1, d.sec.addr + d.off);
      if (isColError(v)) {
        this.error(v.col, v.message, 1);
        continue;
      }
      symbols.set(name, v);
      if (name.startsWith('.L')) continue;
      const i = this.info.get(name) ?? {};
      table.push({
        name,
        value: v >>> 0,
        size: sizeOf(name),
        type: i.type ?? 'NOTYPE',
        bind: i.bind ?? 'LOCAL',
        section: null,
      });
    }
    if (this.errors.length > 0) return this.failed();

    // one PT_LOAD segment per non-empty section, holding that one section
    const segments: ElfWriterSegment[] = [];
    const elfSections: ElfWriterSection[] = [];
    const flags: Record<SectionKind, number> = { text: PF_R | PF_X, rodata: PF_R, data: PF_R | PF_W, bss: PF_R | PF_W };
    for (const s of sections) {
      if (s.size === 0) continue;
      const nobits = s.kind === 'bss';
      elfSections.push({ name: s.name, segment: segments.length, size: s.size, nobits, align: s.align });
      segments.push({
        vaddr: s.addr,
        flags: flags[s.kind],
        data: nobits ? new Uint8Array(0) : s.data,
        memsz: s.size,
        align: s.addr % PAGE === 0 ? PAGE : s.align,
      });
    }
    const textBase = (this.opts.textBase ?? 0x8000_0000) >>> 0;
    const entry = symbols.get('_start') ?? textBase;
    const elfSymbols: ElfWriterSymbol[] = table.map((s) => ({
      name: s.name,
      value: s.value,
      size: s.size,
      type: s.type,
      bind: s.bind,
      section: s.section ?? (this.labels.has(s.name) ? undefined : '*ABS*'),
    }));
    const elf = writeElf({ entry: entry >>> 0, segments, sections: elfSections, symbols: elfSymbols });
    if (!elf.ok) {
      this.error(1, `cannot write the ELF file: ${elf.error}`, 1);
      return this.failed();
    }

    const lineTable: LineEntry[] = [];
    for (const s of sections)
      for (const c of s.chunks)
        if (c.size > 0) lineTable.push({ line: c.line, addr: (s.addr + c.off) >>> 0, size: c.size });
    lineTable.sort((a, b) => a.addr - b.addr);
    const lines = new Map<number, number>();
    for (const e of lineTable) if (!lines.has(e.line) || lines.get(e.line)! > e.addr) lines.set(e.line, e.addr);
    return {
      ok: true,
      elf: elf.bytes,
      entry: entry >>> 0,
      symbols,
      symbolTable: table,
      sections: sections.map((s) => ({
        name: s.name,
        kind: s.kind,
        addr: s.addr >>> 0,
        size: s.size,
        align: s.align,
        data: s.data,
      })),
      lines,
      lineTable,
    };
  }
}

/** Code padding as gas makes it: a zero byte if odd, one c.nop if needed, then nops. */
function nopFill(pad: number): number[] {
  const out: number[] = [];
  if (pad % 2) out.push(0);
  if ((pad - out.length) % 4 === 2) out.push(...C_NOP);
  while (out.length < pad) out.push(...NOP);
  return out;
}

function findModifier(e: Expr, m: 'pcrel_hi'): Expr | null {
  switch (e.k) {
    case 'mod':
      return e.m === m ? e.e : findModifier(e.e, m);
    case 'un':
      return findModifier(e.e, m);
    case 'bin':
      return findModifier(e.l, m) ?? findModifier(e.r, m);
    default:
      return null;
  }
}

/**
 * Assembles RISC-V source (GNU as syntax, RV32IMAC + Zicsr + Zifencei + privileged) into an
 * ELF32 executable. Never throws: problems come back as errors with line and column.
 */
export function assemble(source: string, opts: AsmOptions = {}): AsmResult {
  try {
    return new Assembler(opts).run(source);
  } catch (e) {
    // a bug in the assembler, not in the source: still an error value for the caller
    const message = `internal assembler error: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, errors: [{ line: 1, column: 1, message, ...(opts.fileName ? { file: opts.fileName } : {}) }] };
  }
}
