import { compress, type CompressionMode } from '../compress/index.js';
import { seal, type CryptoKey } from '../crypto/index.js';

/** What a worker needs to compress and encrypt blobs like the repository does. */
export interface SealParams {
  key: CryptoKey;
  /** 'off' for v1 repositories or `--compression off`. */
  compression: CompressionMode;
}

export interface SealedBlob {
  sealed: Uint8Array;
  /** Present only when the stored bytes are compressed. */
  uncompressedLength?: number;
}

/**
 * Compresses (v2, unless off) and seals one blob. Incompressible data is stored as is, which the format allows and
 * which saves the decompression later.
 */
export function sealBlob(params: SealParams, plaintext: Uint8Array): SealedBlob {
  if (params.compression !== 'off' && plaintext.length > 0) {
    const packed = compress(plaintext, params.compression);
    if (packed.length < plaintext.length) {
      return { sealed: seal(params.key, packed), uncompressedLength: plaintext.length };
    }
  }
  return { sealed: seal(params.key, plaintext) };
}

/** Messages between the sealer and its workers. Buffers travel as transferred ArrayBuffers. */
export interface SealRequest {
  job: number;
  /** All blobs of a request share one buffer (copied together, or a single transferred chunk). */
  blobs: { buffer: ArrayBuffer; offset: number; length: number }[];
}

export interface SealResponse {
  job: number;
  error?: string;
  /** All sealed blobs of the job, back to back. */
  out?: ArrayBuffer;
  parts?: { offset: number; length: number; uncompressedLength?: number }[];
}

/** Seals a request's blobs into one buffer (one transfer back instead of one per blob). */
export function sealRequest(params: SealParams, req: SealRequest): SealResponse {
  const results = req.blobs.map((b) => sealBlob(params, new Uint8Array(b.buffer, b.offset, b.length)));
  const only = results.length === 1 ? results[0]! : undefined;
  if (only && only.sealed.byteOffset === 0 && only.sealed.byteLength === only.sealed.buffer.byteLength) {
    // A big chunk's sealed bytes own their buffer: send it back as it is instead of copying.
    const part = { offset: 0, length: only.sealed.length };
    const withLength = only.uncompressedLength === undefined ? part : { ...part, uncompressedLength: only.uncompressedLength };
    return { job: req.job, out: only.sealed.buffer as ArrayBuffer, parts: [withLength] };
  }
  const total = results.reduce((n, r) => n + r.sealed.length, 0);
  const out = new ArrayBuffer(total);
  const view = new Uint8Array(out);
  const parts: NonNullable<SealResponse['parts']> = [];
  let pos = 0;
  for (const r of results) {
    view.set(r.sealed, pos);
    parts.push({
      offset: pos,
      length: r.sealed.length,
      ...(r.uncompressedLength === undefined ? {} : { uncompressedLength: r.uncompressedLength }),
    });
    pos += r.sealed.length;
  }
  return { job: req.job, out, parts };
}
