/**
 * Whole-system snapshots: everything a {@link System} is (RAM, harts, devices, kernel, core and
 * init objects) as a {@link SystemImage}, and images as files.
 *
 * An image is taken between two `run` calls (a debugger stop, a paused machine) and restores
 * into a new System, so a failed load leaves the running one untouched. Execution after a
 * restore is the execution the saved system would have had: the machine state includes the
 * round a break interrupted, and the kernel's objects are restored field for field.
 *
 * RAM and other big buffers are kept as 4 KiB pages; zero pages are left out, and an image
 * taken with an earlier one (`previous`) shares the pages that did not change, which is what
 * makes a ring of snapshots for reverse execution cheap.
 *
 * File format (little-endian), version 1:
 *
 * | offset | size | what                                              |
 * |--------|------|---------------------------------------------------|
 * | 0      | 8    | magic "CORESNAP"                                  |
 * | 8      | 4    | format version                                    |
 * | 12     | 4    | flags (0)                                         |
 * | 16     | 4    | payload length in the file                        |
 * | 20     | 4    | CRC-32 of the payload                             |
 * | 24     | 4    | payload length inflated                           |
 * | 28     | ...  | payload, raw DEFLATE                              |
 *
 * The inflated payload is a u32 length, that many bytes of JSON (the machine state, the object
 * graph, page tables of every buffer, the host's extra state), then the pages' bytes.
 */
import { RAM_BASE } from '../cpu/bus';
import type { StateValue } from '../cpu/device';
import { utf8Decode, utf8Encode } from '../cpu/elf';
import { Machine, type MachineConfig } from '../cpu/machine';
import type { Core } from '../core/core';
import type { Init } from '../core/init/init';
import type { Kernel } from '../core/kernel';
import { System } from '../core/system';
import { FFLATE_CODEC, type Codec } from './codec';
import {
  decodeGraph,
  encodeGraph,
  GraphError,
  GraphFormatError,
  pagesOf,
  unpage,
  PAGE,
  type Blob,
  type EncodedGraph,
} from './graph';
import { ENGINE_SCHEMA } from './schema';

export const SNAPSHOT_MAGIC = 'CORESNAP';
export const SNAPSHOT_VERSION = 1;
const HEADER = 28;

export interface SystemImage {
  config: MachineConfig;
  machine: StateValue;
  ram: (Uint8Array | null)[];
  rom: Uint8Array;
  graph: EncodedGraph;
  /** Instructions retired by all harts when it was taken (where it is on the timeline). */
  instructions: number;
  /** Virtual time in cycles when it was taken. */
  cycles: number;
  /** The host's own state (debugger, scenario name...), plain data. */
  extra: StateValue;
}

/** The machine-side objects the kernel refers to, by name. */
function externals(m: Machine): Map<string, object> {
  const x = new Map<string, object>([
    ['machine', m],
    ['bus', m.bus],
    ['clint', m.clint],
    ['plic', m.plic],
    ['uart', m.uart],
  ]);
  m.harts.forEach((h, i) => x.set(`hart${i}`, h));
  return x;
}

/**
 * Takes an image of `sys` (between two runs). `previous`, an earlier image of the same system,
 * lends it the pages that did not change; `changedRam`, given with it, lists the only RAM pages
 * that may differ from it, and `changedBuffers` the only pages of other big buffers that may
 * (a buffer `previous` did not see is compared in full). Returns an error naming what cannot
 * be saved.
 */
export function captureSystem(
  sys: System,
  extra: StateValue = null,
  previous: SystemImage | null = null,
  changedRam: Iterable<number> | null = null,
  changedBuffers: ReadonlyMap<ArrayBuffer, Iterable<number>> | null = null,
): SystemImage | string {
  const m = sys.machine;
  // The decoded-instruction caches and fast TLBs are not saved (a restored machine starts
  // with them empty). The slow TLB is saved, and which entries it gains next depends on
  // which accesses the fast TLB answered, so the saved machine drops its caches as well:
  // from here on both fill them the same way.
  m.flushDecoded();
  const ext = new Map<object, string>();
  for (const [k, v] of externals(m)) ext.set(v, k);
  let graph: EncodedGraph;
  try {
    graph = encodeGraph(
      [
        ['kernel', sys.kernel],
        ['core', sys.core],
        ['init', sys.init],
      ],
      ENGINE_SCHEMA,
      ext,
      previous?.graph ?? null,
      changedBuffers,
    );
  } catch (e) {
    if (e instanceof GraphError) return `cannot snapshot: ${e.message}`;
    throw e;
  }
  const prevRam = previous && previous.ram.length === m.bus.ramSize / PAGE ? previous.ram : null;
  return {
    config: { ...m.config },
    machine: m.saveState(),
    ram: pagesOf(m.bus.u8, prevRam, prevRam ? changedRam : null),
    rom: m.bus.rom.slice(),
    graph,
    instructions: sys.instructions,
    cycles: m.cycles,
    extra,
  };
}

