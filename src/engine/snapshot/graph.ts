/**
 * Saves and restores a graph of engine objects (kernel, core, init and everything they hold)
 * as plain data, keeping identity (shared objects stay shared), classes (objects get their
 * prototypes back) and cycles.
 *
 * What the graph may hold, and how each thing is written:
 * - numbers, strings, booleans, null, undefined: as they are (NaN, ±Infinity and -0 tagged);
 * - instances of a class the {@link GraphSchema} names, and plain objects: their own fields;
 * - arrays, Maps and Sets: their elements;
 * - typed arrays and ArrayBuffers: the buffer once (as a blob), views as (type, buffer,
 *   offset, length), so views that share a buffer still share it after a load;
 * - functions and constant objects the schema names (module exports such as the service
 *   factories and the RPC interface tables): by name;
 * - external objects (the machine, its harts and devices, saved on their own): by name.
 *
 * Anything else (a closure, an instance of an unnamed class) cannot be restored, so saving
 * fails and names the path to it, e.g. `kernel.threads[7].block.onWake`.
 *
 * Fields the schema lists as hooks (callbacks a host or the debugger installs, such as
 * `Core.onLog`) are not saved; a loaded object has the schema's default there.
 */

/** A blob: the bytes of one ArrayBuffer. Pages of big buffers may be shared between saves. */
export interface Blob {
  size: number;
  /** Whole buffer (small buffers), or null when `pages` holds it. */
  bytes: Uint8Array | null;
  /** Big buffers: one entry per 4 KiB page, null for a page of zeros. */
  pages: (Uint8Array | null)[] | null;
}

export type Value =
  | number
  | string
  | boolean
  | null
  | { r: number } // reference to record r
  | { u: 1 } // undefined
  | { n: 'NaN' | 'Inf' | '-Inf' | '-0' }
  | { c: string } // constant
  | { f: string } // function
  | { x: string }; // external

export type GraphRecord =
  | { k: 'o'; c: string; f: (string | Value)[] } // object of class c ('' = plain): key, value, ...
  | { k: 'a'; e: Value[] }
  | { k: 'm'; e: Value[] } // key, value, key, value, ...
  | { k: 's'; e: Value[] }
  | { k: 't'; t: TypedName; b: number; o: number; l: number } // view of blob b
  | { k: 'p'; c: string; v: (Value | { l: Value[] })[] } // packed object of class c: field values in order
  | { k: 'b'; b: number }; // ArrayBuffer: blob b

export interface EncodedGraph {
  /** Record index of each root. */
  roots: number[];
  records: GraphRecord[];
  blobs: Blob[];
  /**
   * The live buffer behind each blob (not saved): a later encoding of the same objects finds
   * its previous pages here, by identity.
   */
  sources?: Map<ArrayBuffer, number>;
}

type TypedName =
  | 'Int8Array'
  | 'Uint8Array'
  | 'Uint8ClampedArray'
  | 'Int16Array'
  | 'Uint16Array'
  | 'Int32Array'
  | 'Uint32Array'
  | 'Float32Array'
  | 'Float64Array';

const TYPED: Record<TypedName, { new (b: ArrayBuffer, o: number, l: number): ArrayBufferView; BYTES: number }> = {
  Int8Array: Object.assign(Int8Array, { BYTES: 1 }),
  Uint8Array: Object.assign(Uint8Array, { BYTES: 1 }),
  Uint8ClampedArray: Object.assign(Uint8ClampedArray, { BYTES: 1 }),
  Int16Array: Object.assign(Int16Array, { BYTES: 2 }),
  Uint16Array: Object.assign(Uint16Array, { BYTES: 2 }),
  Int32Array: Object.assign(Int32Array, { BYTES: 4 }),
  Uint32Array: Object.assign(Uint32Array, { BYTES: 4 }),
  Float32Array: Object.assign(Float32Array, { BYTES: 4 }),
  Float64Array: Object.assign(Float64Array, { BYTES: 8 }),
};

