/**
 * The engine host as a process of its own, in one of two roles:
 *
 * - Electron utility process (`utilityProcess.fork` from the main process): the main process
 *   posts a message carrying a MessagePort (its other end goes to the renderer); every port
 *   that arrives becomes a client over the MessagePort transport.
 * - Node child process of the browser host: listens for WebSocket clients on 127.0.0.1 and
 *   reports its port, as one JSON line `{"ready":true,"port":N,"url":"ws://..."}` on stdout and,
 *   when started with an IPC channel (`fork`), as an IPC message of the same shape.
 *
 * Options: `--port N` (WebSocket role; default 0: any free port), `--origin URL` (the only
 * page origin allowed to connect), `--load FILE` (a scenario to load before the first client),
 * `--pace=flat` (run as fast as the host can; default: virtual time paced to real time).
 * The process ends when its parent goes (IPC disconnect, SIGTERM, or the parent died).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EngineHost } from './engine_host';
import { MessagePortTransport, type MessagePortLike } from './transport_messageport';
import { EngineWebSocketServer } from './transport_websocket';

/** What Electron's utility process offers as `process.parentPort`. */
export interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports: MessagePortLike[] }) => void): void;
}

/** The utility-process role: every MessagePort the main process sends becomes a client. */
export function serveParentPort(host: EngineHost, parentPort: ParentPort): void {
  parentPort.on('message', (e) => {
    for (const port of e.ports ?? []) host.attach(new MessagePortTransport(port));
  });
}

/**
 * Runs the engine process with these arguments (see the options above). Exported so that the
 * Electron build can start it from an entry of its own (`src/main/engine_entry.ts`).
 */
let started = false;
export async function runEngineProcess(argv: string[] = process.argv.slice(2)): Promise<void> {
  if (started) return; // a bundle may both import this module and run it as its entry
  started = true;
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      origin: { type: 'string' },
      load: { type: 'string' },
      pace: { type: 'string' },
    },
  });
  // A person watches: virtual time at the pace of real time unless asked otherwise.
  const pace = values.pace === 'flat' ? 'flat' : 'realtime';
  const host = EngineHost.create({ pace });
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  const fail = (why: string, code: number): never => {
    process.stderr.write(`engine: ${why}\n`);
    process.exit(code);
  };
  const port = Number(values.port ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${values.port}`, 2);
  if (values.load !== undefined) {
    const reply = await host.execute(0, { kind: 'load', path: values.load });
    // In Electron the window shows the error and offers to open another scenario; the browser
    // host's engine has nobody to tell but its parent.
    if (!reply.ok && !parentPort) fail(reply.error.message, 1);
    if (!reply.ok) process.stderr.write(`engine: ${reply.error.message}\n`);
  }
  if (parentPort) return serveParentPort(host, parentPort);

  let server: EngineWebSocketServer;
  try {
    server = await EngineWebSocketServer.listen({ port, origin: values.origin }, (t) => host.attach(t));
  } catch (e) {
    process.stderr.write(`engine: cannot listen on 127.0.0.1:${port}: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const ready = { ready: true, port: server.port, url: server.url };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.send?.(ready);
  const quit = (): void => {
    void host
      .dispose()
      .then(() => server.close())
      .finally(() => process.exit(0));
  };
  process.on('disconnect', quit);
  process.on('SIGTERM', quit);
  // A parent that dies without a word: this process is adopted by another one.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) quit();
  }, 1000).unref();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void runEngineProcess();
