/**
 * Compression and checksums for snapshot files: raw DEFLATE (RFC 1951) and CRC-32 (the one
 * zlib and PNG use). The default is fflate, pure JavaScript, so the engine stays free of Node
 * imports; a Node host may pass its native zlib instead, which is several times faster. Both
 * write the same formats, so either reads the other's files.
 */
import { deflateSync, inflateSync } from 'fflate';

export interface Codec {
  deflate(data: Uint8Array): Uint8Array;
  /** The same, off the calling thread where the host can (several at once run in parallel). */
  deflateAsync?(data: Uint8Array): Promise<Uint8Array>;
  /** `size` is the inflated length the file promises; more or less is an error. */
  inflate(data: Uint8Array, size: number): Uint8Array;
  crc32(data: Uint8Array): number;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256 * 4);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  // Slicing by 4: t[k*256 + n] is the CRC of byte n followed by k zero bytes.
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 4; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/** CRC-32 (ISO-HDLC: reflected 0xEDB88320, init and final xor 0xFFFFFFFF), unsigned. */
export function crc32(data: Uint8Array): number {
  const t = CRC_TABLE;
  let c = -1;
  let i = 0;
  const n4 = data.length & ~3;
  for (; i < n4; i += 4) {
    c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export const FFLATE_CODEC: Codec = {
  deflate: (data) => deflateSync(data, { level: 1 }),
  inflate: (data, size) => {
    // Into a buffer one byte larger than promised: a stream that fills it is too long.
    const out = inflateSync(data, { out: new Uint8Array(size + 1) });
    if (out.length > size) throw new Error(`inflates to more than the ${size} bytes promised`);
    return out;
  },
  crc32,
};
