/**
 * Snapshot files on a Node host (src/engine/host/snapshot_file.ts): the native codec against
 * the engine's pure-JavaScript one, every kind of bad file, and atomic writes, including a
 * writer that is killed halfway.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, SCENARIO_ROOT } from '../../src/cli/scenario_files';
import { System } from '../../src/engine/core/system';
import { loadSnapshotFile, NODE_CODEC, saveSnapshotFile, writeFileAtomic } from '../../src/engine/host/snapshot_file';
import { crc32, FFLATE_CODEC, type Codec } from '../../src/engine/snapshot/codec';
import {
  captureSystem,
  decodeSnapshot,
  encodeSnapshot,
  restoreSystem,
  type SystemImage,
} from '../../src/engine/snapshot/system_image';

const REPO = resolve(import.meta.dirname, '../..');
const SCENARIO = 'demo.xml';
const CYCLES = 2_000_000;
const HEADER = 28;

function boot(): System {
  const sc = loadScenario(join(SCENARIO_ROOT, SCENARIO));
  if (typeof sc === 'string') throw new Error(sc);
  const sys = System.boot(sc.xml, sc.modules);
  if (typeof sys === 'string') throw new Error(sys);
  return sys;
}

function capture(sys: System): SystemImage {
  const img = captureSystem(sys);
  if (typeof img === 'string') throw new Error(img);
  return img;
}

function image(x: SystemImage | string): SystemImage {
  if (typeof x === 'string') throw new Error(x);
  return x;
}

function restored(x: System | string): System {
  if (typeof x === 'string') throw new Error(x);
  return x;
}

// ---------------------------------------------------- taking files apart by hand --

/** The index (JSON) of a snapshot file and its data stream (pages and buffers). */
interface Unpacked {
  head: Record<string, unknown>;
  pages: Uint8Array;
}

const BLOCK = 1 << 20;

/** The blocks of a file's payload: raw bytes of each (inflated where deflated). */
function blocksOf(file: Uint8Array): Uint8Array[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const count = dv.getUint32(24, true);
  const out: Uint8Array[] = [];
  let pos = HEADER;
  for (let i = 0; i < count; i++) {
    const raw = dv.getUint32(pos, true);
    const stored = dv.getUint32(pos + 4, true);
    const method = dv.getUint32(pos + 8, true);
    const data = file.subarray(pos + 12, pos + 12 + stored);
    out.push(method === 0 ? data : NODE_CODEC.inflate(data, raw));
    pos += 12 + stored;
  }
  return out;
}

function unpack(file: Uint8Array): Unpacked {
  const [index, ...data] = blocksOf(file);
  const pages = new Uint8Array(data.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of data) {
    pages.set(b, at);
    at += b.length;
  }
  return { head: JSON.parse(new TextDecoder().decode(index)) as Record<string, unknown>, pages };
}

/** A block: raw length, stored length, method (1: deflate), bytes. */
function block(raw: Uint8Array, stored = NODE_CODEC.deflate(raw), method = 1, rawLength = raw.length): Uint8Array {
  const b = new Uint8Array(12 + stored.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, rawLength, true);
  dv.setUint32(4, stored.length, true);
  dv.setUint32(8, method, true);
  b.set(stored, 12);
  return b;
}

/** A file of `blocks` with a correct header: lengths, count and CRC fixed. */
function packBlocks(blocks: Uint8Array[], codec: Codec = NODE_CODEC): Uint8Array {
  const n = blocks.reduce((t, b) => t + b.length, 0);
  const file = new Uint8Array(HEADER + n);
  file.set(new TextEncoder().encode('CORESNAP'));
  let at = HEADER;
  for (const b of blocks) {
    file.set(b, at);
    at += b.length;
  }
  const dv = new DataView(file.buffer);
  dv.setUint32(8, 1, true);
  dv.setUint32(16, n, true);
  dv.setUint32(20, codec.crc32(file.subarray(HEADER)), true);
  dv.setUint32(24, blocks.length, true);
  return file;
}

/** A file of an index (as bytes) and a data stream, in well-formed blocks. */
function pack(headBytes: Uint8Array, pages: Uint8Array): Uint8Array {
  const blocks = [block(headBytes)];
  for (let at = 0; at < pages.length; at += BLOCK) blocks.push(block(pages.subarray(at, at + BLOCK)));
  return packBlocks(blocks);
}

