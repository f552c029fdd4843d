/**
 * The scenario editor's domain: init's configuration as the engine has it now (the `scenario`
 * command), applying an edited one live (`configApply`), and the errors of the last Apply as
 * diagnostics at their line (the engine's messages carry `config:LINE:COL:`).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { CommandFailed } from '../connection';
import { diagnosticsFromError, type EditorDiagnostic } from '../editor/diagnostics';
import { useSession } from './session';
import { useTopology } from './topology';

export const useScenario = defineStore('scenario', () => {
  const session = useSession();
  const name = ref('');
  const file = ref('');
  /** The configuration text as the engine runs it. */
  const config = ref('');
  const errors = ref<EditorDiagnostic[]>([]);
  const busy = ref(false);

  async function refresh(): Promise<void> {
    const c = session.connection;
    if (!c) return;
    const r = await c.call({ kind: 'scenario' });
    name.value = r.name;
    file.value = r.file;
    config.value = r.config;
    errors.value = [];
  }

  /** Applies an edited configuration; a refused one leaves the running one as it was. */
  async function apply(text: string): Promise<boolean> {
    const c = session.connection;
    if (!c) return false;
    busy.value = true;
    try {
      await c.call({ kind: 'configApply', xml: text });
      config.value = text;
      errors.value = [];
      useTopology().set(await c.call({ kind: 'topology' }));
      return true;
    } catch (e) {
      errors.value = diagnosticsFromError(e instanceof CommandFailed ? e : String(e));
      return false;
    } finally {
      busy.value = false;
    }
  }

  function revert(): void {
    errors.value = [];
  }

  return { name, file, config, errors, busy, refresh, apply, revert };
});
