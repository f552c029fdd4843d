/**
 * Component checkpoints and the second machine. Checkpoints are files the engine writes
 * (`componentCheckpoint`); each can be restored into the first machine (rolling that component
 * back) or into machine 2, a second engine process standing for another ECU (migrating it).
 * Machine 2 has its own connection, scenario, run state, components and LOG lines.
 */
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import type { Command, EngineEvent, Topology } from '../../../engine/protocol';
import { CommandFailed, EngineConnection } from '../connection';
import { checkpointPath, type Checkpoint, type MachineLine } from '../machines/model';
import { formatUs, useSession } from './session';
import { useConsole } from './console';

/** LOG lines kept for machine 2's console. */
const MAX_LINES = 2000;

export const useMachines = defineStore('machines', () => {
  const session = useSession();
  const checkpoints = ref<Checkpoint[]>([]);

  // ------------------------------------------------------------ machine 2 --
  const connection = shallowRef<EngineConnection | null>(null);
  const state = ref<'off' | 'connecting' | 'ready' | 'lost'>('off');
  const why = ref('');
  const scenario = ref('');
  const running = ref(false);
  const topology = shallowRef<Topology | null>(null);
  const lines = shallowRef<readonly MachineLine[]>([]);
  const virtualUs = ref(0);
  let seq = 0;

  function onEvent(e: EngineEvent): void {
    switch (e.kind) {
      case 'running':
        running.value = true;
        break;
      case 'stopped':
        running.value = false;
        break;
      case 'log': {
        const next = lines.value.concat(
          e.lines.map((l) => ({ seq: seq++, label: l.label, text: l.text, time: l.time })),
        );
        lines.value = next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
        break;
      }
      case 'topologyChanged':
        topology.value = e.topology;
        break;
      case 'stats':
        virtualUs.value = e.virtualTimeUs;
        break;
      case 'error':
        session.report(`machine 2: ${e.message}`);
        break;
      default:
    }
  }

  /** Sends a command to machine 2; a failure is shown (as machine 2's) and rethrown. */
  async function call2<C extends Command>(cmd: C) {
    const c = connection.value;
    if (!c) throw new Error('machine 2 is not connected');
    try {
      return await c.call(cmd);
    } catch (e) {
      session.report(e instanceof CommandFailed ? `machine 2: ${e.kind}: ${e.message}` : e);
      throw e;
    }
  }

  /** Starts machine 2's engine (once) and connects to it. */
  async function connect(): Promise<void> {
    if (state.value === 'ready' || state.value === 'connecting') return;
    state.value = 'connecting';
    try {
      const c = await EngineConnection.open(2);
      connection.value = markRaw(c);
      c.onEvent(onEvent);
      c.onClose((w) => {
        if (connection.value === c) {
          state.value = 'lost';
          why.value = w;
          running.value = false;
        }
      });
      state.value = 'ready';
    } catch (e) {
      state.value = 'lost';
      why.value = e instanceof Error ? e.message : String(e);
    }
  }

  async function load(path: string): Promise<void> {
    await connect();
    const r = await call2({ kind: 'load', path });
    scenario.value = r.name;
    lines.value = [];
    topology.value = await call2({ kind: 'topology' });
    await call2({ kind: 'run' });
  }

  const run = () => call2({ kind: 'run' }).catch(() => {});
  const pause = () => call2({ kind: 'pause' }).catch(() => {});

  // ---------------------------------------------------------- checkpoints --

  /** Checkpoints component `child` (its start name) of the first machine. */
  async function checkpoint(child: string): Promise<void> {
    const timeUs = session.stats?.virtualTimeUs ?? 0;
    const path = checkpointPath(child, timeUs, checkpoints.value.length);
    const r = await session.call({ kind: 'componentCheckpoint', label: child, path }).catch(() => null);
    if (!r) return;
    checkpoints.value = [...checkpoints.value, { name: r.name, path: r.path, timeUs, bytes: r.bytes }];
    useConsole().note(`checkpointed ${r.name} at ${formatUs(timeUs)} to ${r.path}`);
  }

  /** Restores a checkpoint into the first machine (the component rolls back). */
  async function restoreHere(cp: Checkpoint): Promise<void> {
    const r = await session.call({ kind: 'componentRestore', path: cp.path }).catch(() => null);
    if (!r) return;
    useConsole().note(`restored ${r.name} from ${formatUs(cp.timeUs)}${r.replaced ? ' (rolled back)' : ''}`);
    await session.refresh();
  }

  /** Restores a checkpoint into machine 2 (the component migrates there). */
  async function migrate(cp: Checkpoint): Promise<void> {
    if (state.value !== 'ready' || !scenario.value) return session.report('machine 2: open a scenario there first');
    const r = await call2({ kind: 'componentRestore', path: cp.path }).catch(() => null);
    if (!r) return;
    topology.value = await call2({ kind: 'topology' });
    lines.value = lines.value.concat([
      {
        seq: seq++,
        label: '',
        text: `— ${r.name} migrated here from ${formatUs(cp.timeUs)} of machine 1 —`,
        time: virtualUs.value,
      },
    ]);
    if (!running.value) await run();
  }

  return {
    checkpoints,
    state,
    why,
    scenario,
    running,
    topology,
    lines,
    virtualUs,
    connect,
    load,
    run,
    pause,
    checkpoint,
    restoreHere,
    migrate,
  };
});
