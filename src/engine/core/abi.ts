/**
 * The guest ABI of Corescope's kernel and core, declared once.
 *
 * Everything a guest component and the engine must agree on lives here: system-call numbers
 * and results, the UTCB layout, the fixed capability selectors of a component's environment,
 * the virtual-memory layout, and every RPC interface (operation numbers and argument lists).
 * `scripts/gen_sdk_header.ts` derives the SDK's C header `resources/guest/sdk/include/corescope/abi.h`
 * from this file, and core's servers decode requests with {@link decodeArgs} from the same
 * tables, so client and server cannot drift apart.
 *
 * System calls (base-hw style): `ecall` with the number in a7, arguments in a0..a5; the kernel
 * answers in a0 (a {@link SysResult}: 0 or a negative error) and, for some calls, a1..a2.
 * Message payload and capabilities travel through the calling thread's UTCB page.
 *
 * Rules the tables below do not show:
 * - A system call changes a0..a2 only; every other register is preserved.
 * - A received capability that the receiver already holds arrives under the selector it has,
 *   so a server can recognise its own objects (e.g. the session passed to Root::close).
 * - A selector in a message's cap list that names nothing in the sender's space arrives as
 *   SEL.INVALID (an invalid capability), as in base-hw; it is not an error.
 * - reply_wait with reply_first: if the reply message is malformed the call returns that
 *   error without waiting; if the caller has gone meanwhile, the reply is dropped and the
 *   thread waits as usual.
 * - A new component's main thread starts at the ELF entry with sp = the top of its stack
 *   (LAYOUT.MAIN_STACK_SIZE bytes directly below the UTCB), tp = a0 = the UTCB address; gp is
 *   the program's business. Its capability space holds the SEL.* selectors below.
 * - Region_map::attach: size 0 means "the rest of the dataspace from offset"; `at` is ignored
 *   unless use_at is non-zero. Payload lengths need not be multiples of 4.
 */

import { utf8Decode, utf8Encode } from '../cpu/elf';

// ------------------------------------------------------------------ system calls --

/** System-call numbers (a7). */
export const SYS = {
  /** call(a0 = destination selector): send the UTCB message, block for the reply. */
  CALL: 1,
  /** reply(): answer the request this thread received last, with the UTCB message. */
  REPLY: 2,
  /**
   * reply_wait(a0 = 1 to reply first, a1 = signal-source selector or 0): wait for the next RPC
   * request to any object served by this thread (a0 = RECEIVED_RPC, badge in the UTCB) or, if
   * a1 names a signal source, a signal (a0 = RECEIVED_SIGNAL, a1 = imprint, a2 = count).
   */
  REPLY_WAIT: 3,
  /** signal_submit(a0 = context selector, a1 = count). */
  SIGNAL_SUBMIT: 4,
  /** signal_wait(a0 = source selector): block until a signal; a1 = imprint, a2 = count. */
  SIGNAL_WAIT: 5,
  /** signal_pending(a0 = source selector): like wait, but WOULD_BLOCK instead of blocking. */
  SIGNAL_PENDING: 6,
  /** signal_ack(a0 = context selector): allow the context to be delivered again. */
  SIGNAL_ACK: 7,
  /** yield(): give up the rest of the time slice. */
  YIELD: 8,
  /** stop(): stop the calling thread until someone restarts or resumes it. */
  STOP: 9,
  /** restart(a0 = thread selector): wake a thread stopped by `stop`. */
  RESTART: 10,
  /** delete_cap(a0 = selector): drop a capability from the caller's space. */
  DELETE_CAP: 11,
  /** timeout(a0 = context selector, a1 = microseconds): submit the context once after a1 µs of virtual time; 0 cancels. */
  TIMEOUT: 12,
  /** time(): virtual time in µs, a1 = low word, a2 = high word. */
  TIME: 13,
} as const;

/** System-call results in a0 (negative values are errors). */
export const SYS_RESULT = {
  OK: 0,
  RECEIVED_RPC: 1,
  RECEIVED_SIGNAL: 2,
  /** The selector names no capability in the caller's space. */
  INVALID_CAP: -1,
  /** The capability names an object of the wrong type for this call. */
  WRONG_TYPE: -2,
  /** The UTCB holds a size or cap count out of range (e.g. an oversized message). */
  BAD_MESSAGE: -3,
  /** An argument is out of range. */
  INVALID_ARGS: -4,
  /** reply without a pending request. */
  NO_CALLER: -5,
  /** The peer went away (server thread or object destroyed) before answering. */
  DEAD: -6,
  /** signal_pending found nothing. */
  WOULD_BLOCK: -7,
  /** The receiver's capability space is full. */
  OUT_OF_CAPS: -8,
  /** Unknown system-call number. */
  NOSYS: -9,
} as const;
export type SysResult = (typeof SYS_RESULT)[keyof typeof SYS_RESULT];

