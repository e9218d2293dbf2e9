import { readFileSync } from 'node:fs';
import { CairnError } from '../core/index.js';
import { MAX_SIZE, MIN_SIZE, WINDOW_SIZE } from './constants.js';
import { tablesFor } from './tables.js';

/** Bytes copied into WebAssembly memory per call: bounds the memory and keeps the copy cache-friendly. */
const PIECE = 1024 * 1024;
const PAGE = 65536;

// The project's lib (ES2023, no DOM) has no WebAssembly typings: the little used here, by hand.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Kernel {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  tablesPtr(): number;
  dataPtr(): number;
  find(len: number): number;
}

const WASM_URL = new URL('./wasm/chunker.wasm', import.meta.url);
let compiled: object | undefined;
let missing: unknown;

/** Compiled synchronously so it works in worker_threads too; built by `npm run build:wasm`. */
function kernelModule(): object {
  if (compiled === undefined) {
    if (missing === undefined) {
      try {
        compiled = new wasmApi.Module(readFileSync(WASM_URL));
        return compiled;
      } catch (cause) {
        missing = cause;
      }
    }
    throw new CairnError('fatal', 'The chunker WebAssembly module is missing: run "npm run build:wasm".', {
      cause: missing,
    });
  }
  return compiled;
}

/** True when the compiled chunker kernel is available (it is gitignored and built by `npm run build:wasm`). */
export function wasmChunkerAvailable(): boolean {
  try {
    kernelModule();
    return true;
  } catch {
    return false;
  }
}

/**
 * One kernel instance per polynomial and thread, shared by all chunkers: `find` keeps no state between calls and
 * JavaScript runs one `scan` at a time, so sharing is safe and a chunker per file costs nothing.
 */
const kernels = new Map<bigint, { kernel: Kernel; mem: Uint8Array; dataPtr: number }>();

function kernelFor(polynomial: bigint): { kernel: Kernel; mem: Uint8Array; dataPtr: number } {
  let entry = kernels.get(polynomial);
  if (entry === undefined) {
    const tables = tablesFor(polynomial);
    const kernel = new wasmApi.Instance(kernelModule()).exports as Kernel;
    const dataPtr = kernel.dataPtr();
    const have = kernel.memory.buffer.byteLength;
    if (dataPtr + PIECE > have) kernel.memory.grow(Math.ceil((dataPtr + PIECE - have) / PAGE));
    const t = new BigUint64Array(kernel.memory.buffer, kernel.tablesPtr(), 512);
    t.set(tables.out, 0);
    t.set(tables.mod, 256);
    entry = { kernel, mem: new Uint8Array(kernel.memory.buffer), dataPtr };
    kernels.set(polynomial, entry);
  }
  return entry;
}

/**
 * The same chunker as `JsChunker` (identical cuts, same API) with its search loop in WebAssembly, where restic's
 * 64-bit digest is a plain i64. Only bytes where a cut is allowed are copied in and hashed (with the 64 bytes before
 * them); between calls the state is just the chunk's byte count and the stream's last 64 bytes.
 */
export class WasmChunker {
  private readonly polynomial: bigint;
  /** The stream's last 64 bytes at the end of the previous `scan`. */
  private readonly tail = new Uint8Array(WINDOW_SIZE);
  /** Bytes of the current chunk seen so far. */
  private count = 0;

  /** @throws CairnError 'invalid-argument' unless `polynomial` has degree 53; 'fatal' if the kernel is not built. */
  constructor(polynomial: bigint) {
    tablesFor(polynomial);
    kernelModule();
    this.polynomial = polynomial;
  }

  /** Start of a new file: forget the bytes seen so far. */
  reset(): void {
    this.count = 0;
  }

  /** See `Chunker.scan`: offsets within `data` just after each cut; state carries over between calls. */
  scan(data: Uint8Array): number[] {
    const cuts: number[] = [];
    const n = data.length;
    let i = 0;
    while (i < n) {
      // No cut can end before MIN_SIZE: the first byte that may end a chunk is its byte MIN_SIZE − 1.
      if (this.count < MIN_SIZE - 1) {
        const skip = Math.min(MIN_SIZE - 1 - this.count, n - i);
        this.count += skip;
        i += skip;
        continue;
      }
      const len = Math.min(n - i, MAX_SIZE - this.count, PIECE);
      const cut = this.search(data, i, len);
      if (cut >= 0 || this.count + len >= MAX_SIZE) {
        i += cut >= 0 ? cut : len;
        cuts.push(i);
        this.count = 0;
      } else {
        this.count += len;
        i += len;
      }
    }
    this.keepTail(data);
    return cuts;
  }

  /** Copies data[i..i+len) and the 64 stream bytes before it into WebAssembly memory and searches it. */
  private search(data: Uint8Array, i: number, len: number): number {
    const { kernel, mem, dataPtr } = kernelFor(this.polynomial);
    const from = i - WINDOW_SIZE;
    if (from >= 0) {
      mem.set(data.subarray(from, i + len), dataPtr - WINDOW_SIZE);
    } else {
      mem.set(this.tail.subarray(WINDOW_SIZE + from), dataPtr - WINDOW_SIZE);
      mem.set(data.subarray(0, i + len), dataPtr - i);
    }
    return kernel.find(len);
  }

  private keepTail(data: Uint8Array): void {
    const n = data.length;
    if (n >= WINDOW_SIZE) {
      this.tail.set(data.subarray(n - WINDOW_SIZE));
    } else {
      this.tail.copyWithin(0, n);
      this.tail.set(data, WINDOW_SIZE - n);
    }
  }
}
