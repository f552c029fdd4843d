/**
 * Breakpoints, watchpoints and catchpoints as the engine lists them (with hit counts), and
 * toggling a breakpoint at an address of a PD (the disassembly gutter, F9).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CommandResult } from '../../../engine/protocol';
import { isInvalid, parseAddress, parseLocation, type CatchpointSpec, type WatchAccess } from '../breakpoints/model';
import { useSession } from './session';

type Lists = CommandResult<'breakpointList'>;

export const useBreakpoints = defineStore('breakpoints', () => {
  const breakpoints = ref<Lists['breakpoints']>([]);
  const watchpoints = ref<Lists['watchpoints']>([]);
  const catchpoints = ref<Lists['catchpoints']>([]);

  async function refresh(): Promise<void> {
    const r = await useSession().call({ kind: 'breakpointList' });
    breakpoints.value = r.breakpoints;
    watchpoints.value = r.watchpoints;
    catchpoints.value = r.catchpoints;
  }

  const at = (pd: number, address: number) => breakpoints.value.find((b) => b.pd === pd && b.address === address);

  async function toggle(pd: number, address: number): Promise<void> {
    const s = useSession();
    const bp = at(pd, address);
    if (bp) await s.call({ kind: 'breakpointRemove', id: bp.id });
    else await s.call({ kind: 'breakpointSet', pd, address });
    await refresh();
  }

  async function setEnabled(id: number, enabled: boolean): Promise<void> {
    await useSession().call({ kind: 'breakpointUpdate', id, enabled });
    await refresh();
  }

  /** Sets or (null) removes a breakpoint's condition. */
  async function setCondition(id: number, condition: string | null): Promise<void> {
    await useSession().call({ kind: 'breakpointUpdate', id, condition: condition ?? '' });
    await refresh();
  }

  /** A breakpoint at a location as a person types it: a symbol, file:line, or an address. */
  async function add(pd: number, location: string, condition: string | null): Promise<void> {
    const s = useSession();
    const at = parseLocation(location);
    if (isInvalid(at)) return s.report(at.error);
    await s.call({ kind: 'breakpointSet', pd, ...at, ...(condition ? { condition } : {}) });
    await refresh();
  }

  /** A watchpoint at an address or on a symbol (resolved in the PD's program). */
  async function addWatch(pd: number, address: string, length: number, access: WatchAccess): Promise<void> {
    const s = useSession();
    const at = parseAddress(address);
    if (isInvalid(at)) return s.report(at.error);
    let addr: number;
    if ('address' in at) addr = at.address;
    else {
      const { symbols } = await s.call({ kind: 'symbolLookup', pd, name: at.symbol });
      const hit = symbols.find((x) => x.name === at.symbol);
      if (!hit) return s.report(`no symbol "${at.symbol}" in PD ${pd}`);
      addr = hit.address;
    }
    await s.call({ kind: 'watchpointSet', pd, address: addr, length, access });
    await refresh();
  }

  async function addCatch(spec: CatchpointSpec): Promise<void> {
    await useSession().call({ kind: 'catchpointSet', ...spec } as Parameters<ReturnType<typeof useSession>['call']>[0]);
    await refresh();
  }

  async function remove(kind: 'breakpoint' | 'watchpoint' | 'catchpoint', id: number): Promise<void> {
    const s = useSession();
    if (kind === 'breakpoint') await s.call({ kind: 'breakpointRemove', id });
    else if (kind === 'watchpoint') await s.call({ kind: 'watchpointRemove', id });
    else await s.call({ kind: 'catchpointRemove', id });
    await refresh();
  }

  /** All three lists, as the breakpoints panel takes them. */
  const lists = (): Lists => ({
    breakpoints: breakpoints.value,
    watchpoints: watchpoints.value,
    catchpoints: catchpoints.value,
  });

  return {
    breakpoints,
    watchpoints,
    catchpoints,
    lists,
    refresh,
    at,
    toggle,
    setEnabled,
    setCondition,
    add,
    addWatch,
    addCatch,
    remove,
  };
});
