import { SEAL_OVERHEAD, type BlobCodec } from '../repository/codec/index.js';
import { Scratch } from '../util/index.js';

/** What sealing needs: the repository's blob codec (sent to workers with `toWorkerData`). */
export type SealParams = BlobCodec;

export interface SealedBlob {
  sealed: Uint8Array;
  /** Present only when the stored bytes are compressed. */
  uncompressedLength?: number;
  /** Hands the buffer behind `sealed` back for reuse; call once `sealed` has been copied (or dropped). */
  release?: () => void;
}

/** Compresses and seals one data blob by the repository's rule (see BlobCodec). */
export function sealBlob(codec: BlobCodec, plaintext: Uint8Array): SealedBlob {
  return codec.seal('data', plaintext);
}

/**
 * Compresses and seals blobs one after another, back to back into `into` when at most `maxTotal` bytes fit there (the
 * request's own buffer, sent back for reuse), else into a fresh buffer. A plaintext inside `into` must lie at or after
 * the write position (a single chunk at offset 0).
 */
export class SealSink {
  private readonly view: Uint8Array;
  private pos = 0;
  readonly parts: { offset: number; length: number; uncompressedLength?: number }[] = [];

  constructor(
    private readonly codec: BlobCodec,
    maxTotal: number,
    into?: ArrayBuffer,
  ) {
    this.view = into !== undefined && into.byteLength >= maxTotal ? new Uint8Array(into) : Buffer.allocUnsafeSlow(maxTotal);
  }

  get out(): ArrayBuffer {
    return this.view.buffer as ArrayBuffer;
  }

  add(plaintext: Uint8Array): { offset: number; length: number; uncompressedLength?: number } {
    const { length, uncompressedLength } = this.codec.sealInto('data', plaintext, this.view, this.pos);
    const part = uncompressedLength === undefined ? { offset: this.pos, length } : { offset: this.pos, length, uncompressedLength };
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

/** Where a request's inputs are copied when they share the output buffer. */
const requestInputs = new Scratch();

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
export function sealRequest(codec: BlobCodec, req: SealRequest): SealResponse {
  const sink = new SealSink(codec, sealedBound(req.blobs.map((b) => b.length)), req.into);
  let blobs: Uint8Array[] = req.blobs.map((b) => new Uint8Array(b.buffer, b.offset, b.length));
  if (blobs.length > 1 && req.blobs[0]!.buffer === sink.out) {
    // Sealed boxes are longer than their plaintexts and would overwrite the next blob: work from a copy.
    const first = req.blobs[0]!.offset;
    const last = req.blobs[req.blobs.length - 1]!;
    const copy = requestInputs.copy(new Uint8Array(sink.out, first, last.offset + last.length - first));
    blobs = req.blobs.map((b) => copy.subarray(b.offset - first, b.offset - first + b.length));
  }
  for (const b of blobs) sink.add(b);
  return { job: req.job, out: sink.out, parts: sink.parts };
}