// ----------------------------------------------------------------------- UTCB --

/** The user thread-control block: one page per thread, where messages are exchanged. */
export const UTCB = {
  SIZE: 0x1000,
  /** u32: payload length in bytes. */
  DATA_LEN: 0x00,
  /** u32: number of capability selectors that follow. */
  CAP_COUNT: 0x04,
  /** u32[MAX_CAPS]: selectors to send; on receive, the selectors they were translated to. */
  CAPS: 0x08,
  /** u32: badge of the invoked object (on receive of a request). */
  BADGE: 0x18,
  /** u32: reserved. */
  RESERVED: 0x1c,
  /** Payload bytes. */
  DATA: 0x20,
  MAX_CAPS: 4,
  /** Largest payload a message may carry. */
  MAX_DATA: 0x1000 - 0x20,
} as const;

// ------------------------------------------------------------- environment --

/** Selectors the parent installs in every component's capability space before it starts. */
export const SEL = {
  INVALID: 0,
  PARENT: 1,
  PD: 2,
  CPU: 3,
  LOG: 4,
  MAIN_THREAD: 5,
  /** The first selector the kernel hands out for received capabilities. */
  FIRST_FREE: 16,
} as const;

/** Largest number of capabilities a PD's space may hold (its cap quota may be lower). */
export const CAP_SPACE_SIZE = 4096;

/** Virtual-memory layout of a component (Sv32, 4 KiB pages). */
export const LAYOUT = {
  /** Stack area: one managed dataspace; thread i owns slot i. */
  STACK_AREA_BASE: 0x4000_0000,
  STACK_AREA_SIZE: 0x1000_0000,
  /** Each slot: stack growing down from below the UTCB, which is the slot's last page. */
  STACK_SLOT_SIZE: 0x10_0000,
  /** Linker area (for shared objects). */
  LINKER_AREA_BASE: 0x5000_0000,
  LINKER_AREA_SIZE: 0x1000_0000,
  /** Where `attach` without `use_at` places dataspaces. */
  ATTACH_BASE: 0x6000_0000,
  ATTACH_END: 0xf000_0000,
  /** The lowest address a region may use (page 0..15 stay unmapped to catch null pointers). */
  USER_BASE: 0x0001_0000,
  /** Size of every PD's address space region map (the whole 32-bit space). */
  ADDRESS_SPACE_SIZE: 0x1_0000_0000,
  /** Default stack size of the main thread. */
  MAIN_STACK_SIZE: 0x1_0000,
} as const;

// ------------------------------------------------------------------ RPC --

/**
 * Result codes in word 0 of an RPC reply (Genode's error enums, flattened into one numbering
 * so that every result is one word): `Alloc_error`, `Attach_error`, `Transfer_result`, ...
 */
export const RPC = {
  OK: 0,
  OUT_OF_RAM: 1,
  OUT_OF_CAPS: 2,
  DENIED: 3,
  REGION_CONFLICT: 4,
  INVALID_DATASPACE: 5,
  EXCEEDED: 6,
  INVALID: 7,
  INVALID_ARGS: 8,
  UNKNOWN_OP: 9,
  NOT_FOUND: 10,
  INSUFFICIENT_RAM: 11,
  INSUFFICIENT_CAPS: 12,
  /** The session (or the object) was closed meanwhile. */
  CLOSED: 13,
} as const;
export type RpcResult = (typeof RPC)[keyof typeof RPC];
export const RPC_NAME: Record<number, string> = Object.fromEntries(Object.entries(RPC).map(([k, v]) => [v, k]));

/**
 * Argument kinds in a request. Words are 32-bit little-endian; `str` is a u32 byte length
 * followed by the bytes (no terminator), padded to a multiple of 4; `cap` takes the next
 * capability of the message (not a payload word).
 */
export type ArgKind = 'u32' | 'str' | 'cap';

export interface RpcOp {
  /** Operation number (word 0 of the request). */
  op: number;
  /** Named arguments, in order. */
  args: readonly (readonly [string, ArgKind])[];
  /** Named results after the result code, in order (caps travel as message caps). */
  results: readonly (readonly [string, ArgKind])[];
  doc: string;
}

export interface RpcInterface {
  name: string;
  ops: Record<string, RpcOp>;
}

