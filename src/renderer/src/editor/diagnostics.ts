/**
 * Diagnostics for the scenario editor: where in the init configuration an engine error points,
 * and a local well-formedness check that shows XML errors while typing, before Apply.
 *
 * The engine reports a bad configuration as an error reply whose message carries the position
 * as text (the protocol's EngineError has no line field):
 *
 *   configApply   config:LINE:COL: <node attr>: message          init/config.ts `formatIssue`
 *   load {text}   NAME:LINE:COL: <node attr>: message            cli/scenario_files.ts
 *                 NAME:LINE: binary "x" of <start name="y"> not found (...)
 *                 NAME: config:LINE:COL: ...                      engine_host.ts, System.boot
 *   anything else "cmd.xml: expected ...", "no scenario is loaded; ..."  (no position)
 *
 * An error without a position becomes one diagnostic for the whole document, at line 1.
 *
 * The local check runs the engine's XML parser (saxes, plain JavaScript that bundles for the
 * browser) the way init/config.ts does, so that it reports the same line, column and message
 * as the engine would on Apply. Semantic checks (quotas, routes, names) stay the engine's.
 */
import { SaxesParser } from 'saxes';

/** A problem at a line (1-based) and optionally a column (1-based, UTF-16 code units). */
export interface EditorDiagnostic {
  line: number;
  column?: number;
  message: string;
}

/** What an engine error looks like to the renderer: an EngineError, a CommandFailed, a text. */
export interface ErrorLike {
  message: string;
  code?: string;
  field?: string;
}

/** "FILE:LINE[:COL]: message"; FILE is matched lazily, so a Windows drive letter is part of it. */
const POSITIONED = /^(.+?):(\d+)(?::(\d+))?: ([\s\S]*)$/;
/** A position the message names in words ("route rule at line 12 ..."). */
const IN_WORDS = /\bline (\d+)\b/;

/**
 * The diagnostics for an engine error: one at the position its message starts with, else one
 * at a line it names in words, else one for the whole document at line 1.
 */
export function diagnosticsFromError(error: ErrorLike | string): EditorDiagnostic[] {
  const text = (typeof error === 'string' ? error : error.message).trim();
  const m = POSITIONED.exec(text);
  if (m) {
    const line = Number(m[2]);
    const message = m[4].trim() || text;
    if (line >= 1)
      return [m[3] !== undefined ? { line, column: Math.max(1, Number(m[3])), message } : { line, message }];
  }
  const w = IN_WORDS.exec(text);
  if (w && Number(w[1]) >= 1) return [{ line: Number(w[1]), message: text }];
  return [{ line: 1, message: text || 'the engine refused the configuration' }];
}

/** "line N: message", as the error list shows it. */
export function describeDiagnostic(d: EditorDiagnostic): string {
  return `line ${d.line}: ${d.message}`;
}

/** The list without repeats (same line, column and message), in document order. */
export function uniqueDiagnostics(list: readonly EditorDiagnostic[]): EditorDiagnostic[] {
  const seen = new Set<string>();
  const out: EditorDiagnostic[] = [];
  for (const d of list) {
    const key = `${d.line}:${d.column ?? ''}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
}

// ------------------------------------------------------ well-formedness --

/** 1-based line and column of `offset`; `\n`, `\r\n` and a lone `\r` end a line (as the engine counts). */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) {
      if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

interface Failure {
  offset: number;
  node: string;
  message: string;
}

/**
 * The first XML well-formedness error of `text`, as the engine reports it on Apply (same line,
 * column and "<node>: message"), or nothing. An unclosed element is reported at its start tag.
 * A root other than `<config>` is reported too, in the engine's words.
 */
export function wellFormedness(text: string): EditorDiagnostic[] {
  const parser = new SaxesParser({ position: true });
  const open: { name: string; offset: number }[] = [];
  const state: { root: { name: string; offset: number } | null; failure: Failure | null } = {
    root: null,
    failure: null,
  };
  parser.on('opentagstart', (tag) => {
    // Reported after the name and the character that ended it; '<' directly precedes the name.
    const offset = text.lastIndexOf(`<${tag.name}`, parser.position - tag.name.length - 2);
    open.push({ name: tag.name, offset });
    state.root ??= { name: tag.name, offset };
  });
  parser.on('closetag', () => {
    open.pop();
  });
  parser.on('error', (err) => {
    if (state.failure) return;
    // saxes prefixes "line:col: " with a 0-based column; the position is computed here instead.
    const message = err.message.replace(/^\d+:\d+: /, '').replace(/\.$/, '');
    const top = open.length > 0 ? open[open.length - 1] : null;
    const offset = top && message.startsWith('unclosed tag') ? top.offset : parser.position;
    state.failure = { offset, node: top ? top.name : '', message };
  });
  try {
    parser.write(text).close();
  } catch (e) {
    state.failure ??= { offset: parser.position, node: '', message: e instanceof Error ? e.message : String(e) };
  }
  const root = state.root;
  const failure: Failure | null =
    state.failure ??
    (root === null
      ? { offset: 0, node: '', message: 'document must contain a root element' }
      : root.name !== 'config'
        ? { offset: root.offset, node: root.name, message: `root node must be <config>, not <${root.name}>` }
        : null);
  if (!failure) return [];
  const { line, column } = positionOf(text, failure.offset);
  const where = failure.node === '' ? '' : `<${failure.node}>: `;
  return [{ line, column, message: `${where}${failure.message}` }];
}

// -------------------------------------------------------------- ranges --

const NAME_CHAR = /[A-Za-z0-9_:.-]/;

/**
 * The part of a line to underline for a diagnostic, as [from, to) offsets into `lineText`:
 * the whole line without a column; at a '<', the tag's name; at an attribute, its name and
 * value; otherwise one character (the last one when the column lies past the end).
 */
export function underlineSpan(lineText: string, column?: number): { from: number; to: number } {
  const len = lineText.length;
  if (column === undefined) return { from: 0, to: len };
  const from = Math.min(Math.max(column - 1, 0), len);
  if (from >= len) return { from: Math.max(0, len - 1), to: len };
  let to = from;
  if (lineText[to] === '<') {
    to++;
    if (lineText[to] === '/') to++;
    while (to < len && NAME_CHAR.test(lineText[to])) to++;
  } else if (NAME_CHAR.test(lineText[to])) {
    while (to < len && NAME_CHAR.test(lineText[to])) to++;
    const quote = lineText[to] === '=' ? lineText[to + 1] : undefined;
    if (quote === '"' || quote === "'") {
      const close = lineText.indexOf(quote, to + 2);
      to = close < 0 ? len : close + 1;
    }
  }
  return { from, to: Math.max(to, from + 1) };
}
