// Micro-benchmark of the crypto hot path: Poly1305 (noble vs the wasm kernel) and seal/open.
// Run: `npx node bench/micro-crypto.mjs` (runs the TypeScript sources through Node's type
// stripping; `--dist` runs the compiled dist/ instead, after `npm run build`).
// Prints MB/s (10^6 bytes per second), best of several rounds because the machine is noisy.
import { registerHooks } from 'node:module';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const useDist = process.argv.includes('--dist');
if (!useDist) {
  // The sources import './x.js' while the file on disk is './x.ts'.
  registerHooks({
    resolve(specifier, context, next) {
      if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
        const ts = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
        if (existsSync(fileURLToPath(ts))) return next(ts.href, context);
      }
      return next(specifier, context);
    },
  });
}
const base = new URL(useDist ? '../dist/crypto/' : '../src/crypto/', import.meta.url);
const crypto = await import(new URL(useDist ? 'index.js' : 'index.ts', base).href);
const poly = await import(new URL(useDist ? 'poly1305.js' : 'poly1305.ts', base).href);

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const MiB = 1024 * 1024;

function mbps(bytes, fn) {
  fn(); // warm-up
  let best = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const t = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return (bytes / best / 1e6).toFixed(0);
}

function manySmall(size, count, fn) {
  return mbps(size * count, () => {
    for (let i = 0; i < count; i++) fn();
  });
}

const key = crypto.newRandomKey();
const polyKey = randomBytes(32);
console.log(`node ${process.version}, poly1305 implementation in use: ${poly.poly1305Implementation()}`);
for (const size of [4 * MiB, 16 * MiB]) {
  const data = randomBytes(size);
  const sealed = crypto.seal(key, data);
  const out = Buffer.allocUnsafe(size + crypto.SEAL_OVERHEAD);
  const label = `${size / MiB} MiB`;
  console.log(`poly1305 noble ${label}: ${mbps(size, () => poly.poly1305Reference(data, polyKey))} MB/s`);
  console.log(`poly1305 wasm  ${label}: ${mbps(size, () => poly.poly1305(data, polyKey))} MB/s`);
  console.log(`seal           ${label}: ${mbps(size, () => crypto.seal(key, data))} MB/s`);
  console.log(`sealInto       ${label}: ${mbps(size, () => crypto.sealInto(key, data, out, 0))} MB/s`);
  console.log(`open           ${label}: ${mbps(size, () => crypto.open(key, sealed))} MB/s`);
}
const small = randomBytes(1024);
const smallSealed = crypto.seal(key, small);
console.log(`seal 1 KiB x 10000: ${manySmall(1024, 10000, () => crypto.seal(key, small))} MB/s`);
console.log(`open 1 KiB x 10000: ${manySmall(1024, 10000, () => crypto.open(key, smallSealed))} MB/s`);
