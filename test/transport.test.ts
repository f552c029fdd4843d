import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { EngineTransport } from '../src/engine/host/transport';
import { MessagePortTransport, type PortEvent } from '../src/engine/host/transport_messageport';
import { connectWebSocketFromNode, EngineWebSocketServer } from '../src/engine/host/transport_websocket';
import { HELLO, parseCommand, parseMessage, parseReply, type Message } from '../src/engine/protocol';

/** The next message that arrives on `t`, parsed. */
function next(t: EngineTransport): Promise<Message> {
  return new Promise((resolve, reject) => {
    let done = false;
    t.onMessage((raw) => {
      if (done) return;
      done = true;
      const msg = parseMessage(raw);
      if (msg.ok) resolve(msg.value);
      else reject(new Error(msg.error.message));
    });
  });
}

/** Collects every message on `t`, parsed. */
function collect(t: EngineTransport): Message[] {
  const out: Message[] = [];
  t.onMessage((raw) => {
    const msg = parseMessage(raw);
    if (!msg.ok) throw new Error(msg.error.message);
    out.push(msg.value);
  });
  return out;
}

const until = async (cond: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

/** A tiny engine: answers hello with hello, and memoryRead with four bytes, validating all. */
function serveEngine(t: EngineTransport): void {
  t.onMessage((raw) => {
    const msg = parseMessage(raw);
    if (!msg.ok) {
      t.send({ type: 'event', event: { kind: 'error', message: msg.error.message } });
      return;
    }
    if (msg.value.type === 'hello') t.send(HELLO);
    if (msg.value.type !== 'cmd') return;
    const { id, cmd } = msg.value;
    if (cmd.kind === 'memoryRead') {
      t.send({ type: 'reply', id, ok: true, result: { address: cmd.address, bytes: 'AQIDBA==' } });
    } else {
      t.send({ type: 'reply', id, ok: false, error: { code: 'unsupported', message: `not here: ${cmd.kind}` } });
    }
  });
}

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
});

async function startServer(options: { origin?: string } = {}): Promise<EngineWebSocketServer> {
  const server = await EngineWebSocketServer.listen(options, (t) => serveEngine(t));
  open.push(server);
  return server;
}

/** A raw `ws` client (to send frames that a transport would never send). */
function rawClient(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    open.push({ close: () => ws.terminate() });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const nextFrame = (ws: WebSocket): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no frame came back')), 5000);
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(data)));
    });
  });

