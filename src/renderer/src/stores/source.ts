/**
 * The source view's domain: the selected thread's program, its source files (`sourceFiles`),
 * the shown file's text (`sourceText`) and the lines with code (`sourceLines`), and the line of
 * pc. The file follows the innermost frame that has one, until the person picks another.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { useBreakpoints } from './breakpoints';
import { useSession } from './session';
import { useThreads } from './threads';

export const useSource = defineStore('source', () => {
  const session = useSession();
  const threads = useThreads();
  const bps = useBreakpoints();
  const pd = ref<number | null>(null);
  const files = shallowRef<string[]>([]);
  const file = ref<string | null>(null);
  const text = shallowRef<string[]>([]);
  const code = shallowRef<{ line: number; address: number }[]>([]);
  /** Why there is no source to show, or null. */
  const missing = ref<string | null>(null);
  /** The person picked `file`: it no longer follows pc. */
  let pinned = false;

  /** The innermost frame with a source position. */
  const frame = computed(() => threads.frames.find((f) => f.file) ?? null);
  const current = computed(() => (frame.value && frame.value.file === file.value ? (frame.value.line ?? null) : null));
  const codeLines = computed(() => code.value.map((l) => l.line));
  const breakpointLines = computed(() => {
    const byAddress = new Map(code.value.map((l) => [l.address, l.line]));
    return bps.breakpoints
      .filter((b) => b.pd === pd.value && byAddress.has(b.address))
      .map((b) => byAddress.get(b.address)!);
  });

  async function show(p: number, f: string): Promise<void> {
    const c = session.connection;
    if (!c) return;
    try {
      const [t, l] = await Promise.all([
        c.call({ kind: 'sourceText', pd: p, file: f }),
        c.call({ kind: 'sourceLines', pd: p, file: f }),
      ]);
      file.value = t.file;
      text.value = t.text.replace(/\r\n?/g, '\n').split('\n');
      code.value = l.lines;
      missing.value = null;
    } catch (e) {
      file.value = f;
      text.value = [];
      code.value = [];
      missing.value = (e as Error).message;
    }
  }

  /** The person picks a file of the program. */
  async function pick(f: string): Promise<void> {
    if (pd.value === null) return;
    pinned = true;
    await show(pd.value, f);
  }

  /** Back to following pc. */
  function follow(): void {
    pinned = false;
    void sync();
  }

  async function sync(): Promise<void> {
    const t = threads.selectedInfo();
    const c = session.connection;
    if (!t || !c) return;
    if (t.pd !== pd.value) {
      pd.value = t.pd;
      pinned = false;
      files.value = (await c.call({ kind: 'sourceFiles', pd: t.pd }).catch(() => ({ files: [] }))).files;
    }
    const f = frame.value?.file;
    if (!pinned && f && f !== file.value) await show(t.pd, f);
  }

  watch(
    () => [threads.selected, threads.frames] as const,
    () => void sync(),
  );

  /** F9 in the source: a breakpoint at the first address of that line (or the next with code). */
  async function toggleLine(line: number): Promise<void> {
    if (pd.value === null) return;
    const at = code.value.filter((l) => l.line >= line).sort((a, b) => a.line - b.line || a.address - b.address)[0];
    if (!at) return session.report(`no code at or after line ${line} of ${file.value}`);
    await bps.toggle(pd.value, at.address);
  }

  return { pd, files, file, text, codeLines, current, breakpointLines, missing, pick, follow, toggleLine };
});
