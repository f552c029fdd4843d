/**
 * The TRACE timeline's data: a TimelineModel fed by the engine's trace batches (kept out of
 * Vue's reactivity: typed arrays behind a proxy would be slow; `version` tells the view), the
 * selected event, and exports to Perfetto (Chrome trace JSON, streamed by the engine in chunks).
 */
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef, watch } from 'vue';
import { namesFromTopology, TimelineModel, type TimelineSelection } from '../timeline/model';
import { useSession } from './session';
import { useTopology } from './topology';

export const useTrace = defineStore('trace', () => {
  const model = shallowRef(markRaw(new TimelineModel()));
  const version = ref(0);
  const selection = ref<TimelineSelection | null>(null);
  /** Progress of an export: characters received, or null when none runs. */
  const exporting = ref<number | null>(null);
  const exports = new Map<string, string[]>();
  let lastDownload: { name: string; size: number } | null = null;

  const session = useSession();
  session.listen((e) => {
    if (e.kind === 'trace') {
      model.value.append(e.events);
      version.value = model.value.version;
    } else if (e.kind === 'traceChunk') {
      const parts = exports.get(e.token);
      if (!parts) return;
      parts.push(e.chunk);
      exporting.value = (exporting.value ?? 0) + e.chunk.length;
      if (e.done) {
        exports.delete(e.token);
        exporting.value = null;
        download(parts);
      }
    }
  });
  const topo = useTopology();
  watch(
    () => topo.topology,
    (t) => {
      if (!t) return;
      model.value.setNames(namesFromTopology(t));
      version.value = model.value.version;
    },
  );

  /** A new scenario: its trace starts empty. */
  function reset(): void {
    model.value = markRaw(new TimelineModel());
    if (topo.topology) model.value.setNames(namesFromTopology(topo.topology));
    selection.value = null;
    version.value = -1;
  }

  /** The system went back in time: events from sequence number `count` on did not happen. */
  function truncate(count: number): void {
    model.value = markRaw(model.value.truncated(count));
    if (selection.value && selection.value.seq >= count) selection.value = null;
    engineCount = count;
    version.value = model.value.version;
  }
  /** The engine's trace event count at the last travel. */
  let engineCount = 0;

  /**
   * Reads the engine's trace up to the count the last travel reported (after a snapshot load):
   * the newest `limit` events.
   */
  async function fetchAll(limit = 262_144): Promise<void> {
    const count = engineCount;
    for (let seq = Math.max(0, count - limit); seq < count;) {
      const page = await session.call({ kind: 'traceSince', seq, max: 65_536 });
      model.value.append(page.events);
      if (page.next <= seq) break;
      seq = page.next;
    }
    version.value = model.value.version;
  }

  async function exportPerfetto(): Promise<void> {
    const r = await session.call({ kind: 'traceExport' });
    exports.set(r.token, []);
    exporting.value = 0;
  }

  function download(parts: string[]): void {
    const blob = new Blob(parts, { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `corescope-trace-${Date.now()}.json`;
    lastDownload = { name: a.download, size: blob.size };
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  return {
    model,
    version,
    selection,
    exporting,
    reset,
    truncate,
    fetchAll,
    exportPerfetto,
    lastDownload: () => lastDownload,
  };
});
