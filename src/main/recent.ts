/**
 * Recent scenario files: newest first, no duplicates, at most ten, kept in a JSON file in the
 * app's user data folder. A missing or damaged file is an empty list (and is rewritten on the
 * next change), never a failed start.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const RECENT_LIMIT = 10;

/** The list with `path` moved (or added) to the front. */
export function withRecent(list: readonly string[], path: string, limit = RECENT_LIMIT): string[] {
  return [path, ...list.filter((p) => p !== path)].slice(0, limit);
}

export function readRecent(file: string): string[] {
  try {
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(data)) return [];
    return data.filter((p): p is string => typeof p === 'string' && p.length > 0).slice(0, RECENT_LIMIT);
  } catch {
    return [];
  }
}

/** Writes the list atomically (a temporary file renamed over the old one). */
export function writeRecent(file: string, list: readonly string[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(list, null, 2));
  renameSync(tmp, file);
}
