/**
 * Generates the guest SDK's C header `resources/guest/sdk/include/corescope/abi.h` from the
 * ABI declaration `src/engine/core/abi.ts`.
 *
 *   npx tsx scripts/gen_sdk_header.ts           write the header
 *   npx tsx scripts/gen_sdk_header.ts --check   exit 1 if the committed header differs
 *
 * Values come from the module itself (so they are exactly what the engine uses); the doc
 * comments of constants are read from the source text with the TypeScript parser. Every
 * numeric export of abi.ts ends up in the header: the well-known groups with their SDK
 * prefixes (SYS_, UTCB_, SEL_, LAYOUT_, RPC_, ...), any other integer constant or object of
 * integers as NAME / NAME_KEY, and every RPC interface as RPC_<INTERFACE>_<OP>.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as abi from '../src/engine/core/abi';
import type { RpcInterface, RpcOp } from '../src/engine/core/abi';

const ABI_TS = fileURLToPath(new URL('../src/engine/core/abi.ts', import.meta.url));
const HEADER = fileURLToPath(new URL('../resources/guest/sdk/include/corescope/abi.h', import.meta.url));
const WIDTH = 100;

// ------------------------------------------------------------- source docs --

interface ConstInfo {
  /** JSDoc of the export itself. */
  doc: string;
  /** JSDoc and initializer text of each property (objects) or of the value (numbers). */
  props: Map<string, { doc: string; text: string }>;
  text: string;
}