/** Buffers of this size or more are kept as pages (zero pages skipped, unchanged pages shared). */
export const PAGED_MIN = 64 * 1024;
export const PAGE = 4096;

/** What the graph's classes, functions, constants, externals and hooks are called. */
export interface GraphSchema {
  /** Class name → constructor. */
  readonly classes: ReadonlyMap<string, abstract new (...a: never[]) => unknown>;
  /** Function name → module-level function. */
  readonly functions: ReadonlyMap<string, unknown>;
  /** Constant name → object that must keep its identity (module exports). */
  readonly constants: ReadonlyMap<string, object>;
  /** Class name → hook fields: not saved, set to the given default on load. */
  readonly hooks: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /**
   * Class name → its fields, for small objects a system holds thousands of (page mappings):
   * saved as their field values in this order, without names; `inline` fields hold arrays that
   * nothing else refers to, saved as lists within the record.
   */
  readonly packed?: ReadonlyMap<string, { fields: readonly string[]; inline: readonly string[] }>;
}

/** Reverse lookups of a schema, built once per schema. */
interface SchemaIndex {
  classOf: Map<object, string>; // prototype → class name
  fnName: Map<unknown, string>;
  constName: Map<object, string>;
}

const indexes = new WeakMap<GraphSchema, SchemaIndex>();

function indexOf(schema: GraphSchema): SchemaIndex {
  let ix = indexes.get(schema);
  if (!ix) {
    ix = { classOf: new Map(), fnName: new Map(), constName: new Map() };
    for (const [name, ctor] of schema.classes) ix.classOf.set(ctor.prototype as object, name);
    for (const [name, fn] of schema.functions) ix.fnName.set(fn, name);
    for (const [name, obj] of schema.constants) ix.constName.set(obj, name);
    indexes.set(schema, ix);
  }
  return ix;
}

/** Saving failed: `path` names where the unsaveable value is. */
export class GraphError extends Error {}

function isZero(p: Uint8Array): boolean {
  if (p.byteOffset % 4 !== 0 || p.byteLength % 4 !== 0) return p.every((b) => b === 0);
  const w = new Int32Array(p.buffer, p.byteOffset, p.byteLength >>> 2);
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
  return true;
}

function samePage(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteOffset % 4 !== 0 || b.byteOffset % 4 !== 0 || a.byteLength % 4 !== 0) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  const x = new Int32Array(a.buffer, a.byteOffset, a.byteLength >>> 2);
  const y = new Int32Array(b.buffer, b.byteOffset, b.byteLength >>> 2);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * The pages of `bytes` (a multiple of 4 KiB long): zero pages as null; a page equal to the
 * same page of `previous` is that page (shared, not copied), otherwise a copy (or, with `views`,
 * a view into `bytes`, for an image that is written out at once). `only`, if given, lists the
 * pages that may differ from `previous` (or, without it, the only pages that may not be zero);
 * the others are taken from it unchecked.
 */
