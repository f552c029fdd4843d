/**
 * The console's command line, in GDB's habits: `break SYMBOL|*ADDR|FILE:LINE`, `delete N`,
 * `continue` (c), `pause`, `step`/`stepi` (si), `next`/`nexti` (ni), `finish`, `info threads`,
 * `info breakpoints`, `info registers`, `info caps PD`, `info map PD`, `thread N`, `x/NFU ADDR`,
 * `bt`, `help`. Parsing is pure; running goes through an `Engine` (the session's `call`), so the
 * same code is tested without a UI. PDs are named by id or by label suffix ("counter").
 */
import type { Command, CommandResult, Topology } from '../../../engine/protocol';
import { decodeBase64 } from '../../../engine/protocol';

export interface Engine {
  call<C extends Command>(cmd: C): Promise<CommandResult<C['kind']>>;
  topology(): Topology | null;
  /** The thread commands act on. */
  thread(): number | null;
  selectThread(id: number): void;
}

export const COMMANDS = [
  'break',
  'delete',
  'continue',
  'pause',
  'step',
  'stepi',
  'next',
  'nexti',
  'finish',
  'info threads',
  'info breakpoints',
  'info registers',
  'info caps',
  'info map',
  'thread',
  'x/',
  'bt',
  'help',
];

const hex = (n: number, w = 8): string => `0x${(n >>> 0).toString(16).padStart(w, '0')}`;

/** Completions of a partial command line. */
export function complete(line: string): string[] {
  const l = line.trimStart();
  return COMMANDS.filter((c) => c.startsWith(l) && c !== l);
}

/** Parses a number in C notation (0x.., decimal). */
function num(s: string | undefined): number | null {
  if (s === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(s)) return null;
  return Number(s);
}

function pdOf(engine: Engine, name: string | undefined): number {
  if (name === undefined) {
    const t = engine.thread();
    const pd = engine.topology()?.pds.find((p) => p.threads.some((x) => x.id === t));
    if (pd) return pd.id;
    throw new Error('name a PD (id or label), or select a thread');
  }
  const n = num(name);
  const pds = engine.topology()?.pds ?? [];
  const pd =
    n !== null ? pds.find((p) => p.id === n) : pds.find((p) => p.label === name || p.label.endsWith(` -> ${name}`));
  if (!pd) throw new Error(`no PD "${name}"`);
  return pd.id;
}

function needThread(engine: Engine): number {
  const t = engine.thread();
  if (t === null) throw new Error('no thread selected (use `thread N`)');
  return t;
}

/** Runs one command line; returns the lines to print. Errors are thrown with a message. */
export async function runCommand(engine: Engine, line: string): Promise<string[]> {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const [cmd, ...args] = words;
  switch (cmd) {
    case 'help':
    case 'h':
      return [`commands: ${COMMANDS.join(', ')}`];
    case 'c':
    case 'continue':
      await engine.call({ kind: 'run' });
      return [];
    case 'pause':
    case 'interrupt':
      await engine.call({ kind: 'pause' });
      return [];
    case 'si':
    case 'stepi':
      await engine.call({ kind: 'stepInstruction', thread: needThread(engine) });
      return [];
    case 'ni':
    case 'nexti':
      await engine.call({ kind: 'stepOver', thread: needThread(engine) });
      return [];
    case 's':
    case 'step':
    case 'n':
    case 'next':
      await engine.call({ kind: 'stepLine', thread: needThread(engine) });
      return [];
    case 'finish':
      await engine.call({ kind: 'stepOut', thread: needThread(engine) });
      return [];
    case 'b':
    case 'break': {
      const where = args[0];
      if (!where) throw new Error('break where? (SYMBOL, *ADDRESS or FILE:LINE) [PD]');
      const pd = pdOf(engine, args[1]);
      let r: CommandResult<'breakpointSet'>;
      if (where.startsWith('*')) {
        const a = num(where.slice(1));
        if (a === null) throw new Error(`not an address: ${where.slice(1)}`);
        r = await engine.call({ kind: 'breakpointSet', pd, address: a });
      } else if (/^[^:]+:\d+$/.test(where)) {
        const [file, ln] = where.split(':');
        r = await engine.call({ kind: 'breakpointSet', pd, file, line: Number(ln) });
      } else r = await engine.call({ kind: 'breakpointSet', pd, symbol: where });
      const loc = r.file ? `: file ${r.file}, line ${r.line}` : r.symbol ? ` <${r.symbol}>` : '';
      return [`Breakpoint ${r.id} at ${hex(r.address)}${loc}`];
    }
    case 'd':
    case 'delete': {
      const id = num(args[0]);
      if (id === null) throw new Error('delete which breakpoint? (its number)');
      await engine.call({ kind: 'breakpointRemove', id });
      return [];
    }
    case 'thread': {
      const id = num(args[0]);
      if (id === null) return [`current thread: ${engine.thread() ?? 'none'}`];
      engine.selectThread(id);
      return [`switched to thread ${id}`];
    }
    case 'bt':
    case 'backtrace': {
      const r = await engine.call({ kind: 'backtrace', thread: needThread(engine) });
      return r.frames.map(
        (f, i) =>
          `#${i}  ${hex(f.pc)} in ${f.function ?? '??'}${f.offset ? `+${f.offset}` : ''}${f.file ? ` at ${f.file}:${f.line}` : ''}`,
      );
    }
    case 'i':
    case 'info':
      return info(engine, args);
    default:
      if (cmd.startsWith('x/') || cmd === 'x') return examine(engine, cmd, args);
      throw new Error(`unknown command "${cmd}"; try help`);
  }
}

