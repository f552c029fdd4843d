/**
 * Call-stack unwinding for RV32 guest code built with -fno-omit-frame-pointer. Pure: it reads
 * guest memory through a callback and code through `DebugInfo.code` (or the same callback).
 *
 * gcc's frame (RV32, ilp32): s0 (fp) = CFA = sp at the function's entry; a function that calls
 * others saves ra at CFA-4 and the caller's s0 at CFA-8; a leaf saves only s0, at CFA-4; the
 * outermost frames (crt0's `_start`, `_thread_entry`) run with s0 = ra = 0.
 *
 * How one frame is unwound (the heuristic, in the order tried):
 * 1. Frame 0 only, with symbols: if the code from pc runs straight (no branch or call) to a
 *    `ret` or a tail jump out of the function, those instructions are executed symbolically
 *    (sp/s0 arithmetic, ra/s0 saves and restores) and the state at the `ret` is the caller's.
 *    This is exact in epilogues and in leaf functions, wherever the compiler put the restores.
 * 2. With symbols: the function is scanned from its first instruction up to its first call
 *    (at most 128 instructions, stepping over branches, jumps and returns, since gcc's
 *    shrink-wrapping may put the prologue after an early exit) for the sp decrement, the saves
 *    of ra and s0 and the `addi s0, sp, N` that sets the frame pointer. Such an instruction
 *    has run when pc cannot be reached from the function's entry without passing through it
 *    (a walk of the function's branches and jumps). Before the fp is set the CFA is sp plus
 *    what was allocated; ra and s0 not saved yet are still in their registers. So frame 0
 *    stopped in a prologue, on an early-exit path, or in a leaf that never saves ra takes its
 *    caller from `ra`. A caller frame (k >= 1) whose function has not saved ra cannot be
 *    unwound further (ra was clobbered by the call).
 * 3. Without symbols, or for a pc in no known function: the convention alone (CFA = s0,
 *    ra at CFA-4, caller's s0 at CFA-8). For frame 0 in a leaf or a prologue this misses the
 *    caller: pass a `DebugInfo` to get it right.
 *
 * The walk stops at a failed or misaligned memory read, or a return address of 0 (the frame
 * that would have followed is not listed); after a caller frame whose CFA is not above its
 * callee's (the stack grows down: a loop or garbage) or whose s0 is 0 (crt0's terminator)
 * (that frame is listed, nothing beyond it); or at `maxFrames` frames.
 */
import { extractFields, matchRow, Op } from '../cpu/opcodes';

/** The registers unwinding starts from (a stopped thread's pc, x2, x8 and x1). */
export interface UnwindRegs {
  readonly pc: number;
  readonly sp: number;
  /** s0 (x8). */
  readonly fp: number;
  readonly ra: number;
}

/** Reads the aligned 32-bit word at virtual address `va` of the thread's space, or null. */
export type Read32 = (va: number) => number | null;

/**
 * What the unwinder needs of a program's symbols; `DebugInfo` (symbols.ts) provides all of it.
 * Without `end` a function is taken to reach 64 KiB past its start; without `code` the
 * instructions are read through `read32`.
 */
export interface UnwindInfo {
  symbolize(addr: number): { readonly name: string; readonly offset: number; readonly end?: number } | null;
  lineOf?(pc: number): { readonly file: string; readonly line: number } | null;
  code?(addr: number, length: number): Uint8Array | null;
}

/** One frame of a call stack, innermost first. */
export interface Frame {
  /** Frame 0: where the thread stopped; callers: the return address. */
  readonly pc: number;
  /**
   * The frame's CFA: sp at the function's entry, which s0 holds once its prologue has run. For
   * a function without a frame (crt0's `_start`), and for the outermost frame (s0 = 0) when
   * there are no symbols, this is its sp.
   */
  readonly fp: number;
  /** sp in this frame (frame 0: the register; callers: the CFA of the frame they called). */
  readonly sp: number;
  /** The function containing pc (for callers, the call instruction before it), if known. */
  readonly function?: string;
  /** pc minus the function's start, if the function is known. */
  readonly offset?: number;
  /** The source line of pc (for callers, of the call instruction), if known. */
  readonly file?: string;
  readonly line?: number;
}

