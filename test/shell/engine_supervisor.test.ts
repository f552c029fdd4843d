/**
 * The Electron main process's engine supervisor, with a worker thread in the utility process's
 * place (Electron itself cannot run here): ports reach a real engine host, the death of the
 * engine process is reported with its exit code, and a restart gives a working engine again.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { SCENARIO_ROOT } from '../../src/cli/scenario_files';
import { EngineSupervisor, type EngineChild, type PortLike } from '../../src/main/engine_supervisor';
import { MessagePortTransport, type MessagePortLike } from '../../src/engine/host/transport_messageport';
import { HELLO, parseMessage, type Command } from '../../src/engine/protocol';

const WORKER = resolve(dirname(fileURLToPath(import.meta.url)), '../support/engine_worker.mjs');

let workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  workers = [];
});

function forkWorker(): EngineChild & { worker: Worker } {
  const worker = new Worker(WORKER, { stderr: true });
  workers.push(worker);
  return {
    worker,
    postMessage: (data, transfer) => worker.postMessage({ data, ports: transfer }, transfer as never),
    onExit: (cb) => worker.on('exit', cb),
    onStderr: (cb) => worker.stderr.on('data', (d: Buffer) => cb(d.toString())),
    kill: () => void worker.terminate(),
  };
}

function supervisor() {
  const deaths: string[] = [];
  const forks: ReturnType<typeof forkWorker>[] = [];
  const sup = new EngineSupervisor({
    fork: () => {
      const f = forkWorker();
      forks.push(f);
      return f;
    },
    channel: () => new MessageChannel() as unknown as { port1: PortLike; port2: PortLike },
    onDied: (why) => deaths.push(why),
  });
  return { sup, deaths, forks };
}

/** A protocol client on the renderer's end of the channel (the renderer's own needs a DOM). */
function open(port: PortLike) {
  const t = new MessagePortTransport(port as MessagePortLike);
  const waiting = new Map<number, (r: { ok: boolean; result?: unknown; error?: { message: string } }) => void>();
  let id = 0;
  t.onMessage((raw) => {
    const m = parseMessage(raw);
    if (!m.ok) throw new Error(m.error.message);
    if (m.value.type === 'reply') waiting.get(m.value.id)?.(m.value);
  });
  t.send(HELLO);
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    call: (cmd: Command): Promise<any> =>
      new Promise((resolve, reject) => {
        waiting.set(++id, (r) => (r.ok ? resolve(r.result) : reject(new Error(r.error!.message))));
        t.send({ type: 'cmd', id, cmd });
      }),
  };
}

async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('engine supervisor (Electron main process)', () => {
  it('connects the renderer to the engine process through a fresh channel', async () => {
    const { sup } = supervisor();
    const conn = open(sup.connect());
    const loaded = await conn.call({ kind: 'load', path: join(SCENARIO_ROOT, 'counter.xml') });
    expect(loaded.name).toContain('counter');
    const topo: { pds: { child: string | null }[] } = await conn.call({ kind: 'topology' });
    expect(topo.pds.map((p) => p.child)).toContain('counter');
    // A second window connection reaches the same engine.
    const second = open(sup.connect());
    expect((await second.call({ kind: 'topology' })).pds.length).toBe(topo.pds.length);
    sup.stop();
  });

  it('reports the death of the engine process with its exit code, and restarts on request', async () => {
    const { sup, deaths, forks } = supervisor();
    const conn = open(sup.connect());
    await conn.call({ kind: 'load', path: join(SCENARIO_ROOT, 'counter.xml') });
    forks[0]!.worker.postMessage({ data: { type: 'die' }, ports: [] });
    await until(() => deaths.length > 0, 'the death report');
    expect(deaths[0]).toMatch(/exited with code 3/);
    expect(sup.alive).toBe(false);

    sup.restart();
    const fresh = open(sup.connect());
    const loaded = await fresh.call({ kind: 'load', path: join(SCENARIO_ROOT, 'counter.xml') });
    expect(loaded.name).toContain('counter');
    expect(forks).toHaveLength(2);
    sup.stop();
  });

  it('does not report a process it stopped itself', async () => {
    const { sup, deaths, forks } = supervisor();
    const counter = join(SCENARIO_ROOT, 'counter.xml');
    await open(sup.connect()).call({ kind: 'load', path: counter });
    sup.restart();
    await open(sup.connect()).call({ kind: 'load', path: counter });
    await until(() => forks[0]!.worker.threadId === -1, 'the first worker to end');
    await new Promise((r) => setTimeout(r, 50));
    expect(deaths).toEqual([]);
    sup.stop();
  });
});
