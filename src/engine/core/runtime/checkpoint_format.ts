/**
 * What a component checkpoint is: plain data, declared once as a valibot schema (the type is
 * derived from it), checked for consistency ({@link checkCheckpoint}), and its file format
 * ({@link encodeCheckpoint}, {@link decodeCheckpoint}).
 *
 * Records refer to each other by number (`id`, unique within a checkpoint); the capability
 * space maps each selector to what it names by such a reference, so a restore can bind the
 * re-created object at the same selector.
 *
 * File format (little-endian), version 1:
 *
 * | offset | size | what                                           |
 * |--------|------|------------------------------------------------|
 * | 0      | 8    | magic "CORECKPT"                               |
 * | 8      | 4    | format version                                 |
 * | 12     | 4    | flags (0)                                      |
 * | 16     | 4    | payload length in the file                     |
 * | 20     | 4    | CRC-32 of the payload as in the file           |
 * | 24     | 4    | payload length inflated                        |
 * | 28     | ...  | payload, raw DEFLATE                           |
 *
 * The inflated payload is a u32 length, that many bytes of JSON (the checkpoint, each byte
 * array replaced by `{"$bytes": [offset, length]}`), then the byte arrays' contents.
 */
import * as v from 'valibot';
import { utf8Decode, utf8Encode } from '../../cpu/elf';
import { FFLATE_CODEC, type Codec } from '../../snapshot/codec';
import { CAP_SPACE_SIZE, LAYOUT, UTCB } from '../abi';

export const CHECKPOINT_MAGIC = 'CORECKPT';
export const CHECKPOINT_VERSION = 1;
const HEADER = 28;
/** Largest inflated payload accepted (a component's RAM is bounded by the machine's). */
const MAX_PAYLOAD = 1 << 30;
const PAGE = 0x1000;
const UINT32_MAX = 0xffff_ffff;
/** Stack-area slots of a PD (one per thread). */
const SLOTS = LAYOUT.STACK_AREA_SIZE / LAYOUT.STACK_SLOT_SIZE;

// ------------------------------------------------------------------ schema --

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const u32 = int(0, UINT32_MAX);
const count = int(0, Number.MAX_SAFE_INTEGER);
const id = int(1, 0x7fff_ffff);
const ref = v.nullable(id);
const text = v.pipe(v.string(), v.maxLength(4096));
const micros = v.pipe(v.number(), v.finite(), v.minValue(0));
const bytes = v.instance(Uint8Array);

/** What a selector names. */
const CapRefSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('parent') }),
  v.strictObject({ kind: v.literal('session'), id }),
  v.strictObject({ kind: v.literal('dataspace'), id }),
  v.strictObject({ kind: v.literal('region_map'), id }),
  v.strictObject({ kind: v.literal('thread'), id }),
  v.strictObject({ kind: v.literal('signal_source'), id }),
  v.strictObject({ kind: v.literal('signal_context'), id }),
  v.strictObject({ kind: v.literal('rpc_object'), id }),
]);

const QuotaSchema = v.strictObject({ limit: count, used: count });

const SessionSchema = v.strictObject({
  id,
  service: text,
  /** The label the server saw (informational: the target's routing decides the new one). */
  label: text,
  /** Session arguments as the child sent them (env sessions: as init opened them). */
  args: text,
  affinity: v.tuple([u32, u32]),
  /** Quota donated, upgrades included. */
  ram: count,
  caps: count,
  /** An environment session (PD, CPU, LOG): the target's init opens it with its own policy. */
  env: v.boolean(),
  pd: v.optional(
    v.strictObject({
      ram: QuotaSchema,
      caps: QuotaSchema,
      /** The PD session whose PD is its reference account (null: the parent's). */
      refAccount: ref,
      /** Stack-area slots: the next fresh one, and freed ones in reuse order. */
      nextSlot: u32,
      freeSlots: v.array(u32),
    }),
  ),
  cpu: v.optional(v.strictObject({ exceptionSigh: ref })),
  rom: v.optional(v.strictObject({ module: text, handed: v.boolean(), sigh: ref })),
  /** `enabled`: the driver waited for the next interrupt (it is acknowledged again on restore). */
  irq: v.optional(v.strictObject({ sigh: ref, enabled: v.boolean() })),
  timer: v.optional(
    v.strictObject({
      sigh: ref,
      mode: v.picklist(['none', 'once', 'periodic']),
      periodUs: micros,
      /** The timeout pending when the checkpoint was taken. */
      pending: v.nullable(v.strictObject({ remainingUs: micros, periodUs: micros })),
    }),
  ),
});

