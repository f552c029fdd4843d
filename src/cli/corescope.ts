/**
 * `corescope run [options] prog.elf`: runs an RV32 ELF on the emulated machine.
 *
 * Modes
 * - bare: every hart starts in M-mode at the boot ROM, which jumps to the ELF entry with a0 =
 *   hartid. The program talks to the host through HTIF `tohost`/`fromhost` (as spike does), so
 *   the official ISA test binaries run unchanged; it may also use the UART at 0x1000_0000.
 * - user: hart 0 starts in U-mode with a small Linux system-call subset (write, exit,
 *   exit_group, brk), so a static ELF runs here and under qemu-riscv32 alike.
 * Default: bare if the ELF defines `tohost`, user otherwise.
 *
 * Exit status: the guest's exit code; 128 + signal for a user program killed by a fault (like
 * a shell); 124 if --max-cycles ran out; 2 for usage errors and unreadable or malformed ELF files.
 */
import { readFileSync } from 'node:fs';
import { bootMain } from './boot';
import { parseArgs } from 'node:util';
import { parseElf, loadElf, type ElfImage } from '../engine/cpu/elf';
import { attachHtif } from '../engine/cpu/htif';
import { Machine } from '../engine/cpu/machine';
import { LinuxUser, type MmuMode } from '../engine/cpu/user_mode';

const USAGE = `usage: corescope run [options] prog.elf [args...]
       corescope boot scenario.xml [options]   (see corescope boot --help)

Runs an RV32IMAC ELF executable on Corescope's emulated RISC-V machine.

options:
  --mode bare|user     bare: M-mode from the boot ROM, HTIF tohost for exit and console
                       user: U-mode with Linux write/exit/exit_group/brk
                       (default: bare if the ELF has a 'tohost' symbol, else user)
  --mmu sv32|off       user mode: run under an Sv32 page table (default) or with
                       translation off (the ELF must then be linked inside RAM)
  --harts N            number of harts, 1..8 (default 1)
  --ram MIB            RAM size in MiB (default 128)
  --max-cycles N       stop after N cycles of virtual time (exit status 124)
  --stats              print instructions retired, virtual time and MIPS to stderr
  -h, --help           this text`;

class UsageError extends Error {}

interface RunOptions {
  file: string;
  args: string[];
  mode: 'bare' | 'user' | null;
  mmu: MmuMode;
  harts: number;
  ramMiB: number;
  maxCycles: number;
  stats: boolean;
}

function parse(argv: string[]): RunOptions | 'help' {
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help') return 'help';
  if (argv[0] !== 'run')
    throw new UsageError(
      `unknown command '${argv[0]}' (try 'corescope run prog.elf' or 'corescope boot scenario.xml')`,
    );
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      options: {
        mode: { type: 'string' },
        mmu: { type: 'string' },
        harts: { type: 'string' },
        ram: { type: 'string' },
        'max-cycles': { type: 'string' },
        stats: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const [file, ...args] = parsed.positionals;
  if (!file) throw new UsageError('no ELF file given');
  const int = (name: string, s: string | undefined, dflt: number, lo: number, hi: number): number => {
    if (s === undefined) return dflt;
    const n = Number(s);
    if (!Number.isInteger(n) || n < lo || n > hi)
      throw new UsageError(`--${name} must be an integer in [${lo}, ${hi}], got '${s}'`);
    return n;
  };
  if (v.mode !== undefined && v.mode !== 'bare' && v.mode !== 'user')
    throw new UsageError(`--mode must be bare or user, got '${v.mode}'`);
  if (v.mmu !== undefined && v.mmu !== 'sv32' && v.mmu !== 'off')
    throw new UsageError(`--mmu must be sv32 or off, got '${v.mmu}'`);
  return {
    file,
    args,
    mode: (v.mode as 'bare' | 'user' | undefined) ?? null,
    mmu: (v.mmu as MmuMode | undefined) ?? 'sv32',
    harts: int('harts', v.harts, 1, 1, 8),
    ramMiB: int('ram', v.ram, 128, 1, 1024),
    maxCycles: int('max-cycles', v['max-cycles'], Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER),
    stats: v.stats ?? false,
  };
}

/** Runs the CLI; returns the process exit status. Never throws. */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'boot') {
    return bootMain(
      argv.slice(1),
      (s) => process.stdout.write(s),
      (s) => process.stderr.write(s),
    );
  }
  let opts: RunOptions | 'help';
  try {
    opts = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`corescope: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (opts === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(opts.file);
  } catch (e) {
    process.stderr.write(
      `corescope: cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
    );
    return 2;
  }
  const parsed = parseElf(bytes);
  if (!parsed.ok) {
    process.stderr.write(`corescope: ${opts.file}: ${parsed.error}\n`);
    return 2;
  }
  return runImage(parsed.image, opts);
}

