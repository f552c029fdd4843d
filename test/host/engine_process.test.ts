/**
 * The engine host as a Node child process behind a WebSocket server on 127.0.0.1 (the browser
 * host's arrangement), and in the Electron utility-process role, where the main process hands
 * it MessagePorts through `process.parentPort` (here: an object of that shape delivering ports
 * of a real worker_threads MessageChannel, which the transport treats like Electron's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { SCENARIO_ROOT } from '../../src/cli/scenario_files';
import { EngineHost } from '../../src/engine/host/engine_host';
import { serveParentPort, type ParentPort } from '../../src/engine/host/engine_process';
import { MessagePortTransport } from '../../src/engine/host/transport_messageport';
import { connectWebSocketFromNode } from '../../src/engine/host/transport_websocket';
import { parseMessage, type Message } from '../../src/engine/protocol';

const ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/engine/host/engine_process.ts');

let children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children) c.kill();
  children = [];
});

/** Starts the engine process; resolves with its ready line. */
function start(args: string[]): Promise<{ child: ChildProcess; ready: { port: number; url: string } }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((res, rej) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => res({ child, ready: JSON.parse(line) }));
    child.once('exit', (code) => rej(new Error(`engine process exited with ${code}: ${stderr}`)));
  });
}

describe('engine process (WebSocket role)', () => {
  it('listens on 127.0.0.1, loads the scenario given, and serves protocol clients', async () => {
    const { ready } = await start(['--load', join(SCENARIO_ROOT, 'counter.xml')]);
    expect(ready.url).toBe(`ws://127.0.0.1:${ready.port}`);
    const t = await connectWebSocketFromNode(ready.url);
    const received: Message[] = [];
    t.onMessage((m) => {
      const p = parseMessage(m);
      if (!p.ok) throw new Error(p.error.message);
      received.push(p.value);
    });
    const wait = async (pred: (m: Message) => boolean): Promise<Message> => {
      for (let i = 0; i < 10_000; i++) {
        const m = received.find(pred);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 2));
      }
      throw new Error('timed out');
    };
    expect(await wait((m) => m.type === 'hello')).toEqual({ type: 'hello', version: 1 });
    t.send({ type: 'cmd', id: 1, cmd: { kind: 'threads' } });
    const threads = await wait((m) => m.type === 'reply' && m.id === 1);
    expect(threads).toMatchObject({ ok: true });
    expect(JSON.stringify(threads)).toContain('"name":"ep"');
    t.send({ type: 'cmd', id: 2, cmd: { kind: 'run' } });
    const log = await wait((m) => m.type === 'event' && m.event.kind === 'log');
    expect(JSON.stringify(log)).toContain('init -> counter');
    t.close();
  });

  it('refuses a bad port and a missing scenario with a message', async () => {
    await expect(start(['--port', 'x'])).rejects.toThrow(/--port must be 0..65535/);
    await expect(start(['--load', '/nonexistent.xml'])).rejects.toThrow(/cannot read \/nonexistent.xml/);
  });
});

describe('engine process (utility-process role)', () => {
  it('serves each MessagePort the parent sends', async () => {
    const host = EngineHost.create();
    let deliver: Parameters<ParentPort['on']>[1] | null = null;
    const parentPort: ParentPort = { on: (_event, listener) => (deliver = listener) };
    serveParentPort(host, parentPort);
    const { port1, port2 } = new MessageChannel();
    deliver!({ data: 'engine-port', ports: [port2] });
    const ui = new MessagePortTransport(port1);
    const received: Message[] = [];
    ui.onMessage((m) => {
      const p = parseMessage(m);
      if (p.ok) received.push(p.value);
    });
    ui.send({ type: 'cmd', id: 5, cmd: { kind: 'load', path: join(SCENARIO_ROOT, 'counter.xml') } });
    for (let i = 0; i < 5000 && !received.some((m) => m.type === 'reply'); i++)
      await new Promise((r) => setTimeout(r, 2));
    expect(received[0]).toEqual({ type: 'hello', version: 1 });
    expect(received.find((m) => m.type === 'reply')).toEqual({
      type: 'reply',
      id: 5,
      ok: true,
      result: { name: 'counter' },
    });
    ui.close();
    port2.close();
    await host.dispose();
  });
});
