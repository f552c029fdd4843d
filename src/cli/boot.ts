/**
 * `corescope boot scenario.xml`: boots a scenario headless and prints its LOG lines as they
 * come. Exits 0 when the condition is met (--until-log matched a line; without it, every
 * component exited with value 0) and non-zero with a reason otherwise: 1 if the system went
 * idle or deadlocked first, 124 if --max-instructions ran out, 2 for usage and load errors.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { System } from '../engine/core/system';
import { ChromeTraceWriter, kernelTraceNames } from '../engine/trace/chrome_trace';
import { loadScenario } from './scenario_files';

export const BOOT_USAGE = `usage: corescope boot scenario.xml [options]

Boots an init configuration (with the components it names) headless and prints LOG output.

options:
  --cpus N               number of CPUs, 1..8 (default 1)
  --until-log REGEX      succeed as soon as a LOG line ("[label] text") matches REGEX
  --max-instructions N   give up after N instructions (default 2000000000)
  --trace out.json       write the TRACE events as Chrome trace JSON (opens in Perfetto)
  --quiet                do not print LOG lines
  -h, --help             this text`;

const CHUNK = 1_000_000;

/** Writes all of `text` to `fd` (writeSync may write less than asked). */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
}

/**
 * The --trace output: a Chrome trace written to the file chunk by chunk while the system runs,
 * so the TRACE ring never overflows before it is read and no trace is ever one string.
 */
class TraceFile {
  private next = 0;
  private fd: number | null;

  private constructor(
    fd: number,
    private readonly writer: ChromeTraceWriter,
    private readonly sys: System,
  ) {
    this.fd = fd;
  }

  static open(path: string, sys: System): TraceFile | string {
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (e) {
      return `cannot write trace: ${(e as Error).message}`;
    }
    const writer = new ChromeTraceWriter((chunk) => writeAll(fd, chunk), kernelTraceNames(sys.kernel), {
      ticksPerUs: sys.kernel.ticksPerUs,
    });
    return new TraceFile(fd, writer, sys);
  }

  /** Writes the events emitted since the last call. Null, or why writing failed (then the file is closed). */
  drain(): string | null {
    if (this.fd === null) return null;
    try {
      this.next = this.writer.drain(this.sys.kernel.trace, this.next);
      return null;
    } catch (e) {
      this.closeFd();
      return `cannot write trace: ${(e as Error).message}`;
    }
  }

  /** Writes the rest, ends the document and closes the file. Null, or why writing failed. */
  close(): string | null {
    const bad = this.drain();
    if (bad !== null || this.fd === null) return bad;
    try {
      this.writer.finish(this.sys.kernel.now());
      return null;
    } catch (e) {
      return `cannot write trace: ${(e as Error).message}`;
    } finally {
      this.closeFd();
    }
  }

  private closeFd(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }
}

export function bootMain(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  let v;
  try {
    v = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        cpus: { type: 'string' },
        'until-log': { type: 'string' },
        'max-instructions': { type: 'string' },
        trace: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    err(`corescope boot: ${(e as Error).message}\n\n${BOOT_USAGE}\n`);
    return 2;
  }
  if (v.values.help) {
    out(BOOT_USAGE + '\n');
    return 0;
  }
  if (v.positionals.length !== 1) {
    err(`corescope boot: expected one scenario file\n\n${BOOT_USAGE}\n`);
    return 2;
  }
  const cpus = Number(v.values.cpus ?? '1');
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 8) {
    err(`corescope boot: --cpus must be 1..8\n`);
    return 2;
  }
  const max = Number(v.values['max-instructions'] ?? '2000000000');
  if (!Number.isFinite(max) || max <= 0) {
    err(`corescope boot: --max-instructions must be a positive number\n`);
    return 2;
  }
  let until: RegExp | null = null;
  try {
    until = v.values['until-log'] !== undefined ? new RegExp(v.values['until-log']) : null;
  } catch (e) {
    err(`corescope boot: bad --until-log: ${(e as Error).message}\n`);
    return 2;
  }
  const sc = loadScenario(v.positionals[0]);
  if (typeof sc === 'string') {
    err(`corescope boot: ${sc}\n`);
    return 2;
  }
  let matched = false;
  const sys = System.boot(sc.xml, sc.modules, { cpus }, (line) => {
    const text = `[${line.label}] ${line.text}`;
    if (!v.values.quiet) out(text + '\n');
    if (until && until.test(text)) matched = true;
  });
  if (typeof sys === 'string') {
    err(`corescope boot: ${sys}\n`);
    return 2;
  }
  const trace = v.values.trace !== undefined ? TraceFile.open(v.values.trace, sys) : null;
  if (typeof trace === 'string') {
    err(`corescope boot: ${trace}\n`);
    return 2;
  }
  const finish = (code: number, reason: string | null): number => {
    if (reason) err(`corescope boot: ${reason}\n`);
    const bad = trace?.close() ?? null;
    if (bad) {
      err(`corescope boot: ${bad}\n`);
      return 2;
    }
    return code;
  };
  let idle = false;
  for (;;) {
    if (matched) return finish(0, null);
    const children = [...sys.init.children.values()];
    if (!until && children.length > 0 && children.every((c) => c.exitCode !== null)) {
      const bad = children.filter((c) => c.exitCode !== 0);
      return finish(
        bad.length ? 1 : 0,
        bad.length ? `components exited with errors: ${bad.map((c) => `${c.name} (${c.exitCode})`).join(', ')}` : null,
      );
    }
    if (idle) {
      const cycles = sys.deadlocks();
      const why = cycles.length ? `deadlock: ${cycles.join('; ')}` : `the system is idle: ${sys.blockedSummary()}`;
      return finish(1, `${why}${until ? ` (no LOG line matched /${until.source}/)` : ''}`);
    }
    if (sys.instructions >= max)
      return finish(
        124,
        `instruction limit ${max} reached${until ? ` before a LOG line matched /${until.source}/` : ''}`,
      );
    const r = sys.run(CHUNK);
    idle = r === 'idle' || r === 'halted';
    const bad = trace?.drain() ?? null;
    if (bad) return finish(2, bad);
  }
}
