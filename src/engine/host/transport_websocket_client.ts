/**
 * The transport over a WebSocket, one JSON text frame per message. Pure TypeScript: the socket
 * is typed structurally, so the same code wraps a browser's `WebSocket` and a Node `ws`
 * socket (transport_websocket.ts uses it for the server's connections).
 */
import type { Message } from '../protocol';
import { BaseTransport } from './transport';

/** What the transport needs of a WebSocket (the browser's and `ws`'s both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: SocketEvent) => void): void;
}

/** The part of the socket's events the transport reads (`data` on 'message'). */
interface SocketEvent {
  readonly type: string;
  readonly data?: unknown;
  /** On 'error' events of Node's ws. */
  readonly message?: unknown;
}

/** WebSocket readyState values (the standard's). */
const OPEN = 1;
const CLOSED = 3;

/**
 * What to do with a frame that is not JSON text: 'tellPeer' sends the peer an error event (the
 * server's choice: the client made the mistake), 'tellReceiver' delivers an error event to
 * this end's listeners as if it had come in (the client's choice).
 */
export type BadFramePolicy = 'tellPeer' | 'tellReceiver';

export class WebSocketTransport extends BaseTransport {
  constructor(
    private readonly socket: WebSocketLike,
    private readonly badFrames: BadFramePolicy = 'tellReceiver',
  ) {
    super();
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', () => this.peerClosed());
    // An 'error' is always followed by 'close'; listening keeps Node's ws from throwing it.
    socket.addEventListener('error', () => {});
    if (socket.readyState === CLOSED) this.peerClosed();
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return this.badFrame('binary frames are not part of the protocol');
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch (e) {
      return this.badFrame(`the frame is not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    this.deliver(msg);
  }

  private badFrame(message: string): void {
    const event: Message = { type: 'event', event: { kind: 'error', message } };
    if (this.badFrames === 'tellPeer') this.send(event);
    else this.deliver(event);
  }

  protected post(msg: Message): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify(msg));
  }

  protected shutdown(): void {
    this.socket.close(1000, 'closed');
  }
}

export interface ConnectOptions {
  /** Makes the socket; by default the global `WebSocket` (browsers, Node 22+). */
  create?: (url: string) => WebSocketLike;
}

/**
 * Opens a WebSocket to `url` and wraps it once it is open.
 * Fails when no WebSocket implementation is available or the connection is refused.
 */
export function connectWebSocket(url: string, options: ConnectOptions = {}): Promise<WebSocketTransport> {
  const global = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  const create = options.create ?? (global && ((u: string) => new global(u)));
  if (!create) return Promise.reject(new Error('connectWebSocket: no WebSocket here; pass options.create'));
  return new Promise((resolve, reject) => {
    const socket = create(url);
    let settled = false;
    let reason = '';
    // Wrap at once so that no frame that comes right after 'open' is missed.
    const transport = new WebSocketTransport(socket, 'tellReceiver');
    socket.addEventListener('error', (event) => {
      if (typeof event.message === 'string') reason = `: ${event.message}`;
    });
    socket.addEventListener('open', () => {
      settled = true;
      resolve(transport);
    });
    transport.onClose(() => {
      if (!settled) reject(new Error(`connectWebSocket: could not connect to ${url}${reason}`));
      settled = true;
    });
  });
}
