/**
 * The console: LOG lines of every component (bounded), a filter, and the command line with
 * history. Commands run through console/commands.ts.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { EventOf } from '../../../engine/protocol';
import { runCommand } from '../console/commands';
import { useSession } from './session';
import { useThreads } from './threads';
import { useTopology } from './topology';

export interface ConsoleLine {
  seq: number;
  /** 'log' (a component's LOG line), 'cmd' (what the user typed), 'out', 'err'. */
  kind: 'log' | 'cmd' | 'out' | 'err';
  label: string;
  text: string;
  /** Virtual time in µs (log lines). */
  time: number;
}

const MAX_LINES = 20_000;

export const useConsole = defineStore('console', () => {
  // Shallow: a LOG flood replaces the array, and no line is made reactive one by one.
  const lines = shallowRef<readonly ConsoleLine[]>([]);
  const history = ref<string[]>([]);
  let seq = 0;

  function push(batch: Omit<ConsoleLine, 'seq'>[]): void {
    const next = lines.value.concat(batch.map((l) => ({ ...l, seq: seq++ })));
    lines.value = next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
  }

  function append(logLines: EventOf<'log'>['lines']): void {
    push(logLines.map((l) => ({ kind: 'log', label: l.label, text: l.text, time: l.time })));
  }

  async function execute(line: string): Promise<void> {
    if (line.trim() === '') return;
    history.value = [...history.value.filter((h) => h !== line).slice(-99), line];
    push([{ kind: 'cmd', label: '', text: line, time: 0 }]);
    const s = useSession();
    const threads = useThreads();
    try {
      const out = await runCommand(
        {
          call: (cmd) => s.connection!.call(cmd),
          topology: () => useTopology().topology,
          thread: () => threads.selected,
          selectThread: (id) => void threads.select(id),
        },
        line,
      );
      push(out.map((text) => ({ kind: 'out', label: '', text, time: 0 })));
    } catch (e) {
      push([{ kind: 'err', label: '', text: e instanceof Error ? e.message : String(e), time: 0 }]);
    }
  }

  function clear(): void {
    lines.value = [];
  }

  /** A line from the workbench itself ("saved snapshot …", "went to 1.2 ms …"). */
  function note(text: string): void {
    push([{ kind: 'out', label: '', text: `— ${text} —`, time: 0 }]);
  }

  return { lines, history, append, execute, clear, note };
});