const u = (n: string) => [n, 'u32'] as const;
const s = (n: string) => [n, 'str'] as const;
const c = (n: string) => [n, 'cap'] as const;

function iface(name: string, ops: Record<string, Omit<RpcOp, 'op'>>): RpcInterface {
  return {
    name,
    ops: Object.fromEntries(Object.entries(ops).map(([k, v], i) => [k, { ...v, op: i + 1 }])),
  };
}

/** The parent interface, served by init for each child. */
export const PARENT = iface('Parent', {
  session: {
    args: [s('service'), s('args'), u('affinity_x'), u('affinity_y')],
    results: [c('session')],
    doc: 'Opens a session; the client donates ram_quota and cap_quota named in args. DENIED, INSUFFICIENT_RAM, INSUFFICIENT_CAPS.',
  },
  upgrade: {
    args: [c('session'), s('args')],
    results: [],
    doc: 'Donates more quota (ram_quota, cap_quota in args) to a session.',
  },
  close: { args: [c('session')], results: [], doc: 'Closes a session; its quota returns to the client.' },
  announce: {
    args: [s('service'), c('root')],
    results: [],
    doc: 'Announces a service served by the caller through the root object.',
  },
  exit: { args: [u('code')], results: [], doc: 'Tells the parent the component is done.' },
});

/** The root interface a server hands to `announce`. */
export const ROOT = iface('Root', {
  session: {
    args: [s('args'), u('affinity_x'), u('affinity_y')],
    results: [c('session')],
    doc: 'Creates a session for a client; args carry label, ram_quota, cap_quota.',
  },
  upgrade: { args: [c('session'), s('args')], results: [], doc: 'Adds donated quota to a session.' },
  close: { args: [c('session')], results: [], doc: 'Destroys a session.' },
});

export const PD_SESSION = iface('Pd_session', {
  assign_parent: { args: [c('parent')], results: [], doc: 'Installs the parent capability.' },
  alloc_signal_source: { args: [], results: [c('source')], doc: 'OUT_OF_RAM, OUT_OF_CAPS.' },
  free_signal_source: { args: [c('source')], results: [], doc: '' },
  alloc_context: {
    args: [c('source'), u('imprint')],
    results: [c('context')],
    doc: 'A signal context delivering `imprint` to the source. OUT_OF_CAPS, INVALID_ARGS.',
  },
  free_context: { args: [c('context')], results: [], doc: '' },
  submit: { args: [c('context'), u('count')], results: [], doc: 'Submits a signal.' },
  alloc_rpc_cap: {
    args: [c('entrypoint')],
    results: [c('object'), u('badge')],
    doc: 'A new RPC object served by the entrypoint thread; its badge comes with each request. OUT_OF_CAPS.',
  },
  free_rpc_cap: { args: [c('object')], results: [], doc: '' },
  address_space: { args: [], results: [c('region_map')], doc: '' },
  stack_area: { args: [], results: [c('region_map')], doc: '' },
  linker_area: { args: [], results: [c('region_map')], doc: '' },
  ref_account: { args: [c('pd')], results: [], doc: 'Defines the reference account. INVALID.' },
  transfer_ram_quota: {
    args: [c('to'), u('amount')],
    results: [],
    doc: 'OK, EXCEEDED, INVALID (to is not a PD or not related by reference account).',
  },
  transfer_cap_quota: { args: [c('to'), u('amount')], results: [], doc: 'OK, EXCEEDED, INVALID.' },
  ram_quota: { args: [], results: [u('limit'), u('used')], doc: '' },
  cap_quota: { args: [], results: [u('limit'), u('used')], doc: '' },
  alloc_ram: {
    args: [u('size'), u('cached')],
    results: [c('dataspace')],
    doc: 'A zeroed, physically contiguous RAM dataspace. OUT_OF_RAM, OUT_OF_CAPS, DENIED (size 0).',
  },
  free_ram: { args: [c('dataspace')], results: [], doc: 'Destroys a RAM dataspace (detached everywhere).' },
  dma_addr: { args: [c('dataspace')], results: [u('addr')], doc: 'Physical address of a RAM dataspace.' },
});

export const DATASPACE = iface('Dataspace', {
  size: { args: [], results: [u('size')], doc: '' },
  writeable: { args: [], results: [u('writeable')], doc: '' },
});

export const RM_SESSION = iface('Rm_session', {
  create: { args: [u('size')], results: [c('region_map')], doc: 'A region map usable as a managed dataspace.' },
  destroy: { args: [c('region_map')], results: [], doc: '' },
});

