import type { BlobType, Id } from '../../core/index.js';
import { CairnError, hashId } from '../../core/index.js';
import { decompress, ZstdCompressor, type CompressionMode } from '../../compress/index.js';
import { keyFromBytes, open, seal, sealInto, SEAL_OVERHEAD, type CryptoKey } from '../../crypto/index.js';
import { Scratch } from '../../util/index.js';

/** The zstd level of one blob ('auto' is the fast default). */
export type BlobCompression = Exclude<CompressionMode, 'off'>;

/** A blob's stored form: its sealed box, and its plaintext length when the sealed payload is a zstd frame. */
export interface SealedBytes {
  sealed: Buffer;
  uncompressedLength?: number;
}

/** A codec as plain data for a worker thread's `workerData` (a CryptoKey's views do not survive structured clone). */
export interface BlobCodecData {
  keyBytes: Uint8Array;
  version: 1 | 2;
  compression: CompressionMode;
}

/**
 * The one compression rule, restic's (saveAndEncrypt): only in v2; data blobs unless compression is off, tree blobs
 * always (at the default level unless 'max'); never an empty blob, because an index entry cannot say "compressed
 * to 0 bytes". Unlike restic, a frame that is not smaller than the plaintext is not kept (see `BlobCodec.payload`).
 */
export function blobCompression(
  version: 1 | 2,
  mode: CompressionMode,
  type: BlobType,
  length: number,
): BlobCompression | undefined {
  if (version === 1 || length === 0) return undefined;
  if (type === 'data') return mode === 'off' ? undefined : mode;
  return mode === 'max' ? 'max' : 'auto';
}

/** The plaintext length of a stored blob, from its index entry or pack header entry. */
export function plainLength(stored: { length: number; uncompressedLength?: number | undefined }): number {
  return stored.uncompressedLength ?? stored.length - SEAL_OVERHEAD;
}

/**
 * Sealing and opening blobs for one repository: compression by `blobCompression`, encryption with the master key,
 * and on open the checks that the plaintext is the blob it claims to be. Pure (bytes in, bytes out; no backend),
 * so worker threads use it too: `toWorkerData` there, `fromWorkerData` in the worker.
 */
export class BlobCodec {
  /** The mode in effect: always 'off' in a v1 repository. */
  readonly compression: CompressionMode;
  readonly version: 1 | 2;
  private readonly key: CryptoKey;

  constructor(key: CryptoKey, version: 1 | 2, compression: CompressionMode = 'auto') {
    this.key = key;
    this.version = version;
    this.compression = version === 1 ? 'off' : compression;
  }

  static fromWorkerData(d: BlobCodecData): BlobCodec {
    return new BlobCodec(keyFromBytes(Buffer.from(d.keyBytes)), d.version, d.compression);
  }

  toWorkerData(): BlobCodecData {
    const k = this.key;
    return {
      keyBytes: Buffer.concat([k.encrypt, k.macK, k.macR]),
      version: this.version,
      compression: this.compression,
    };
  }

  /** How a blob of this type and length is compressed, or undefined when it is stored as it is. */
  compressionFor(type: BlobType, length: number): BlobCompression | undefined {
    return blobCompression(this.version, this.compression, type, length);
  }

  /**
   * The bytes to seal for a blob: its zstd frame, or the plaintext itself when the rule says no or the frame would
   * not be smaller (the format allows uncompressed blobs in v2, and it saves the decompression later). A frame is a
   * view of this thread's reused compressor buffer: seal it before the next call.
   */
  payload(type: BlobType, plaintext: Uint8Array): { payload: Uint8Array; uncompressedLength?: number } {
    const level = this.compressionFor(type, plaintext.length);
    if (level !== undefined) {
      const frame = compressor(level).compress(plaintext);
      if (frame.length < plaintext.length) return { payload: frame, uncompressedLength: plaintext.length };
    }
    return { payload: plaintext };
  }

  /** Compresses (by the rule) and seals one blob into a new buffer. */
  seal(type: BlobType, plaintext: Uint8Array): SealedBytes {
    const p = this.payload(type, plaintext);
    const sealed = seal(this.key, p.payload);
    return p.uncompressedLength === undefined
      ? { sealed }
      : { sealed, uncompressedLength: p.uncompressedLength };
  }

  /**
   * Compresses and seals one blob into `out` at `offset`, which must have room for the plaintext plus SEAL_OVERHEAD
   * (a payload is never longer than its plaintext). The plaintext may lie inside `out` at or after `offset`.
   */
  sealInto(
    type: BlobType,
    plaintext: Uint8Array,
    out: Uint8Array,
    offset: number,
  ): { length: number; uncompressedLength?: number } {
    const p = this.payload(type, plaintext);
    // The sealed box starts with a 16-byte IV, so sealing over the plaintext itself would destroy it first.
    const src = p.payload.buffer === out.buffer ? aside.copy(p.payload) : p.payload;
    const length = sealInto(this.key, src, out, offset);
    return p.uncompressedLength === undefined
      ? { length }
      : { length, uncompressedLength: p.uncompressedLength };
  }

  /**
   * Decrypts, decompresses (when `uncompressedLength` is given) and verifies one sealed blob: the plaintext must hash
   * to `id`. Any failure is a CairnError 'corrupt' with a short reason.
   */
  open(sealed: Uint8Array, id: Id, uncompressedLength?: number): Buffer {
    return verified(this.decrypt(sealed), id, uncompressedLength).plain;
  }

  /**
   * A blob sealed by `from` (another repository's codec) opened, verified and sealed for this one. A compressed
   * payload is sealed again as it is when this codec would compress the blob at the default level, which saves
   * compressing it a second time; otherwise the plaintext goes through `seal`. Only opening can fail ('corrupt').
   */
  reseal(
    from: BlobCodec,
    type: BlobType,
    sealed: Uint8Array,
    id: Id,
    uncompressedLength?: number,
  ): SealedBytes {
    const { payload, plain } = verified(from.decrypt(sealed), id, uncompressedLength);
    if (
      uncompressedLength !== undefined &&
      payload.length < plain.length &&
      this.compressionFor(type, plain.length) === 'auto'
    ) {
      return { sealed: seal(this.key, payload), uncompressedLength };
    }
    return this.seal(type, plain);
  }

  private decrypt(sealed: Uint8Array): Buffer {
    try {
      return open(this.key, sealed);
    } catch (err) {
      throw new CairnError('corrupt', 'MAC check failed.', { cause: err });
    }
  }
}

function verified(
  payload: Buffer,
  id: Id,
  uncompressedLength: number | undefined,
): { payload: Buffer; plain: Buffer } {
  const plain = uncompressedLength === undefined ? payload : decompress(payload, uncompressedLength);
  const actual = hashId(plain);
  if (actual !== id) throw new CairnError('corrupt', `content hashes to ${actual}, not to the blob id.`);
  return { payload, plain };
}

/** One reused compressor per level and thread: a zstd context costs ~0.3 ms to set up. */
const compressors = new Map<BlobCompression, ZstdCompressor>();

function compressor(level: BlobCompression): ZstdCompressor {
  let z = compressors.get(level);
  if (z === undefined) compressors.set(level, (z = new ZstdCompressor(level)));
  return z;
}

/** Where a payload that lies in the output buffer is copied before it is sealed. */
const aside = new Scratch();
