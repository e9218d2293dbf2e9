import { JsChunker } from './js-chunker.js';
import { WasmChunker, wasmChunkerAvailable } from './wasm-chunker.js';

/**
 * Finds chunk boundaries exactly where restic 0.14 puts them, for one file at a time. Uses the WebAssembly kernel
 * (about twice as fast) when it is built, else the plain JavaScript chunker; both give identical cuts.
 *
 * Usage: `reset()` at the start of each file, then `scan()` its bytes in pieces of any size; each returned offset
 * ends a chunk inside that piece. The bytes after the last cut at end of file form the file's last chunk.
 */
export class Chunker {
  private readonly impl: JsChunker | WasmChunker;

  /** @throws CairnError 'invalid-argument' unless `polynomial` has degree 53 (every restic polynomial has). */
  constructor(polynomial: bigint) {
    this.impl = wasmChunkerAvailable() ? new WasmChunker(polynomial) : new JsChunker(polynomial);
  }

  /** Which implementation this chunker runs. */
  get engine(): 'wasm' | 'js' {
    return this.impl instanceof WasmChunker ? 'wasm' : 'js';
  }

  /** Start of a new file: forget the bytes seen so far. */
  reset(): void {
    this.impl.reset();
  }

  /**
   * Feeds the next piece of the current file. Returns the offsets within `data` just after each cut found in it,
   * ascending. State carries over between calls, so any split of a file into pieces gives the same chunks.
   */
  scan(data: Uint8Array): number[] {
    return this.impl.scan(data);
  }
}
