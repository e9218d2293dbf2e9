// Memory of Cairn's in-memory index (the repository's MasterIndex) holding N blobs, without writing any: the
// structure is filled with synthetic entries (random ids, BLOBS_PER_PACK blobs per pack, half of them compressed),
// then the figures are taken after a full collection. Run after `npm run build`:
//   npx node --expose-gc bench/index-memory.mjs [N=10000000] [BLOBS_PER_PACK=100]
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setImmediate, setInterval, clearInterval } from 'node:timers';

const { MasterIndex } = await import(new URL('../dist/repository/index.js', import.meta.url).href);
const total = Number(process.argv[2] ?? 10_000_000);
const perPack = Number(process.argv[3] ?? 100);
const MiB = 1024 * 1024;
const gc = globalThis.gc ?? (() => undefined);

function memory() {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss / MiB, heap: m.heapUsed / MiB, arrayBuffers: m.arrayBuffers / MiB };
}
let peakRss = 0;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss() / MiB)), 20);

const before = memory();
const index = new MasterIndex();
const bytes = Buffer.alloc(32 * 1024);
const started = performance.now();
let packId = '';
for (let n = 0; n < total; n++) {
  if (n % 1024 === 0) randomFillSync(bytes);
  const id = bytes.toString('hex', (n % 1024) * 32, (n % 1024) * 32 + 32);
  // Ids of the same batch differ in their first bytes: flip one so that ids of later batches cannot repeat them.
  if (n % perPack === 0) packId = id.slice(0, 56) + (n / perPack).toString(16).padStart(8, '0');
  const entry = { type: n % 50 === 0 ? 'tree' : 'data', packId, offset: (n % perPack) * 65536, length: 65536 };
  if (n % 2 === 0) entry.uncompressedLength = 131072;
  index.add(id, entry);
  // Yield now and then so that the sampler sees the growth steps.
  if (n % 1_000_000 === 0) await new Promise((resolve) => setImmediate(resolve));
}
const fillSecs = (performance.now() - started) / 1000;
const after = memory();
clearInterval(sample);
peakRss = Math.max(peakRss, after.rss);

const fmt = (x) => `${x.toFixed(0)} MiB`;
console.log(`node ${process.version}: ${index.size.toLocaleString('en')} blobs in ${index.packCount.toLocaleString('en')} packs, filled in ${fillSecs.toFixed(1)} s`);
console.log(`typed arrays (byteSize): ${fmt(index.byteSize() / MiB)}, ${(index.byteSize() / index.size).toFixed(1)} bytes per blob`);
console.log(`JS heap used: ${fmt(after.heap - before.heap)} more (pack ids and their map: ${index.packCount.toLocaleString('en')} strings)`);
console.log(`array buffers: ${fmt(after.arrayBuffers - before.arrayBuffers)} more`);
console.log(`RSS: ${fmt(before.rss)} before, ${fmt(after.rss)} after (+${fmt(after.rss - before.rss)}), peak ${fmt(peakRss)} while growing`);