function jsDocOf(node: ts.Node): string {
  return ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((d) => ts.getTextOfJSDocComment(d.comment) ?? '')
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isAsExpression(e) || ts.isParenthesizedExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

/** Doc comments and literal texts of the exported constants of abi.ts. */
function readSourceInfo(): Map<string, ConstInfo> {
  const src = ts.createSourceFile(ABI_TS, readFileSync(ABI_TS, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, ConstInfo>();
  for (const stmt of src.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    if (!stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const decl of stmt.declarationList.declarations) {
      if (!ts.isIdentifier(decl.name) || !decl.initializer) continue;
      const init = unwrap(decl.initializer);
      const props = new Map<string, { doc: string; text: string }>();
      if (ts.isObjectLiteralExpression(init)) {
        for (const p of init.properties) {
          if (!ts.isPropertyAssignment(p)) continue;
          const key = ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : p.name.getText(src);
          props.set(key, { doc: jsDocOf(p), text: p.initializer.getText(src) });
        }
      }
      out.set(decl.name.text, { doc: jsDocOf(stmt), props, text: init.getText(src) });
    }
  }
  return out;
}

// ------------------------------------------------------------------ output --

const defined = new Set<string>();
const lines: string[] = [];

function comment(text: string, indent = ''): void {
  const clean = text.replace(/\*\//g, '* /').trim();
  if (!clean) return;
  const words = clean.split(/\s+/);
  const rows: string[] = [];
  let row = '';
  for (const w of words) {
    if (row && indent.length + 3 + row.length + 1 + w.length > WIDTH - 3) {
      rows.push(row);
      row = w;
    } else row = row ? `${row} ${w}` : w;
  }
  rows.push(row);
  if (rows.length === 1) {
    lines.push(`${indent}/* ${rows[0]} */`);
    return;
  }
  lines.push(`${indent}/* ${rows[0]}`);
  for (const r of rows.slice(1, -1)) lines.push(`${indent} * ${r}`);
  lines.push(`${indent} * ${rows[rows.length - 1]} */`);
}

function define(name: string, value: string, doc = ''): void {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`not a valid macro name: ${name}`);
  if (defined.has(name)) throw new Error(`macro ${name} would be defined twice; rename in abi.ts or the generator`);
  defined.add(name);
  comment(doc);
  lines.push(`#define ${name.padEnd(40)} ${value}`);
}

function section(title: string): void {
  lines.push('', `/* ${'-'.repeat(4)} ${title} ${'-'.repeat(Math.max(4, WIDTH - 12 - title.length))} */`, '');
}

function checkInt(name: string, v: number): void {
  if (!Number.isInteger(v)) throw new Error(`${name} = ${v} is not an integer`);
}

/** A signed C literal: decimal (or hex if the source wrote hex); negative values in parentheses. */
function signed(name: string, v: number, srcText?: string): string {
  checkInt(name, v);
  if (v < 0) {
    if (v < -0x8000_0000) throw new Error(`${name} = ${v} does not fit a 32-bit int`);
    return `(${v})`;
  }
  if (v > 0x7fff_ffff) return unsigned(name, v);
  if (srcText && /^0x/i.test(srcText.trim())) return `0x${v.toString(16).padStart(2, '0')}`;
  return String(v);
}

/** An unsigned C literal in hex (ull if the value needs more than 32 bits). */
function unsigned(name: string, v: number): string {
  checkInt(name, v);
  if (v < 0) throw new Error(`${name} = ${v} is negative`);
  if (v > 0xffff_ffff) {
    if (!Number.isSafeInteger(v)) throw new Error(`${name} = ${v} is too large`);
    return `0x${v.toString(16)}ull`;
  }
  return `0x${v.toString(16).padStart(8, '0')}u`;
}

type NumObject = Record<string, number>;

function isNumObject(v: unknown): v is NumObject {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length > 0 &&
    Object.values(v).every((x) => typeof x === 'number')
  );
}

function isInterface(v: unknown): v is RpcInterface {
  return typeof v === 'object' && v !== null && 'name' in v && 'ops' in v && typeof v.ops === 'object';
}

// --------------------------------------------------------------- generator --

function generate(): string {
  const info = readSourceInfo();
  const exportsByName = abi as unknown as Record<string, unknown>;
  const handled = new Set<string>();

  const group = (exportName: string, prefix: string, format: 'signed' | 'unsigned', title?: string): void => {
    const obj = exportsByName[exportName];
    if (!isNumObject(obj)) throw new Error(`abi.ts: ${exportName} is not an object of numbers`);
    handled.add(exportName);
    const src = info.get(exportName);
    section(title ?? exportName);
    comment(src?.doc ?? '');
    if (src?.doc) lines.push('');
    for (const [key, v] of Object.entries(obj)) {
      const name = `${prefix}${key}`;
      const p = src?.props.get(key);
      define(name, format === 'unsigned' ? unsigned(name, v) : signed(name, v, p?.text), p?.doc);
    }
  };

  const scalar = (exportName: string, title?: string): void => {
    const v = exportsByName[exportName];
    if (typeof v !== 'number') throw new Error(`abi.ts: ${exportName} is not a number`);
    handled.add(exportName);
    const src = info.get(exportName);
    if (title) section(title);
    define(exportName, signed(exportName, v, src?.text), src?.doc);
  };

  const xlist = (macro: string, obj: NumObject, doc: string): void => {
    comment(doc);
    const entries = Object.entries(obj).map(([k, v]) => `X(${k}, ${signed(k, v)})`);
    if (defined.has(macro)) throw new Error(`macro ${macro} would be defined twice`);
    defined.add(macro);
    lines.push(`#define ${macro}(X) \\`);
    entries.forEach((e, i) => lines.push(`  ${e}${i < entries.length - 1 ? ' \\' : ''}`));
  };

  lines.push(
    "/* corescope/abi.h -- the guest ABI of Corescope's kernel and core, for C.",
    ' *',
    ' * GENERATED by scripts/gen_sdk_header.ts from src/engine/core/abi.ts. Do not edit: change',
    ' * abi.ts and run `npx tsx scripts/gen_sdk_header.ts` (CI runs it with --check).',
    ' *',
    ' * System calls: `ecall` with the number in a7 and arguments in a0..a5; the kernel answers in',
    ' * a0 (SYS_OK or a result below) and, for some calls, a1..a2. RPC messages travel through the',
    " * calling thread's UTCB: word 0 of a request is the op number (RPC_<INTERFACE>_<OP>), word 0",
    ' * of a reply the result code (RPC_OK ...). Words are 32-bit little-endian; a string is a u32',
    ' * byte length followed by the bytes (no terminator), padded to a multiple of 4; a capability',
    ' * argument or result takes the next slot of the UTCB cap list instead of a payload word.',
    ' */',
    '#ifndef CORESCOPE_ABI_H',
    '#define CORESCOPE_ABI_H',
  );

  group('SYS', 'SYS_', 'signed', 'system-call numbers (a7)');
  group('SYS_RESULT', 'SYS_', 'signed', 'system-call results (a0)');
  group('UTCB', 'UTCB_', 'signed', 'user thread-control block (offsets into the UTCB page)');
  group('SEL', 'SEL_', 'signed', 'fixed capability selectors of a component');
  scalar('CAP_SPACE_SIZE');
  group('LAYOUT', 'LAYOUT_', 'unsigned', 'virtual-memory layout');
  group('RPC', 'RPC_', 'signed', 'RPC result codes (word 0 of a reply)');
  handled.add('RPC_NAME');
  scalar('LOG_MAX', 'LOG session');
  group('THREAD_STATE', 'THREAD_STATE_', 'signed', 'thread states (Cpu_thread state)');

  // Anything else numeric that abi.ts exports, so new constants cannot be forgotten.
  const interfaces = new Set<unknown>(abi.INTERFACES);
  handled.add('INTERFACES');
  for (const name of Object.keys(exportsByName).sort()) {
    const v = exportsByName[name];
    if (handled.has(name) || typeof v === 'function') continue;
    if (isInterface(v)) {
      if (!interfaces.has(v)) throw new Error(`abi.ts: interface ${name} (${v.name}) is missing from INTERFACES`);
      continue;
    }
    if (typeof v === 'number') scalar(name, name);
    else if (isNumObject(v)) group(name, `${name}_`, 'signed');
    else process.stderr.write(`gen_sdk_header: skipping export ${name} (not numeric)\n`);
  }

  section('result-code lists (X-macros: X(NAME, value) per code)');
  xlist('SYS_RESULT_LIST', abi.SYS_RESULT, 'X(name, value) for every system-call result, e.g. to print names.');
  lines.push('');
  xlist('RPC_RESULT_LIST', abi.RPC, 'X(name, value) for every RPC result code.');

  const argList = (args: RpcOp['args']): string => args.map(([n, k]) => `${k} ${n}`).join(', ');
  for (const itf of abi.INTERFACES) {
    const up = itf.name.toUpperCase();
    section(`RPC interface ${itf.name} (RPC_${up}_*)`);
    const ops = Object.entries(itf.ops).sort((a, b) => a[1].op - b[1].op);
    ops.forEach(([opName, op], i) => {
      if (i > 0) lines.push('');
      const res = op.results.length ? ` -> (${argList(op.results)})` : '';
      const sig = `${opName}(${argList(op.args)})${res}.`;
      define(`RPC_${up}_${opName.toUpperCase()}`, signed(opName, op.op), op.doc ? `${sig} ${op.doc}` : sig);
    });
  }

  lines.push('', '#endif /* CORESCOPE_ABI_H */', '');
  return lines.join('\n');
}

// -------------------------------------------------------------------- main --

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length) {
    process.stderr.write('usage: npx tsx scripts/gen_sdk_header.ts [--check]\n');
    return 2;
  }
  const text = generate();
  const rel = 'resources/guest/sdk/include/corescope/abi.h';
  if (check) {
    if (!existsSync(HEADER) || readFileSync(HEADER, 'utf8') !== text) {
      process.stderr.write(`gen_sdk_header: ${rel} is out of date; run npx tsx scripts/gen_sdk_header.ts\n`);
      return 1;
    }
    process.stdout.write(`gen_sdk_header: ${rel} is up to date\n`);
    return 0;
  }
  mkdirSync(dirname(HEADER), { recursive: true });
  writeFileSync(HEADER, text);
  process.stdout.write(`gen_sdk_header: wrote ${rel} (${defined.size} macros)\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
