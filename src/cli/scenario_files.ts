/**
 * Loads a scenario from disk: the init configuration and the ROM modules its start nodes name
 * (`<binary name="x"/>` or the start name), found next to the scenario or among the shipped
 * guest components (resources/guest/<group>/x.elf).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseInitConfig, formatIssue } from '../engine/core/init/config';

export const GUEST_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../resources/guest');
export const SCENARIO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../resources/scenarios');

export interface Scenario {
  file: string;
  xml: string;
  modules: Map<string, Uint8Array>;
}

/**
 * Reads a source file a guest program's line table names (`file` as the table has it, relative
 * to the program's guest group, e.g. "counter.c" or "../sdk/src/crt0.S"). Only files inside the
 * shipped guest sources are read. Returns the text and where it was found, or why not.
 */
export function readGuestSource(binary: string, file: string): { path: string; text: string } | string {
  if (!existsSync(GUEST_ROOT)) return `no guest sources here (${GUEST_ROOT})`;
  const groups = readdirSync(GUEST_ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(GUEST_ROOT, d.name));
  // The program's own group first, where its ELF is.
  groups.sort((a, b) => Number(existsSync(join(b, `${binary}.elf`))) - Number(existsSync(join(a, `${binary}.elf`))));
  for (const g of groups) {
    const path = resolve(g, file);
    if (!path.startsWith(GUEST_ROOT + sep) || !existsSync(path)) continue;
    try {
      return { path, text: readFileSync(path, 'utf8') };
    } catch (e) {
      return `cannot read ${path}: ${(e as Error).message}`;
    }
  }
  return `source file "${file}" of ${binary} is not among the guest sources`;
}

/** Finds the ELF for ROM module `name`: beside the scenario, then in each guest group. */
export function findModule(name: string, near: string): string | null {
  const candidates = [join(near, name), join(near, `${name}.elf`)];
  if (existsSync(GUEST_ROOT)) {
    for (const d of readdirSync(GUEST_ROOT, { withFileTypes: true })) {
      if (d.isDirectory()) candidates.push(join(GUEST_ROOT, d.name, `${name}.elf`));
    }
  }
  return candidates.find((c) => existsSync(c) && !c.endsWith('.xml')) ?? null;
}

/** Reads a scenario file and its modules; an error names the file and what is missing. */
export function loadScenario(file: string): Scenario | string {
  let xml: string;
  try {
    xml = readFileSync(file, 'utf8');
  } catch (e) {
    return `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
  return scenarioFromText(xml, file, dirname(file));
}

/**
 * A scenario from configuration text: `name` stands for the file in errors, modules are looked
 * up beside `near` (default: the shipped scenarios) and among the shipped guest components.
 */
export function scenarioFromText(xml: string, name: string, near = SCENARIO_ROOT): Scenario | string {
  const parsed = parseInitConfig(xml);
  if (!parsed.ok) return formatIssue(name, parsed.error);
  const modules = new Map<string, Uint8Array>();
  for (const start of parsed.config.children) {
    if (modules.has(start.binary)) continue;
    const path = findModule(start.binary, near);
    if (!path)
      return `${name}:${start.line}: binary "${start.binary}" of <start name="${start.name}"> not found (looked beside the scenario and in ${GUEST_ROOT}/*/)`;
    modules.set(start.binary, readFileSync(path));
  }
  return { file: name, xml, modules };
}
