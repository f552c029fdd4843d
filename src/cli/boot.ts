/**
 * `corescope boot scenario.xml`: boots a scenario headless and prints its LOG lines as they
 * come. Exits 0 when the condition is met (--until-log matched a line; without it, every
 * component exited with value 0) and non-zero with a reason otherwise: 1 if the system went
 * idle or deadlocked first, 124 if --max-instructions ran out, 2 for usage and load errors.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { System } from '../engine/core/system';
import { chromeTrace } from '../engine/trace/chrome_trace';
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
  const finish = (code: number, reason: string | null): number => {
    if (reason) err(`corescope boot: ${reason}\n`);
    if (v.values.trace) writeFileSync(v.values.trace, JSON.stringify(chromeTrace(sys.kernel, sys.traceNames())));
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
  }
}
