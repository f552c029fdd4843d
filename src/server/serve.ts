/**
 * The browser host (`npm run serve`): the workbench's built renderer served on 127.0.0.1, with
 * the engine in a Node child process (src/engine/host/engine_process.ts) that the page talks to
 * over a WebSocket. It is how the UI is tested here and how a person debugs from a browser.
 *
 *   GET  /               the renderer (out/renderer), with a strict CSP header
 *   GET  /engine.json    {"url": "ws://127.0.0.1:N"} of the engine process, or {"error": ...}
 *        ?machine=2      the same for a second engine process (another machine to migrate
 *                        components to), started on the first such request with no scenario
 *   POST /engine/restart starts a new engine process (the old one is ended) and answers as above
 *   GET  /scenarios.json {"current": path|null, "bundled": [{name, path}]} for the Open menu
 *
 * Only the page's own origin may open the engine's WebSocket (the engine checks Origin and
 * Host). Options: `--port N` (default 5173; 0 picks one), `--scenario FILE` (loaded at start;
 * default resources/scenarios/demo.xml), `--no-scenario`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CSP } from '../main/security';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RENDERER = join(ROOT, 'out/renderer');
const ENGINE_ENTRY = join(ROOT, 'src/engine/host/engine_process.ts');
const SCENARIOS = join(ROOT, 'resources/scenarios');
export const DEFAULT_SCENARIO = join(SCENARIOS, 'demo.xml');

/** The bundled scenarios, for the page's Open menu (a browser cannot name a file by path). */
function bundledScenarios(): { name: string; path: string }[] {
  return readdirSync(SCENARIOS)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => ({ name: f.replace(/\.xml$/, ''), path: join(SCENARIOS, f) }));
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

export interface BrowserHostOptions {
  port?: number;
  /** Scenario the engine loads at start; null: none. */
  scenario?: string | null;
  /** Where engine process messages go (default: stderr). */
  log?: (line: string) => void;
}

export interface BrowserHost {
  readonly url: string;
  readonly port: number;
  /** The engine's WebSocket URL, or why there is none. */
  engine(): { url: string } | { error: string };
  close(): Promise<void>;
}

/** One engine child process; resolves once it reported its port (or failed). */
function startEngine(
  origin: string,
  scenario: string | null,
  log: (line: string) => void,
): Promise<{ child: ChildProcess; url: string } | { error: string }> {
  const args = ['--import', 'tsx', ENGINE_ENTRY, '--origin', origin];
  if (scenario) args.push('--load', scenario);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const line of d.toString().split('\n')) if (line.trim()) log(`engine: ${line}`);
  });
  return new Promise((done) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        const ready = JSON.parse(line) as { url: string };
        done({ child, url: ready.url });
      } catch {
        done({ error: `the engine process said ${JSON.stringify(line)} instead of its address` });
      }
    });
    child.once('exit', (code, signal) =>
      done({
        error: `the engine process ended (${signal ?? `exit code ${code}`}) before it was ready: ${stderr.trim()}`,
      }),
    );
  });
}

export async function startBrowserHost(opts: BrowserHostOptions = {}): Promise<BrowserHost | string> {
  if (!existsSync(join(RENDERER, 'index.html')))
    return `no built renderer in ${RENDERER}: run \`npx electron-vite build\` first (npm run serve does)`;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const scenario = opts.scenario === undefined ? DEFAULT_SCENARIO : opts.scenario;
  let engine: { child: ChildProcess; url: string } | { error: string } = { error: 'the engine is starting' };
  let origin = '';

  const restart = async (): Promise<void> => {
    if ('child' in engine) engine.child.kill();
    engine = await startEngine(origin, scenario, log);
    if ('child' in engine) {
      const mine = engine;
      mine.child.once('exit', (code, signal) => {
        if (engine === mine) engine = { error: `the engine process ended (${signal ?? `exit code ${code}`})` };
      });
    }
  };

  /** Machine 2: a second engine process, started when the page first asks for it. */
  let engine2: { child: ChildProcess; url: string } | { error: string } | null = null;
  const machine2 = async (): Promise<{ url: string } | { error: string }> => {
    if (engine2 === null || !('child' in engine2)) {
      engine2 = await startEngine(origin, null, (l) => log(`machine 2: ${l}`));
      if ('child' in engine2) {
        const mine = engine2;
        mine.child.once('exit', (code, signal) => {
          if (engine2 === mine) engine2 = { error: `machine 2's engine ended (${signal ?? `exit code ${code}`})` };
        });
      }
    }
    return 'url' in engine2 ? { url: engine2.url } : engine2;
  };

  const server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, {
        'Content-Type': type,
        'Content-Security-Policy': CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      });
      res.end(body);
    };
    // Requests must come from our own page (DNS rebinding: check Host).
    if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`)
      return send(403, 'text/plain', 'Host not allowed');
    if (url.pathname === '/engine.json' && req.method === 'GET') {
      if (url.searchParams.get('machine') === '2') return send(200, MIME['.json'], JSON.stringify(await machine2()));
      return send(200, MIME['.json'], JSON.stringify('url' in engine ? { url: engine.url } : engine));
    }
    if (url.pathname === '/scenarios.json' && req.method === 'GET')
      return send(200, MIME['.json'], JSON.stringify({ current: scenario, bundled: bundledScenarios() }));
    if (url.pathname === '/engine/restart' && req.method === 'POST') {
      if (req.headers.origin !== origin) return send(403, 'text/plain', 'Origin not allowed');
      await restart();
      return send(200, MIME['.json'], JSON.stringify('url' in engine ? { url: engine.url } : engine));
    }
    if (req.method !== 'GET') return send(405, 'text/plain', 'Method not allowed');
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(RENDERER, rel));
    if (!file.startsWith(RENDERER + sep) || !existsSync(file) || !statSync(file).isFile())
      return send(404, 'text/plain', `not found: ${url.pathname}`);
    send(200, MIME[extname(file)] ?? 'application/octet-stream', readFileSync(file));
  }

  let port = 0;
  const listening = await new Promise<string | null>((done) => {
    server.once('error', (e) => done(`cannot listen on 127.0.0.1:${opts.port ?? 5173}: ${e.message}`));
    server.listen({ port: opts.port ?? 5173, host: '127.0.0.1', exclusive: true }, () => done(null));
  });
  if (listening) return listening;
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  await restart();
  return {
    url: `${origin}/`,
    port,
    engine: () => ('url' in engine ? { url: engine.url } : { error: engine.error }),
    close: () =>
      new Promise<void>((done) => {
        if ('child' in engine) engine.child.kill();
        if (engine2 && 'child' in engine2) engine2.child.kill();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, scenario: { type: 'string' }, 'no-scenario': { type: 'boolean' } },
  });
  const port = Number(values.port ?? process.env.PORT ?? '5173');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`serve: --port must be 0..65535\n`);
    process.exit(2);
  }
  const host = await startBrowserHost({
    port,
    scenario: values['no-scenario'] ? null : (values.scenario ?? DEFAULT_SCENARIO),
  });
  if (typeof host === 'string') {
    process.stderr.write(`serve: ${host}\n`);
    process.exit(1);
  }
  const engine = host.engine();
  process.stdout.write(
    `corescope: workbench at ${host.url}  (engine: ${'url' in engine ? engine.url : engine.error})\n`,
  );
  const quit = (): void => void host.close().finally(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
