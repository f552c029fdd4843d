/**
 * Harness of our own ISA test suite: assembles a test program with our assembler, loads it
 * into a fresh bare-metal `Machine`, attaches HTIF on `tohost` and runs it with a cycle limit.
 *
 * A test program is assembly text that defines `main`. The harness prepends `PRELUDE`, which
 * owns `_start` and gives every program the same environment:
 * - all harts start in M-mode at `_start` (a0 = mhartid, as the boot ROM passes it), get a
 *   1 KiB stack (sp), mtvec = the default M-mode trap handler, stvec = the default S-mode one,
 *   mscratch/sscratch = per-hart save areas (reserved for those handlers), one PMP entry that
 *   grants S and U every access (our PMP denies S/U accesses that match no entry), and
 *   medeleg = mideleg = 0; then they jump to `main`;
 * - `j __pass` exits with code 0; `j __fail` exits with the test number held in gp (x3);
 * - the default trap handlers log every trap (cause, epc, tval, status, hartid, ip) into
 *   `trap_log` (M) or `strap_log` (S) and then resume: after the trapping instruction for
 *   exceptions, at `ra` for instruction fetch faults (so `jalr ra, 0(t0)` to a bad address
 *   returns like a failed call), and for interrupts with the interrupt's bit cleared in
 *   mie/sie (so it is not taken again). They read the trapping instruction at xepc physically,
 *   so code that traps must be identity-mapped. They clobber nothing but the CSRs they report.
 * - `TO_M` (li a7, -1; ecall; li a7, 0) from S or U continues at the next instruction in M-mode (the S
 *   handler forwards the request when U ecalls are delegated); it is not logged. `TO_M_EBREAK`
 *   does the same with EBREAK, for code that delegates ECALL from S.
 *
 * Our assembler has no `.macro`, so the helpers (`PASS`, `FAIL(n)`, `CHECK`, `ENTER`, ...) are
 * TypeScript functions that return code to interpolate into the program text.
 */
