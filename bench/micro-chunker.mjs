// Chunker throughput on 256 MiB of random data: `npx tsc -p tsconfig.build.json && npx node bench/micro-chunker.mjs`.
// Optional: CHUNKER_MODULE=/path/to/chunker/index.js to measure another build; BENCH_MIB=64 for a smaller input.
import { randomFillSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const modulePath = process.env.CHUNKER_MODULE
  ? pathToFileURL(process.env.CHUNKER_MODULE).href
  : new URL('../dist/chunker/index.js', import.meta.url).href;
const chunker = await import(modulePath);
const mib = Number(process.env.BENCH_MIB ?? 256);
const data = new Uint8Array(mib * 1024 * 1024);
for (let off = 0; off < data.length; off += 65536) randomFillSync(data, off, 65536);
const polynomial = 0x35bba1908c7defn;

const variants = [['Chunker', chunker.Chunker]];
for (const [name, value] of Object.entries(chunker)) {
  if (name !== 'Chunker' && /Chunker$/.test(name) && typeof value === 'function')
    variants.push([name, value]);
}

// Wall time and this process's CPU time: on a busy shared machine the CPU figure is the steadier one.
function run(Impl, pieceSize) {
  const c = new Impl(polynomial);
  let cuts = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let off = 0; off < data.length; off += pieceSize)
    cuts += c.scan(data.subarray(off, off + pieceSize)).length;
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { mbps: data.length / 1e6 / seconds, cpuMbps: data.length / 1e6 / cpuSeconds, cuts };
}

for (const [name, Impl] of variants) {
  for (const [label, pieceSize] of [
    ['1 MiB pieces', 1 << 20],
    ['one buffer', data.length],
  ]) {
    let best = { mbps: 0, cpuMbps: 0, cuts: 0 };
    for (let round = 0; round < 3; round++) {
      const r = run(Impl, pieceSize);
      best = { mbps: Math.max(best.mbps, r.mbps), cpuMbps: Math.max(best.cpuMbps, r.cpuMbps), cuts: r.cuts };
    }
    const wall = best.mbps.toFixed(0).padStart(5);
    const cpu = best.cpuMbps.toFixed(0).padStart(5);
    console.log(
      `${name.padEnd(12)} ${label.padEnd(13)} ${wall} MB/s wall ${cpu} MB/s cpu  (${best.cuts} cuts in ${mib} MiB)`,
    );
  }
}
