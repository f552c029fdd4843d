/**
 * The transport over a MessagePort: Electron's utilityProcess side (`process.parentPort`), a
 * `MessagePortMain` in the main process, the renderer's DOM `MessagePort`, or a Node
 * `worker_threads` port. The port is typed structurally, so nothing here imports Electron.
 *
 * Messages are posted as they are (structured clone); the receiver validates them.
 */
import type { Message } from '../protocol';
import { BaseTransport } from './transport';

/**
 * What the transport needs of a port. Two ways of receiving exist, and the port must offer one:
 * - `onmessage` (DOM MessagePort, Node MessagePort): the handler gets an event with `data`;
 * - `on('message')` (Electron MessagePortMain and parentPort): the listener gets an event with
 *   `data`. (Node's ports also have `on`, but give the bare value; they have `onmessage`,
 *   which is preferred.)
 * Closing is seen through `on('close')` or `addEventListener('close')` where the port has
 * them; Electron's parentPort has neither (its process ends instead).
 */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  onmessage?: unknown;
  on?(event: string, listener: (event?: PortEvent) => void): unknown;
  addEventListener?(type: string, listener: (event?: PortEvent) => void): void;
  /** Electron's MessagePortMain delivers nothing until it is started. */
  start?(): void;
  close?(): void;
}

/** The part of a port's events the transport reads (`data` on 'message'). */
export interface PortEvent {
  readonly type?: string;
  readonly data?: unknown;
}

export class MessagePortTransport extends BaseTransport {
  constructor(private readonly port: MessagePortLike) {
    super();
    const receive = (event?: PortEvent): void => this.deliver(event?.data);
    if ('onmessage' in port) (port as { onmessage: unknown }).onmessage = receive;
    else if (port.on) port.on('message', receive);
    else throw new TypeError('MessagePortTransport: the port has neither onmessage nor on()');
    if (port.on) port.on('close', () => this.peerClosed());
    else port.addEventListener?.('close', () => this.peerClosed());
    port.start?.();
  }

  protected post(msg: Message): void {
    this.port.postMessage(msg);
  }

  protected shutdown(): void {
    if ('onmessage' in this.port) (this.port as { onmessage: unknown }).onmessage = null;
    this.port.close?.();
  }
}
