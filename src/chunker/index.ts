/**
 * @module chunker
 * restic's content-defined chunking, byte for byte: a Rabin fingerprint of a sliding 64-byte window over GF(2)
 * modulo a random irreducible polynomial of degree 53 (one per repository, `config.chunker_polynomial`). A cut falls
 * where the low 20 bits of the fingerprint are zero, never before 512 KiB and always at 8 MiB, so identical content
 * gives identical chunks (deduplication) wherever it sits in a file.
 */
export { Chunker } from './chunker.js';
export { JsChunker } from './js-chunker.js';
export { WasmChunker, wasmChunkerAvailable } from './wasm-chunker.js';
export { MIN_SIZE, MAX_SIZE } from './constants.js';
export { randomPolynomial, isIrreducible, formatPolynomial, parsePolynomial } from './polynomial.js';