const DataspaceSchema = v.variant('kind', [
  v.strictObject({ id, kind: v.literal('ram'), session: id, size: u32, cached: v.boolean(), contents: bytes }),
  /** The dataspace a session hands out (ROM module, I/O memory): asked for again on restore. */
  v.strictObject({ id, kind: v.literal('session'), session: id }),
  v.strictObject({ id, kind: v.literal('managed'), regionMap: id }),
]);

const RegionMapSchema = v.strictObject({
  id,
  origin: v.picklist(['address_space', 'stack_area', 'linker_area', 'rm']),
  session: id,
  size: count,
  faultHandler: ref,
  attachments: v.array(
    v.strictObject({
      at: u32,
      size: u32,
      offset: u32,
      writeable: v.boolean(),
      executable: v.boolean(),
      dataspace: id,
    }),
  ),
});

const BLOCK_KINDS = ['none', 'call', 'receive', 'signal', 'page_fault', 'stopped'] as const;

const ThreadSchema = v.strictObject({
  id,
  /** The CPU session that created it, and the PD session of the PD it runs in. */
  session: id,
  pd: id,
  name: text,
  weight: u32,
  affinity: v.tuple([u32, u32]),
  slot: u32,
  started: v.boolean(),
  paused: v.boolean(),
  singleStep: v.boolean(),
  /** Its own exception handler (null: the CPU session's). */
  exceptionSigh: ref,
  stopState: u32,
  stopCause: u32,
  stopTval: u32,
  pc: u32,
  /** x0..x31 (x0 is 0), unsigned. */
  regs: v.pipe(v.array(u32), v.length(32)),
  /** Why it did not run: a system call it was blocked in, and the signal source it waited on. */
  block: v.strictObject({ kind: v.picklist(BLOCK_KINDS), source: ref }),
  /** A timeout it set by system call. */
  timeout: v.nullable(v.strictObject({ context: id, remainingUs: micros, periodUs: micros })),
  utcb: bytes,
});

const CheckpointSchema = v.strictObject({
  version: v.literal(CHECKPOINT_VERSION),
  /** The start name of the component ("counter"). */
  name: text,
  binary: text,
  /** Virtual time of the system it was taken in. */
  takenAtUs: micros,
  exitCode: v.nullable(int(-0x8000_0000, 0x7fff_ffff)),
  /** The quota its start node gave it. */
  start: v.strictObject({ ram: count, caps: count }),
  sessions: v.array(SessionSchema),
  dataspaces: v.array(DataspaceSchema),
  regionMaps: v.array(RegionMapSchema),
  threads: v.array(ThreadSchema),
  /** `pending`: the contexts with undelivered signals, in delivery order. */
  signalSources: v.array(v.strictObject({ id, session: id, pending: v.array(id) })),
  signalContexts: v.array(
    v.strictObject({
      id,
      session: id,
      source: id,
      imprint: u32,
      count: u32,
      lastCount: u32,
      delivered: v.boolean(),
    }),
  ),
  rpcObjects: v.array(v.strictObject({ id, session: id, thread: id, badge: u32 })),
  announced: v.array(v.strictObject({ service: text, object: id })),
  caps: v.array(v.strictObject({ sel: int(1, CAP_SPACE_SIZE - 1), ref: CapRefSchema })),
});

export type ComponentCheckpoint = v.InferOutput<typeof CheckpointSchema>;
export type CapRef = v.InferOutput<typeof CapRefSchema>;
export type SessionCheckpoint = ComponentCheckpoint['sessions'][number];
export type DataspaceCheckpoint = ComponentCheckpoint['dataspaces'][number];
export type RegionMapCheckpoint = ComponentCheckpoint['regionMaps'][number];
export type ThreadCheckpoint = ComponentCheckpoint['threads'][number];
export type BlockKind = (typeof BLOCK_KINDS)[number];

// ------------------------------------------------------------- consistency --

/**
 * Checks that a checkpoint's parts fit together: unique ids, references to records of the
 * right kind, contents of the sizes given, selectors and slots in range. Returns the first
 * problem (with where it is), or null.
 */