/** Walks the stack from `regs`: frame 0 is where the thread is, then its callers. */
export function unwind(regs: UnwindRegs, read32: Read32, info?: UnwindInfo | null, maxFrames = 64): Frame[] {
  const cx = new Context(read32, info ?? undefined);
  const frames: Frame[] = [];
  let r: Regs | null = { pc: regs.pc >>> 0, sp: regs.sp >>> 0, s0: regs.fp >>> 0, ra: regs.ra >>> 0 };
  let prevCfa = -1;
  while (r !== null && frames.length < maxFrames) {
    const first = frames.length === 0;
    const s = stepFrame(cx, r, first);
    frames.push(describe(cx.info, r, s.cfa, first));
    // A caller frame must lie above the one it called; crt0 ends the chain with s0 = 0.
    if (!first && (s.cfa <= prevCfa || r.s0 === 0)) break;
    const c = s.caller;
    if (c === null || c.pc === 0 || c.sp < r.sp) break;
    prevCfa = s.cfa;
    r = c;
  }
  return frames;
}

// ------------------------------------------------------------- internals --

const RA = 1;
const SP = 2;
const S0 = 8;
/** Prologue scans look at most this many instructions, epilogue runs half as many. */
const SCAN_LIMIT = 128;
/** Reachability walks give up (and assume the prologue ran) beyond this many instructions. */
const WALK_LIMIT = 20_000;

interface Regs {
  readonly pc: number;
  readonly sp: number;
  readonly s0: number;
  /** Only known in frame 0 (a call clobbers it). */
  readonly ra: number | null;
}

interface Step {
  /** The frame's CFA (best known value, even when the caller could not be found). */
  readonly cfa: number;
  readonly caller: Regs | null;
}

interface Insn {
  readonly op: Op;
  readonly rd: number;
  readonly rs1: number;
  readonly rs2: number;
  readonly imm: number;
  readonly len: number;
}

class Context {
  private readonly decoded = new Map<number, Insn | null>();

  constructor(
    private readonly read32: Read32,
    readonly info: UnwindInfo | undefined,
  ) {}

  /** The aligned stack word at `va`, or null. */
  word(va: number): number | null {
    if (va < 0 || va > 0xffff_fffc || va % 4 !== 0) return null;
    const v = this.read32(va);
    return v === null ? null : v >>> 0;
  }

  private half(va: number): number | null {
    if (va % 2 !== 0 || va < 0 || va > 0xffff_fffe) return null;
    const b = this.info?.code?.(va, 2);
    if (b) return b[0] | (b[1] << 8);
    const w = this.word(va - (va % 4));
    return w === null ? null : (w >>> ((va % 4) * 8)) & 0xffff;
  }

  /** The instruction at `va`, decoded (compressed forms expanded), or null. */
  insn(va: number): Insn | null {
    let i = this.decoded.get(va);
    if (i === undefined) this.decoded.set(va, (i = this.decode(va)));
    return i;
  }

  private decode(va: number): Insn | null {
    const lo = this.half(va);
    if (lo === null) return null;
    let word = lo;
    if ((lo & 3) === 3) {
      const hi = this.half(va + 2);
      if (hi === null) return null;
      word = (lo | (hi << 16)) >>> 0;
    }
    const row = matchRow(word);
    if (!row) return null;
    const f = extractFields(row.fmt, row.len === 2 ? word & 0xffff : word);
    return { op: row.op, rd: f.rd, rs1: f.rs1, rs2: f.rs2, imm: f.imm, len: row.len };
  }
}

/** The CFA of the frame at `r` and its caller's registers (null: cannot unwind further). */
function stepFrame(cx: Context, r: Regs, first: boolean): Step {
  const fn = functionAt(cx.info, first ? r.pc : r.pc - 1);
  if (fn) {
    if (first) {
      const e = runEpilogue(cx, r, fn.start, fn.end);
      if (e) return e;
    }
    const p = scanPrologue(cx, fn.start, fn.end);
    if (p) return applyPrologue(cx, r, p, fn.start, fn.end);
  }
  // The convention alone.
  const cfa = r.s0;
  if (cfa === 0) return { cfa: r.sp, caller: null };
  const ra = cx.word(cfa - 4);
  const s0 = cx.word(cfa - 8);
  return { cfa, caller: ra === null || s0 === null ? null : { pc: ra, sp: cfa, s0, ra: null } };
}

/** Where the function containing `addr` starts and ends, or null. */
function functionAt(info: UnwindInfo | undefined, addr: number): { start: number; end: number } | null {
  const s = info?.symbolize(addr) ?? null;
  if (!s) return null;
  const start = addr - s.offset;
  return { start, end: s.end ?? start + 0x1_0000 };
}