export const REGION_MAP = iface('Region_map', {
  attach: {
    args: [c('dataspace'), u('size'), u('offset'), u('use_at'), u('at'), u('executable'), u('writeable')],
    results: [u('addr')],
    doc: 'REGION_CONFLICT, INVALID_DATASPACE, OUT_OF_RAM, OUT_OF_CAPS.',
  },
  detach: { args: [u('addr')], results: [], doc: 'Removes the region at addr; flushes its mappings on all harts.' },
  fault_handler: { args: [c('context')], results: [], doc: 'Signal context for faults with no backing.' },
  fault: {
    args: [],
    results: [u('type'), u('addr'), u('thread')],
    doc: 'The oldest unresolved fault: type (0 none, 1 read, 2 write, 3 exec), address within this region map, faulting thread id.',
  },
  dataspace: { args: [], results: [c('dataspace')], doc: 'This region map as a managed dataspace.' },
});

export const ROM_SESSION = iface('Rom_session', {
  dataspace: { args: [], results: [c('dataspace'), u('size')], doc: 'The current version of the module.' },
  update: { args: [], results: [u('same')], doc: 'Non-zero if the current dataspace can be kept.' },
  sigh: { args: [c('context')], results: [], doc: 'Signal on a new version.' },
});

export const CPU_SESSION = iface('Cpu_session', {
  create_thread: {
    args: [c('pd'), s('name'), u('affinity_x'), u('affinity_y'), u('weight')],
    results: [c('thread')],
    doc: 'OUT_OF_RAM, OUT_OF_CAPS, INVALID_ARGS (pd not a PD session, location outside the space), DENIED.',
  },
  kill_thread: { args: [c('thread')], results: [], doc: '' },
  exception_sigh: { args: [c('context')], results: [], doc: 'Default exception handler for threads of this session.' },
  affinity_space: { args: [], results: [u('width'), u('height')], doc: '' },
});

/** Fault types reported by `Region_map::fault`. */
export const FAULT_TYPE = { NONE: 0, READ: 1, WRITE: 2, EXEC: 3 } as const;

/** TRACE event kinds (bit numbers of a TRACE policy mask); the same numbering as core's TraceKind. */
export const TRACE_KIND = {
  SCHEDULE_IN: 0,
  SCHEDULE_OUT: 1,
  RPC_CALL: 2,
  RPC_DISPATCH: 3,
  RPC_REPLY: 4,
  SIGNAL_SUBMIT: 5,
  SIGNAL_RECEIVE: 6,
  PAGE_FAULT: 7,
  PAGE_FAULT_RESOLVED: 8,
  PAGE_FAULT_UNRESOLVED: 9,
  IRQ: 10,
  IRQ_ACK: 11,
  SESSION_OPEN: 12,
  SESSION_UPGRADE: 13,
  SESSION_CLOSE: 14,
  QUOTA_TRANSFER: 15,
  EXCEPTION: 16,
  LOG: 17,
  THREAD_START: 18,
  THREAD_EXIT: 19,
  QUOTA_EXHAUSTED: 20,
} as const;

/** Thread states reported by `Cpu_thread::state`. */
export const THREAD_STATE = { VALID: 0, PAGE_FAULT: 1, EXCEPTION: 2, UNAVAILABLE: 3 } as const;

export const CPU_THREAD = iface('Cpu_thread', {
  start: { args: [u('ip'), u('sp')], results: [], doc: '' },
  pause: { args: [], results: [], doc: '' },
  resume: { args: [], results: [], doc: '' },
  state: {
    args: [],
    results: [u('state'), u('pc'), u('cause'), u('tval')],
    doc: 'Followed by x1..x31 as 31 more words.',
  },
  set_state: { args: [u('pc')], results: [], doc: 'Followed by x1..x31; only while paused. DENIED otherwise.' },
  single_step: { args: [u('enable')], results: [], doc: '' },
  exception_sigh: { args: [c('context')], results: [], doc: '' },
  affinity: { args: [u('x'), u('y')], results: [], doc: '' },
  utcb: { args: [], results: [u('addr')], doc: 'UTCB address; the stack grows down from here.' },
  id: { args: [], results: [u('id')], doc: 'Kernel thread id (as reported in faults).' },
});

export const IO_MEM_SESSION = iface('Io_mem_session', {
  dataspace: {
    args: [],
    results: [c('dataspace'), u('offset')],
    doc: 'offset: of the requested base within the first page.',
  },
});

