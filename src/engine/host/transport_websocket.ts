/**
 * The browser host's WebSocket server (Node only): the engine host listens on 127.0.0.1 and
 * each connection becomes an {@link EngineTransport}. JSON text frames, one message each; a
 * frame that is not JSON gets an error event back and the connection stays open.
 *
 * Every local process and every web page in a local browser can reach 127.0.0.1, so the
 * server refuses handshakes whose Host header is not the loopback address with this port
 * (DNS rebinding) and, when `origin` is given, whose Origin header is not exactly that origin
 * (another page opening a socket to us).
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { EngineTransport } from './transport';
import { connectWebSocket, WebSocketTransport } from './transport_websocket_client';

export const LOOPBACK = '127.0.0.1';

export interface WebSocketServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** The page origin allowed to connect ('http://127.0.0.1:5173'); absent: any origin. */
  origin?: string;
  /** The URL path to accept connections on; absent: any path. */
  path?: string;
  /** Largest frame accepted, in bytes (the connection is closed with 1009 above it). */
  maxPayload?: number;
}

/** Commands are at most about 1 MiB (scenario XML); leave room. */
const DEFAULT_MAX_PAYLOAD = 4 << 20;

export class EngineWebSocketServer {
  private constructor(
    private readonly wss: WebSocketServer,
    /** The port it listens on (the chosen one when 0 was asked for). */
    readonly port: number,
  ) {}

  /** The address and port the server is bound to. */
  get address(): AddressInfo {
    return this.wss.address() as AddressInfo;
  }

  /** The address a client connects to. */
  get url(): string {
    return `ws://${LOOPBACK}:${this.port}`;
  }

  /**
   * Listens on 127.0.0.1 and calls `onConnection` with a transport for each accepted
   * connection. Fails when the port cannot be bound.
   */
  static listen(
    options: WebSocketServerOptions,
    onConnection: (transport: EngineTransport, request: IncomingMessage) => void,
  ): Promise<EngineWebSocketServer> {
    return new Promise((resolve, reject) => {
      let port = 0;
      const wss = new WebSocketServer({
        host: LOOPBACK,
        port: options.port ?? 0,
        path: options.path,
        maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
        verifyClient: (info, answer) => {
          const host = info.req.headers.host;
          if (host !== `${LOOPBACK}:${port}` && host !== `localhost:${port}`) {
            return answer(false, 403, 'Host not allowed');
          }
          if (options.origin !== undefined && info.origin !== options.origin) {
            return answer(false, 403, 'Origin not allowed');
          }
          answer(true);
        },
      });
      wss.once('error', reject);
      wss.once('listening', () => {
        wss.off('error', reject);
        // Later server errors (rare once listening) must not become uncaught exceptions.
        wss.on('error', () => {});
        port = (wss.address() as AddressInfo).port;
        resolve(new EngineWebSocketServer(wss, port));
      });
      wss.on('connection', (socket, request) => onConnection(new WebSocketTransport(socket, 'tellPeer'), request));
    });
  }

  /** Closes every connection (code 1001) and stops listening. */
  close(): Promise<void> {
    for (const client of this.wss.clients) client.close(1001, 'engine host closing');
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

/**
 * Connects from Node (which has no global WebSocket before Node 22) using `ws`; `origin` sets
 * the Origin header as a browser page would.
 */
export function connectWebSocketFromNode(
  url: string,
  options: { origin?: string; headers?: Record<string, string> } = {},
): Promise<WebSocketTransport> {
  return connectWebSocket(url, {
    create: (u) => new WebSocket(u, { origin: options.origin, headers: options.headers }),
  });
}
