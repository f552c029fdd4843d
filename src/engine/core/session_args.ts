/**
 * Genode session-argument strings: `ram_quota=8K, cap_quota=4, label="init -> counter"`.
 * Values are numbers (with K/M/G suffixes), bare words, or double-quoted strings.
 */

export type SessionArgs = Map<string, string>;

/** Parses an argument string; malformed parts are skipped (like Genode's Arg_string). */
export function parseSessionArgs(text: string): SessionArgs {
  const out: SessionArgs = new Map();
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === ',')) i++;
    const keyStart = i;
    while (i < n && /[A-Za-z0-9_]/.test(text[i])) i++;
    const key = text.slice(keyStart, i);
    while (i < n && text[i] === ' ') i++;
    if (!key || text[i] !== '=') {
      while (i < n && text[i] !== ',') i++;
      continue;
    }
    i++;
    while (i < n && text[i] === ' ') i++;
    let value = '';
    if (text[i] === '"') {
      i++;
      const start = i;
      while (i < n && text[i] !== '"') i++;
      value = text.slice(start, i);
      i++;
    } else {
      const start = i;
      while (i < n && text[i] !== ',') i++;
      value = text.slice(start, i).trim();
    }
    out.set(key, value);
  }
  return out;
}

/** A numeric argument with an optional K/M/G suffix; `fallback` if absent or malformed. */
export function argNumber(args: SessionArgs, key: string, fallback = 0): number {
  const v = args.get(key);
  if (v === undefined) return fallback;
  const m = /^(0x[0-9a-fA-F]+|\d+)([KMG]?)$/.exec(v);
  if (!m) return fallback;
  const base = Number(m[1]);
  const mul = m[2] === 'K' ? 1024 : m[2] === 'M' ? 1024 * 1024 : m[2] === 'G' ? 1024 * 1024 * 1024 : 1;
  return base * mul;
}

export function argString(args: SessionArgs, key: string, fallback = ''): string {
  return args.get(key) ?? fallback;
}

/** Formats arguments back into Genode's syntax (labels quoted). */
export function formatSessionArgs(args: SessionArgs): string {
  return [...args]
    .map(([k, v]) => (k === 'label' || /[\s,"]/.test(v) || v === '' ? `${k}="${v}"` : `${k}=${v}`))
    .join(', ');
}

/** Prefixes a session label the way a parent does: "prefix -> label", or "prefix" if empty. */
export function prefixLabel(prefix: string, label: string): string {
  if (!prefix) return label;
  return label ? `${prefix} -> ${label}` : prefix;
}
