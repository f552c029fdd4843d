/**
 * Helpers for scenario tests: boot a scenario from resources/scenarios/ headless (the same
 * files a user opens in the app) and run it until a condition holds.
 */
import { join } from 'node:path';
import { System, type SystemOptions } from '../../src/engine/core/system';
import { SCENARIO_ROOT, loadScenario } from '../../src/cli/scenario_files';

/** Boots resources/scenarios/<name>.xml; throws with the loader's message on error. */
export function bootScenario(name: string, opts: SystemOptions = {}): System {
  const sc = loadScenario(join(SCENARIO_ROOT, `${name}.xml`));
  if (typeof sc === 'string') throw new Error(sc);
  const sys = System.boot(sc.xml, sc.modules, opts);
  if (typeof sys === 'string') throw new Error(sys);
  return sys;
}

/**
 * Runs `sys` in steps of `chunk` cycles until `done()` holds or `maxCycles` of virtual time
 * have passed (or the system is idle). Returns whether `done()` held.
 */
export function runUntil(sys: System, done: () => boolean, maxCycles = 500_000_000, chunk = 200_000): boolean {
  let ran = 0;
  while (!done()) {
    if (ran >= maxCycles) return false;
    const r = sys.run(chunk);
    ran += chunk;
    if (r === 'idle' || r === 'halted') return done();
  }
  return true;
}

/** True once some LOG line ("[label] text") matches `re`. */
export function logMatches(sys: System, re: RegExp): boolean {
  return sys.transcript().some((l) => re.test(l));
}

/** The transcript lines of one component (by label), text only. */
export function linesOf(sys: System, label: string): string[] {
  return sys.log.filter((l) => l.label === label).map((l) => l.text);
}
