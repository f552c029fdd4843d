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
 * | 16     | 4    | payload length                                    |
 * | 20     | 4    | CRC-32 of the payload                             |
 * | 24     | 4    | number of blocks in the payload                   |
 * | 28     | ...  | payload: blocks                                   |
 *
 * A block is its raw length (u32), its length in the file (u32), its method (u32: 0 stored,
 * 1 raw DEFLATE) and its bytes. The first block is the index, JSON: the machine state, the
 * object graph, where each page and buffer is in the data stream, the host's extra state. The
 * other blocks are the data stream, 1 MiB each: every page and buffer once, at 8-byte aligned
 * offsets. A block that does not compress (a sample of it is tried first) is stored.
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

/** How {@link captureSystem} may save work. */
export interface CaptureOptions {
  /** An earlier image of the same system: pages that did not change are shared with it. */
  previous?: SystemImage | null;
  /**
   * With `previous`: the only RAM pages that may differ from it. Without it, the allocated
   * frames are the only RAM that may not be zero (free RAM is kept zero), so only they are
   * looked at.
   */
  changedRam?: Iterable<number> | null;
  /** With `previous`: the only pages of other big buffers that may differ from it. */
  changedBuffers?: ReadonlyMap<ArrayBuffer, Iterable<number>> | null;
  /**
   * RAM pages as views into the running machine's RAM instead of copies: for an image that is
   * written out at once, before the machine runs again.
   */
  views?: boolean;
}

/** The RAM pages of the kernel's allocated frames (all other RAM is zero). */
export function allocatedPages(sys: System): number[] {
  const pages: number[] = [];
  for (const [base, f] of sys.kernel.frames) {
    const first = (base - RAM_BASE) / PAGE;
    for (let p = first; p < first + f.size / PAGE; p++) pages.push(p);
  }
  return pages;
}

/**
 * Takes an image of `sys` (between two runs); see {@link CaptureOptions}. Returns an error
 * naming what cannot be saved.
 */
export function captureSystem(sys: System, extra: StateValue = null, opts: CaptureOptions = {}): SystemImage | string {
  const previous = opts.previous ?? null;
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
      opts.changedBuffers ?? null,
    );
  } catch (e) {
    if (e instanceof GraphError) return `cannot snapshot: ${e.message}`;
    throw e;
  }
  const prevRam = previous && previous.ram.length === m.bus.ramSize / PAGE ? previous.ram : null;
  return {
    config: { ...m.config },
    machine: m.saveState(),
    ram: pagesOf(m.bus.u8, prevRam, prevRam ? (opts.changedRam ?? null) : allocatedPages(sys), opts.views),
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
  let err: string | null;
  try {
    err = m.loadState(img.machine);
  } catch (e) {
    err = `damaged machine state (${(e as Error).message})`;
  }
  if (err) return `snapshot: ${err}`;
  for (let p = 0; p < img.ram.length; p++) {
    const page = img.ram[p];
    if (page !== null && page.length !== PAGE)
      return `snapshot: RAM page ${p} (0x${(RAM_BASE + p * PAGE).toString(16)}) has ${page.length} bytes`;
  }
  unpage(img.ram, m.bus.u8, true); // a new machine's RAM is all zero
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

/** Bytes of the data stream per block: each is deflated, or stored if it would not shrink. */
const BLOCK = 1 << 20;
/** Bytes of a block compressed first to see whether the block compresses at all. */
const SAMPLE = 8192;
const BLOCK_HEADER = 12;
const STORED = 0;
const DEFLATED = 1;

/**
 * The raw blocks of a snapshot file: the index, then the data stream in 1 MiB pieces (every
 * distinct page or buffer once, each at an 8-byte aligned offset, so that a loaded page can be
 * viewed as words).
 */
function rawBlocks(img: SystemImage): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const where = new Map<Uint8Array, number>();
  const spans: [number, number][] = [];
  let size = 0;
  const chunk = (b: Uint8Array): number => {
    let id = where.get(b);
    if (id === undefined) {
      id = chunks.length;
      chunks.push(b);
      where.set(b, id);
      spans.push([size, b.length]);
      size += (b.length + 7) & ~7;
    }
    return id;
  };
  const pageIds = (pages: (Uint8Array | null)[]): number[] => pages.map((p) => (p === null ? -1 : chunk(p)));
  const blobs = img.graph.blobs.map((b) =>
    b.pages ? { size: b.size, pages: pageIds(b.pages) } : { size: b.size, bytes: chunk(b.bytes!) },
  );
  const index = utf8Encode(
    JSON.stringify({
      config: img.config,
      machine: img.machine,
      ram: pageIds(img.ram),
      rom: chunk(img.rom),
      graph: { roots: img.graph.roots, records: img.graph.records, blobs },
      chunks: spans,
      dataSize: size,
      instructions: img.instructions,
      cycles: img.cycles,
      extra: img.extra,
    }),
  );
  const blocks = [index];
  let block = new Uint8Array(Math.min(BLOCK, size));
  let fill = 0;
  for (const c of chunks) {
    const padded = (c.length + 7) & ~7;
    for (let from = 0; from < padded;) {
      const n = Math.min(padded - from, block.length - fill);
      const real = Math.max(0, Math.min(n, c.length - from));
      if (real > 0) block.set(c.subarray(from, from + real), fill);
      fill += n; // the padding stays zero (a new buffer)
      from += n;
      if (fill === block.length) {
        blocks.push(block);
        size -= block.length;
        block = new Uint8Array(Math.min(BLOCK, size));
        fill = 0;
      }
    }
  }
  return blocks;
}

