// Compiles the AssemblyScript kernels (src/**/assembly/*.ts) to WebAssembly.
// Each .wasm lands beside the TypeScript that loads it (src/<room>/wasm/) and is copied to
// dist/<room>/wasm/ so the compiled build finds it too. Run: `npm run build:wasm`.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Kernels to build: AssemblyScript entry → output .wasm, both relative to src/. */
const KERNELS = [{ entry: 'crypto/assembly/poly1305.ts', out: 'crypto/wasm/poly1305.wasm' }];

// --- chunker room (restic's Rabin fingerprint search) ---
KERNELS.push({ entry: 'chunker/assembly/chunker.ts', out: 'chunker/wasm/chunker.wasm' });
// --- end chunker room ---

// -O3 for speed; the stub runtime and no abort import keep the module import-free, so
// `new WebAssembly.Instance(module)` works synchronously in any thread.
const FLAGS = ['-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort='];

async function build({ entry, out }) {
  const src = join(root, 'src', entry);
  const dest = join(root, 'src', out);
  await mkdir(dirname(dest), { recursive: true });
  const { error, stderr } = await asc.main([src, ...FLAGS, '-o', dest]);
  if (error) {
    console.error(stderr.toString());
    throw new Error(`asc failed on ${entry}: ${error.message}`);
  }
  const distDest = join(root, 'dist', out);
  await mkdir(dirname(distDest), { recursive: true });
  await copyFile(dest, distDest);
  console.log(`built src/${out} (copied to dist/${out})`);
}

for (const kernel of KERNELS) await build(kernel);