async function info(engine: Engine, args: string[]): Promise<string[]> {
  const what = args[0] ?? '';
  if ('threads'.startsWith(what) && what) {
    const r = await engine.call({ kind: 'threads' });
    const topo = engine.topology();
    return r.threads.map((t) => {
      const pd = topo?.pds.find((p) => p.id === t.pd)?.label ?? `PD ${t.pd}`;
      const mark = t.id === engine.thread() ? '*' : ' ';
      return `${mark} ${String(t.id).padEnd(4)} ${`${pd}/${t.name}`.padEnd(36)} ${t.state}${t.reason ? ` (${t.reason})` : ''}  pc ${hex(t.pc)}`;
    });
  }
  if ('breakpoints'.startsWith(what) && what) {
    const r = await engine.call({ kind: 'breakpointList' });
    const lines = r.breakpoints.map(
      (b) =>
        `${b.id}  breakpoint  ${b.enabled ? 'y' : 'n'}  ${hex(b.address)} ${b.location} (PD ${b.pd}) hits ${b.hits}${b.condition ? ` if ${b.condition}` : ''}`,
    );
    lines.push(
      ...r.watchpoints.map(
        (w) => `${w.id}  ${w.access} watchpoint  ${hex(w.address)}+${w.length} (PD ${w.pd}) hits ${w.hits}`,
      ),
    );
    lines.push(...r.catchpoints.map((c) => `${c.id}  catchpoint  ${c.detail} hits ${c.hits}`));
    return lines.length ? lines : ['no breakpoints, watchpoints or catchpoints'];
  }
  if ('registers'.startsWith(what) && what) {
    const r = await engine.call({ kind: 'registersRead', thread: needThread(engine) });
    const lines = r.x.map((v, i) => `${r.names[i].padEnd(5)} ${hex(v)}  ${v | 0}`);
    lines.push(`pc    ${hex(r.pc)}`);
    return lines;
  }
  if (what === 'caps') {
    const pd = pdOf(engine, args[1]);
    const r = await engine.call({ kind: 'capSpace', pd });
    return r.rows.map(
      (c) =>
        `${String(c.slot).padStart(4)}  ${c.type.padEnd(15)} ${c.object}${c.badge !== null ? `  badge ${hex(c.badge)}` : ''}${c.session ? `  [${c.session.service} "${c.session.label}"]` : ''}`,
    );
  }
  if (what === 'map') {
    const pd = pdOf(engine, args[1]);
    const r = await engine.call({ kind: 'memoryMap', pd });
    const out: string[] = [];
    const walk = (rm: CommandResult<'memoryMap'>['tree'], depth: number): void => {
      for (const reg of rm.regions) {
        const va = reg.va === null ? `+${hex(reg.at)}` : hex(reg.va);
        out.push(
          `${'  '.repeat(depth)}${va}  ${hex(reg.size, 0)} ${reg.ds.kind} "${reg.ds.name}" ${reg.writeable ? 'rw' : 'r-'}${reg.executable ? 'x' : '-'} mapped ${reg.mapped.length}`,
        );
        if (reg.nested) walk(reg.nested, depth + 1);
      }
    };
    walk(r.tree, 0);
    return out;
  }
  throw new Error('info what? (threads, breakpoints, registers, caps PD, map PD)');
}

/** `x/NFU ADDR [PD]`: N units, F format (x, d, u, c), U size (b, h, w). */
async function examine(engine: Engine, cmd: string, args: string[]): Promise<string[]> {
  const m = /^x(?:\/(\d*)([xduc]?)([bhw]?))?$/.exec(cmd);
  if (!m) throw new Error(`bad format "${cmd}"; use x/NFU, e.g. x/16xw`);
  const n = Math.min(Number(m[1] || '1'), 4096);
  const fmt = m[2] || 'x';
  const size = { b: 1, h: 2, w: 4 }[m[3] || 'w'] as 1 | 2 | 4;
  const addr = num(args[0]);
  if (addr === null) throw new Error('x needs an address, e.g. x/16xw 0x1000');
  const pd = pdOf(engine, args[1]);
  const r = await engine.call({ kind: 'memoryRead', space: { pd }, address: addr, length: n * size });
  const bytes = decodeBase64(r.bytes)!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const perLine = size === 1 ? 8 : 4;
  const out: string[] = [];
  for (let i = 0; i < n; i += perLine) {
    const cells: string[] = [];
    for (let k = i; k < Math.min(n, i + perLine); k++) {
      const v = size === 1 ? view.getUint8(k) : size === 2 ? view.getUint16(k * 2, true) : view.getUint32(k * 4, true);
      cells.push(
        fmt === 'x'
          ? hex(v, size * 2)
          : fmt === 'd'
            ? String(size === 4 ? v | 0 : size === 2 ? (v << 16) >> 16 : (v << 24) >> 24)
            : fmt === 'c'
              ? JSON.stringify(String.fromCharCode(v & 0xff))
              : String(v),
      );
    }
    out.push(`${hex(addr + i * size)}:  ${cells.join('  ')}`);
  }
  return out;
}
