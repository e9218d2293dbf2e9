import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

/**
 * Builds src/chunker/wasm/chunker.wasm if it is missing, with the flags of scripts/build-wasm.mjs, so the
 * WebAssembly chunker's tests run (and can fail) even before `npm run build:wasm`.
 */
export async function ensureChunkerKernel(): Promise<void> {
  const out = fileURLToPath(new URL('../wasm/chunker.wasm', import.meta.url));
  if (existsSync(out)) return;
  const entry = fileURLToPath(new URL('../assembly/chunker.ts', import.meta.url));
  const flags = ['-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort='];
  const { error, stderr } = await asc.main([entry, ...flags, '-o', out]);
  if (error) throw new Error(`asc failed on the chunker kernel: ${error.message}`, { cause: stderr });
}
