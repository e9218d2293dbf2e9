import { readFileSync } from 'node:fs';
import { Poly1305, poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import { CairnError } from '../core/index.js';

// Poly1305 run by the WebAssembly kernel (src/crypto/assembly/poly1305.ts, built by
// `npm run build:wasm`): ~6x noble's speed. noble stays as the fallback when the .wasm has
// not been built, and as the oracle in tests.

/** Message bytes buffered in wasm memory per kernel call: a multiple of 16 that stays in L2. */
const WINDOW = 64 * 1024;
const KEY_OFFSET = 0;
const TAG_OFFSET = 32;

interface Kernel {
  readonly fn: { init(): void; update(len: number): void; finish(): void };
  /** View on the wasm memory; stays valid because the memory never grows after setup. */
  readonly mem: Uint8Array;
  readonly input: number;
  /** The MAC whose state the kernel holds now; a second MAC may not start before it ends. */
  owner: object | null;
}

/** An incremental Poly1305 MAC. */
export interface Poly1305Mac {
  update(data: Uint8Array): void;
  /** Writes the 16-byte tag to out[offset..]; the MAC cannot be used afterwards. */
  digestInto(out: Uint8Array, offset?: number): void;
}

// The project's lib (ES2023, no DOM) has no WebAssembly typings: the little used here, by hand.
interface WasmGlobalApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
interface KernelExports {
  init(): void;
  update(len: number): void;
  finish(): void;
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  INPUT: { value: number };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmGlobalApi }).WebAssembly;

/** One instance per thread (module state is per thread), made on first use. */
let kernel: Kernel | null | undefined;

function loadKernel(): Kernel | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(new URL('./wasm/poly1305.wasm', import.meta.url));
  } catch {
    return null;
  }
  const exp = new wasmApi.Instance(new wasmApi.Module(bytes)).exports as KernelExports;
  const input = exp.INPUT.value;
  // +16: the kernel pads the final partial block in place after the message.
  const missing = input + WINDOW + 16 - exp.memory.buffer.byteLength;
  if (missing > 0) exp.memory.grow(Math.ceil(missing / 65536));
  return { fn: exp, mem: new Uint8Array(exp.memory.buffer), input, owner: null };
}

function getKernel(): Kernel | null {
  if (kernel === undefined) kernel = loadKernel();
  return kernel;
}

/** Which implementation Poly1305 runs on in this thread. */
export function poly1305Implementation(): 'wasm' | 'noble' {
  return getKernel() === null ? 'noble' : 'wasm';
}

class WasmMac implements Poly1305Mac {
  private fill = 0;
  private readonly k: Kernel;

  constructor(k: Kernel) {
    this.k = k;
  }

  update(data: Uint8Array): void {
    const { k } = this;
    if (k.owner !== this) throw new CairnError('fatal', 'Another Poly1305 MAC is running in this thread.');
    let pos = 0;
    while (pos < data.length) {
      const take = Math.min(WINDOW - this.fill, data.length - pos);
      k.mem.set(data.subarray(pos, pos + take), k.input + this.fill);
      this.fill += take;
      pos += take;
      if (this.fill === WINDOW) {
        k.fn.update(WINDOW);
        this.fill = 0;
      }
    }
  }

  digestInto(out: Uint8Array, offset = 0): void {
    const { k } = this;
    if (k.owner !== this) throw new CairnError('fatal', 'Another Poly1305 MAC is running in this thread.');
    k.fn.update(this.fill);
    k.fn.finish();
    out.set(k.mem.subarray(TAG_OFFSET, TAG_OFFSET + 16), offset);
    k.owner = null;
  }
}

class NobleMac implements Poly1305Mac {
  private readonly mac: Poly1305;

  constructor(key: Uint8Array) {
    this.mac = new Poly1305(key);
  }

  update(data: Uint8Array): void {
    this.mac.update(data);
  }

  digestInto(out: Uint8Array, offset = 0): void {
    out.set(this.mac.digest(), offset);
  }
}

/**
 * Starts a MAC with the one-time key r (16 bytes, clamped by the MAC) || s (16 bytes).
 * Taking r and s apart saves the caller a concat. Synchronous use only: one wasm MAC at a time.
 */
export function createPoly1305(r: Uint8Array, s: Uint8Array): Poly1305Mac {
  const k = getKernel();
  if (k === null) {
    const key = new Uint8Array(32);
    key.set(r.subarray(0, 16), 0);
    key.set(s.subarray(0, 16), 16);
    return new NobleMac(key);
  }
  k.mem.set(r.subarray(0, 16), KEY_OFFSET);
  k.mem.set(s.subarray(0, 16), KEY_OFFSET + 16);
  k.fn.init();
  const mac = new WasmMac(k);
  k.owner = mac; // a MAC abandoned by an exception is simply replaced
  return mac;
}

/** Poly1305(msg, key) with a 32-byte one-time key r || s, like noble's `poly1305`. */
export function poly1305(msg: Uint8Array, key: Uint8Array): Uint8Array {
  const tag = new Uint8Array(16);
  const mac = createPoly1305(key.subarray(0, 16), key.subarray(16, 32));
  mac.update(msg);
  mac.digestInto(tag);
  return tag;
}

/** noble's Poly1305, kept as the reference implementation. */
export function poly1305Reference(msg: Uint8Array, key: Uint8Array): Uint8Array {
  return noblePoly1305(msg, key);
}