/** `file` with its index edited by `edit` and everything else (deflate, lengths, CRC) valid. */
function repack(file: Uint8Array, edit: (head: Record<string, unknown>) => void): Uint8Array {
  const { head, pages } = unpack(file);
  edit(head);
  return pack(new TextEncoder().encode(JSON.stringify(head)), pages);
}

interface Rec {
  k: string;
  c?: string;
  f?: unknown[];
  e?: unknown[];
}

const records = (head: Record<string, unknown>): Rec[] => (head.graph as { records: Rec[] }).records;

/** Asserts equal bytes (vitest's deep equality is slow on megabytes), naming the first difference. */
function expectBytes(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  let i = 0;
  const n = Math.min(actual.length, expected.length);
  if (Buffer.compare(actual, expected) !== 0) while (i < n && actual[i] === expected[i]) i++;
  else i = -1;
  expect(i === -1 ? 'equal' : `${what} differ at ${i} (lengths ${actual.length}, ${expected.length})`).toBe('equal');
}

// --------------------------------------------------------------------- shared state --

let dir: string;
let sys: System;
let img: SystemImage;
let file: Uint8Array;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'corescope-snapfile-'));
  sys = boot();
  sys.run(CYCLES);
  img = capture(sys);
  file = encodeSnapshot(img, NODE_CODEC);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// ------------------------------------------------------------------------- codecs --