/** What a prologue does; offsets are from the CFA. */
interface Prologue {
  /** sp decrements (bytes allocated, positive) and where they are. */
  readonly allocs: { readonly at: number; readonly bytes: number }[];
  raSave: { readonly at: number; readonly off: number } | null;
  fpSave: { readonly at: number; readonly off: number } | null;
  /** `addi s0, sp, N`: from there on CFA = s0 + off. */
  fpSet: { readonly at: number; readonly off: number } | null;
}

const BRANCHES = new Set<Op>([Op.BEQ, Op.BNE, Op.BLT, Op.BGE, Op.BLTU, Op.BGEU]);
const STORES = new Set<Op>([Op.SB, Op.SH, Op.SW]);

/** Scans the prologue of the function at `start` (see the module comment); null if unreadable. */
function scanPrologue(cx: Context, start: number, end: number): Prologue | null {
  const p: Prologue = { allocs: [], raSave: null, fpSave: null, fpSet: null };
  let allocated = 0;
  /** Registers holding known constants (`li t0, -4096` before `add sp, sp, t0`). */
  const consts = new Map<number, number>();
  for (let a = start, n = 0; a < end && n < SCAN_LIMIT; n++) {
    const i = cx.insn(a);
    if (!i) return n === 0 ? null : p;
    if ((i.op === Op.JAL || i.op === Op.JALR) && i.rd !== 0) break; // A call: the prologue is done.
    let wrote = !STORES.has(i.op) && !BRANCHES.has(i.op) ? i.rd : 0;
    // Only decrements count: an increment is an epilogue (of an early exit), not a prologue.
    if (i.op === Op.ADDI && i.rd === SP && i.rs1 === SP) {
      if (i.imm < 0) {
        p.allocs.push({ at: a, bytes: -i.imm });
        allocated -= i.imm;
      }
      wrote = 0;
    } else if ((i.op === Op.ADD || i.op === Op.SUB) && i.rd === SP && i.rs1 === SP && consts.has(i.rs2)) {
      const delta = i.op === Op.ADD ? consts.get(i.rs2)! : -consts.get(i.rs2)!;
      if (delta < 0) {
        p.allocs.push({ at: a, bytes: -delta });
        allocated -= delta;
      }
      wrote = 0;
    } else if (i.op === Op.ADDI && i.rd === S0 && i.rs1 === SP && !p.fpSet) {
      // s0 = sp + imm = CFA - allocated + imm.
      p.fpSet = { at: a, off: allocated - i.imm };
    } else if (i.op === Op.SW && (i.rs2 === RA || i.rs2 === S0)) {
      let off: number | null = null;
      if (i.rs1 === SP) off = i.imm - allocated;
      else if (i.rs1 === S0 && p.fpSet) off = i.imm + p.fpSet.off;
      if (off !== null && i.rs2 === RA && !p.raSave) p.raSave = { at: a, off };
      // Once s0 is the frame pointer, a store of it is not the caller's s0.
      if (off !== null && i.rs2 === S0 && !p.fpSave && !p.fpSet) p.fpSave = { at: a, off };
    } else if (i.op === Op.ADDI && i.rs1 === 0) {
      consts.set(i.rd, i.imm);
      wrote = 0;
    } else if (i.op === Op.LUI) {
      consts.set(i.rd, i.imm);
      wrote = 0;
    } else if (i.op === Op.ADDI && i.rs1 === i.rd && consts.has(i.rd)) {
      consts.set(i.rd, (consts.get(i.rd)! + i.imm) | 0);
      wrote = 0;
    }
    if (wrote !== 0) consts.delete(wrote);
    a += i.len;
  }
  return p;
}

/** The caller of the frame at `r` given its function's prologue (only what ran before pc). */
function applyPrologue(cx: Context, r: Regs, p: Prologue, start: number, end: number): Step {
  const ran = (x: { at: number } | null): boolean => x !== null && !reachableAvoiding(cx, start, end, r.pc, x.at);
  let cfa: number;
  if (p.fpSet && ran(p.fpSet)) cfa = (r.s0 + p.fpSet.off) >>> 0;
  else cfa = (r.sp + p.allocs.filter(ran).reduce((n, x) => n + x.bytes, 0)) >>> 0;
  const ra = p.raSave && ran(p.raSave) ? cx.word(cfa + p.raSave.off) : r.ra;
  const s0 = p.fpSave && ran(p.fpSave) ? cx.word(cfa + p.fpSave.off) : r.s0;
  return { cfa, caller: ra === null || s0 === null ? null : { pc: ra, sp: cfa, s0, ra: null } };
}

