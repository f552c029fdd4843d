/**
 * Hooks for `npm run bench:ui`, installed only when the page is opened with `?bench`: they put
 * synthetic data the engine's scenarios cannot produce at that size (a million TRACE events,
 * 300 PDs with 5,000 capabilities) into the same stores the engine feeds, so the views draw it
 * exactly as they would draw the engine's. The benchmark then drives the views with real input
 * events and measures frames.
 */
import type { Core } from 'cytoscape';
import { syntheticTopology } from './graph/model';
import { useSession } from './stores/session';
import { useTopology } from './stores/topology';
import { useTrace } from './stores/trace';
import { syntheticTrace } from './timeline/synthetic';

/** The topology graph registers its cytoscape core here (App.vue, only in bench mode). */
export const benchHandles: { graph: (() => Core | null) | null } = { graph: null };

export interface CorescopeBench {
  /** Replaces the trace with `count` synthetic events; resolves with the events stored. */
  loadTrace(count: number): number;
  /** Shows a synthetic topology of `pds` PDs and `caps` capabilities (the engine paused first). */
  showTopology(pds: number, caps: number): Promise<void>;
  /** The topology graph's cytoscape core. */
  graph(): Core | null;
}

declare global {
  interface Window {
    __corescopeBench?: CorescopeBench;
  }
}

export function installBenchHooks(): void {
  window.__corescopeBench = {
    loadTrace(count) {
      const trace = useTrace();
      trace.reset();
      const model = trace.model;
      const { events } = syntheticTrace(count, (batch) => model.append(batch));
      trace.version = model.version;
      return events;
    },
    async showTopology(pds, caps) {
      const session = useSession();
      await session.pause();
      const topo = useTopology();
      const s = syntheticTopology(pds, caps);
      topo.set(s.topology);
      topo.caps = s.caps;
    },
    graph: () => benchHandles.graph?.() ?? null,
  };
}