export function checkCheckpoint(cp: ComponentCheckpoint): string | null {
  const kinds = new Map<number, string>();
  const sessions = new Map<number, SessionCheckpoint>();
  const add = (where: string, n: number, kind: string): string | null => {
    if (kinds.has(n)) return `${where}: id ${n} is used twice`;
    kinds.set(n, kind);
    return null;
  };
  const check: (string | null)[] = [];
  cp.sessions.forEach((s, i) => {
    check.push(add(`sessions[${i}]`, s.id, `session ${s.service}`));
    sessions.set(s.id, s);
  });
  cp.dataspaces.forEach((d, i) => check.push(add(`dataspaces[${i}]`, d.id, 'dataspace')));
  cp.regionMaps.forEach((r, i) => check.push(add(`regionMaps[${i}]`, r.id, 'region map')));
  cp.threads.forEach((t, i) => check.push(add(`threads[${i}]`, t.id, 'thread')));
  cp.signalSources.forEach((s, i) => check.push(add(`signalSources[${i}]`, s.id, 'signal source')));
  cp.signalContexts.forEach((c, i) => check.push(add(`signalContexts[${i}]`, c.id, 'signal context')));
  cp.rpcObjects.forEach((o, i) => check.push(add(`rpcObjects[${i}]`, o.id, 'RPC object')));
  const first = check.find((c) => c !== null);
  if (first) return first;

  const is = (n: number | null, kind: string): boolean => n === null || kinds.get(n) === kind;
  const session = (n: number, service: string): boolean => kinds.get(n) === `session ${service}`;
  const problems: string[] = [];
  const bad = (where: string, what: string): void => void problems.push(`${where}: ${what}`);

  const envs = new Set<string>();
  cp.sessions.forEach((s, i) => {
    const at = `sessions[${i}]`;
    if (s.env) {
      if (!['PD', 'CPU', 'LOG'].includes(s.service)) bad(at, `a ${s.service} session cannot be an environment session`);
      if (envs.has(s.service)) bad(at, `a second environment ${s.service} session`);
      envs.add(s.service);
    }
    if ((s.pd !== undefined) !== (s.service === 'PD')) bad(at, 'PD state on a session that is not a PD session');
    if (s.pd && s.pd.refAccount !== null && !session(s.pd.refAccount, 'PD'))
      bad(at, `reference account ${s.pd.refAccount} is not a PD session`);
    if (s.pd && (s.pd.nextSlot > SLOTS || s.pd.freeSlots.some((n) => n >= s.pd!.nextSlot)))
      bad(at, 'stack-area slots out of range');
    if (s.cpu && !is(s.cpu.exceptionSigh, 'signal context')) bad(at, 'exception handler is not a signal context');
    if (s.rom && !is(s.rom.sigh, 'signal context')) bad(at, 'ROM signal handler is not a signal context');
    if (s.irq && !is(s.irq.sigh, 'signal context')) bad(at, 'IRQ signal handler is not a signal context');
    if (s.timer && !is(s.timer.sigh, 'signal context')) bad(at, 'timer signal handler is not a signal context');
    if (s.timer?.pending && s.timer.sigh === null) bad(at, 'a pending timeout without a signal handler');
  });
  for (const service of ['PD', 'CPU', 'LOG'])
    if (!envs.has(service)) bad('sessions', `no environment ${service} session`);

  cp.dataspaces.forEach((d, i) => {
    const at = `dataspaces[${i}]`;
    if (d.kind === 'ram') {
      if (!session(d.session, 'PD')) bad(at, `session ${d.session} is not a PD session`);
      if (d.size === 0 || d.size % PAGE) bad(at, `size ${d.size} is not a positive multiple of 4 KiB`);
      if (d.contents.length !== d.size) bad(at, `${d.contents.length} bytes of contents for ${d.size} bytes`);
    } else if (d.kind === 'session') {
      if (!session(d.session, 'ROM') && !session(d.session, 'IO_MEM'))
        bad(at, `session ${d.session} is neither a ROM nor an IO_MEM session`);
    } else if (!is(d.regionMap, 'region map')) bad(at, `${d.regionMap} is not a region map`);
  });
  cp.regionMaps.forEach((r, i) => {
    const at = `regionMaps[${i}]`;
    if (!session(r.session, r.origin === 'rm' ? 'RM' : 'PD'))
      bad(at, `session ${r.session} is not the ${r.origin === 'rm' ? 'RM' : 'PD'} session it needs`);
    if (!is(r.faultHandler, 'signal context')) bad(at, 'fault handler is not a signal context');
    let end = 0;
    r.attachments.forEach((a, j) => {
      const aat = `${at}.attachments[${j}]`;
      if (!is(a.dataspace, 'dataspace')) bad(aat, `${a.dataspace} is not a dataspace`);
      if (a.at % PAGE || a.size % PAGE || a.offset % PAGE || a.size === 0) bad(aat, 'not page aligned');
      if (a.at < end) bad(aat, 'overlaps the attachment before it (attachments go by address)');
      end = a.at + a.size;
    });
  });
  const slots = new Set<string>();
  cp.threads.forEach((t, i) => {
    const at = `threads[${i}]`;
    if (!session(t.session, 'CPU')) bad(at, `session ${t.session} is not a CPU session`);
    if (!session(t.pd, 'PD')) bad(at, `PD ${t.pd} is not a PD session`);
    if (t.slot >= SLOTS) bad(at, `stack slot ${t.slot} out of range`);
    if (slots.has(`${t.pd}:${t.slot}`)) bad(at, `stack slot ${t.slot} taken twice`);
    slots.add(`${t.pd}:${t.slot}`);
    if (t.utcb.length !== UTCB.SIZE) bad(at, `UTCB of ${t.utcb.length} bytes`);
    if (t.regs[0] !== 0) bad(at, 'x0 is not 0');
    if (!is(t.exceptionSigh, 'signal context')) bad(at, 'exception handler is not a signal context');
    if (t.block.source !== null && !['signal', 'receive'].includes(t.block.kind))
      bad(at, `a signal source for block "${t.block.kind}"`);
    if (t.block.kind === 'signal' && t.block.source === null) bad(at, 'waits for a signal of no source');
    if (!is(t.block.source, 'signal source')) bad(at, 'waits on something that is not a signal source');
    if (t.timeout && !is(t.timeout.context, 'signal context')) bad(at, 'timeout of something that is not a context');
  });
  cp.signalSources.forEach((s, i) => {
    if (!session(s.session, 'PD')) bad(`signalSources[${i}]`, `session ${s.session} is not a PD session`);
    s.pending.forEach((c) => {
      if (!cp.signalContexts.some((x) => x.id === c && x.source === s.id))
        bad(`signalSources[${i}]`, `pending context ${c} is not one of its contexts`);
    });
    if (new Set(s.pending).size !== s.pending.length) bad(`signalSources[${i}]`, 'a context pending twice');
  });
  cp.signalContexts.forEach((c, i) => {
    if (!session(c.session, 'PD')) bad(`signalContexts[${i}]`, `session ${c.session} is not a PD session`);
    if (!is(c.source, 'signal source')) bad(`signalContexts[${i}]`, `${c.source} is not a signal source`);
  });
  cp.rpcObjects.forEach((o, i) => {
    if (!session(o.session, 'PD')) bad(`rpcObjects[${i}]`, `session ${o.session} is not a PD session`);
    if (!is(o.thread, 'thread')) bad(`rpcObjects[${i}]`, `${o.thread} is not a thread`);
  });
  cp.announced.forEach((a, i) => {
    if (!is(a.object, 'RPC object')) bad(`announced[${i}]`, `${a.object} is not an RPC object`);
  });
  const sels = new Set<number>();
  const named = new Set<string>();
  cp.caps.forEach((c, i) => {
    const at = `caps[${i}] (selector ${c.sel})`;
    if (sels.has(c.sel)) bad(at, 'selector used twice');
    sels.add(c.sel);
    const key = c.ref.kind === 'parent' ? 'parent' : `${c.ref.kind}:${c.ref.id}`;
    if (named.has(key)) bad(at, `${key} is named by two selectors`);
    named.add(key);
    if (c.ref.kind === 'parent') return;
    const want = CAP_KIND[c.ref.kind];
    const have = kinds.get(c.ref.id);
    if (want === 'session' ? !have?.startsWith('session ') : have !== want)
      bad(at, `names ${c.ref.kind} ${c.ref.id}, which the checkpoint has no ${c.ref.kind.replace('_', ' ')} for`);
  });
  return problems[0] ?? null;
}