export function pagesOf(
  bytes: Uint8Array,
  previous: (Uint8Array | null)[] | null,
  only: Iterable<number> | null = null,
  views = false,
): (Uint8Array | null)[] {
  const n = Math.ceil(bytes.length / PAGE);
  const prev = previous && previous.length === n ? previous : null;
  const out = prev && only ? prev.slice() : new Array<Uint8Array | null>(n).fill(null);
  for (const p of only ?? range(n)) {
    if (p < 0 || p >= n) continue;
    const page = bytes.subarray(p * PAGE, Math.min(bytes.length, (p + 1) * PAGE));
    const old = prev ? prev[p] : null;
    if (old && old.length === page.length && samePage(page, old)) out[p] = old;
    else if (page.length === PAGE && isZero(page)) out[p] = null;
    else out[p] = views ? page : page.slice();
  }
  return out;
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/**
 * Copies paged contents back into `into`; zero pages are zeroed unless `fresh` says `into` is
 * all zero already (a new buffer).
 */
export function unpage(pages: (Uint8Array | null)[], into: Uint8Array, fresh = false): void {
  for (let p = 0; p < pages.length; p++) {
    const page = pages[p];
    const at = p * PAGE;
    if (page) into.set(page, at);
    else if (!fresh) into.fill(0, at, Math.min(into.length, at + PAGE));
  }
}

const ROOT = 0;
const FIELD = 1;
const INDEX = 2;
const MAP_KEY = 3;
const MAP_VALUE = 4;
const ITEM = 5;
type WhereKind = typeof ROOT | typeof FIELD | typeof INDEX | typeof MAP_KEY | typeof MAP_VALUE | typeof ITEM;

/** A link of a value's path: the container it is in, and how it is found there. */
interface Where {
  up: Where | null;
  kind: WhereKind;
  key: unknown;
}

interface Pending extends Where {
  obj: object;
  id: number;
}

/** "kernel.pds.get(7).mappings.get(16).via[0]" for people. */
function pathOf(w: Where): string {
  const parts: string[] = [];
  for (let at: Where | null = w; at; at = at.up) {
    const k = at.key;
    const shown = typeof k === 'object' && k !== null ? '#object' : String(k);
    parts.push(
      at.kind === ROOT
        ? shown
        : at.kind === FIELD
          ? `.${shown}`
          : at.kind === INDEX
            ? `[${shown}]`
            : at.kind === MAP_KEY
              ? `.key(${shown})`
              : at.kind === MAP_VALUE
                ? `.get(${shown})`
                : `.item(${shown})`,
    );
  }
  return parts.reverse().join('');
}

/**
 * Encodes the graph reachable from `roots`. `externals` names objects that are saved elsewhere
 * (they are written as their name). `previous` (an earlier encoding of the same system) lets
 * big buffers share their unchanged pages with it.
 */
export function encodeGraph(
  roots: readonly [string, unknown][],
  schema: GraphSchema,
  externals: ReadonlyMap<object, string>,
  previous: EncodedGraph | null = null,
  changed: ReadonlyMap<ArrayBuffer, Iterable<number>> | null = null,
): EncodedGraph {
  const ix = indexOf(schema);
  const ids = new Map<object, number>();
  const records: GraphRecord[] = [];
  const blobs: Blob[] = [];
  const bufferIds = new Map<ArrayBuffer, number>();
  const pending: Pending[] = [];

  const blobOf = (buf: ArrayBuffer): number => {
    let b = bufferIds.get(buf);
    if (b !== undefined) return b;
    b = blobs.length;
    const bytes = new Uint8Array(buf);
    if (bytes.length >= PAGED_MIN) {
      // The same buffer's pages last time, if `previous` saw it; `changed` may then name the
      // only pages that can differ.
      const at = previous?.sources?.get(buf);
      const prev = at !== undefined ? previous!.blobs[at] : undefined;
      const prevPages = prev && prev.size === bytes.length ? prev.pages : null;
      const only = prevPages ? (changed?.get(buf) ?? null) : null;
      blobs.push({ size: bytes.length, bytes: null, pages: pagesOf(bytes, prevPages, only) });
    } else {
      blobs.push({ size: bytes.length, bytes: bytes.slice(), pages: null });
    }
    bufferIds.set(buf, b);
    return b;
  };

  // Where a value is (for error messages only): built lazily from these links, since making a
  // path string for each of thousands of values costs more than encoding them.
  const value = (v: unknown, up: Where | null, kind: WhereKind, key: unknown): Value => {
    switch (typeof v) {
      case 'number':
        if (Number.isNaN(v)) return { n: 'NaN' };
        if (v === Infinity) return { n: 'Inf' };
        if (v === -Infinity) return { n: '-Inf' };
        if (Object.is(v, -0)) return { n: '-0' };
        return v;
      case 'string':
      case 'boolean':
        return v;
      case 'undefined':
        return { u: 1 };
      case 'function': {
        const name = ix.fnName.get(v);
        if (name === undefined) {
          throw new GraphError(
            `${pathOf({ up, kind, key })} is a function that is not part of the engine's code (${describeFn(v)})`,
          );
        }
        return { f: name };
      }
      case 'object': {
        if (v === null) return null;
        const ext = externals.get(v);
        if (ext !== undefined) return { x: ext };
        const c = ix.constName.get(v);
        if (c !== undefined) return { c };
        let id = ids.get(v);
        if (id === undefined) {
          id = records.length;
          ids.set(v, id);
          records.push({ k: 'a', e: [] }); // placeholder, filled below
          pending.push({ obj: v, id, up, kind, key });
        }
        return { r: id };
      }
      default:
        throw new GraphError(`${pathOf({ up, kind, key })} is a ${typeof v}, which snapshots cannot hold`);
    }
  };

  const rootIds = roots.map(([name, obj]) => {
    const v = value(obj, null, ROOT, name);
    if (typeof v !== 'object' || v === null || !('r' in v)) throw new GraphError(`root ${name} is not an object`);
    return v.r;
  });
  for (let n = 0; n < pending.length; n++) {
    const at = pending[n];
    records[at.id] = encodeRecord(at.obj, at, value, blobOf, ix, schema);
  }
  return { roots: rootIds, records, blobs, sources: bufferIds };
}

function describeFn(f: unknown): string {
  const text = Function.prototype.toString.call(f).replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function encodeRecord(
  obj: object,
  here: Where,
  value: (v: unknown, up: Where | null, kind: WhereKind, key: unknown) => Value,
  blobOf: (b: ArrayBuffer) => number,
  ix: SchemaIndex,
  schema: GraphSchema,
): GraphRecord {
  if (Array.isArray(obj)) {
    const e: Value[] = new Array(obj.length);
    for (let i = 0; i < obj.length; i++) e[i] = value(obj[i], here, INDEX, i);
    return { k: 'a', e };
  }
  if (obj instanceof Map) {
    const e: Value[] = [];
    let i = 0;
    for (const [k, v] of obj) {
      e.push(value(k, here, MAP_KEY, i), value(v, here, MAP_VALUE, typeof k === 'object' ? `#${i}` : k));
      i++;
    }
    return { k: 'm', e };
  }
  if (obj instanceof Set) {
    const e: Value[] = [];
    let i = 0;
    for (const v of obj) e.push(value(v, here, ITEM, i++));
    return { k: 's', e };
  }
  if (obj instanceof ArrayBuffer) return { k: 'b', b: blobOf(obj) };
  if (ArrayBuffer.isView(obj)) {
    const t = obj.constructor.name as TypedName;
    if (!(t in TYPED) || !(obj.buffer instanceof ArrayBuffer))
      throw new GraphError(`${pathOf(here)} is a ${t}, which snapshots cannot hold`);
    const bpe = TYPED[t].BYTES;
    return { k: 't', t, b: blobOf(obj.buffer), o: obj.byteOffset, l: obj.byteLength / bpe };
  }
  const proto = Object.getPrototypeOf(obj) as object | null;
  let c: string;
  if (proto === Object.prototype || proto === null) c = '';
  else {
    const name = ix.classOf.get(proto);
    if (name === undefined) {
      const ctor = (proto as { constructor?: { name?: string } }).constructor?.name ?? '?';
      throw new GraphError(`${pathOf(here)} is an instance of class ${ctor}, which snapshots do not know`);
    }
    c = name;
  }
  const packed = c ? schema.packed?.get(c) : undefined;
  if (packed) {
    const o = obj as Record<string, unknown>;
    const v: (Value | { l: Value[] })[] = [];
    for (const key of packed.fields) {
      const x = o[key];
      if (packed.inline.includes(key) && Array.isArray(x)) {
        const inner: Where = { up: here, kind: FIELD, key };
        const l: Value[] = new Array(x.length);
        for (let i = 0; i < x.length; i++) l[i] = value(x[i], inner, INDEX, i);
        v.push({ l });
      } else v.push(value(x, here, FIELD, key));
    }
    return { k: 'p', c, v };
  }
  const hooks = c ? schema.hooks.get(c) : undefined;
  const f: (string | Value)[] = [];
  for (const key of Object.keys(obj)) {
    if (hooks && key in hooks) continue;
    f.push(key, value((obj as Record<string, unknown>)[key], here, FIELD, key));
  }
  return { k: 'o', c, f };
}

// ---------------------------------------------------------------------------------- decode --

/** Loading failed: the data does not describe a valid graph. */
export class GraphFormatError extends Error {}

/**
 * Rebuilds the objects of `g`. Returns the roots in order. Throws {@link GraphFormatError}
 * naming the record that is wrong; nothing outside the new objects is touched.
 */
export function decodeGraph(g: EncodedGraph, schema: GraphSchema, externals: ReadonlyMap<string, object>): unknown[] {
  const bad = (what: string): never => {
    throw new GraphFormatError(what);
  };
  if (!Array.isArray(g.records) || !Array.isArray(g.blobs) || !Array.isArray(g.roots))
    bad('graph: records, blobs or roots missing');
  const buffers: ArrayBuffer[] = g.blobs.map((b, i) => {
    if (typeof b !== 'object' || b === null || !Number.isInteger(b.size) || b.size < 0) bad(`blob ${i}: bad size`);
    const buf = new ArrayBuffer(b.size);
    const u8 = new Uint8Array(buf);
    if (b.bytes) {
      if (b.bytes.length !== b.size) bad(`blob ${i}: ${b.bytes.length} bytes, expected ${b.size}`);
      u8.set(b.bytes);
    } else if (b.pages) {
      if (b.pages.length !== Math.ceil(b.size / PAGE)) bad(`blob ${i}: ${b.pages.length} pages for ${b.size} bytes`);
      b.pages.forEach((p, n) => {
        if (p === null) return;
        if (!(p instanceof Uint8Array) || p.length !== Math.min(PAGE, b.size - n * PAGE))
          bad(`blob ${i}: page ${n} has the wrong size`);
        u8.set(p, n * PAGE);
      });
    } else bad(`blob ${i}: no contents`);
    return buf;
  });
  const objs: unknown[] = new Array(g.records.length);
  // Pass 1: an empty object of the right kind for every record.
  g.records.forEach((r, i) => {
    if (typeof r !== 'object' || r === null) bad(`record ${i} is not an object`);
    switch (r.k) {
      case 'o': {
        if (r.c === '') objs[i] = {};
        else {
          const ctor = schema.classes.get(r.c);
          if (!ctor) bad(`record ${i}: unknown class ${String(r.c)}`);
          objs[i] = Object.create(ctor!.prototype as object);
        }
        break;
      }
      case 'p': {
        const ctor = schema.classes.get(r.c);
        if (!ctor || !schema.packed?.has(r.c)) bad(`record ${i}: unknown packed class ${String(r.c)}`);
        objs[i] = Object.create(ctor!.prototype as object);
        break;
      }
      case 'a':
        objs[i] = [];
        break;
      case 'm':
        objs[i] = new Map();
        break;
      case 's':
        objs[i] = new Set();
        break;
      case 'b': {
        const buf = buffers[r.b];
        if (!buf) bad(`record ${i}: no blob ${String(r.b)}`);
        objs[i] = buf;
        break;
      }
      case 't': {
        const T = TYPED[r.t];
        const buf = buffers[r.b];
        if (!T) bad(`record ${i}: unknown typed array ${String(r.t)}`);
        if (!buf) bad(`record ${i}: no blob ${String(r.b)}`);
        if (
          !Number.isInteger(r.o) ||
          !Number.isInteger(r.l) ||
          r.o < 0 ||
          r.l < 0 ||
          r.o % T.BYTES !== 0 ||
          r.o + r.l * T.BYTES > buf.byteLength
        )
          bad(`record ${i}: ${r.t} view ${r.o}+${r.l} is outside its ${buf.byteLength}-byte buffer`);
        objs[i] = new T(buf, r.o, r.l);
        break;
      }
      default:
        bad(`record ${i}: unknown kind ${String((r as { k: unknown }).k)}`);
    }
  });
  const value = (v: Value, where: string): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if ('r' in v) {
      if (!Number.isInteger(v.r) || v.r < 0 || v.r >= objs.length)
        bad(`${where}: reference to missing record ${String(v.r)}`);
      return objs[v.r];
    }
    if ('u' in v) return undefined;
    if ('n' in v) {
      const n = { NaN: NaN, Inf: Infinity, '-Inf': -Infinity, '-0': -0 }[v.n];
      if (n === undefined) bad(`${where}: unknown number ${String(v.n)}`);
      return n;
    }
    if ('c' in v) return schema.constants.get(v.c) ?? bad(`${where}: unknown constant ${v.c}`);
    if ('f' in v) return schema.functions.get(v.f) ?? bad(`${where}: unknown function ${v.f}`);
    if ('x' in v) return externals.get(v.x) ?? bad(`${where}: unknown external object ${v.x}`);
    return bad(`${where}: unreadable value`);
  };
  // Pass 2: contents.
  g.records.forEach((r, i) => {
    const o = objs[i];
    switch (r.k) {
      case 'o': {
        if (!Array.isArray(r.f) || r.f.length % 2 !== 0) bad(`record ${i}: bad fields`);
        const target = o as Record<string, unknown>;
        const hooks = r.c ? schema.hooks.get(r.c) : undefined;
        if (hooks) for (const [k, def] of Object.entries(hooks)) target[k] = def;
        for (let j = 0; j < r.f.length; j += 2) {
          const key = r.f[j];
          if (typeof key !== 'string' || key === '__proto__') bad(`record ${i}: bad field name`);
          target[key as string] = value(r.f[j + 1] as Value, `record ${i} (${r.c || 'object'}).${String(key)}`);
        }
        break;
      }
      case 'p': {
        const spec = schema.packed!.get(r.c)!;
        if (!Array.isArray(r.v) || r.v.length !== spec.fields.length) bad(`record ${i}: bad packed fields`);
        const target = o as Record<string, unknown>;
        spec.fields.forEach((key, j) => {
          const x = r.v[j];
          if (spec.inline.includes(key)) {
            if (typeof x !== 'object' || x === null || !('l' in x) || !Array.isArray(x.l))
              bad(`record ${i} (${r.c}).${key}: not a list`);
            target[key] = (x as { l: Value[] }).l.map((e, n) => value(e, `record ${i} (${r.c}).${key}[${n}]`));
          } else target[key] = value(x as Value, `record ${i} (${r.c}).${key}`);
        });
        break;
      }
      case 'a': {
        if (!Array.isArray(r.e)) bad(`record ${i}: bad elements`);
        const a = o as unknown[];
        for (let j = 0; j < r.e.length; j++) a.push(value(r.e[j], `record ${i}[${j}]`));
        break;
      }
      case 'm': {
        if (!Array.isArray(r.e) || r.e.length % 2 !== 0) bad(`record ${i}: bad entries`);
        const m = o as Map<unknown, unknown>;
        for (let j = 0; j < r.e.length; j += 2)
          m.set(value(r.e[j], `record ${i} key`), value(r.e[j + 1], `record ${i} value`));
        break;
      }
      case 's': {
        if (!Array.isArray(r.e)) bad(`record ${i}: bad items`);
        const s = o as Set<unknown>;
        for (const v of r.e) s.add(value(v, `record ${i} item`));
        break;
      }
    }
  });
  return g.roots.map((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= objs.length) bad(`root ${i}: no record ${String(r)}`);
    return objs[r];
  });
}