describe('WebSocket transport', () => {
  it('round-trips hello, a command and its reply on 127.0.0.1', async () => {
    const server = await startServer();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}`);

    const client = await connectWebSocketFromNode(server.url);
    open.push(client);
    const hello = next(client);
    client.send(HELLO);
    expect(await hello).toEqual(HELLO);

    const received = collect(client);
    client.send({ type: 'cmd', id: 1, cmd: { kind: 'memoryRead', space: { pd: 2 }, address: 0x1000, length: 4 } });
    client.send({ type: 'cmd', id: 2, cmd: { kind: 'topology' } });
    await until(() => received.length === 2, 'two replies');
    const reply = parseReply(received[0], 'memoryRead');
    expect(reply).toEqual({
      ok: true,
      value: { type: 'reply', id: 1, ok: true, result: { address: 0x1000, bytes: 'AQIDBA==' } },
    });
    expect(received[1]).toMatchObject({ type: 'reply', id: 2, ok: false, error: { code: 'unsupported' } });
  });

  it('answers a frame that is not JSON with an error event and keeps the connection', async () => {
    const server = await startServer();
    const ws = await rawClient(server.url);

    let frame = nextFrame(ws);
    ws.send('{"type": "cmd", id: 1');
    const error = await frame;
    expect(parseMessage(error).ok).toBe(true);
    expect(error).toMatchObject({ type: 'event', event: { kind: 'error' } });
    expect((error as { event: { message: string } }).event.message).toMatch(/^the frame is not JSON \(/);

    frame = nextFrame(ws);
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await frame).toEqual({
      type: 'event',
      event: { kind: 'error', message: 'binary frames are not part of the protocol' },
    });

    // JSON, but not a protocol message: the engine (not the transport) refuses it.
    frame = nextFrame(ws);
    ws.send(
      JSON.stringify({ type: 'cmd', id: 3, cmd: { kind: 'memoryRead', space: 'physical', address: -1, length: 4 } }),
    );
    expect(await frame).toEqual({
      type: 'event',
      event: { kind: 'error', message: 'cmd.address: expected a uint32 (0..4294967295), got -1' },
    });

    // Still connected: a good command gets its reply.
    frame = nextFrame(ws);
    ws.send(
      JSON.stringify({ type: 'cmd', id: 4, cmd: { kind: 'memoryRead', space: 'physical', address: 0, length: 4 } }),
    );
    expect(await frame).toMatchObject({ type: 'reply', id: 4, ok: true });
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('binds 127.0.0.1 only', async () => {
    const server = await startServer();
    expect(server.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4', port: server.port });

    const refused = (host: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect({ host, port: server.port });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
    expect(await refused('127.0.0.1')).toBe('connected');
    // Every other address of this machine refuses the port (IPv6 loopback and the LAN ones).
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const host of ['::1', ...others]) expect([host, await refused(host)]).not.toEqual([host, 'connected']);
  });

  it('refuses other origins when a page origin is given', async () => {
    const origin = 'http://127.0.0.1:5173';
    const server = await startServer({ origin });
    await expect(connectWebSocketFromNode(server.url, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(connectWebSocketFromNode(server.url)).rejects.toThrow(/403/);
    const client = await connectWebSocketFromNode(server.url, { origin });
    open.push(client);
    const hello = next(client);
    client.send(HELLO);
    expect(await hello).toEqual(HELLO);
  });

  it('refuses a Host header that is not the loopback address (DNS rebinding)', async () => {
    const server = await startServer();
    const host = `rebound.example:${server.port}`;
    await expect(connectWebSocketFromNode(server.url, { headers: { host } })).rejects.toThrow(/403/);
    const ok = await connectWebSocketFromNode(server.url, { headers: { host: `localhost:${server.port}` } });
    open.push(ok);
  });

  it('tells both ends when a connection ends', async () => {
    let serverSide: EngineTransport | undefined;
    const server = await EngineWebSocketServer.listen({}, (t) => (serverSide = t));
    const client = await connectWebSocketFromNode(server.url);
    await until(() => serverSide !== undefined, 'the connection');
    let clientClosed = false;
    let serverClosed = false;
    client.onClose(() => (clientClosed = true));
    serverSide!.onClose(() => (serverClosed = true));
    client.close();
    await until(() => clientClosed && serverClosed, 'both close callbacks');

    // Closing the server closes its connections.
    const again = await connectWebSocketFromNode(server.url);
    let againClosed = false;
    again.onClose(() => (againClosed = true));
    await server.close();
    await until(() => againClosed, 'the close on server shutdown');
    // Sending on a closed transport does nothing.
    again.send(HELLO);
  });

  it('fails clearly when nothing listens', async () => {
    const server = await startServer();
    const url = server.url;
    await server.close();
    open.pop();
    await expect(connectWebSocketFromNode(url)).rejects.toThrow(
      /could not connect to ws:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );
  });
});

describe('MessagePort transport', () => {
  it('round-trips over a real worker_threads MessageChannel', async () => {
    const { port1, port2 } = new MessageChannel();
    const ui = new MessagePortTransport(port1);
    const engine = new MessagePortTransport(port2);
    open.push(ui, engine);
    serveEngine(engine);

    const hello = next(ui);
    ui.send(HELLO);
    expect(await hello).toEqual(HELLO);

    const received = collect(ui);
    ui.send({ type: 'cmd', id: 9, cmd: { kind: 'memoryRead', space: 'physical', address: 16, length: 4 } });
    await until(() => received.length === 1, 'the reply');
    expect(parseReply(received[0], 'memoryRead')).toEqual({
      ok: true,
      value: { type: 'reply', id: 9, ok: true, result: { address: 16, bytes: 'AQIDBA==' } },
    });
  });

  it('keeps messages that arrive before the first listener, in order', async () => {
    const { port1, port2 } = new MessageChannel();
    const ui = new MessagePortTransport(port1);
    const engine = new MessagePortTransport(port2);
    open.push(ui, engine);
    for (let id = 1; id <= 3; id++) ui.send({ type: 'cmd', id, cmd: { kind: 'run' } });
    await new Promise((r) => setTimeout(r, 20));
    const ids: number[] = [];
    engine.onMessage((raw) => {
      const cmd = parseCommand(raw);
      if (cmd.ok) ids.push(cmd.value.id);
    });
    await until(() => ids.length === 3, 'three commands');
    expect(ids).toEqual([1, 2, 3]);
  });

  it('tells both ends when one closes', async () => {
    const { port1, port2 } = new MessageChannel();
    const ui = new MessagePortTransport(port1);
    const engine = new MessagePortTransport(port2);
    let uiClosed = 0;
    let engineClosed = 0;
    ui.onClose(() => uiClosed++);
    engine.onClose(() => engineClosed++);
    ui.close();
    ui.close();
    await until(() => engineClosed === 1, "the engine's close");
    expect(uiClosed).toBe(1);
    expect(ui.closed && engine.closed).toBe(true);
    let late = false;
    ui.onClose(() => (late = true));
    expect(late).toBe(true);
  });

  it("works with a port that only has on('message') and start(), as Electron's MessagePortMain", async () => {
    // Electron is not available in the test process; this port follows MessagePortMain's
    // documented behaviour on top of a real MessagePort: listeners get {data}, and nothing
    // is delivered before start().
    const { port1, port2 } = new MessageChannel();
    class PortMain extends EventEmitter {
      private started = false;
      private readonly held: unknown[] = [];
      constructor(private readonly port: typeof port1) {
        super();
        // Node's own on('message') hands over the bare value.
        port.on('message', (data: unknown) =>
          this.started ? this.emit('message', { data } satisfies PortEvent) : this.held.push(data),
        );
        port.on('close', () => this.emit('close'));
      }
      postMessage(message: unknown): void {
        this.port.postMessage(message);
      }
      start(): void {
        this.started = true;
        for (const data of this.held.splice(0)) this.emit('message', { data });
      }
      close(): void {
        this.port.close();
      }
    }
    const main = new MessagePortTransport(new PortMain(port1));
    const engine = new MessagePortTransport(port2);
    open.push(main, engine);
    serveEngine(engine);
    const hello = next(main);
    main.send(HELLO);
    expect(await hello).toEqual(HELLO);
    let closed = false;
    main.onClose(() => (closed = true));
    engine.close();
    await until(() => closed, 'the close event');
  });
});