function runImage(image: ElfImage, opts: RunOptions): number {
  const m = new Machine({ harts: opts.harts, ramSize: opts.ramMiB * 1024 * 1024 });
  const tohost = image.symbols.find((s) => s.name === 'tohost');
  const mode = opts.mode ?? (tohost ? 'bare' : 'user');
  const out = (fd: number, b: Uint8Array | number[]): void => {
    (fd === 2 ? process.stderr : process.stdout).write(Buffer.from(b instanceof Uint8Array ? b : Uint8Array.from(b)));
  };
  let env: LinuxUser | null = null;
  if (mode === 'bare') {
    const err = loadElf(m.bus, image);
    if (err) {
      process.stderr.write(`corescope: ${opts.file}: ${err}\n`);
      return 2;
    }
    if (tohost) {
      const fromhost = image.symbols.find((s) => s.name === 'fromhost');
      const e2 = attachHtif(
        {
          bus: m.bus,
          output: (b) => out(1, b),
          exit: (code) => ((m.exitCode = code), m.harts.forEach((h) => h.stop(`exit ${code}`))),
        },
        tohost.value,
        fromhost ? fromhost.value : null,
      );
      if (e2) {
        process.stderr.write(`corescope: ${opts.file}: ${e2}\n`);
        return 2;
      }
    }
    m.writeBootRom(image.entry);
    m.flushDecoded();
  } else {
    const started = LinuxUser.start(m, image, { mmu: opts.mmu, argv: [opts.file, ...opts.args], write: out });
    if (typeof started === 'string') {
      process.stderr.write(`corescope: ${opts.file}: ${started}\n`);
      return 2;
    }
    env = started;
  }

  const t0 = process.hrtime.bigint();
  let status: number;
  let left = opts.maxCycles;
  for (;;) {
    const slice = Math.min(left, 50_000_000);
    const why = m.run(slice);
    left -= slice;
    if (m.uart && m.output.length) out(1, m.output.splice(0));
    if (m.exitCode !== null) {
      status = m.exitCode;
      break;
    }
    if (why === 'halted' || why === 'idle') {
      process.stderr.write(
        `corescope: every hart is ${why === 'idle' ? 'waiting for an interrupt that can never come' : 'stopped'}\n`,
      );
      status = 1;
      break;
    }
    if (left <= 0) {
      process.stderr.write(
        `corescope: --max-cycles ${opts.maxCycles} reached at pc 0x${(m.harts[0].pc >>> 0).toString(16)}\n`,
      );
      status = 124;
      break;
    }
  }
  if (m.output.length) out(1, m.output.splice(0));
  if (env?.fatal) process.stderr.write(`corescope: ${opts.file}: ${env.fatal}\n`);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (opts.stats) {
    const instret = m.harts.reduce((n, h) => n + h.instret, 0);
    process.stderr.write(
      `instructions retired: ${instret}\n` +
        `virtual time: ${(m.seconds * 1000).toFixed(3)} ms (${m.cycles} cycles at ${m.config.cpuHz / 1e6} MHz)\n` +
        `host time: ${(seconds * 1000).toFixed(1)} ms\n` +
        `MIPS: ${(instret / seconds / 1e6).toFixed(1)}\n`,
    );
  }
  return status;
}