export const IO_PORT_SESSION = iface('Io_port_session', {
  inb: { args: [u('port')], results: [u('value')], doc: 'DENIED outside the session range.' },
  inw: { args: [u('port')], results: [u('value')], doc: '' },
  inl: { args: [u('port')], results: [u('value')], doc: '' },
  outb: { args: [u('port'), u('value')], results: [], doc: '' },
  outw: { args: [u('port'), u('value')], results: [], doc: '' },
  outl: { args: [u('port'), u('value')], results: [], doc: '' },
});

export const IRQ_SESSION = iface('Irq_session', {
  ack_irq: { args: [], results: [], doc: 'Ends handling; the IRQ is unmasked again while the client waits.' },
  sigh: { args: [c('context')], results: [], doc: 'Signal context for IRQ occurrences.' },
});

/** Longest string one LOG write prints (longer strings are cut; the result says how much was taken). */
export const LOG_MAX = 232;

export const LOG_SESSION = iface('Log_session', {
  write: { args: [s('text')], results: [u('written')], doc: '' },
});

export const TIMER_SESSION = iface('Timer_session', {
  trigger_once: { args: [u('us')], results: [], doc: 'Signal once after us microseconds.' },
  trigger_periodic: { args: [u('us')], results: [], doc: 'Signal every us microseconds; 0 stops.' },
  sigh: { args: [c('context')], results: [], doc: '' },
  elapsed_us: { args: [], results: [u('lo'), u('hi')], doc: '' },
  elapsed_ms: { args: [], results: [u('ms')], doc: '' },
});

export const TRACE_SESSION = iface('Trace_session', {
  subjects: {
    args: [u('first')],
    results: [u('count')],
    doc: 'count: how many subject ids follow (at most 64), starting at index first of all subjects.',
  },
  subject_info: {
    args: [u('id')],
    results: [u('state'), u('priority'), u('affinity_x'), u('exec_lo'), u('exec_hi'), s('label'), s('thread')],
    doc: 'NOT_FOUND.',
  },
  trace: { args: [u('id'), u('policy'), u('buffer_size')], results: [], doc: 'policy: bit mask of TRACE_KIND.' },
  pause: { args: [u('id')], results: [], doc: '' },
  resume: { args: [u('id')], results: [], doc: '' },
  read: {
    args: [u('id'), u('max')],
    results: [u('count')],
    doc: 'Followed by count events of 4 words: time_lo, kind, a, b.',
  },
});

/** Every interface, for the header generator and for lookups by name. */
export const INTERFACES: readonly RpcInterface[] = [
  PARENT,
  ROOT,
  PD_SESSION,
  DATASPACE,
  RM_SESSION,
  REGION_MAP,
  ROM_SESSION,
  CPU_SESSION,
  CPU_THREAD,
  IO_MEM_SESSION,
  IO_PORT_SESSION,
  IRQ_SESSION,
  LOG_SESSION,
  TIMER_SESSION,
  TRACE_SESSION,
];

// ------------------------------------------------------------- marshalling --

export type ArgValue = number | string | null;

/** A decoded request: named values; `cap` arguments are resolved by the caller of decodeArgs. */
export type DecodedArgs = Record<string, ArgValue>;

/**
 * Decodes the arguments of `op` from a request payload (word 0 is the op number). Capability
 * arguments take `caps` in order (null where the message has fewer). Returns the values and
 * the byte offset after the last argument, or an error string naming the argument.
 */
export function decodeArgs(
  op: RpcOp,
  data: Uint8Array,
): { ok: true; args: DecodedArgs; capIndex: Record<string, number>; end: number } | { ok: false; error: string } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 4;
  let capNo = 0;
  const args: DecodedArgs = {};
  const capIndex: Record<string, number> = {};
  for (const [name, kind] of op.args) {
    if (kind === 'cap') {
      capIndex[name] = capNo++;
      args[name] = null;
      continue;
    }
    if (at + 4 > data.length) return { ok: false, error: `argument '${name}' missing` };
    const w = view.getUint32(at, true);
    at += 4;
    if (kind === 'u32') {
      args[name] = w;
      continue;
    }
    if (w > data.length - at)
      return { ok: false, error: `string argument '${name}' of ${w} bytes overruns the message` };
    args[name] = utf8Decode(data.subarray(at, at + w));
    at += (w + 3) & ~3;
  }
  return { ok: true, args, capIndex, end: at };
}

/** Builds a payload from a result code and words/strings (used by core's servers). */
export class MessageWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  word(v: number): this {
    this.room(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }

  str(text: string | Uint8Array): this {
    const bytes = typeof text === 'string' ? utf8Encode(text) : text;
    this.word(bytes.length);
    this.room((bytes.length + 3) & ~3);
    this.buf.set(bytes, this.length);
    this.length += (bytes.length + 3) & ~3;
    return this;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