import { expect } from 'vitest';
import { assemble } from '../../src/engine/cpu/asm';
import { loadElf, parseElf } from '../../src/engine/cpu/elf';
import { ABI_NAMES } from '../../src/engine/cpu/disasm';
import { attachHtif } from '../../src/engine/cpu/htif';
import { PTE_A, PTE_D, PTE_G, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from '../../src/engine/cpu/mmu';
import { Machine, type MachineConfig, type StopReason } from '../../src/engine/cpu/machine';

// --------------------------------------------------------------- prelude --

/** Entries in each trap log; later traps are counted but not recorded. */
export const TRAP_LOG_ENTRIES = 32;
/** Bytes per trap log entry: cause, epc, tval, status, hartid, ip, 2 spare words. */
const TRAP_ENTRY = 32;

/** Emits one default trap handler for mode `x` ('m' or 's'). */
function handler(x: 'm' | 's'): string {
  const log = x === 'm' ? 'trap' : 'strap';
  const ret = x === 'm' ? 'mret' : 'sret';
  // Fetch faults: 0 misaligned, 1 access, 12 page fault. They resume at ra.
  return `
__${log}_entry:
  csrrw t0, ${x}scratch, t0        # t0 = save area, ${x}scratch = t0
  sw t1, 0(t0)
  sw t2, 4(t0)
  sw t3, 8(t0)
  li t1, -1
  bne a7, t1, 10f
  csrr t1, ${x}cause
  li t2, 3
  beq t1, t2, 12f                   # TO_M by ebreak (where ecalls are delegated)
  li t2, 8
  bltu t1, t2, 10f
  li t2, 12
  bgeu t1, t2, 10f
12:
${
  x === 'm'
    ? `  # TO_M from S or U: continue after the ecall, in M-mode
  li t1, 0x1800
  csrs mstatus, t1
  csrr t1, mepc
  addi t1, t1, 4
  csrw mepc, t1
  j 90f`
    : `  # TO_M from U with U ecalls delegated: ask M with a7 = -2, which returns after sepc
  lw t1, 0(t0)
  lw t2, 4(t0)
  lw t3, 8(t0)
  csrrw t0, sscratch, t0
  li a7, -2
  ecall`
}
10:
${
  x === 'm'
    ? `  li t1, -2
  bne a7, t1, 11f
  # forwarded TO_M from the S handler: continue after the U-mode ecall, in M-mode
  li a7, -1
  li t1, 0x1800
  csrs mstatus, t1
  csrr t1, sepc
  addi t1, t1, 4
  csrw mepc, t1
  j 90f
11:`
    : ''
}
  la t1, ${log}_count
  li t2, 1
  amoadd.w t2, t2, (t1)
  li t3, ${TRAP_LOG_ENTRIES}
  bgeu t2, t3, 20f
  slli t2, t2, 5
  la t1, ${log}_log
  add t1, t1, t2
  csrr t3, ${x}cause
  sw t3, 0(t1)
  csrr t3, ${x}epc
  sw t3, 4(t1)
  csrr t3, ${x}tval
  sw t3, 8(t1)
  csrr t3, ${x}status
  sw t3, 12(t1)
  lw t3, 12(t0)                     # hart id, stored in the save area by _start
  sw t3, 16(t1)
  csrr t3, ${x}ip
  sw t3, 20(t1)
20:
  csrr t3, ${x}cause
  bltz t3, 40f
  beqz t3, 30f
  li t1, 1
  beq t3, t1, 30f
  li t1, 12
  beq t3, t1, 30f
  # other exceptions: skip the instruction (2 or 4 bytes)
  csrr t1, ${x}epc
  lhu t2, 0(t1)
  andi t2, t2, 3
  li t3, 3
  addi t1, t1, 2
  bne t2, t3, 21f
  addi t1, t1, 2
21:
  csrw ${x}epc, t1
  j 90f
30: # fetch fault: return to ra
  csrw ${x}epc, ra
  j 90f
40: # interrupt: disable it
  li t1, 1
  sll t1, t1, t3
  csrc ${x}ie, t1
90:
  lw t1, 0(t0)
  lw t2, 4(t0)
  lw t3, 8(t0)
  csrrw t0, ${x}scratch, t0
  ${ret}
`;
}

/**
 * The prelude prepended to every test program (unless `prelude: false`). Defines `_start`,
 * `__pass`, `__fail`, the default trap handlers, `tohost`/`fromhost` and the logs.
 */
export const PRELUDE = `
.option norvc
.text
.globl _start
_start:
  la sp, __stacks_top
  slli t0, a0, 10
  sub sp, sp, t0
  la t0, __trap_save
  slli t1, a0, 6
  add t0, t0, t1
  sw a0, 12(t0)
  csrw mscratch, t0
  addi t0, t0, 32
  sw a0, 12(t0)
  csrw sscratch, t0
  la t0, __trap_entry
  csrw mtvec, t0
  la t0, __strap_entry
  csrw stvec, t0
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f                       # NAPOT, RWX: all of memory for S and U
  csrw pmpcfg0, t0
  li gp, 0
  li t0, 0
  li t1, 0
  j main

__pass:
  fence
  li t6, 1
  la t5, tohost
  sw t6, 0(t5)
1:
  j 1b

__fail:
  fence
  bnez gp, 2f
  li gp, 1000                       # a failure without a test number
2:
  slli t6, gp, 1
  ori t6, t6, 1
  la t5, tohost
  sw t6, 0(t5)
1:
  j 1b
${handler('m')}
${handler('s')}
.section .tohost, "aw"
.balign 4096
.globl tohost
tohost: .dword 0
.globl fromhost
fromhost: .dword 0
.balign 4096

.bss
.balign 64
__trap_save: .space 64 * 8
trap_count: .word 0
strap_count: .word 0
.balign 32
trap_log: .space ${TRAP_LOG_ENTRIES * TRAP_ENTRY}
strap_log: .space ${TRAP_LOG_ENTRIES * TRAP_ENTRY}
.balign 16
__stacks: .space 1024 * 8
__stacks_top:
.text
# ---- end of prelude
`;
const PRELUDE_LINES = PRELUDE.split('\n').length - 1;

// --------------------------------------------------------------- helpers --

/** Exit with code 0. */
export const PASS = 'j __pass';

/** Exit with test number `n` (n > 0). */
export const FAIL = (n: number): string => `li gp, ${n}\n  j __fail`;

/** Fails with test number `n` unless register `reg` equals `value` (clobbers t6). */
export const CHECK = (n: number, reg: string, value: number): string =>
  `li gp, ${n}\n  li t6, ${value | 0}\n  beq ${reg}, t6, 9f\n  j __fail\n9:`;

/** From M-mode: continue at the next instruction in privilege `mode` (0 U, 1 S, 3 M). Clobbers t0. */
export const ENTER = (mode: 0 | 1 | 3): string =>
  `li t0, 0x1800\n  csrc mstatus, t0\n  li t0, ${mode << 11}\n  csrs mstatus, t0\n  la t0, 9f\n  csrw mepc, t0\n  mret\n9:`;
export const ENTER_S = ENTER(1);
export const ENTER_U = ENTER(0);

/** From S- or U-mode: continue at the next instruction in M-mode (sets a7 = 0). */
export const TO_M = 'li a7, -1\n  ecall\n  li a7, 0';
/** Like `TO_M`, by EBREAK: for code that delegates ECALLs from S to S. */
export const TO_M_EBREAK = 'li a7, -1\n  ebreak\n  li a7, 0';

// ------------------------------------------------------- machine results --

/** One trap recorded by a default handler. */
export interface TrapRecord {
  cause: number;
  epc: number;
  tval: number;
  /** mstatus (or sstatus) after the trap: MPP/SPP tell where it came from. */
  status: number;
  hart: number;
  /** mip (or sip) in the handler. */
  ip: number;
}

export interface RunOptions {
  harts?: number;
  quantum?: number;
  /** RAM size in bytes (default 4 MiB). */
  ramSize?: number;
  /** Any other machine settings. */
  machine?: Partial<MachineConfig>;
  /** Cycle limit (default 200_000). */
  maxCycles?: number;
  /** Prepend `PRELUDE` (default true). */
  prelude?: boolean;
  /** Called after loading, before running: build page tables, queue input, poke memory. */
  setup?: (m: Machine, sym: (name: string) => number) => void;
}

export interface Run {
  m: Machine;
  /** HTIF exit code, or null if the program did not exit. */
  exitCode: number | null;
  stop: StopReason;
  /** UART and HTIF console output. */
  output: string;
  symbols: Map<string, number>;
  /** Address of a symbol (throws if it is not defined). */
  sym(name: string): number;
  /** 32-bit word (unsigned) at physical address `pa`. */
  word(pa: number): number;
  /** Register `r` (number or ABI name) of hart `hart`, as int32. */
  reg(r: number | string, hart?: number): number;
  /** Register as uint32. */
  ureg(r: number | string, hart?: number): number;
  /** Traps logged by the default M-mode handler, in order. */
  traps(): TrapRecord[];
  /** Traps logged by the default S-mode handler, in order. */
  straps(): TrapRecord[];
}

const ABI = ABI_NAMES;

/** Register number of an ABI or xN name. */
export function regNum(r: number | string): number {
  if (typeof r === 'number') return r;
  if (r === 'fp') return 8;
  const i = (ABI as readonly string[]).indexOf(r);
  if (i >= 0) return i;
  const m = /^x(\d+)$/.exec(r);
  if (m && Number(m[1]) < 32) return Number(m[1]);
  throw new Error(`unknown register ${r}`);
}

/**
 * Assembles `source` (after the prelude), fails the calling test with the assembler's errors
 * (line:column relative to `source`) if it does not assemble, and returns the result.
 */
export function assembleTest(source: string, prelude = true): Extract<ReturnType<typeof assemble>, { ok: true }> {
  const full = prelude ? PRELUDE + source : source;
  const r = assemble(full);
  if (!r.ok) {
    const lines = full.split('\n');
    const shift = prelude ? PRELUDE_LINES : 0;
    const msg = r.errors
      .map((e) => {
        const where = e.line > shift ? `${e.line - shift}:${e.column}` : `prelude ${e.line}:${e.column}`;
        return `${where}: ${e.message}\n    | ${lines[e.line - 1]?.trim() ?? ''}`;
      })
      .join('\n');
    throw new Error(`test program does not assemble:\n${msg}`);
  }
  return r;
}

/** Assembles and runs `source` on a fresh machine. */
export function runAsm(source: string, opts: RunOptions = {}): Run {
  const asm = assembleTest(source, opts.prelude ?? true);
  const parsed = parseElf(asm.elf);
  if (!parsed.ok) throw new Error(`our ELF does not parse: ${parsed.error}`);
  const m = new Machine({
    harts: opts.harts ?? 1,
    ramSize: opts.ramSize ?? 4 * 1024 * 1024,
    ...(opts.quantum !== undefined ? { quantum: opts.quantum } : {}),
    ...opts.machine,
  });
  const err = loadElf(m.bus, parsed.image);
  if (err) throw new Error(`loadElf: ${err}`);
  const sym = (name: string): number => {
    const v = asm.symbols.get(name);
    if (v === undefined) throw new Error(`no symbol ${name}`);
    return v >>> 0;
  };
  const tohost = asm.symbols.get('tohost');
  if (tohost !== undefined) {
    const e = attachHtif(
      {
        bus: m.bus,
        output: (b) => m.output.push(...b),
        exit: (code) => {
          m.exitCode = code;
          for (const h of m.harts) h.stop(`exit ${code}`);
        },
      },
      tohost,
      asm.symbols.get('fromhost') ?? null,
    );
    if (e) throw new Error(`attachHtif: ${e}`);
  }
  m.writeBootRom(parsed.image.entry);
  m.flushDecoded();
  opts.setup?.(m, sym);
  const stop = m.run(opts.maxCycles ?? 200_000);
  const word = (pa: number): number => {
    const v = m.bus.read(pa >>> 0, 4);
    if (v === null) throw new Error(`no memory at 0x${(pa >>> 0).toString(16)}`);
    return v;
  };
  const log = (name: 'trap' | 'strap'): TrapRecord[] => {
    if (!asm.symbols.has(`${name}_count`)) return [];
    const n = Math.min(word(sym(`${name}_count`)), TRAP_LOG_ENTRIES);
    const base = sym(`${name}_log`);
    return Array.from({ length: n }, (_, i) => {
      const a = base + i * TRAP_ENTRY;
      return {
        cause: word(a),
        epc: word(a + 4),
        tval: word(a + 8),
        status: word(a + 12),
        hart: word(a + 16),
        ip: word(a + 20),
      };
    });
  };
  return {
    m,
    exitCode: m.exitCode,
    stop,
    output: String.fromCharCode(...m.output),
    symbols: asm.symbols,
    sym,
    word,
    reg: (r, hart = 0) => m.harts[hart].x[regNum(r)] | 0,
    ureg: (r, hart = 0) => m.harts[hart].x[regNum(r)] >>> 0,
    traps: () => log('trap'),
    straps: () => log('strap'),
  };
}

/** Expects the program to have exited with code 0; on failure names the guest's test number. */
export function expectPass(r: Run): void {
  const h = r.m.harts[0];
  const where = `stop=${r.stop} exit=${r.exitCode} pc=0x${(h.pc >>> 0).toString(16)} priv=${h.priv} traps=${JSON.stringify(
    r.traps().map((t) => ({ cause: hex(t.cause), epc: hex(t.epc), tval: hex(t.tval) })),
  )}`;
  if (r.exitCode !== 0 && r.exitCode !== null) expect.fail(`guest check #${r.exitCode} failed (${where})`);
  expect(r.exitCode, `program did not exit (${where})`).toBe(0);
}

/** Runs and expects a pass. */
export function runPass(source: string, opts: RunOptions = {}): Run {
  const r = runAsm(source, opts);
  expectPass(r);
  return r;
}

export const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/** The mcause/scause value of interrupt `code`. */
export const irq = (code: number): number => (0x8000_0000 | code) >>> 0;

// ------------------------------------------------------------- page tables --

export { PTE_A, PTE_D, PTE_G, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X };

/**
 * Sv32 page tables built from TypeScript in guest RAM (physical, page-aligned `root`); second
 * level tables are allocated from `next` upward.
 */
export class Sv32 {
  private next: number;

  constructor(
    private readonly m: Machine,
    readonly root: number,
    next = root + 0x1000,
  ) {
    this.next = next;
  }

  /** satp value selecting this table (MODE = Sv32) with `asid`. */
  satp(asid = 0): number {
    return (0x8000_0000 | (asid << 22) | (this.root >>> 12)) >>> 0;
  }

  private write(pa: number, v: number): void {
    this.m.bus.writeBytes(pa, new Uint8Array(new Uint32Array([v >>> 0]).buffer));
  }

  private read(pa: number): number {
    return this.m.bus.read(pa, 4) ?? 0;
  }

  /** Physical address of the level-1 PTE for `va`. */
  l1(va: number): number {
    return this.root + ((va >>> 22) << 2);
  }

  /** Maps the 4 MiB megapage at `va` to `pa` with `flags` (a leaf at level 1). */
  mega(va: number, pa: number, flags: number): void {
    this.write(this.l1(va), ((pa >>> 12) << 10) | flags);
  }

  /** Physical address of the level-0 PTE for `va` (creating the table). */
  l0(va: number): number {
    const l1 = this.l1(va);
    let pte = this.read(l1);
    if (!(pte & PTE_V) || pte & (PTE_R | PTE_X)) {
      const t = this.next;
      this.next += 0x1000;
      this.m.bus.writeBytes(t, new Uint8Array(0x1000));
      pte = ((t >>> 12) << 10) | PTE_V;
      this.write(l1, pte);
    }
    return (pte >>> 10) * 0x1000 + (((va >>> 12) & 0x3ff) << 2);
  }

  /** Maps the 4 KiB page at `va` to `pa` with `flags`. Returns the PTE's physical address. */
  page(va: number, pa: number, flags: number): number {
    const a = this.l0(va);
    this.write(a, ((pa >>> 12) << 10) | flags);
    return a;
  }

  /** Writes a raw PTE value at level 0 for `va`. */
  raw(va: number, pte: number): number {
    const a = this.l0(va);
    this.write(a, pte);
    return a;
  }
}
