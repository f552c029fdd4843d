/**
 * A worker thread standing in for Electron's utility process in tests: it runs the engine host
 * and serves every port posted to it, through the same `serveParentPort` the utility process
 * uses. Messages arrive as `{data, ports}`, the shape of Electron's parentPort events.
 */
import { parentPort } from 'node:worker_threads';
import { EngineHost } from '../../src/engine/host/engine_host';
import { serveParentPort } from '../../src/engine/host/engine_process';
import type { MessagePortLike } from '../../src/engine/host/transport_messageport';

const host = EngineHost.create({ pace: 'flat' });
serveParentPort(host, {
  on: (_event, listener) =>
    parentPort!.on('message', (m: { data: unknown; ports: MessagePortLike[] }) => {
      if ((m.data as { type?: string }).type === 'die') process.exit(3);
      listener(m);
    }),
});
