/**
 * How protocol messages travel between the UI and the engine host. A transport moves plain
 * JSON-able objects and nothing else: it never validates for the receiver, who checks every
 * incoming value with `parseMessage` (protocol.ts) before using it.
 *
 * Implementations: transport_messageport.ts (Electron utilityProcess, DOM MessagePort),
 * transport_websocket.ts (the browser host's server side) and transport_websocket_client.ts
 * (its client side, in a browser or in Node).
 */
import type { Message } from '../protocol';

export interface EngineTransport {
  /** Sends a message to the peer; does nothing once the transport is closed. */
  send(msg: Message): void;
  /**
   * Calls `cb` with each incoming message, still unvalidated. Messages that arrive before the
   * first callback is registered are kept and given to it.
   */
  onMessage(cb: (msg: unknown) => void): void;
  /** Calls `cb` once when the connection ends, whichever side ended it (at once if it has). */
  onClose(cb: () => void): void;
  /** Ends the connection. */
  close(): void;
}

/**
 * The bookkeeping every transport shares: message and close listeners, the queue of messages
 * that came before the first listener, and closing exactly once.
 */
export abstract class BaseTransport implements EngineTransport {
  private readonly messageListeners: ((msg: unknown) => void)[] = [];
  private readonly closeListeners: (() => void)[] = [];
  private early: unknown[] | null = [];
  private ended = false;

  /** Whether the connection has ended. */
  get closed(): boolean {
    return this.ended;
  }

  send(msg: Message): void {
    if (!this.ended) this.post(msg);
  }

  onMessage(cb: (msg: unknown) => void): void {
    this.messageListeners.push(cb);
    const early = this.early;
    this.early = null;
    for (const msg of early ?? []) cb(msg);
  }

  onClose(cb: () => void): void {
    if (this.ended) cb();
    else this.closeListeners.push(cb);
  }

  close(): void {
    if (this.ended) return;
    this.shutdown();
    this.peerClosed();
  }

  /** Hands an incoming message to the listeners (implementations call this). */
  protected deliver(msg: unknown): void {
    if (this.ended) return;
    if (this.early) this.early.push(msg);
    else for (const cb of this.messageListeners) cb(msg);
  }

  /** Records that the connection ended (implementations call this when the peer closes it). */
  protected peerClosed(): void {
    if (this.ended) return;
    this.ended = true;
    for (const cb of this.closeListeners.splice(0)) cb();
  }

  /** Puts one message on the channel. */
  protected abstract post(msg: Message): void;
  /** Closes the channel (called once, from close()). */
  protected abstract shutdown(): void;
}
