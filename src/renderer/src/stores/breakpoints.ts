/**
 * Breakpoints, watchpoints and catchpoints as the engine lists them (with hit counts), and
 * toggling a breakpoint at an address of a PD (the disassembly gutter, F9).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CommandResult } from '../../../engine/protocol';
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

  async function setCondition(id: number, condition: string): Promise<void> {
    await useSession().call({ kind: 'breakpointUpdate', id, condition });
    await refresh();
  }

  async function remove(kind: 'breakpoint' | 'watchpoint' | 'catchpoint', id: number): Promise<void> {
    const s = useSession();
    if (kind === 'breakpoint') await s.call({ kind: 'breakpointRemove', id });
    else if (kind === 'watchpoint') await s.call({ kind: 'watchpointRemove', id });
    else await s.call({ kind: 'catchpointRemove', id });
    await refresh();
  }

  return { breakpoints, watchpoints, catchpoints, refresh, at, toggle, setEnabled, setCondition, remove };
});
