/**
 * Threads and CPU state: every thread with its state and reason, the selected thread's
 * registers (with what changed at the last step), the disassembly around its pc, and its call
 * stack. Refreshed at every stop and when the user selects a thread.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CommandResult, EventOf, ThreadInfo } from '../../../engine/protocol';
import { useSession } from './session';

type Registers = CommandResult<'registersRead'>;
type DisasmLine = CommandResult<'disassemble'>['lines'][number];
type Frame = CommandResult<'backtrace'>['frames'][number];

/** Instructions shown before the pc in the disassembly. */
const BEFORE = 8;

export const useThreads = defineStore('threads', () => {
  const list = ref<ThreadInfo[]>([]);
  const selected = ref<number | null>(null);
  const registers = ref<Registers | null>(null);
  /** Register indices (0..31, 32 = pc) whose value changed since the previous stop. */
  const changed = ref<Set<number>>(new Set());
  const disassembly = ref<DisasmLine[]>([]);
  const frames = ref<Frame[]>([]);
  /** The address the disassembly view is centred on (pc unless the user went elsewhere). */
  const viewAddress = ref<number | null>(null);

  const selectedInfo = () => list.value.find((t) => t.id === selected.value) ?? null;

  async function refresh(): Promise<void> {
    const s = useSession();
    const r = await s.call({ kind: 'threads' });
    list.value = r.threads;
    if (selected.value === null || !list.value.some((t) => t.id === selected.value)) {
      // The first thread of a component (not init's), which is what a person wants to see.
      const pick = list.value.find((t) => t.pd !== list.value[0]?.pd && t.state !== 'dead') ?? list.value[0];
      selected.value = pick?.id ?? null;
    }
    await refreshSelected(false);
  }

  async function refreshSelected(fromStep: boolean): Promise<void> {
    const s = useSession();
    const t = selectedInfo();
    if (!t) {
      registers.value = null;
      disassembly.value = [];
      frames.value = [];
      return;
    }
    const regs = await s.call({ kind: 'registersRead', thread: t.id });
    const before = registers.value;
    const diff = new Set<number>();
    if (fromStep && before) {
      regs.x.forEach((v, i) => v !== before.x[i] && diff.add(i));
      if (regs.pc !== before.pc) diff.add(32);
    }
    changed.value = diff;
    registers.value = regs;
    viewAddress.value = regs.pc;
    await loadDisassembly(t.pd, regs.pc);
    frames.value = (await s.call({ kind: 'backtrace', thread: t.id }).catch(() => ({ frames: [] }))).frames;
  }

  async function loadDisassembly(pd: number, address: number): Promise<void> {
    const s = useSession();
    // Start a little before the address; instructions are 2 or 4 bytes, so decode from further
    // back and keep the lines from the one that lands exactly on `address`.
    const start = Math.max(0, address - BEFORE * 4) & ~1;
    const count = BEFORE * 2 + 24;
    // Before the address may be unmapped (the start of the text): then from the address on.
    const r =
      (await s.connection?.call({ kind: 'disassemble', pd, address: start, count }).catch(() => null)) ??
      (await s.call({ kind: 'disassemble', pd, address, count }).catch(() => null));
    if (!r) {
      disassembly.value = [];
      return;
    }
    const at = r.lines.findIndex((l) => l.address === address);
    disassembly.value = at > BEFORE ? r.lines.slice(at - BEFORE) : r.lines;
  }

  async function select(id: number): Promise<void> {
    selected.value = id;
    changed.value = new Set();
    await refreshSelected(false);
  }

  async function onStopped(e: EventOf<'stopped'>): Promise<void> {
    if (e.thread !== undefined && list.value.some((t) => t.id === e.thread)) selected.value = e.thread;
    const stepped = e.reason === 'step';
    const s = useSession();
    list.value = (await s.call({ kind: 'threads' })).threads;
    await refreshSelected(stepped);
  }

  async function writeRegister(reg: string, value: number): Promise<void> {
    const s = useSession();
    if (selected.value === null) return;
    await s.call({ kind: 'registerWrite', thread: selected.value, reg, value: value >>> 0 });
    await refreshSelected(false);
  }

  async function pause(id: number, paused: boolean): Promise<void> {
    const s = useSession();
    await s.call({ kind: paused ? 'pauseThread' : 'resumeThread', thread: id });
    list.value = (await s.call({ kind: 'threads' })).threads;
  }

  return {
    list,
    selected,
    registers,
    changed,
    disassembly,
    frames,
    viewAddress,
    selectedInfo,
    refresh,
    select,
    onStopped,
    writeRegister,
    loadDisassembly,
    pause,
  };
});
