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

// CTR set-up per sealed box: createCipheriv with the raw key against one KeyObject reused (what seal.ts does above
// its small-box path). CPU microseconds per box, best of ROUNDS.
const { createCipheriv, createSecretKey } = await import('node:crypto');
const aesKey = randomBytes(32);
const aesKeyObject = createSecretKey(aesKey);
for (const size of [4096, 32768, 1024 * 1024]) {
  const data = randomBytes(size);
  const count = Math.max(200, Math.floor((32 * MiB) / size));
  const best = { raw: Infinity, keyObject: Infinity };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, k] of [['raw', aesKey], ['keyObject', aesKeyObject]]) {
      const t = process.cpuUsage();
      for (let i = 0; i < count; i++) createCipheriv('aes-256-ctr', k, data.subarray(0, 16)).update(data);
      const u = process.cpuUsage(t);
      best[name] = Math.min(best[name], (u.user + u.system) / count);
    }
  }
  console.log(`ctr set-up + ${size / 1024} KiB: raw key ${best.raw.toFixed(1)} us, KeyObject ${best.keyObject.toFixed(1)} us CPU`);
}
for (const size of [16 * 1024, 64 * 1024]) {
  const sealed = crypto.seal(key, randomBytes(size));
  console.log(`open ${size / 1024} KiB x 2000: ${manySmall(size, 2000, () => crypto.open(key, sealed))} MB/s`);
}