const CAP_KIND: Record<Exclude<CapRef['kind'], 'parent'>, string> = {
  session: 'session',
  dataspace: 'dataspace',
  region_map: 'region map',
  thread: 'thread',
  signal_source: 'signal source',
  signal_context: 'signal context',
  rpc_object: 'RPC object',
};

// ------------------------------------------------------------------- files --

/** The checkpoint as a file (see the module comment). */
export function encodeCheckpoint(cp: ComponentCheckpoint, codec: Codec = FFLATE_CODEC): Uint8Array {
  const blobs: Uint8Array[] = [];
  let at = 0;
  const json = JSON.stringify(cp, (_key, value: unknown) => {
    if (!(value instanceof Uint8Array)) return value;
    blobs.push(value);
    const r = { $bytes: [at, value.length] };
    at += value.length;
    return r;
  });
  const head = utf8Encode(json);
  const payload = new Uint8Array(4 + head.length + at);
  new DataView(payload.buffer).setUint32(0, head.length, true);
  payload.set(head, 4);
  let off = 4 + head.length;
  for (const b of blobs) {
    payload.set(b, off);
    off += b.length;
  }
  const packed = codec.deflate(payload);
  const out = new Uint8Array(HEADER + packed.length);
  const dv = new DataView(out.buffer);
  out.set(utf8Encode(CHECKPOINT_MAGIC), 0);
  dv.setUint32(8, CHECKPOINT_VERSION, true);
  dv.setUint32(12, 0, true);
  dv.setUint32(16, packed.length, true);
  dv.setUint32(20, codec.crc32(packed), true);
  dv.setUint32(24, payload.length, true);
  out.set(packed, HEADER);
  return out;
}