/**
 * A new System in the state of `img`, or an error. Nothing else is touched, so a failed restore
 * leaves whatever system is running as it was.
 */
export function restoreSystem(img: SystemImage): System | string {
  let m: Machine;
  try {
    m = new Machine(img.config);
  } catch (e) {
    return `snapshot: bad machine configuration: ${(e as Error).message}`;
  }
  if (img.ram.length !== m.bus.ramSize / PAGE)
    return `snapshot: ${img.ram.length} RAM pages for ${m.bus.ramSize} bytes of RAM`;
  if (img.rom.length !== m.bus.rom.length)
    return `snapshot: boot ROM is ${img.rom.length} bytes, expected ${m.bus.rom.length}`;
  const err = m.loadState(img.machine);
  if (err) return `snapshot: ${err}`;
  for (let p = 0; p < img.ram.length; p++) {
    const page = img.ram[p];
    if (page !== null && page.length !== PAGE)
      return `snapshot: RAM page ${p} (0x${(RAM_BASE + p * PAGE).toString(16)}) has ${page.length} bytes`;
  }
  unpage(img.ram, m.bus.u8);
  m.bus.rom.set(img.rom);
  let parts: unknown[];
  try {
    parts = decodeGraph(img.graph, ENGINE_SCHEMA, externals(m));
  } catch (e) {
    if (e instanceof GraphFormatError) return `snapshot: ${e.message}`;
    return `snapshot: damaged object graph (${(e as Error).message})`;
  }
  const [kernel, core, init] = parts as [Kernel, Core, Init];
  const want = [
    [kernel, 'kernel.Kernel'],
    [core, 'core.Core'],
    [init, 'init.Init'],
  ] as const;
  for (const [obj, cls] of want) {
    const ctor = ENGINE_SCHEMA.classes.get(cls)!;
    if (!(obj instanceof (ctor as unknown as new () => unknown))) return `snapshot: root is not a ${cls.split('.')[1]}`;
  }
  try {
    return System.fromParts(m, kernel, core, init);
  } catch (e) {
    return `snapshot: damaged object graph (${(e as Error).message})`;
  }
}

// ------------------------------------------------------------------------------ files --

/** Writes an image as a snapshot file (see the module comment for the format). */
export function encodeSnapshot(img: SystemImage, codec: Codec = FFLATE_CODEC): Uint8Array {
  const chunks: Uint8Array[] = [];
  const chunkIds = new Map<Uint8Array, number>();
  let total = 0;
  const chunk = (b: Uint8Array): number => {
    let id = chunkIds.get(b);
    if (id === undefined) {
      id = chunks.length;
      chunks.push(b);
      chunkIds.set(b, id);
      total += b.length;
    }
    return id;
  };
  const pageIds = (pages: (Uint8Array | null)[]): number[] => pages.map((p) => (p === null ? -1 : chunk(p)));
  const blobs = img.graph.blobs.map((b) =>
    b.pages ? { size: b.size, pages: pageIds(b.pages) } : { size: b.size, bytes: chunk(b.bytes!) },
  );
  const head = utf8Encode(
    JSON.stringify({
      config: img.config,
      machine: img.machine,
      ram: pageIds(img.ram),
      rom: chunk(img.rom),
      graph: { roots: img.graph.roots, records: img.graph.records, blobs },
      chunkSizes: chunks.map((c) => c.length),
      instructions: img.instructions,
      cycles: img.cycles,
      extra: img.extra,
    }),
  );
  const body = new Uint8Array(4 + head.length + total);
  new DataView(body.buffer).setUint32(0, head.length, true);
  body.set(head, 4);
  let at = 4 + head.length;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  const payload = codec.deflate(body);
  const file = new Uint8Array(HEADER + payload.length);
  for (let i = 0; i < 8; i++) file[i] = SNAPSHOT_MAGIC.charCodeAt(i);
  const dv = new DataView(file.buffer);
  dv.setUint32(8, SNAPSHOT_VERSION, true);
  dv.setUint32(12, 0, true);
  dv.setUint32(16, payload.length, true);
  dv.setUint32(20, codec.crc32(payload), true);
  dv.setUint32(24, body.length, true);
  file.set(payload, HEADER);
  return file;
}

