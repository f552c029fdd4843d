/**
 * Snapshot files on a Node host: the native zlib codec, and writing and reading snapshot files
 * so that a crash or a full disk never leaves a half-written file behind.
 *
 * {@link NODE_CODEC} writes the same raw DEFLATE and CRC-32 as the engine's default (fflate,
 * pure JavaScript), several times faster, so either reads the other's files.
 *
 * {@link writeFileAtomic} writes a temporary file beside the target, flushes it to the disk and
 * renames it over the target: a reader (or the next start after a crash) sees either the
 * complete old file or the complete new one. A symbolic link at the target is replaced by the
 * file, not followed.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { crc32, deflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Codec } from '../snapshot/codec';
import { decodeSnapshot, encodeSnapshot, encodeSnapshotAsync, type SystemImage } from '../snapshot/system_image';

/** Node's zlib: raw DEFLATE at level 1 (as fast as it gets, like the engine's default). */
export const NODE_CODEC: Codec = {
  deflate: (data) => deflateRawSync(data, { level: 1 }),
  deflateAsync: (data) =>
    new Promise((resolve, reject) => deflateRaw(data, { level: 1 }, (err, out) => (err ? reject(err) : resolve(out)))),
  inflate: (data, size) => {
    // More output than promised stops the inflater; less is caught by the caller.
    try {
      return inflateRawSync(data, { maxOutputLength: Math.max(1, size) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw new Error(`inflates to more than the ${size} bytes promised`);
      throw e;
    }
  },
  crc32: (data) => crc32(data) >>> 0,
};

/** Why a file operation failed, in words, with the system's error code for searching. */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a part of the path is not a directory',
    EISDIR: 'it is a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EMFILE: 'too many open files',
    ENAMETOOLONG: 'the name is too long',
    EFBIG: 'file too large',
  };
  if (err.code && words[err.code]) return `${words[err.code]} (${err.code})`;
  return err.message ?? String(e);
}

/**
 * Writes `bytes` to `path` atomically: to a new temporary file in the same directory, flushed
 * (fsync), then renamed over `path`; the directory is flushed too where the system allows it.
 * Returns null, or an error naming `path`; on error the temporary file is gone and an existing
 * file at `path` is as it was.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): string | null {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | null = null;
  let created = false;
  try {
    fd = openSync(tmp, 'wx', 0o666); // wx: never reuse a file that is already there
    created = true;
    for (let at = 0; at < bytes.length;) {
      const n = writeSync(fd, bytes, at, bytes.length - at);
      if (n <= 0) throw new Error(`the system wrote ${n} bytes at offset ${at}`);
      at += n;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
    created = false;
  } catch (e) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the first error is the one to report
      }
    }
    if (created) {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing more can be done; the name says what it is
      }
    }
    return `cannot write ${path}: ${reason(e)}`;
  }
  // The rename is durable only once the directory is on the disk. Some systems (Windows) cannot
  // open or flush a directory; the file is complete either way.
  try {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // best effort
  }
  return null;
}

/** Saves `img` as a snapshot file at `path` (atomically). Returns null or an error naming `path`. */
export function saveSnapshotFile(path: string, img: SystemImage, codec: Codec = NODE_CODEC): string | null {
  let bytes: Uint8Array;
  try {
    bytes = encodeSnapshot(img, codec);
  } catch (e) {
    return `cannot save snapshot ${path}: ${(e as Error).message}`;
  }
  return writeFileAtomic(path, bytes);
}

/**
 * {@link saveSnapshotFile} with the blocks deflated in parallel on zlib's thread pool. The
 * image is read (and its RAM views copied) before the first await, so the machine may run on
 * as soon as this returns its promise.
 */
export async function saveSnapshotFileAsync(
  path: string,
  img: SystemImage,
  codec: Codec = NODE_CODEC,
): Promise<string | null> {
  let bytes: Uint8Array;
  try {
    bytes = await encodeSnapshotAsync(img, codec);
  } catch (e) {
    return `cannot save snapshot ${path}: ${(e as Error).message}`;
  }
  return writeFileAtomic(path, bytes);
}

/** Reads the snapshot file at `path`. Returns the image, or an error naming `path` and the problem. */
export function loadSnapshotFile(path: string, codec: Codec = NODE_CODEC): SystemImage | string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return `cannot read ${path}: ${reason(e)}`;
  }
  const img = decodeSnapshot(bytes, codec);
  return typeof img === 'string' ? `${path}: ${img}` : img;
}