/** Reads a checkpoint file: the checkpoint, or what is wrong with the bytes. */
export function decodeCheckpoint(data: Uint8Array, codec: Codec = FFLATE_CODEC): ComponentCheckpoint | string {
  if (data.length < HEADER || utf8Decode(data.subarray(0, 8)) !== CHECKPOINT_MAGIC)
    return 'not a component checkpoint (no "CORECKPT" header)';
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== CHECKPOINT_VERSION)
    return `checkpoint format version ${version}; this engine reads version ${CHECKPOINT_VERSION}`;
  const packedLength = dv.getUint32(16, true);
  const size = dv.getUint32(24, true);
  if (data.length - HEADER !== packedLength)
    return `checkpoint truncated or padded: the header promises ${packedLength} payload bytes, the file has ${data.length - HEADER}`;
  const packed = data.subarray(HEADER);
  if (codec.crc32(packed) !== dv.getUint32(20, true)) return 'checkpoint corrupted: checksum mismatch';
  if (size < 4 || size > MAX_PAYLOAD) return `checkpoint payload of ${size} bytes is out of range`;
  let payload: Uint8Array;
  try {
    payload = codec.inflate(packed, size);
  } catch (e) {
    return `checkpoint corrupted: cannot inflate (${(e as Error).message})`;
  }
  if (payload.length !== size) return 'checkpoint corrupted: inflated size differs from the header';
  const pv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const jsonLength = pv.getUint32(0, true);
  if (jsonLength > size - 4) return 'checkpoint corrupted: its index overruns the payload';
  const blobBase = 4 + jsonLength;
  let blobError: string | null = null;
  let raw: unknown;
  try {
    raw = JSON.parse(utf8Decode(payload.subarray(4, blobBase)), (_key, value: unknown) => {
      if (value === null || typeof value !== 'object' || !('$bytes' in value)) return value;
      const r = (value as { $bytes: unknown }).$bytes;
      const ok =
        Array.isArray(r) &&
        r.length === 2 &&
        r.every((n) => Number.isSafeInteger(n) && n >= 0) &&
        blobBase + r[0] + r[1] <= size;
      if (!ok) {
        blobError ??= 'checkpoint corrupted: a byte array lies outside the payload';
        return new Uint8Array(0);
      }
      return payload.slice(blobBase + r[0], blobBase + r[0] + r[1]);
    });
  } catch (e) {
    return `checkpoint corrupted: bad index (${(e as Error).message})`;
  }
  if (blobError) return blobError;
  const parsed = v.safeParse(CheckpointSchema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue);
    return `checkpoint malformed at ${path ?? 'the top'}: ${issue.message}`;
  }
  const bad = checkCheckpoint(parsed.output);
  return bad ? `checkpoint inconsistent: ${bad}` : parsed.output;
}

/** Checks a checkpoint built in memory against the schema and for consistency. */
export function validateCheckpoint(cp: unknown): string | null {
  const parsed = v.safeParse(CheckpointSchema, cp);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    return `malformed at ${v.getDotPath(issue) ?? 'the top'}: ${issue.message}`;
  }
  return checkCheckpoint(parsed.output);
}
