/**
 * The system's structure: PDs with threads, sessions, services and routes (pushed by the engine
 * when it changes), the selected PD, and capability spaces fetched on demand.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { CapSpace, Topology } from '../../../engine/protocol';
import { useSession } from './session';

export const useTopology = defineStore('topology', () => {
  const topology = shallowRef<Topology | null>(null);
  const selectedPd = ref<number | null>(null);
  const caps = ref<Record<number, CapSpace['rows']>>({});

  function set(t: Topology): void {
    topology.value = t;
    if (selectedPd.value !== null && !t.pds.some((p) => p.id === selectedPd.value)) selectedPd.value = null;
  }

  async function select(pd: number | null): Promise<void> {
    selectedPd.value = pd;
    if (pd !== null) await loadCaps(pd);
  }

  async function loadCaps(pd: number): Promise<void> {
    const r = await useSession().call({ kind: 'capSpace', pd });
    caps.value = { ...caps.value, [pd]: r.rows };
  }

  const pdLabel = (id: number): string => topology.value?.pds.find((p) => p.id === id)?.label ?? `PD ${id}`;

  return { topology, selectedPd, caps, set, select, loadCaps, pdLabel };
});
