/**
 * The memory views' domain: the selected PD's region map, the machine's physical map, page
 * faults as they happen (kept per PD from the TRACE stream, bounded), and memory access for the
 * hex view through the debugger (`memoryRead`/`memoryWrite` in the PD's address space).
 * `generation` counts stops: the hex view re-reads and highlights what changed.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import {
  decodeBase64,
  encodeBase64,
  type MemoryMap,
  type PhysicalMap,
  type TraceEventInfo,
} from '../../../engine/protocol';
import { firstAddress } from '../memory/model';
import { useSession } from './session';
import { useTopology } from './topology';

/** Page-fault events kept per PD (the newest). */
const FAULTS_PER_PD = 2000;
const FAULT_KINDS = new Set<string>(['page-fault', 'page-fault-resolved', 'page-fault-unresolved']);

export const useMemory = defineStore('memory', () => {
  const session = useSession();
  const topo = useTopology();
  const map = shallowRef<MemoryMap | null>(null);
  const physical = shallowRef<PhysicalMap | null>(null);
  const faults = shallowRef<TraceEventInfo[]>([]);
  const generation = ref(0);
  /** Where the hex view should go (a region picked on the map, a symbol). */
  const address = ref<number | null>(null);
  const byPd = new Map<number, TraceEventInfo[]>();

  session.listen((e) => {
    if (e.kind !== 'trace') return;
    let mine = false;
    for (const ev of e.events) {
      if (!FAULT_KINDS.has(ev.kind)) continue;
      let list = byPd.get(ev.pd);
      if (!list) byPd.set(ev.pd, (list = []));
      list.push(ev);
      if (list.length > FAULTS_PER_PD * 2) list.splice(0, list.length - FAULTS_PER_PD);
      if (ev.pd === topo.selectedPd) mine = true;
    }
    if (mine) faults.value = (byPd.get(topo.selectedPd!) ?? []).slice(-FAULTS_PER_PD);
  });

  /** Reads the selected PD's map and the physical map again (on selection and on each stop). */
  async function refresh(): Promise<void> {
    const pd = topo.selectedPd;
    const c = session.connection;
    if (!c) return;
    physical.value = await session.call({ kind: 'physicalMap' });
    if (pd === null) {
      map.value = null;
      faults.value = [];
      return;
    }
    map.value = await session.call({ kind: 'memoryMap', pd });
    faults.value = (byPd.get(pd) ?? []).slice(-FAULTS_PER_PD);
    // A PD just selected: the hex view opens on memory that reads, not on unmapped address 0.
    if (address.value === null) address.value = firstAddress(map.value.tree);
  }

  watch(
    () => topo.selectedPd,
    () => {
      address.value = null;
      void refresh().catch(() => {});
    },
  );
  watch(
    () => session.lastStop,
    () => {
      generation.value++;
      void refresh().catch(() => {});
    },
  );

  function need(): number {
    const pd = topo.selectedPd;
    if (pd === null) throw new Error('select a protection domain first');
    return pd;
  }

  /** Reads the selected PD's memory; rejects (with the engine's message) where it is unmapped. */
  async function read(addr: number, len: number): Promise<Uint8Array> {
    const c = session.connection;
    if (!c) throw new Error('not connected to the engine');
    const r = await c.call({ kind: 'memoryRead', space: { pd: need() }, address: addr, length: len });
    const bytes = decodeBase64(r.bytes);
    if (!bytes) throw new Error('the engine sent bytes that are not base64');
    return bytes;
  }

  async function write(addr: number, bytes: Uint8Array): Promise<void> {
    const c = session.connection;
    if (!c) throw new Error('not connected to the engine');
    await c.call({ kind: 'memoryWrite', space: { pd: need() }, address: addr, bytes: encodeBase64(bytes) });
    generation.value++;
  }

  /** A symbol of the selected PD's program: its address (exact name first). */
  async function resolve(text: string): Promise<number> {
    const c = session.connection;
    if (!c) throw new Error('not connected to the engine');
    const { symbols } = await c.call({ kind: 'symbolLookup', pd: need(), name: text });
    const hit = symbols.find((s) => s.name === text) ?? symbols[0];
    if (!hit) throw new Error(`no symbol "${text}" in ${topo.pdLabel(need())}`);
    return hit.address;
  }

  function reset(): void {
    byPd.clear();
    faults.value = [];
    map.value = null;
  }

  return { map, physical, faults, generation, address, refresh, read, write, resolve, reset };
});