/** Reads a snapshot file. Returns the image, or an error that names what is wrong with it. */
export function decodeSnapshot(file: Uint8Array, codec: Codec = FFLATE_CODEC): SystemImage | string {
  if (file.length < HEADER)
    return `not a Corescope snapshot: ${file.length} bytes, shorter than the ${HEADER}-byte header`;
  for (let i = 0; i < 8; i++) {
    if (file[i] !== SNAPSHOT_MAGIC.charCodeAt(i))
      return 'not a Corescope snapshot: the file does not start with "CORESNAP"';
  }
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION)
    return `snapshot format version ${version} is not supported (this Corescope reads version ${SNAPSHOT_VERSION})`;
  const length = dv.getUint32(16, true);
  if (file.length < HEADER + length)
    return `snapshot is truncated: ${file.length} bytes, the header promises ${HEADER + length}`;
  if (file.length > HEADER + length)
    return `snapshot has ${file.length - HEADER - length} bytes of garbage after its end`;
  const payload = file.subarray(HEADER, HEADER + length);
  const crc = codec.crc32(payload);
  if (crc !== dv.getUint32(20, true))
    return `snapshot is corrupted: checksum 0x${crc.toString(16).padStart(8, '0')} does not match 0x${dv.getUint32(20, true).toString(16).padStart(8, '0')}`;
  let body: Uint8Array;
  try {
    body = codec.inflate(payload, dv.getUint32(24, true));
  } catch (e) {
    return `snapshot is corrupted: cannot inflate (${(e as Error).message})`;
  }
  if (body.length !== dv.getUint32(24, true))
    return `snapshot is corrupted: inflated to ${body.length} bytes, expected ${dv.getUint32(24, true)}`;
  try {
    return parseBody(body);
  } catch (e) {
    return `snapshot is damaged: ${(e as Error).message}`;
  }
}

interface FileBlob {
  size: number;
  bytes?: number;
  pages?: number[];
}

function parseBody(body: Uint8Array): SystemImage | string {
  const headLen = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0, true);
  if (4 + headLen > body.length) return 'snapshot is damaged: its index runs past the end';
  const j = JSON.parse(utf8Decode(body.subarray(4, 4 + headLen))) as {
    config: MachineConfig;
    machine: StateValue;
    ram: number[];
    rom: number;
    graph: { roots: number[]; records: EncodedGraph['records']; blobs: FileBlob[] };
    chunkSizes: number[];
    instructions: number;
    cycles: number;
    extra: StateValue;
  };
  if (!Array.isArray(j.chunkSizes) || !Array.isArray(j.ram) || !j.graph || !Array.isArray(j.graph.blobs))
    return 'snapshot is damaged: its index is incomplete';
  const chunks: Uint8Array[] = [];
  let at = 4 + headLen;
  for (const n of j.chunkSizes) {
    if (!Number.isInteger(n) || n < 0 || at + n > body.length) return 'snapshot is damaged: a page runs past the end';
    chunks.push(body.subarray(at, at + n));
    at += n;
  }
  const get = (id: number, what: string): Uint8Array => {
    const c = chunks[id];
    if (!c) throw new Error(`${what} refers to missing data ${id}`);
    return c;
  };
  const pages = (ids: number[], what: string): (Uint8Array | null)[] =>
    ids.map((id, i) => (id === -1 ? null : get(id, `${what} page ${i}`)));
  const blobs: Blob[] = j.graph.blobs.map((b, i) =>
    Array.isArray(b.pages)
      ? { size: b.size, bytes: null, pages: pages(b.pages, `buffer ${i}`) }
      : { size: b.size, bytes: get(b.bytes ?? -1, `buffer ${i}`), pages: null },
  );
  return {
    config: j.config,
    machine: j.machine,
    ram: pages(j.ram, 'RAM'),
    rom: get(j.rom, 'boot ROM'),
    graph: { roots: j.graph.roots, records: j.graph.records, blobs },
    instructions: Number(j.instructions) || 0,
    cycles: Number(j.cycles) || 0,
    extra: j.extra ?? null,
  };
}
