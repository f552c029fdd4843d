/**
 * The renderer's end of the engine protocol: one connection to the engine host, over a
 * WebSocket (browser host: its address comes from the page's server at /engine.json) or, in
 * Electron, over a MessagePort the preload hands over. Every message that arrives is validated
 * with the protocol's parsers before anyone sees it; replies are matched to their commands by
 * id and checked against the command's result schema.
 */
import { connectWebSocket } from '../../engine/host/transport_websocket_client';
import type { EngineTransport } from '../../engine/host/transport';
import { MessagePortTransport } from '../../engine/host/transport_messageport';
import type { CorescopeApi } from '../../preload/api';
import { ENGINE_PORT_MESSAGE } from '../../preload/channels';
import {
  HELLO,
  parseMessage,
  parseResult,
  type Command,
  type CommandKind,
  type CommandResult,
  type EngineEvent,
  type ErrorCode,
} from '../../engine/protocol';

/** A command the engine refused or could not do. */
export class CommandFailed extends Error {
  constructor(
    readonly kind: CommandKind,
    readonly code: ErrorCode | 'closed',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

type KindOf<C> = C extends { kind: infer K extends CommandKind } ? K : never;

interface Pending {
  kind: CommandKind;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

export class EngineConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(e: EngineEvent) => void>();
  private readonly closeListeners = new Set<(why: string) => void>();
  private closedWhy: string | null = null;

  constructor(private readonly transport: EngineTransport) {
    transport.onMessage((raw) => this.receive(raw));
    transport.onClose(() => this.ended('the connection to the engine closed'));
    transport.send(HELLO);
  }

  /** Connects the way this shell allows: Electron's port, else the browser host's WebSocket. */
  static async open(machine: 1 | 2 = 1): Promise<EngineConnection> {
    if (window.corescope) return EngineConnection.openElectron(window.corescope, machine);
    const res = await fetch(machine === 2 ? '/engine.json?machine=2' : '/engine.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`the page's server has no engine (${res.status} ${res.statusText})`);
    const info = (await res.json()) as { url?: string; error?: string };
    if (typeof info.url !== 'string') throw new Error(info.error ?? 'the engine has no address');
    return new EngineConnection(await connectWebSocket(info.url));
  }

  /** Asks the page's server (or Electron's main process) for a fresh engine process. */
  static async restart(): Promise<EngineConnection> {
    if (window.corescope) {
      await window.corescope.restartEngine();
      return EngineConnection.openElectron(window.corescope);
    }
    const res = await fetch('/engine/restart', { method: 'POST' });
    const info = (await res.json()) as { url?: string; error?: string };
    if (typeof info.url !== 'string') throw new Error(info.error ?? 'the engine did not restart');
    return new EngineConnection(await connectWebSocket(info.url));
  }

  /** Electron: the main process posts a MessagePort to the engine process (via the preload). */
  private static async openElectron(api: CorescopeApi, machine: 1 | 2 = 1): Promise<EngineConnection> {
    const port = new Promise<MessagePort>((resolve) => {
      const take = (e: MessageEvent): void => {
        const data = e.data as { corescope?: string; machine?: number } | null;
        if (e.source !== window || data?.corescope !== ENGINE_PORT_MESSAGE || !e.ports[0]) return;
        if ((data.machine ?? 1) !== machine) return;
        window.removeEventListener('message', take);
        resolve(e.ports[0]);
      };
      window.addEventListener('message', take);
    });
    await api.connectEngine(machine);
    return new EngineConnection(new MessagePortTransport(await port));
  }

  get closed(): string | null {
    return this.closedWhy;
  }

  /** Sends a command; resolves with its validated result or rejects with {@link CommandFailed}. */
  call<C extends Command>(cmd: C): Promise<CommandResult<KindOf<C>>> {
    if (this.closedWhy) return Promise.reject(new CommandFailed(cmd.kind, 'closed', this.closedWhy));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { kind: cmd.kind, resolve: resolve as (v: unknown) => void, reject });
      this.transport.send({ type: 'cmd', id, cmd });
    });
  }

  onEvent(cb: (e: EngineEvent) => void): () => void {
    this.eventListeners.add(cb);
    return () => this.eventListeners.delete(cb);
  }

  onClose(cb: (why: string) => void): void {
    if (this.closedWhy) cb(this.closedWhy);
    else this.closeListeners.add(cb);
  }

  close(): void {
    this.transport.close();
  }

  private receive(raw: unknown): void {
    const msg = parseMessage(raw);
    if (!msg.ok) {
      this.emit({ kind: 'error', message: `invalid message from the engine: ${msg.error.message}` });
      return;
    }
    const m = msg.value;
    if (m.type === 'event') return this.emit(m.event);
    if (m.type !== 'reply') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (!m.ok) {
      p.reject(new CommandFailed(p.kind, m.error.code, m.error.message, m.error.field));
      return;
    }
    const result = parseResult(p.kind, m.result);
    if (result.ok) p.resolve(result.value);
    else p.reject(new CommandFailed(p.kind, 'invalid', `invalid reply from the engine: ${result.error.message}`));
  }

  private emit(e: EngineEvent): void {
    for (const cb of this.eventListeners) cb(e);
  }

  private ended(why: string): void {
    if (this.closedWhy) return;
    this.closedWhy = why;
    for (const p of this.pending.values()) p.reject(new CommandFailed(p.kind, 'closed', why));
    this.pending.clear();
    for (const cb of this.closeListeners) cb(why);
  }
}
