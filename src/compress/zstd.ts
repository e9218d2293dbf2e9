import zlib from 'node:zlib';
import { CairnError } from '../core/index.js';

export type CompressionMode = 'auto' | 'off' | 'max';

const LEVEL: Record<Exclude<CompressionMode, 'off'>, number> = { auto: 3, max: 19 };

/** One zstd frame of `data`, with the content size in the frame header and no checksum, as restic writes. */
export function compress(data: Uint8Array, mode: Exclude<CompressionMode, 'off'> = 'auto'): Buffer {
  return zlib.zstdCompressSync(data, {
    params: {
      [zlib.constants.ZSTD_c_compressionLevel]: LEVEL[mode],
      [zlib.constants.ZSTD_c_checksumFlag]: 0,
      [zlib.constants.ZSTD_c_contentSizeFlag]: 1,
    },
  });
}

/** Decompresses one zstd frame; with `expectedLength`, a different result size is corruption. */
export function decompress(data: Uint8Array, expectedLength?: number): Buffer {
  let out: Buffer;
  try {
    out = zlib.zstdDecompressSync(data, expectedLength === undefined ? {} : { maxOutputLength: expectedLength + 1 });
  } catch (err) {
    throw new CairnError('corrupt', 'A zstd frame could not be decompressed.', { cause: err });
  }
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new CairnError('corrupt', `Decompressed ${out.length} bytes where ${expectedLength} were expected.`);
  }
  return out;
}

/**
 * Payload of an "unpacked" file (index, snapshot, lock) in a v2 repository: version byte 2 and a zstd frame.
 * Plain JSON (first byte `{` or `[`) is accepted on read, as restic does.
 */
export function encodeUnpacked(json: Uint8Array, version: 1 | 2 = 2): Buffer {
  if (version === 1) return Buffer.from(json);
  const frame = compress(json);
  const out = Buffer.allocUnsafe(frame.length + 1);
  out[0] = 2;
  frame.copy(out, 1);
  return out;
}

export function decodeUnpacked(payload: Uint8Array): Buffer {
  if (payload.length === 0) return Buffer.alloc(0);
  const first = payload[0];
  if (first === 0x7b || first === 0x5b) return Buffer.from(payload);
  if (first === 2) return decompress(payload.subarray(1));
  throw new CairnError('corrupt', `Unsupported encoding version ${first} of an unpacked file.`);
}
