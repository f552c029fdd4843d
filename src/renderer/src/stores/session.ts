/**
 * The session with the engine: the connection, whether the machine runs, the last stop, stats,
 * and the errors to show. It dispatches the engine's events to the other stores (one per
 * domain: threads, breakpoints, console, topology, trace). Every failure ends up in `errors`,
 * which the workbench shows; nothing is swallowed.
 */
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import type { Command, CommandResult, EngineEvent, EventOf, Stats } from '../../../engine/protocol';
import { CommandFailed, EngineConnection } from '../connection';
import { useBreakpoints } from './breakpoints';
import { useConsole } from './console';
import { useThreads } from './threads';
import { useTopology } from './topology';
import { useTrace } from './trace';
import { useMemory } from './memory';

export type ConnectionState = 'connecting' | 'ready' | 'lost';

/** Virtual time for people: "12.345 ms", "1.234567 s". */
export function formatUs(us: number): string {
  return us >= 1e6 ? `${(us / 1e6).toFixed(6)} s` : `${(us / 1e3).toFixed(3)} ms`;
}

export interface ShownError {
  id: number;
  text: string;
}

export const useSession = defineStore('session', () => {
  const connection = shallowRef<EngineConnection | null>(null);
  const state = ref<ConnectionState>('connecting');
  const lostWhy = ref('');
  const running = ref(false);
  const lastStop = ref<EventOf<'stopped'> | null>(null);
  const stats = ref<Stats | null>(null);
  /** MIPS and virtual time samples for the stats plot (newest last, bounded). */
  const history = ref<{ t: number; mips: number; loads: Record<number, number> }[]>([]);
  const errors = ref<ShownError[]>([]);
  /** The loaded scenario's name, and its path where it came from a file. */
  const scenario = ref('');
  const scenarioPath = ref<string | null>(null);
  /** Long work under way (loading a scenario), shown as progress; null when idle. */
  const busy = ref<string | null>(null);
  /** What reverse execution can reach (refreshed at every stop). */
  const timeline = ref<CommandResult<'history'> | null>(null);
  let errorId = 0;

  function report(e: unknown): void {
    const text = e instanceof CommandFailed ? `${e.kind}: ${e.message}` : e instanceof Error ? e.message : String(e);
    errors.value = [...errors.value.slice(-4), { id: ++errorId, text }];
  }

  function dismiss(id: number): void {
    errors.value = errors.value.filter((e) => e.id !== id);
  }

  /** Sends a command; a failure is shown and rethrown. */
  async function call<C extends Command>(cmd: C) {
    const c = connection.value;
    if (!c) throw new Error('not connected to the engine');
    try {
      return await c.call(cmd);
    } catch (e) {
      report(e);
      throw e;
    }
  }

  function onEvent(e: EngineEvent): void {
    switch (e.kind) {
      case 'running':
        running.value = true;
        break;
      case 'stopped':
        running.value = false;
        lastStop.value = e;
        void call({ kind: 'history' })
          .then((h) => (timeline.value = h))
          .catch(() => {});
        void useThreads().onStopped(e);
        void useBreakpoints().refresh();
        void useTopology().readDeadlocks();
        break;
      case 'log':
        useConsole().append(e.lines);
        break;
      case 'topologyChanged':
        useTopology().set(e.topology);
        break;
      case 'stats': {
        const { kind: _kind, ...s } = e;
        stats.value = s;
        const loads: Record<number, number> = {};
        for (const t of s.threads) loads[t.id] = t.load;
        history.value = [...history.value.slice(-299), { t: s.virtualTimeUs, mips: s.mips, loads }];
        break;
      }
      case 'travelled':
        // Another moment: what the views hold from after it did not happen (any more).
        useTrace().truncate(e.traceCount);
        useConsole().note(`went to ${formatUs(e.timeUs)} of virtual time`);
        void useMemory()
          .refresh()
          .catch(() => {});
        void refreshTopology().catch(() => {});
        break;
      case 'error':
        report(`engine: ${e.message}`);
        break;
      default:
        for (const l of listeners) l(e);
    }
  }

  /** Other event consumers (the trace store takes trace and traceChunk events). */
  const listeners = new Set<(e: EngineEvent) => void>();
  function listen(cb: (e: EngineEvent) => void): void {
    listeners.add(cb);
  }

  function lost(why: string): void {
    state.value = 'lost';
    running.value = false;
    lostWhy.value = why;
  }

  /** Takes `c` as the connection; `reload`: a scenario to load first (a new Electron engine). */
  async function attach(c: EngineConnection, reload: string | null = null): Promise<void> {
    connection.value = markRaw(c);
    state.value = 'ready';
    lostWhy.value = '';
    c.onEvent((e) => onEvent(e));
    c.onClose((why) => {
      if (connection.value === c) lost(why);
    });
    // Electron: the scenario given on the command line (or the demo) on the first connection.
    const initial = reload ?? (await window.corescope?.initialScenario()) ?? null;
    if (initial) await load({ path: initial });
    else await refresh();
  }

  /** Reads everything the stores show from the engine (after connecting or loading). */
  async function refresh(): Promise<void> {
    const s = await call({ kind: 'stats' });
    stats.value = s;
    useTopology().set(await call({ kind: 'topology' }));
    await useThreads().refresh();
    await useBreakpoints().refresh();
    // The recorded history (a page that connects to an engine stopped somewhere needs it too).
    timeline.value = await call({ kind: 'history' });
    // A freshly loaded scenario starts running, as `npm start` promises.
    if (s.instructions === 0) await call({ kind: 'run' });
  }

  async function connect(): Promise<void> {
    state.value = 'connecting';
    // Electron tells the window when the engine process dies (its port just goes quiet).
    window.corescope?.onEngineDied((why) => lost(why));
    try {
      await attach(await EngineConnection.open());
    } catch (e) {
      if (state.value === 'connecting') lost(e instanceof Error ? e.message : String(e));
    }
  }

  /** Starts a new engine process and connects to it; in Electron, reloads the last scenario. */
  async function restartEngine(): Promise<void> {
    state.value = 'connecting';
    try {
      connection.value?.close();
      const c = await EngineConnection.restart();
      const path = window.corescope ? scenarioPath.value : null;
      // A new Electron engine starts empty: it loads the scenario the old one had.
      await attach(c, path);
    } catch (e) {
      lost(e instanceof Error ? e.message : String(e));
    }
  }

  async function refreshTopology(): Promise<void> {
    useTopology().set(await call({ kind: 'topology' }));
  }

  /**
   * Runs `work` with the machine paused, showing `what` as progress. A failing command was
   * shown already (by `call`).
   */
  async function whilePaused(what: string, work: () => Promise<unknown>): Promise<void> {
    busy.value = what;
    try {
      if (running.value) await pause();
      await work();
    } catch {
      // shown by call
    } finally {
      busy.value = null;
    }
  }

  /** Reverse-execution work: the stop and 'travelled' events that follow update the views. */
  const travelling = (what: string, cmd: Command) => whilePaused(what, () => call(cmd));

  /** Steps the selected thread back one instruction. */
  async function reverseStep(): Promise<void> {
    const thread = useThreads().selected;
    if (thread === null) return report('select a thread to step back');
    await travelling('stepping back…', { kind: 'reverseStep', thread });
  }

  const reverseContinue = () => travelling('going back to the previous breakpoint…', { kind: 'reverseContinue' });

  /** Moves the whole system to virtual time `us` (a moment of the recorded history). */
  const travelTo = (us: number) => travelling(`going to ${formatUs(us)}…`, { kind: 'travel', timeUs: us });

  const saveSnapshot = (path: string) =>
    whilePaused(`saving ${path}…`, async () => {
      const r = await call({ kind: 'snapshotSave', path });
      useConsole().note(`saved snapshot ${r.path} (${(r.bytes / 1048576).toFixed(1)} MiB)`);
    });

  const loadSnapshot = (path: string) =>
    whilePaused(`loading ${path}…`, async () => {
      const r = await call({ kind: 'snapshotLoad', path });
      scenario.value = r.name;
      history.value = [];
      useConsole().clear();
      useTrace().reset();
      // The trace up to the snapshot's moment, as the restored system has it.
      await useTrace().fetchAll();
      useMemory().reset();
      useConsole().note(`loaded snapshot ${path}`);
      await refresh();
    });

  const run = () => call({ kind: 'run' }).catch(() => {});
  const pause = () => call({ kind: 'pause' }).catch(() => {});

  /** Steps the selected thread: into ('stepInstruction'), over, or out. */
  async function step(how: 'stepInstruction' | 'stepOver' | 'stepOut' | 'stepLine'): Promise<void> {
    const thread = useThreads().selected;
    if (thread === null) return report('select a thread to step');
    if (running.value) await pause();
    await call({ kind: how, thread }).catch(() => {});
  }

  /**
   * Loads a scenario, from a file (`path`) or from text (an editor, a file dropped on a
   * browser page). A scenario that fails to load leaves the old one running; the error, which
   * names the file and line, is shown.
   */
  async function load(source: { path: string } | { text: string; name: string }): Promise<void> {
    busy.value = `loading ${'path' in source ? source.path : source.name}…`;
    try {
      const r = await call({ kind: 'load', ...source });
      scenario.value = r.name;
      scenarioPath.value = 'path' in source ? source.path : null;
      if ('path' in source) void window.corescope?.scenarioOpened(source.path);
      running.value = false;
      lastStop.value = null;
      history.value = [];
      useConsole().clear();
      useTrace().reset();
      useMemory().reset();
      await refresh();
    } finally {
      busy.value = null;
    }
  }

  const loadText = (text: string, name: string): Promise<void> => load({ text, name });

  return {
    connection,
    state,
    lostWhy,
    running,
    lastStop,
    stats,
    history,
    errors,
    scenario,
    scenarioPath,
    busy,
    timeline,
    reverseStep,
    reverseContinue,
    travelTo,
    saveSnapshot,
    loadSnapshot,
    report,
    dismiss,
    call,
    listen,
    connect,
    restartEngine,
    run,
    pause,
    step,
    load,
    loadText,
    refresh,
  };
});