/**
 * Whether `target` can be reached from the function's entry without executing the instruction
 * at `avoid` (true if `target` is `avoid` itself: it has not run yet). Follows fall-through,
 * branches and jumps inside [start, end); calls return, returns and indirect jumps end a path.
 */
function reachableAvoiding(cx: Context, start: number, end: number, target: number, avoid: number): boolean {
  if (target === avoid) return true;
  const seen = new Set<number>();
  const todo = [start];
  while (todo.length > 0) {
    const a = todo.pop()!;
    if (a === avoid || a < start || a >= end || seen.has(a)) continue;
    if (a === target) return true;
    if (seen.size >= WALK_LIMIT) return false;
    seen.add(a);
    const i = cx.insn(a);
    if (!i) continue;
    const next = a + i.len;
    if (BRANCHES.has(i.op)) todo.push(next, (a + i.imm) >>> 0);
    else if (i.op === Op.JAL) todo.push(i.rd === 0 ? (a + i.imm) >>> 0 : next);
    else if (i.op === Op.JALR) {
      if (i.rd !== 0) todo.push(next);
    } else todo.push(next);
  }
  return false;
}

/**
 * Frame 0: executes the code from pc symbolically if it reaches `ret` (or a tail jump out of
 * [start, end)) without a branch or call. Returns null if it does not, or does something this
 * cannot follow (a write to sp, s0 or ra from an unknown value).
 */
function runEpilogue(cx: Context, r: Regs, start: number, end: number): Step | null {
  let sp = r.sp;
  let s0 = r.s0;
  let ra: number | null = r.ra;
  let readFailed = false;
  /** Stack words stored on the way (the prologue of a leaf may save s0 and reload it). */
  const stored = new Map<number, number | null>();
  const load = (va: number): number | null => {
    if (stored.has(va)) return stored.get(va)!;
    const v = cx.word(va);
    if (v === null) readFailed = true;
    return v;
  };
  const reg = (n: number): number | null => (n === SP ? sp : n === S0 ? s0 : n === RA ? ra : n === 0 ? 0 : null);
  for (let a = r.pc, n = 0; a >= start && a < end && n < SCAN_LIMIT / 2; n++) {
    const i = cx.insn(a);
    if (!i) return null;
    if (i.op === Op.JALR && i.rd === 0 && i.rs1 === RA && i.imm === 0) {
      return ra === null ? { cfa: sp, caller: null } : { cfa: sp, caller: { pc: ra, sp, s0, ra: null } };
    }
    if (i.op === Op.JAL && i.rd === 0) {
      const target = (a + i.imm) >>> 0;
      if (target >= start && target < end) return null; // A jump inside the function: a loop.
      return ra === null ? { cfa: sp, caller: null } : { cfa: sp, caller: { pc: ra, sp, s0, ra: null } };
    }
    if (i.op === Op.JAL || i.op === Op.JALR || BRANCHES.has(i.op) || i.op === Op.EBREAK) return null;
    if (STORES.has(i.op)) {
      const base = reg(i.rs1);
      if (base === null) {
        if (i.rs1 === SP || i.rs1 === S0) return null;
      } else {
        const va = (base + i.imm) >>> 0;
        if (i.op === Op.SW && va % 4 === 0) stored.set(va, reg(i.rs2));
        else stored.set(va - (va % 4), null);
      }
    } else if (i.rd === SP || i.rd === S0 || i.rd === RA) {
      let v: number | null = null;
      if (i.op === Op.ADDI) {
        const base = reg(i.rs1);
        v = base === null ? null : (base + i.imm) >>> 0;
      } else if (i.op === Op.LW) {
        const base = reg(i.rs1);
        if (base === null) return null;
        v = load((base + i.imm) >>> 0);
        if (readFailed) return { cfa: sp, caller: null };
      }
      if (v === null) return null;
      if (i.rd === SP) sp = v;
      else if (i.rd === S0) s0 = v;
      else ra = v;
    }
    a += i.len;
  }
  return null;
}

function describe(info: UnwindInfo | undefined, r: Regs, cfa: number, first: boolean): Frame {
  // A return address may be the first byte after a call at the very end of a function (a
  // noreturn call): look up the call instruction instead.
  const at = first ? r.pc : r.pc - 1;
  const fn = info?.symbolize(at) ?? null;
  const loc = info?.lineOf?.(at) ?? null;
  return {
    pc: r.pc,
    fp: cfa,
    sp: r.sp,
    ...(fn ? { function: fn.name, offset: r.pc - (at - fn.offset) } : {}),
    ...(loc ? { file: loc.file, line: loc.line } : {}),
  };
}
