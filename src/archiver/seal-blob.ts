import { ZstdCompressor, type CompressionMode } from '../compress/index.js';
import { seal, sealInto, SEAL_OVERHEAD, type CryptoKey } from '../crypto/index.js';

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
  /** Hands the buffer behind `sealed` back for reuse; call once `sealed` has been copied (or dropped). */
  release?: () => void;
}

/**
 * Compresses (v2, unless off) and seals one blob. Incompressible data is stored as is, which the format allows and
 * which saves the decompression later.
 */
export function sealBlob(params: SealParams, plaintext: Uint8Array): SealedBlob {
  const p = prepareBlob(params, plaintext);
  const sealed = seal(params.key, p.payload);
  return p.uncompressedLength === undefined ? { sealed } : { sealed, uncompressedLength: p.uncompressedLength };
}

const compressors = new Map<Exclude<CompressionMode, 'off'>, ZstdCompressor>();

/**
 * The bytes to seal for a blob: its zstd frame, or the plaintext itself when compression does not pay. A frame is a
 * view of this thread's reused compressor buffer: seal it before the next call.
 */
export function prepareBlob(params: SealParams, plaintext: Uint8Array): { payload: Uint8Array; uncompressedLength?: number } {
  const mode = params.compression;
  if (mode !== 'off' && plaintext.length > 0) {
    let z = compressors.get(mode);
    if (!z) compressors.set(mode, (z = new ZstdCompressor(mode)));
    const packed = z.compress(plaintext);
    if (packed.length < plaintext.length) return { payload: packed, uncompressedLength: plaintext.length };
  }
  return { payload: plaintext };
}

/**
 * Compresses and seals blobs one after another, back to back into `into` when at most `maxTotal` bytes fit there (the
 * request's own buffer, sent back for reuse), else into a fresh buffer. A plaintext inside `into` must lie at or after
 * the write position (a single chunk at offset 0); an incompressible one is copied aside before it is sealed over.
 */
export class SealSink {
  private readonly view: Uint8Array;
  private pos = 0;
  readonly parts: { offset: number; length: number; uncompressedLength?: number }[] = [];

  constructor(
    private readonly params: SealParams,
    maxTotal: number,
    into?: ArrayBuffer,
  ) {
    this.view = into !== undefined && into.byteLength >= maxTotal ? new Uint8Array(into) : Buffer.allocUnsafeSlow(maxTotal);
  }

  get out(): ArrayBuffer {
    return this.view.buffer as ArrayBuffer;
  }

  add(plaintext: Uint8Array): { offset: number; length: number; uncompressedLength?: number } {
    const p = prepareBlob(this.params, plaintext);
    const src = p.payload.buffer === this.view.buffer ? copyAside(p.payload, 0) : p.payload;
    const length = sealInto(this.params.key, src, this.view, this.pos);
    const part = p.uncompressedLength === undefined ? { offset: this.pos, length } : { offset: this.pos, length, uncompressedLength: p.uncompressedLength };
    this.parts.push(part);
    this.pos += length;
    return part;
  }
}

/** Upper bound of the sealed size of blobs of these lengths (a payload is never longer than its plaintext). */
export function sealedBound(lengths: Iterable<number>): number {
  let n = 0;
  for (const l of lengths) n += l + SEAL_OVERHEAD;
  return n;
}

const scratches = [new Uint8Array(0), new Uint8Array(0)];

/** A copy of `p` in reused per-thread scratch buffer `which` (0: one payload, 1: a request's inputs). */
function copyAside(p: Uint8Array, which: 0 | 1): Uint8Array {
  if (scratches[which]!.length < p.length) scratches[which] = new Uint8Array(Math.max(p.length, scratches[which]!.length * 2));
  const s = scratches[which]!;
  s.set(p);
  return s.subarray(0, p.length);
}

/** Messages between the sealer and its workers. Buffers travel as transferred ArrayBuffers. */
export interface SealRequest {
  job: number;
  /** All blobs of a request share one buffer (copied together, or a single transferred chunk). */
  blobs: { buffer: ArrayBuffer; offset: number; length: number }[];
  /** Seal into this buffer if the result fits (it is sent back either way, for reuse). */
  into?: ArrayBuffer;
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
  const sink = new SealSink(params, sealedBound(req.blobs.map((b) => b.length)), req.into);
  let blobs: Uint8Array[] = req.blobs.map((b) => new Uint8Array(b.buffer, b.offset, b.length));
  if (blobs.length > 1 && req.blobs[0]!.buffer === sink.out) {
    // Sealed boxes are longer than their plaintexts and would overwrite the next blob: work from a copy.
    const first = req.blobs[0]!.offset;
    const last = req.blobs[req.blobs.length - 1]!;
    const copy = copyAside(new Uint8Array(sink.out, first, last.offset + last.length - first), 1);
    blobs = req.blobs.map((b) => copy.subarray(b.offset - first, b.offset - first + b.length));
  }
  for (const b of blobs) sink.add(b);
  return { job: req.job, out: sink.out, parts: sink.parts };
}
