/**
 * Pure helpers of the breakpoints panel (views/BreakpointsPanel.vue): the types of its rows,
 * parsing what the add forms take (locations in GDB's notation, addresses, lengths, catchpoint
 * parameters) and the words the panel shows. The store that sends the commands can use the same
 * parsers (`parseLocation` gives the fields of `breakpointSet`, `parseAddress` those of
 * `watchpointSet`).
 */
import { CATCHPOINT_EVENTS, LIMITS, WATCH_ACCESS, type CommandOf, type CommandResult } from '../../../engine/protocol';

/** What `breakpointList` answers: the panel's `breakpoints` prop. */
export type BreakpointLists = CommandResult<'breakpointList'>;
export type BreakpointRow = BreakpointLists['breakpoints'][number];
export type WatchpointRow = BreakpointLists['watchpoints'][number];
export type CatchpointRow = BreakpointLists['catchpoints'][number];
export type WatchAccess = (typeof WATCH_ACCESS)[number];
export type CatchpointEvent = (typeof CATCHPOINT_EVENTS)[number];

/** The fields of a `catchpointSet` command without its `kind`, one variant per event. */
export type CatchpointSpec =
  CommandOf<'catchpointSet'> extends infer C ? (C extends { kind: string } ? Omit<C, 'kind'> : never) : never;

export { CATCHPOINT_EVENTS, WATCH_ACCESS };

/** A parse that failed, with a message for the form. */
export interface Invalid {
  error: string;
}

export const isInvalid = (x: unknown): x is Invalid => typeof x === 'object' && x !== null && 'error' in x;

export const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** A number in C notation (0x.. or decimal) within 32 bits, or null. */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n <= 0xffff_ffff ? n : null;
}

/** A symbol name as a program spells it (C identifiers, with `.` and `$` of assemblers). */
const SYMBOL = /^[A-Za-z_.$][\w.$]*$/;

/**
 * Where a breakpoint goes, in `break`'s notation: `*0x1000` or `0x1000` (an address),
 * `counter.c:14` (a file and line), or `main` (a symbol).
 */
export type Location = { address: number } | { symbol: string } | { file: string; line: number };

export function parseLocation(text: string): Location | Invalid {
  const t = text.trim();
  if (t === '') return { error: 'where? a symbol, *ADDRESS or FILE:LINE' };
  if (t.startsWith('*') || /^0x/i.test(t) || /^\d+$/.test(t)) {
    const a = parseNumber(t.replace(/^\*/, ''));
    return a === null ? { error: `not a 32-bit address: ${t}` } : { address: a };
  }
  const fl = /^(.+):(\d+)$/.exec(t);
  if (fl) {
    const line = Number(fl[2]);
    if (line < 1) return { error: 'lines start at 1' };
    if (fl[1].length > LIMITS.path) return { error: 'file name too long' };
    return { file: fl[1], line };
  }
  if (!SYMBOL.test(t)) return { error: `not a symbol, *ADDRESS or FILE:LINE: ${t}` };
  if (t.length > LIMITS.name) return { error: 'symbol name too long' };
  return { symbol: t };
}

/** A watched address: a number (0x.. or decimal) or a symbol (the store resolves it). */
export function parseAddress(text: string): { address: number } | { symbol: string } | Invalid {
  const t = text.trim().replace(/^\*/, '');
  if (t === '') return { error: 'which address? 0x.. or a symbol' };
  const a = parseNumber(t);
  if (a !== null) return { address: a };
  if (/^(0x|\d)/i.test(t)) return { error: `not a 32-bit address: ${t}` };
  if (!SYMBOL.test(t) || t.length > LIMITS.name) return { error: `not an address or a symbol: ${t}` };
  return { symbol: t };
}

/** A watched length: 1..LIMITS.watchLength bytes, not running past the address space. */
export function parseWatchLength(text: string, address: number | null): number | Invalid {
  const n = parseNumber(text);
  if (n === null || n < 1 || n > LIMITS.watchLength) return { error: `length: 1..${LIMITS.watchLength} bytes` };
  if (address !== null && address + n > 0x1_0000_0000) return { error: 'the range runs past 0xffffffff' };
  return n;
}

/** The parameter a catchpoint event takes (absent: any). */
export const CATCH_PARAMETER: Partial<Record<CatchpointEvent, { name: string; placeholder: string }>> = {
  irq: { name: 'IRQ number', placeholder: 'IRQ 0..1023 (empty: any)' },
  rpc: { name: 'service', placeholder: 'service, e.g. Timer (empty: any)' },
  log: { name: 'pattern', placeholder: 'text in the LOG line (empty: any)' },
};

/** The catchpointSet fields for `event` and what was typed as its parameter. */
export function catchpointSpec(event: CatchpointEvent, parameter: string): CatchpointSpec | Invalid {
  const p = parameter.trim();
  switch (event) {
    case 'irq': {
      if (p === '') return { event };
      const irq = parseNumber(p);
      return irq === null || irq > 1023 ? { error: 'IRQ: a number 0..1023' } : { event, irq };
    }
    case 'rpc':
      if (p.length > LIMITS.name) return { error: 'service name too long' };
      return p === '' ? { event } : { event, service: p };
    case 'log':
      if (p.length > LIMITS.expression) return { error: 'pattern too long' };
      return p === '' ? { event } : { event, pattern: p };
    default:
      return { event };
  }
}

/** Words for catchpoint events. */
export const CATCH_EVENT_NAMES: Record<CatchpointEvent, string> = {
  pageFault: 'page fault',
  exception: 'exception',
  signal: 'signal',
  sessionOpen: 'session open',
  sessionClose: 'session close',
  quotaExhausted: 'quota exhausted',
  deadlock: 'deadlock',
  irq: 'IRQ',
  rpc: 'RPC',
  log: 'LOG line',
};

/** GDB's names of watchpoint kinds. */
export const WATCH_NAMES: Record<WatchAccess, string> = { write: 'watch', read: 'rwatch', access: 'awatch' };

/** What an edited condition means: trimmed text, or null (none) when it is empty. */
export function conditionOf(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}

/** Rows by id (the order the user created them in). */
export function byId<T extends { id: number }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => a.id - b.id);
}
