/**
 * Linux user mode: runs a static RV32 Linux executable on hart 0 in U-mode, with a small Linux
 * system-call subset served in TypeScript, so the same ELF runs here and under `qemu-riscv32`.
 *
 * System calls (number in a7, arguments in a0..a5, result in a0, -errno on failure):
 *   write (64) to fd 1 or 2, exit (93), exit_group (94), brk (214). Any other number returns
 *   -ENOSYS (-38), which is what a Linux kernel without that call would answer.
 *
 * Address space:
 * - `mmu: 'off'`: U-mode with satp Bare, so virtual = physical. Segments must lie in RAM
 *   (link at 0x8000_0000 or above); the stack grows down from the top of RAM.
 * - `mmu: 'sv32'`: an Sv32 page table built in RAM maps each segment (U, with R/W/X from the
 *   program headers) onto frames from a bump allocator; the stack (below 0xc000_0000) and the
 *   brk heap are demand-paged: a page fault inside them maps a fresh zeroed frame and retries,
 *   as Linux does. Any other fault ends the program like a signal would (exit 128 + signal).
 */
import { RAM_BASE } from './bus';
import { CSR } from './csr_numbers';
import { utf8Encode, type ElfImage } from './elf';
import { Cause, Priv, type Hart, type TrapEnv } from './hart';
import type { Machine } from './machine';
import { PF_W, PF_X, PF_R } from './elf';
import { Access, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from './mmu';

export type MmuMode = 'off' | 'sv32';

export interface UserModeOptions {
  mmu: MmuMode;
  /** argv[0..] placed on the initial stack. */
  argv: string[];
  /** Called with console output (fd 1 and 2). */
  write(fd: number, bytes: Uint8Array): void;
}

/** Signals a fault ends the program with (exit status 128 + signal, like a shell reports). */
const SIGILL = 4;
const SIGTRAP = 5;
const SIGBUS = 7;
const SIGSEGV = 11;

const STACK_TOP_SV32 = 0xc000_0000;
const STACK_LIMIT = 8 * 1024 * 1024;
const ENOSYS = 38;

const CAUSE_NAMES: Record<number, string> = {
  [Cause.INST_MISALIGNED]: 'instruction address misaligned',
  [Cause.INST_ACCESS]: 'instruction access fault',
  [Cause.ILLEGAL]: 'illegal instruction',
  [Cause.BREAKPOINT]: 'breakpoint',
  [Cause.LOAD_MISALIGNED]: 'load address misaligned',
  [Cause.LOAD_ACCESS]: 'load access fault',
  [Cause.STORE_MISALIGNED]: 'store address misaligned',
  [Cause.STORE_ACCESS]: 'store access fault',
  [Cause.INST_PAGE_FAULT]: 'instruction page fault',
  [Cause.LOAD_PAGE_FAULT]: 'load page fault',
  [Cause.STORE_PAGE_FAULT]: 'store page fault',
};

export function causeName(cause: number): string {
  if (cause < 0) return `interrupt ${cause & 0x7fff_ffff}`;
  return CAUSE_NAMES[cause] ?? `exception ${cause}`;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** The running program's environment: system calls, demand paging, fatal faults. */
export class LinuxUser implements TrapEnv {
  /** Why the program ended, if it ended by a fault. */
  fatal: string | null = null;
  private brkStart = 0;
  private brk = 0;
  private readonly brkLimit: number;
  private nextFrame: number;
  private readonly frameEnd: number;
  private root = 0;
  private readonly stackTop: number;

  private constructor(
    private readonly m: Machine,
    private readonly opts: UserModeOptions,
  ) {
    const ramEnd = RAM_BASE + m.bus.ramSize;
    // Frames for page tables and demand paging come from the upper half of RAM.
    this.nextFrame = RAM_BASE + m.bus.ramSize / 2;
    this.frameEnd = ramEnd;
    this.stackTop = opts.mmu === 'sv32' ? STACK_TOP_SV32 : ramEnd;
    this.brkLimit = opts.mmu === 'sv32' ? STACK_TOP_SV32 - STACK_LIMIT : ramEnd - STACK_LIMIT;
  }

  /**
   * Loads `image` into `m` and prepares hart 0 to run it in U-mode; other harts are stopped.
   * Returns the environment, or an error naming the segment that does not fit.
   */
  static start(m: Machine, image: ElfImage, opts: UserModeOptions): LinuxUser | string {
    const env = new LinuxUser(m, opts);
    const err = opts.mmu === 'sv32' ? env.mapSegments(image) : env.placeSegments(image);
    if (err) return err;
    const hart = m.harts[0];
    hart.reset(image.entry);
    hart.env = env;
    // As firmware would: one PMP entry (NAPOT, all of the 34-bit physical space, RWX) so U-mode
    // may access memory at all.
    hart.csrWrite(CSR.pmpaddr0, -1);
    hart.csrWrite(CSR.pmpcfg0, 0x1f);
    hart.priv = Priv.U;
    if (opts.mmu === 'sv32') hart.satp = (1 << 31) | (env.root >>> 12);
    const sp = env.buildStack(hart);
    if (typeof sp === 'string') return sp;
    hart.x[2] = sp;
    for (const h of m.harts.slice(1)) h.stop('not used in user mode');
    m.flushDecoded();
    return env;
  }

  // ------------------------------------------------------------ memory --

  private placeSegments(image: ElfImage): string | null {
    let end = 0;
    for (const s of image.segments) {
      if (s.memsz === 0) continue;
      if (!this.m.bus.inRam(s.vaddr, s.memsz)) {
        return `segment ${s.index} at ${hex(s.vaddr)}+0x${s.memsz.toString(16)} is outside RAM [${hex(RAM_BASE)}, ${hex(RAM_BASE + this.m.bus.ramSize)}); with the MMU off, link the program inside RAM or use --mmu sv32`;
      }
      if (s.vaddr + s.memsz > RAM_BASE + this.m.bus.ramSize / 2) {
        return `segment ${s.index} at ${hex(s.vaddr)} reaches into the upper half of RAM, which user mode keeps for the stack`;
      }
      end = Math.max(end, s.vaddr + s.memsz);
    }
    for (const s of image.segments) {
      if (s.memsz === 0) continue;
      this.m.bus.writeBytes(s.vaddr, s.data);
      this.m.bus.writeBytes(s.vaddr + s.filesz, new Uint8Array(s.memsz - s.filesz));
    }
    this.brkStart = this.brk = pageUp(end);
    return null;
  }

  private allocFrame(): number {
    if (this.nextFrame + 4096 > this.frameEnd) return 0;
    const f = this.nextFrame;
    this.nextFrame += 4096;
    this.m.bus.writeBytes(f, new Uint8Array(4096));
    return f;
  }

  /** Maps virtual page `va` to physical frame `pa` with `flags` in the Sv32 table. */
  private map(va: number, pa: number, flags: number): boolean {
    const bus = this.m.bus;
    const l1 = this.root + ((va >>> 22) & 0x3ff) * 4;
    let pte = bus.read(l1, 4) ?? 0;
    if (!(pte & PTE_V)) {
      const t = this.allocFrame();
      if (!t) return false;
      pte = ((t >>> 12) << 10) | PTE_V;
      bus.write(l1, 4, pte);
    }
    const l0 = (pte >>> 10) * 4096 + ((va >>> 12) & 0x3ff) * 4;
    bus.write(l0, 4, ((pa >>> 12) << 10) | flags | PTE_V);
    return true;
  }

  private mapSegments(image: ElfImage): string | null {
    this.root = this.allocFrame();
    let end = 0;
    for (const s of image.segments) {
      if (s.memsz === 0) continue;
      if (s.vaddr + s.memsz > this.brkLimit)
        return `segment ${s.index} at ${hex(s.vaddr)} overlaps the stack area below ${hex(STACK_TOP_SV32)}`;
      const flags =
        PTE_U | (s.flags & PF_R ? PTE_R : 0) | (s.flags & PF_W ? PTE_W | PTE_R : 0) | (s.flags & PF_X ? PTE_X : 0);
      for (let va = s.vaddr - (s.vaddr % 4096); va < s.vaddr + s.memsz; va += 4096) {
        const existing = this.lookup(va);
        const frame = existing ?? this.allocFrame();
        if (!frame) return `out of memory mapping segment ${s.index}`;
        if (!this.map(va, frame, existing !== null ? flags | this.flagsOf(va) : flags))
          return `out of memory mapping segment ${s.index}`;
        // Copy the part of the file image that falls in this page.
        const from = Math.max(va, s.vaddr);
        const to = Math.min(va + 4096, s.vaddr + s.filesz);
        if (to > from) this.m.bus.writeBytes(frame + (from - va), s.data.subarray(from - s.vaddr, to - s.vaddr));
      }
      end = Math.max(end, s.vaddr + s.memsz);
    }
    this.brkStart = this.brk = pageUp(end);
    return null;
  }

  /** The frame virtual page `va` maps to, or null. */
  private lookup(va: number): number | null {
    const bus = this.m.bus;
    const pte = bus.read(this.root + ((va >>> 22) & 0x3ff) * 4, 4) ?? 0;
    if (!(pte & PTE_V)) return null;
    const leaf = bus.read((pte >>> 10) * 4096 + ((va >>> 12) & 0x3ff) * 4, 4) ?? 0;
    return leaf & PTE_V ? (leaf >>> 10) * 4096 : null;
  }

  private flagsOf(va: number): number {
    const bus = this.m.bus;
    const pte = bus.read(this.root + ((va >>> 22) & 0x3ff) * 4, 4) ?? 0;
    return (bus.read((pte >>> 10) * 4096 + ((va >>> 12) & 0x3ff) * 4, 4) ?? 0) & 0x3ff;
  }

  /** Writes argc, argv, envp and an empty auxv below the stack top, as Linux's execve does. */
  private buildStack(hart: Hart): number | string {
    const strings = this.opts.argv.map((a) => utf8Encode(a + '\0'));
    const strBytes = strings.reduce((n, s) => n + s.length, 0);
    const words = 1 + this.opts.argv.length + 1 + 1 + 2; // argc, argv[], NULL, envp NULL, AT_NULL pair
    let sp = this.stackTop - pageUp(strBytes + 16);
    sp -= words * 4;
    sp -= sp % 16; // (addresses reach past 2^31: no bitwise arithmetic on them)
    const stackBase = sp - (sp % 4096);
    if (this.opts.mmu === 'sv32') {
      for (let va = stackBase; va < this.stackTop; va += 4096) {
        const f = this.allocFrame();
        if (!f || !this.map(va, f, PTE_U | PTE_R | PTE_W)) return 'out of memory for the stack';
      }
    }
    const put = (va: number, bytes: Uint8Array): void => {
      for (let i = 0; i < bytes.length; i++) this.writeUser(hart, va + i, bytes[i]);
    };
    const word = (va: number, v: number): void => put(va, new Uint8Array(new Uint32Array([v >>> 0]).buffer));
    let strAt = sp + words * 4;
    word(sp, this.opts.argv.length);
    strings.forEach((s, i) => {
      word(sp + 4 * (1 + i), strAt);
      put(strAt, s);
      strAt += s.length;
    });
    return sp | 0;
  }

  private writeUser(hart: Hart, va: number, byte: number): void {
    const page = va - (va % 4096);
    const pa = this.opts.mmu === 'sv32' ? this.lookup(page) : page;
    if (pa !== null) this.m.bus.write(pa + (va % 4096), 1, byte);
    void hart;
  }

  /** Reads `len` bytes of user memory at `va`, or null if any page is not mapped. */
  private readUser(hart: Hart, va: number, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = (va + done) >>> 0;
      const pa = hart.translate(a, Access.LOAD);
      if (pa < 0) return null;
      const n = Math.min(len - done, 4096 - (a % 4096));
      const chunk = this.m.bus.readBytes(pa, n);
      if (!chunk) return null;
      out.set(chunk, done);
      done += n;
    }
    return out;
  }

  // ------------------------------------------------------------- traps --

  trap(hart: Hart, cause: number, tval: number): void {
    if (cause === Cause.ECALL_U) {
      hart.x[10] = this.syscall(hart);
      hart.x[32] = 0;
      if (!hart.stopped) hart.pc = (hart.pc + 4) | 0;
      return;
    }
    if (
      this.opts.mmu === 'sv32' &&
      (cause === Cause.LOAD_PAGE_FAULT || cause === Cause.STORE_PAGE_FAULT) &&
      this.demandPage(tval >>> 0)
    ) {
      hart.tlb.flush(tval, null);
      return; // retry the instruction
    }
    const signal =
      cause === Cause.ILLEGAL
        ? SIGILL
        : cause === Cause.BREAKPOINT
          ? SIGTRAP
          : cause === Cause.LOAD_MISALIGNED || cause === Cause.STORE_MISALIGNED
            ? SIGBUS
            : SIGSEGV;
    this.fatal = `${causeName(cause)} at ${hex(tval)} (pc ${hex(hart.pc)})`;
    this.exit(hart, 128 + signal);
  }

  /** Maps a zeroed page for a fault inside the stack or the brk heap. */
  private demandPage(va: number): boolean {
    const inStack = va < this.stackTop && va >= this.stackTop - STACK_LIMIT;
    const inHeap = va >= this.brkStart && va < this.brk;
    if (!inStack && !inHeap) return false;
    const page = va - (va % 4096);
    if (this.lookup(page) !== null) return false; // mapped but not permitted: a real fault
    const f = this.allocFrame();
    return f !== 0 && this.map(page, f, PTE_U | PTE_R | PTE_W);
  }

  private exit(hart: Hart, code: number): void {
    this.m.exitCode = code & 0xff;
    for (const h of this.m.harts) h.stop(`exit ${code & 0xff}`);
    void hart;
  }

  private syscall(hart: Hart): number {
    const a = hart.x;
    switch (a[17]) {
      case 64: {
        // write(fd, buf, count)
        const fd = a[10];
        const len = a[12] >>> 0;
        if (fd !== 1 && fd !== 2) return -9; // -EBADF
        const bytes = this.readUser(hart, a[11], len);
        if (bytes === null) return -14; // -EFAULT
        this.opts.write(fd, bytes);
        return len;
      }
      case 93: // exit(status)
      case 94: // exit_group(status)
        this.exit(hart, a[10]);
        return a[10];
      case 214: {
        // brk(addr): returns the new break, or the old one if the request is refused
        const want = a[10] >>> 0;
        if (want === 0) return this.brk | 0;
        if (want < this.brkStart || want > this.brkLimit) return this.brk | 0;
        if (this.opts.mmu === 'off') this.m.bus.writeBytes(this.brk, new Uint8Array(Math.max(0, want - this.brk)));
        this.brk = want;
        return this.brk | 0;
      }
      default:
        return -ENOSYS;
    }
  }
}

function pageUp(n: number): number {
  return Math.ceil(n / 4096) * 4096;
}
