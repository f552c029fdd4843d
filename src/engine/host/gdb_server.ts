/**
 * The GDB stub on a TCP socket (Node only): `gdb-multiarch -ex 'target remote 127.0.0.1:PORT'`.
 *
 * Binds a loopback address only, so nothing off this machine can reach the target. Serves one
 * client at a time; a second client is answered "E.another debugger is connected" to its first
 * packet and closed. A client that goes away without detaching is detached (its breakpoints
 * removed, the target let run). Errors (port in use, a broken connection) are reported through
 * `log` or as the result of `startGdbServer`; none escapes as an exception.
 */
import { createServer, type Socket } from 'node:net';
import { GdbStub } from '../debug/gdb_stub';
import type { GdbTarget } from '../debug/gdb_target';

export interface GdbServerOptions {
  /** TCP port; 0 picks a free one (read it from the result). */
  port: number;
  /** Loopback address to bind. Default 127.0.0.1. */
  host?: '127.0.0.1' | '::1';
  /** Receives a line per event: connections, refusals, errors, protocol problems. */
  log?: (line: string) => void;
}

export interface GdbServer {
  /** The port bound. */
  readonly port: number;
  /** Stops listening and ends the connection, if any (which detaches from the target). */
  close(): Promise<void>;
}

const BUSY_MESSAGE = 'another debugger is connected';

/**
 * Starts serving `target` to gdb. Returns the server once it listens, or a message saying
 * why it cannot (bad port or host, port in use).
 */
export function startGdbServer(target: GdbTarget, opts: GdbServerOptions): Promise<GdbServer | string> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  if (host !== '127.0.0.1' && host !== '::1') return Promise.resolve(`gdb server: ${host} is not a loopback address`);
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    return Promise.resolve(`gdb server: port ${opts.port} is not 0..65535`);
  }

  let client: Socket | null = null;
  const refused = new Set<Socket>();

  const server = createServer((socket) => {
    if (client !== null) {
      refuse(socket);
      return;
    }
    client = socket;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    log(`gdb server: ${peer} connected`);
    socket.setNoDelay(true);
    const stub = new GdbStub(target, { log });
    stub.onSend((data) => {
      if (!socket.destroyed) socket.write(data);
    });
    socket.on('data', (data) => {
      try {
        stub.receive(data);
      } catch (e) {
        // The stub does not throw; this only keeps a bug from taking the whole host down.
        log(`gdb server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    });
    socket.on('end', () => socket.end());
    socket.on('error', (e) => log(`gdb server: ${peer}: ${e.message}`));
    socket.on('close', () => {
      stub.dispose();
      if (client === socket) client = null;
      log(`gdb server: ${peer} disconnected`);
    });
  });

  /** Answers a second client's first packet with an error saying why, then hangs up. */
  function refuse(socket: Socket): void {
    refused.add(socket);
    log(`gdb server: refused ${socket.remoteAddress}:${socket.remotePort}: ${BUSY_MESSAGE}`);
    let seen = '';
    const hangUp = (): void => {
      const body = `E.${BUSY_MESSAGE}`;
      let sum = 0;
      for (const c of body) sum += c.charCodeAt(0);
      if (!socket.destroyed) socket.end(`+$${body}#${(sum & 0xff).toString(16).padStart(2, '0')}`);
    };
    const timer = setTimeout(hangUp, 1000);
    socket.on('data', (data) => {
      seen += data.toString('latin1');
      if (/#[0-9a-fA-F]{2}/.test(seen)) {
        clearTimeout(timer);
        hangUp();
      }
    });
    socket.on('error', () => {}); // a refused client's errors are of no interest
    socket.on('close', () => {
      clearTimeout(timer);
      refused.delete(socket);
    });
  }

  return new Promise((resolve) => {
    const failed = (e: Error): void => resolve(`gdb server: cannot listen on ${host}:${opts.port}: ${e.message}`);
    server.once('error', failed);
    server.listen({ port: opts.port, host, exclusive: true }, () => {
      server.off('error', failed);
      server.on('error', (e) => log(`gdb server: ${e.message}`));
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : opts.port;
      log(`gdb server: listening on ${host}:${port}`);
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            client?.destroy();
            for (const s of refused) s.destroy();
          }),
      });
    });
  });
}
