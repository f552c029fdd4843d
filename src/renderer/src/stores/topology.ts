/**
 * The system's structure: PDs with threads, sessions, services and routes (pushed by the engine
 * when it changes), the selected PD, capability spaces fetched on demand, deadlock cycles from
 * the wait-for graph (read again whenever the topology changes or the machine stops), and the
 * recent page faults and IRQs the graph flashes.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { CapSpace, Topology, WaitForGraph } from '../../../engine/protocol';
import type { FlashEvent } from '../graph/model';
import { useSession } from './session';

/** Flash events kept for the graph (it flashes those newer than the last it saw). */
const FLASHES = 256;

export const useTopology = defineStore('topology', () => {
  const topology = shallowRef<Topology | null>(null);
  const selectedPd = ref<number | null>(null);
  const caps = ref<Record<number, CapSpace['rows']>>({});
  const deadlocks = shallowRef<WaitForGraph['cycles']>([]);
  const flashes = shallowRef<readonly FlashEvent[]>([]);

  function set(t: Topology): void {
    topology.value = t;
    if (selectedPd.value !== null && !t.pds.some((p) => p.id === selectedPd.value)) selectedPd.value = null;
    void readDeadlocks();
  }

  async function readDeadlocks(): Promise<void> {
    const c = useSession().connection;
    if (!c) return;
    const g = await c.call({ kind: 'waitForGraph' }).catch(() => null);
    if (g) deadlocks.value = g.cycles;
  }

  const session = useSession();
  session.listen((e) => {
    if (e.kind !== 'trace') return;
    const add: FlashEvent[] = [];
    for (const ev of e.events) {
      const kind = ev.kind.startsWith('page-fault') ? 'pagefault' : ev.kind === 'irq' ? 'irq' : null;
      if (kind) add.push({ seq: ev.seq, pd: ev.pd || null, thread: ev.thread || null, kind });
    }
    if (add.length) flashes.value = [...flashes.value, ...add].slice(-FLASHES);
  });

  async function select(pd: number | null): Promise<void> {
    selectedPd.value = pd;
    if (pd !== null) await loadCaps(pd);
  }

  async function loadCaps(pd: number): Promise<void> {
    const r = await useSession().call({ kind: 'capSpace', pd });
    caps.value = { ...caps.value, [pd]: r.rows };
  }

  const pdLabel = (id: number): string => topology.value?.pds.find((p) => p.id === id)?.label ?? `PD ${id}`;

  return { topology, selectedPd, caps, deadlocks, flashes, set, select, loadCaps, readDeadlocks, pdLabel };
});