describe('NODE_CODEC and FFLATE_CODEC', () => {
  it('read each other’s snapshot files, and the loaded systems equal the saved one', () => {
    const hash = sys.machine.stateHash();
    for (const [w, r] of [
      [NODE_CODEC, FFLATE_CODEC],
      [FFLATE_CODEC, NODE_CODEC],
    ] as const) {
      const path = join(dir, 'interchange.snap');
      expect(saveSnapshotFile(path, img, w)).toBeNull();
      const back = restored(restoreSystem(image(loadSnapshotFile(path, r))));
      expect(back.machine.stateHash()).toBe(hash);
      expect(back.transcript()).toEqual(sys.transcript());
      expect(back.instructions).toBe(sys.instructions);
    }
  });

  it('the loaded system runs on exactly as the saved one', () => {
    const a = boot();
    a.run(CYCLES);
    const path = join(dir, 'run_on.snap');
    expect(saveSnapshotFile(path, capture(a))).toBeNull();
    const b = restored(restoreSystem(image(loadSnapshotFile(path, FFLATE_CODEC))));
    a.run(3_000_000);
    b.run(3_000_000);
    expect(b.machine.stateHash()).toBe(a.machine.stateHash());
    expect(b.transcript()).toEqual(a.transcript());
  });

  it('inflate each other’s raw DEFLATE streams', () => {
    const text = new TextEncoder().encode('the request from client to server was resolved; '.repeat(2000));
    for (const data of [new Uint8Array(0), new Uint8Array([42]), text, randomBytes(100_003)]) {
      const a = NODE_CODEC.deflate(data);
      const b = FFLATE_CODEC.deflate(data);
      expectBytes(FFLATE_CODEC.inflate(a, data.length), data);
      expectBytes(NODE_CODEC.inflate(b, data.length), data);
    }
  });

  it('compute the same CRC-32', () => {
    // The standard check value of CRC-32/ISO-HDLC.
    expect(NODE_CODEC.crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(FFLATE_CODEC.crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const big = new Uint8Array(randomBytes(1 << 20));
    const inputs = [
      new Uint8Array(0),
      new Uint8Array([0]),
      new Uint8Array([0xff]),
      ...[2, 3, 5, 7, 13, 4095, 4097].map((n) => new Uint8Array(randomBytes(n))),
      big,
      // Views at odd offsets and odd lengths (the JavaScript CRC reads 4 bytes at a time).
      big.subarray(1, 1 + 1001),
      big.subarray(3, big.length - 2),
    ];
    for (const data of inputs) {
      const n = NODE_CODEC.crc32(data);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(FFLATE_CODEC.crc32(data)).toBe(n);
      expect(crc32(data)).toBe(n);
    }
  });

  // BUG (src/engine/snapshot/codec.ts, FFLATE_CODEC.inflate): the Codec contract says that an
  // inflated length other than `size` is an error, but fflate given `out: new Uint8Array(size)`
  // silently stops at `size` bytes when the stream holds more. decodeSnapshot then parses a cut
  // body (the inflated length in the header is not covered by the CRC), which fails later with
  // a less precise message ("a page runs past the end") instead of "inflated to N bytes".
  it('FFLATE_CODEC.inflate rejects a stream longer than the promised size', () => {
    const data = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);
    expect(() => FFLATE_CODEC.inflate(FFLATE_CODEC.deflate(data), 5000)).toThrow();
  });
});

// ---------------------------------------------------------------------- bad files --

describe('bad snapshot files', () => {
  /** Writes `bytes`, loads it with both codecs, and returns the error (never a throw). */
  function loadBad(name: string, bytes: Uint8Array): string {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    const a = loadSnapshotFile(path, NODE_CODEC);
    const b = loadSnapshotFile(path, FFLATE_CODEC);
    if (typeof a !== 'string') throw new Error(`${name} loaded with NODE_CODEC`);
    expect(b).toBe(a);
    expect(a.startsWith(`${path}: `)).toBe(true);
    return a.slice(path.length + 2);
  }

  it('a file that is not there, or a directory', () => {
    const missing = join(dir, 'no-such.snap');
    expect(loadSnapshotFile(missing)).toBe(`cannot read ${missing}: no such file or directory (ENOENT)`);
    expect(loadSnapshotFile(dir)).toBe(`cannot read ${dir}: it is a directory (EISDIR)`);
  });

  it('an empty file', () => {
    expect(loadBad('empty.snap', new Uint8Array(0))).toBe(
      'not a Corescope snapshot: 0 bytes, shorter than the 28-byte header',
    );
  });

  it('wrong magic', () => {
    const f = file.slice();
    f[0] = 'X'.charCodeAt(0);
    expect(loadBad('magic.snap', f)).toBe('not a Corescope snapshot: the file does not start with "CORESNAP"');
    expect(loadBad('text.snap', new TextEncoder().encode('<config> not a snapshot at all </config>'))).toMatch(
      /does not start with "CORESNAP"/,
    );
  });

  it('wrong version', () => {
    const f = file.slice();
    new DataView(f.buffer).setUint32(8, 2, true);
    expect(loadBad('version.snap', f)).toBe(
      'snapshot format version 2 is not supported (this Corescope reads version 1)',
    );
  });

  it('truncated at several lengths', () => {
    for (const n of [1, 8, 12, 27]) {
      expect(loadBad(`short${n}.snap`, file.subarray(0, n))).toBe(
        `not a Corescope snapshot: ${n} bytes, shorter than the 28-byte header`,
      );
    }
    for (const n of [28, 29, 100, file.length >> 1, file.length - 1]) {
      expect(loadBad(`cut${n}.snap`, file.subarray(0, n))).toBe(
        `snapshot is truncated: ${n} bytes, the header promises ${file.length}`,
      );
    }
  });

  it('a flipped byte in the payload fails the checksum', () => {
    for (const at of [HEADER, HEADER + 1000, file.length - 1]) {
      const f = file.slice();
      f[at] ^= 0x10;
      expect(loadBad(`flip${at}.snap`, f)).toMatch(
        /^snapshot is corrupted: checksum 0x[0-9a-f]{8} does not match 0x[0-9a-f]{8}$/,
      );
    }
    const f = file.slice();
    f[20] ^= 1; // the checksum itself
    expect(loadBad('flipcrc.snap', f)).toMatch(/^snapshot is corrupted: checksum/);
  });

  it('trailing garbage', () => {
    const f = new Uint8Array(file.length + 7);
    f.set(file);
    f.set([1, 2, 3, 4, 5, 6, 7], file.length);
    expect(loadBad('trailing.snap', f)).toBe('snapshot has 7 bytes of garbage after its end');
  });

  it('a block count in the header that is too large or too small', () => {
    const f = file.slice();
    const dv = new DataView(f.buffer);
    const count = dv.getUint32(24, true);
    dv.setUint32(24, count + 1, true);
    expect(loadBad('morecount.snap', f)).toBe(`snapshot is damaged: block ${count} is past the end of the data`);
    dv.setUint32(24, count - 1, true);
    expect(loadBad('lesscount.snap', f)).toMatch(/^snapshot is truncated: \d+ of \d+ bytes of data$/);
  });

  it('a block that is not a DEFLATE stream, or inflates to another size (correct CRC)', () => {
    const junk = new Uint8Array(200).fill(0xff); // block type 3: reserved, invalid
    const path = join(dir, 'junk.snap');
    writeFileSync(path, packBlocks([block(new Uint8Array(10), junk)]));
    // The two inflaters word it differently; both are reported as such.
    for (const codec of [NODE_CODEC, FFLATE_CODEC]) {
      expect(loadSnapshotFile(path, codec)).toMatch(/^.*: snapshot is corrupted: cannot inflate block 0 \(.+\)$/);
    }
    const json = new TextEncoder().encode(JSON.stringify(unpack(file).head));
    expect(loadBad('short.snap', packBlocks([block(json, NODE_CODEC.deflate(json), 1, json.length + 5)]))).toMatch(
      /^snapshot is corrupted: (cannot inflate block 0|block 0 inflated to \d+ bytes, expected \d+)/,
    );
    expect(loadBad('method.snap', packBlocks([block(json, json, 7)]))).toBe(
      'snapshot is damaged: block 0 has unknown method 7',
    );
    expect(loadBad('stored.snap', packBlocks([block(json, json.subarray(1), 0, json.length)]))).toBe(
      `snapshot is damaged: stored block 0 is ${json.length - 1} bytes, not ${json.length}`,
    );
  });

  it('a damaged index: not JSON, cut short, running past the end, incomplete', () => {
    const { head, pages } = unpack(file);
    const json = new TextEncoder().encode(JSON.stringify(head));
    expect(loadBad('notjson.snap', pack(new TextEncoder().encode('{"config": [oops'), pages))).toMatch(
      /^snapshot is damaged: its index is not readable \(.*JSON/,
    );
    expect(loadBad('cutjson.snap', pack(json.subarray(0, json.length >> 1), pages))).toMatch(
      /^snapshot is damaged: its index is not readable/,
    );
    const first = block(json);
    expect(loadBad('pastend.snap', packBlocks([first.subarray(0, first.length - 10)]))).toBe(
      'snapshot is damaged: block 0 runs past the end',
    );
    expect(
      loadBad(
        'nopages.snap',
        repack(file, (h) => delete h.chunks),
      ),
    ).toBe('snapshot is damaged: its index is incomplete');
    expect(loadBad('nullindex.snap', pack(new TextEncoder().encode('null'), pages))).toBe(
      'snapshot is damaged: its index is incomplete',
    );
  });

  it('an index whose pages do not fit the data', () => {
    expect(
      loadBad(
        'bigchunk.snap',
        repack(file, (h) => {
          const spans = h.chunks as [number, number][];
          spans[spans.length - 1][0] += 1 << 30;
        }),
      ),
    ).toMatch(/^snapshot is damaged: data \d+ runs past the end$/);
    expect(
      loadBad(
        'missingchunk.snap',
        repack(file, (h) => {
          const ram = h.ram as number[];
          ram[ram.findIndex((id) => id >= 0)] = 99_999;
        }),
      ),
    ).toMatch(/^snapshot is damaged: RAM page \d+ refers to missing data 99999$/);
  });

  /** The image of a file whose index `edit` damaged; it must decode, and then not restore. */
  function restoreError(edit: (head: Record<string, unknown>) => void): string {
    const damaged = repack(file, edit);
    for (const codec of [NODE_CODEC, FFLATE_CODEC]) {
      const im = decodeSnapshot(damaged, codec);
      if (typeof im === 'string') throw new Error(`expected to decode: ${im}`);
      const r = restoreSystem(im);
      if (typeof r !== 'string') throw new Error('expected restoreSystem to fail');
      if (codec === FFLATE_CODEC) return r;
    }
    throw new Error('unreachable');
  }

  it('an object of a class the engine does not know', () => {
    const err = restoreError((h) => {
      const r = records(h).find((x) => x.k === 'o' && x.c === 'kernelObjects.Thread')!;
      r.c = 'kernelObjects.NoSuchClass';
    });
    expect(err).toMatch(/^snapshot: record \d+: unknown class kernelObjects\.NoSuchClass$/);
  });

  it('a reference to a record that is not there', () => {
    const err = restoreError((h) => {
      const kernel = records(h)[0];
      const at = kernel.f!.findIndex((v) => typeof v === 'object' && v !== null && 'r' in v);
      kernel.f![at] = { r: 99_999 };
    });
    expect(err).toMatch(/^snapshot: record 0 \(kernel\.Kernel\)\.\w+: reference to missing record 99999$/);
  });

  it('an unknown function, constant or external', () => {
    for (const [tag, name, word] of [
      ['f', 'kernel.noSuchFunction', 'function'],
      ['c', 'abi.NO_SUCH_TABLE', 'constant'],
      ['x', 'hart7', 'external object'],
    ]) {
      const err = restoreError((h) => {
        const kernel = records(h)[0];
        kernel.f!.push('extraField', { [tag]: name });
      });
      expect(err).toBe(`snapshot: record 0 (kernel.Kernel).extraField: unknown ${word} ${name}`);
    }
  });

  it('the wrong number of RAM pages', () => {
    const err = restoreError((h) => (h.ram as number[]).pop());
    expect(err).toBe('snapshot: 32767 RAM pages for 134217728 bytes of RAM');
  });

  it('a boot ROM of the wrong size', () => {
    const err = restoreError((h) => {
      // Point the ROM at a RAM page (4 KiB) instead of the ROM's chunk.
      h.rom = (h.ram as number[]).find((id) => id >= 0);
    });
    expect(err).toMatch(/^snapshot: boot ROM is 4096 bytes, expected \d+$/);
  });

  it('a machine configuration or state that does not fit', () => {
    expect(restoreError((h) => ((h.config as { harts: number }).harts = 0))).toBe(
      'snapshot: bad machine configuration: harts must be 1..8, got 0',
    );
    expect(restoreError((h) => ((h.config as { harts: number }).harts = 3))).toBe(
      'snapshot: machine state has 1 harts, machine has 3',
    );
    expect(restoreError((h) => (h.machine = 'nothing'))).toBe('snapshot: machine state is not an object');
    expect(restoreError((h) => ((h.machine as { harts: { x: number[] }[] }).harts[0].x = [1, 2, 3]))).toBe(
      'snapshot: hart 0: hart state: x must be 32 numbers',
    );
  });

  it('roots that are not the kernel, core and init', () => {
    const err = restoreError((h) => {
      const g = h.graph as { roots: number[] };
      g.roots = [g.roots[1], g.roots[0], g.roots[2]];
    });
    expect(err).toBe('snapshot: root is not a Kernel');
  });

  it('a kernel without its CPUs', () => {
    const err = restoreError((h) => {
      const kernel = records(h)[0];
      const at = kernel.f!.indexOf('cpus');
      kernel.f!.splice(at, 2);
    });
    expect(err).toMatch(/^snapshot: damaged object graph \(.+\)$/);
  });

  // BUG (src/engine/snapshot/system_image.ts, restoreSystem: `const err = m.loadState(img.machine)`
  // is outside any try; src/engine/cpu/machine.ts, Machine.loadState maps `o.inputs` without
  // checking its entries): a file whose index has `machine.inputs: [null]` (or
  // `[{"cycle": 1, "bytes": 5}]`) decodes, and then restoreSystem throws TypeError ("Cannot read
  // properties of null (reading 'cycle')", "e.bytes is not iterable") instead of returning an
  // error.
  it('a damaged input queue in the machine state gives an error', () => {
    const damaged = repack(file, (h) => ((h.machine as { inputs: unknown }).inputs = [null]));
    const im = decodeSnapshot(damaged);
    expect(typeof (typeof im === 'string' ? im : restoreSystem(im))).toBe('string');
  });
});

// ------------------------------------------------ a failed load changes nothing --

describe('a failed load', () => {
  it('leaves the running system as it was (same as a twin that never loaded)', () => {
    const a = boot();
    const twin = boot();
    a.run(CYCLES);
    twin.run(CYCLES);
    // Capturing drops the machine's decoded caches; do the same on both.
    const good = encodeSnapshot(capture(a));
    capture(twin);
    const path = join(dir, 'failed_load.snap');
    const bad: Uint8Array[] = [
      good.subarray(0, good.length >> 1),
      (() => {
        const f = good.slice();
        f[HEADER + 50] ^= 1;
        return f;
      })(),
      repack(good, (h) => (h.ram as number[]).pop()),
      repack(good, (h) => {
        records(h).find((x) => x.k === 'o' && x.c === 'kernelObjects.Pd')!.c = 'kernelObjects.Nope';
      }),
      repack(good, (h) => {
        const kernel = records(h)[0];
        kernel.f!.splice(kernel.f!.indexOf('cpus'), 2);
      }),
    ];
    for (const f of bad) {
      writeFileSync(path, f);
      const im = loadSnapshotFile(path);
      if (typeof im === 'string') continue;
      expect(typeof restoreSystem(im)).toBe('string');
    }
    for (let i = 0; i < 3; i++) {
      a.run(1_000_000);
      twin.run(1_000_000);
      expect(a.machine.stateHash()).toBe(twin.machine.stateHash());
    }
    expect(a.transcript()).toEqual(twin.transcript());
    expect(a.instructions).toBe(twin.instructions);
  });
});

// ---------------------------------------------------------------- atomic writes --

/** Names in `d` other than the ones given. */
function extraNames(d: string, ...known: string[]): string[] {
  return readdirSync(d).filter((n) => !known.includes(n));
}

describe('writeFileAtomic', () => {
  it('replaces an existing file completely, longer or shorter', () => {
    const d = mkdtempSync(join(dir, 'replace-'));
    const path = join(d, 'state.snap');
    const big = new Uint8Array(randomBytes(1 << 20));
    const small = new Uint8Array(randomBytes(100));
    expect(writeFileAtomic(path, big)).toBeNull();
    expectBytes(readFileSync(path), big);
    expect(writeFileAtomic(path, small)).toBeNull();
    expectBytes(readFileSync(path), small);
    expect(writeFileAtomic(path, new Uint8Array(0))).toBeNull();
    expect(readFileSync(path).length).toBe(0);
    expect(saveSnapshotFile(path, img)).toBeNull();
    expectBytes(readFileSync(path), file);
    expect(extraNames(d, 'state.snap')).toEqual([]);
  });

  it('fails with a message naming the path when the directory does not exist', () => {
    const path = join(dir, 'no-such-dir', 'state.snap');
    expect(writeFileAtomic(path, file)).toBe(`cannot write ${path}: no such file or directory (ENOENT)`);
    expect(saveSnapshotFile(path, img)).toBe(`cannot write ${path}: no such file or directory (ENOENT)`);
  });

  it('fails when the target is a directory, which stays as it was, with no temporary file left', () => {
    const d = mkdtempSync(join(dir, 'isdir-'));
    const target = join(d, 'state.snap');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'keep me');
    expect(writeFileAtomic(target, file)).toBe(`cannot write ${target}: it is a directory (EISDIR)`);
    expect(extraNames(d, 'state.snap')).toEqual([]);
    expect(readdirSync(target)).toEqual(['inside']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('keep me');
  });

  interface Child {
    /** Lines the child has written so far (stdout and stderr). */
    lines: string[];
    kill(): void;
    /** Exit code, or the signal that ended it. */
    done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  }

  /** Runs `code` (an ES module that may import from the repository) in a child Node. */
  function child(code: string, shell = ''): Child {
    const args = ['--import', 'tsx', '--input-type=module', '-e', code];
    const proc = shell
      ? spawn('bash', ['-c', `${shell}; exec "$0" "$@"`, process.execPath, ...args], { cwd: REPO })
      : spawn(process.execPath, args, { cwd: REPO });
    const lines: string[] = [];
    let part = '';
    const take = (b: Buffer): void => {
      const all = (part + b.toString()).split('\n');
      part = all.pop()!;
      lines.push(...all);
    };
    proc.stdout.on('data', take);
    proc.stderr.on('data', take);
    return {
      lines,
      kill: () => proc.kill('SIGKILL'),
      done: new Promise((res) => proc.on('close', (code, signal) => res({ code, signal }))),
    };
  }

  const importHost = `import { writeFileAtomic } from ${JSON.stringify(join(REPO, 'src/engine/host/snapshot_file.ts'))};
import { readFileSync } from 'node:fs';`;

  it('a write that fails halfway (file size limit) leaves the old file byte-identical', async () => {
    const d = mkdtempSync(join(dir, 'efbig-'));
    const path = join(d, 'state.snap');
    writeFileSync(path, file);
    // RLIMIT_FSIZE of 256 KiB with SIGXFSZ ignored: the write stops with EFBIG after 256 KiB.
    const c = child(
      `${importHost}
console.log(JSON.stringify(writeFileAtomic(${JSON.stringify(path)}, new Uint8Array(4 << 20).fill(7))));`,
      "ulimit -f 256; trap '' XFSZ",
    );
    expect(await c.done).toEqual({ code: 0, signal: null });
    expect(JSON.parse(c.lines[c.lines.length - 1])).toBe(`cannot write ${path}: file too large (EFBIG)`);
    expectBytes(readFileSync(path), file);
    expect(extraNames(d, 'state.snap')).toEqual([]);
  });

  it('a writer killed at any moment leaves the complete old or the complete new file', async () => {
    const d = mkdtempSync(join(dir, 'crash-'));
    const path = join(d, 'state.snap');
    // Two valid, different, large snapshots: the image with 4 MiB of random RAM pages each.
    const variant = (): Uint8Array => {
      const ram = img.ram.slice();
      let n = 0;
      for (let p = 0; p < ram.length && n < 1024; p++) {
        if (ram[p] === null) {
          ram[p] = new Uint8Array(randomBytes(4096));
          n++;
        }
      }
      return encodeSnapshot({ ...img, ram }, NODE_CODEC);
    };
    const A = variant();
    const B = variant();
    writeFileSync(join(d, 'A'), A);
    writeFileSync(join(d, 'B'), B);
    const known = ['state.snap', 'A', 'B'];
    const same = (x: Uint8Array, y: Uint8Array): boolean => Buffer.compare(x, y) === 0;
    let caughtInFlight = 0;
    for (let round = 0; round < 4; round++) {
      writeFileSync(path, round % 2 ? B : A);
      // The child alternates B, A, B, ... and prints a line after each complete write.
      const c = child(`${importHost}
const a = readFileSync(${JSON.stringify(join(d, 'A'))});
const b = readFileSync(${JSON.stringify(join(d, 'B'))});
for (let i = 0; ; i++) {
  const err = writeFileAtomic(${JSON.stringify(path)}, i % 2 ? a : b);
  if (err) { console.log(err); process.exit(1); }
  console.log('wrote', i);
}`);
      // Once it has written twice: rounds 0 and 1 kill it as soon as a temporary file is there
      // (mid-write, before the rename), rounds 2 and 3 at a random moment.
      const deadline = Date.now() + 8000;
      let due = Infinity;
      for (;;) {
        await new Promise((r) => setTimeout(r, 1));
        if (Date.now() > deadline) throw new Error(`the writer did not get going:\n${c.lines.join('\n')}`);
        if (c.lines.length < 2) continue;
        const temps = extraNames(d, ...known);
        if (round < 2 && temps.length > 0) break;
        if (round >= 2 && due === Infinity) due = Date.now() + Math.floor(Math.random() * 40);
        if (Date.now() >= due) break;
      }
      const inFlight = extraNames(d, ...known).length > 0;
      c.kill();
      expect(await c.done).toEqual({ code: null, signal: 'SIGKILL' });
      if (inFlight) caughtInFlight++;
      expect(c.lines.every((l) => l.startsWith('wrote'))).toBe(true);
      const now = new Uint8Array(readFileSync(path));
      expect(same(now, A) || same(now, B), `round ${round}: the file is one complete snapshot`).toBe(true);
      expect(typeof decodeSnapshot(now)).toBe('object');
      // A killed writer cannot clean up: what it leaves is only its own temporary file.
      for (const t of extraNames(d, ...known)) {
        expect(t).toMatch(/^\.state\.snap\.\d+\.[0-9a-f]{12}\.tmp$/);
        rmSync(join(d, t));
      }
    }
    expect(caughtInFlight).toBeGreaterThanOrEqual(2);
  }, 30_000);
});

// ---------------------------------------------------------- images loaded from files --

describe('an image loaded from a file', () => {
  // Its pages are views into the file's data stream, each at an 8-byte aligned offset, so a
  // capture can compare against them word by word.
  it('has aligned pages and can be the `previous` of the next capture', () => {
    const loaded = image(decodeSnapshot(file));
    expect(loaded.ram.every((p) => p === null || p.byteOffset % 8 === 0)).toBe(true);
    const back = restored(restoreSystem(loaded));
    back.run(100_000);
    const next = image(captureSystem(back, null, { previous: loaded }));
    // Unchanged pages are shared with the loaded image, not copied.
    expect(next.ram.filter((p, i) => p !== null && p === loaded.ram[i]).length).toBeGreaterThan(0);
    expect(restored(restoreSystem(next)).machine.stateHash()).toBe(back.machine.stateHash());
  });
});