/**
 * Whether a block is worth deflating: data that does not compress (random bytes, compressed
 * data) is stored at once, since deflating it costs as much as all the rest and gains nothing.
 * A sample of it is tried first.
 */
function worthDeflating(raw: Uint8Array, codec: Codec): boolean {
  if (raw.length <= SAMPLE) return raw.length > 0;
  return codec.deflate(raw.subarray(0, SAMPLE)).length < SAMPLE * 0.9;
}

/** A block as the file holds it: the deflated bytes if given and smaller, else stored. */
function packBlock(raw: Uint8Array, deflated: Uint8Array | null): Uint8Array {
  const method = deflated && deflated.length < raw.length ? DEFLATED : STORED;
  const out = method === DEFLATED ? deflated! : raw;
  const b = new Uint8Array(BLOCK_HEADER + out.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, raw.length, true);
  dv.setUint32(4, out.length, true);
  dv.setUint32(8, method, true);
  b.set(out, BLOCK_HEADER);
  return b;
}

/** The file around its packed blocks: header with the payload's length, CRC and block count. */
function fileOf(blocks: Uint8Array[], codec: Codec): Uint8Array {
  const payloadLength = blocks.reduce((n, b) => n + b.length, 0);
  const file = new Uint8Array(HEADER + payloadLength);
  let pos = HEADER;
  for (const b of blocks) {
    file.set(b, pos);
    pos += b.length;
  }
  for (let i = 0; i < 8; i++) file[i] = SNAPSHOT_MAGIC.charCodeAt(i);
  const dv = new DataView(file.buffer);
  dv.setUint32(8, SNAPSHOT_VERSION, true);
  dv.setUint32(12, 0, true);
  dv.setUint32(16, payloadLength, true);
  dv.setUint32(20, codec.crc32(file.subarray(HEADER)), true);
  dv.setUint32(24, blocks.length, true);
  return file;
}

/** Writes an image as a snapshot file (see the module comment for the format). */
export function encodeSnapshot(img: SystemImage, codec: Codec = FFLATE_CODEC): Uint8Array {
  const raws = rawBlocks(img);
  return fileOf(
    raws.map((r) => packBlock(r, worthDeflating(r, codec) ? codec.deflate(r) : null)),
    codec,
  );
}

/**
 * {@link encodeSnapshot} with the blocks deflated in parallel by `codec.deflateAsync` (Node's
 * zlib does it on its thread pool); the same file.
 */
export async function encodeSnapshotAsync(img: SystemImage, codec: Codec): Promise<Uint8Array> {
  const deflate = codec.deflateAsync;
  if (!deflate) return encodeSnapshot(img, codec);
  const raws = rawBlocks(img);
  const outs = await Promise.all(raws.map((r) => (worthDeflating(r, codec) ? deflate(r) : Promise.resolve(null))));
  return fileOf(
    raws.map((r, i) => packBlock(r, outs[i])),
    codec,
  );
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
  const count = dv.getUint32(24, true);
  // Blocks: the index first, then the data stream.
  let pos = 0;
  const next = (into: Uint8Array | null, i: number): Uint8Array | string => {
    if (pos + BLOCK_HEADER > payload.length) return `snapshot is damaged: block ${i} runs past the end`;
    const b = new DataView(payload.buffer, payload.byteOffset + pos, BLOCK_HEADER);
    const raw = b.getUint32(0, true);
    const stored = b.getUint32(4, true);
    const method = b.getUint32(8, true);
    const data = payload.subarray(pos + BLOCK_HEADER, pos + BLOCK_HEADER + stored);
    if (data.length !== stored) return `snapshot is damaged: block ${i} runs past the end`;
    pos += BLOCK_HEADER + stored;
    if (into && into.length !== raw)
      return `snapshot is damaged: block ${i} holds ${raw} bytes, expected ${into.length}`;
    if (method === STORED) {
      if (stored !== raw) return `snapshot is damaged: stored block ${i} is ${stored} bytes, not ${raw}`;
      if (!into) return data;
      into.set(data);
      return into;
    }
    if (method !== DEFLATED) return `snapshot is damaged: block ${i} has unknown method ${method}`;
    let out: Uint8Array;
    try {
      out = codec.inflate(data, raw);
    } catch (e) {
      return `snapshot is corrupted: cannot inflate block ${i} (${(e as Error).message})`;
    }
    if (out.length !== raw) return `snapshot is corrupted: block ${i} inflated to ${out.length} bytes, expected ${raw}`;
    if (!into) return out;
    into.set(out);
    return into;
  };
  if (count < 1) return 'snapshot is damaged: it has no index';
  const indexBytes = next(null, 0);
  if (typeof indexBytes === 'string') return indexBytes;
  let j: FileIndex;
  try {
    j = JSON.parse(utf8Decode(indexBytes)) as FileIndex;
  } catch (e) {
    return `snapshot is damaged: its index is not readable (${(e as Error).message})`;
  }
  if (typeof j !== 'object' || j === null || !Number.isInteger(j.dataSize) || j.dataSize < 0)
    return 'snapshot is damaged: its index is incomplete';
  if (j.dataSize > 16 * 1024 * 1024 * 1024) return `snapshot is damaged: ${j.dataSize} bytes of data is too much`;
  const data = new Uint8Array(j.dataSize);
  let at = 0;
  for (let i = 1; i < count; i++) {
    const n = Math.min(BLOCK, j.dataSize - at);
    if (n <= 0) return `snapshot is damaged: block ${i} is past the end of the data`;
    const r = next(data.subarray(at, at + n), i);
    if (typeof r === 'string') return r;
    at += n;
  }
  if (at !== j.dataSize) return `snapshot is truncated: ${at} of ${j.dataSize} bytes of data`;
  if (pos !== payload.length) return `snapshot is damaged: ${payload.length - pos} bytes after the last block`;
  try {
    return parseIndex(j, data);
  } catch (e) {
    return `snapshot is damaged: ${(e as Error).message}`;
  }
}

interface FileIndex {
  config: MachineConfig;
  machine: StateValue;
  ram: number[];
  rom: number;
  graph: { roots: number[]; records: EncodedGraph['records']; blobs: FileBlob[] };
  chunks: [number, number][];
  dataSize: number;
  instructions: number;
  cycles: number;
  extra: StateValue;
}

interface FileBlob {
  size: number;
  bytes?: number;
  pages?: number[];
}

function parseIndex(j: FileIndex, data: Uint8Array): SystemImage | string {
  if (!Array.isArray(j.chunks) || !Array.isArray(j.ram) || !j.graph || !Array.isArray(j.graph.blobs))
    return 'snapshot is damaged: its index is incomplete';
  const chunks: Uint8Array[] = j.chunks.map(([off, n], i) => {
    if (!Number.isInteger(off) || !Number.isInteger(n) || off < 0 || n < 0 || off + n > data.length)
      throw new Error(`data ${i} runs past the end`);
    return data.subarray(off, off + n);
  });
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
