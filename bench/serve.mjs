// serve-repo part of `npm run bench` (alone: BENCH_ONLY=serve). On loopback, for N = 1, 8 and 32 concurrent uploads of
// 64 MiB each (BENCH_SERVE_N=1,8,32, BENCH_SERVE_MIB=64; quick: 1,4 and 8): the peak RSS of a fresh `cairn serve-repo
// --no-auth` process (VmHWM) and the upload throughput through it, against the same writes straight to Cairn's local
// backend in this process. Each upload is a different pack: 1 MiB of random bytes repeated, named by its SHA-256.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { cairnBin, quick, work } from './lib.mjs';

const MiB = 1024 * 1024;
const counts = (process.env.BENCH_SERVE_N ?? (quick ? '1,4' : '1,8,32')).split(',').map(Number);
const sizeMiB = Number(process.env.BENCH_SERVE_MIB ?? (quick ? 8 : 64));
const { openBackend } = await import(path.join(cairnBin, '../../dist/registry.js'));

function packs(n) {
  return Array.from({ length: n }, () => {
    const chunk = randomBytes(MiB);
    const hash = createHash('sha256');
    for (let i = 0; i < sizeMiB; i++) hash.update(chunk);
    return { chunk, id: hash.digest('hex') };
  });
}

function peakRssMiB(pid) {
  return Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
}

function startServer(dir) {
  const child = spawn(process.execPath, [cairnBin, 'serve-repo', '--no-auth', '--path', dir, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/[\d.:]+)\//.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`serve-repo exited with ${code}`)));
  });
}

function upload(url, { chunk, id }) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/data/${id}`, {
      method: 'POST',
      headers: { 'Content-Length': String(sizeMiB * MiB) },
      agent: false,
    });
    req.on('response', (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`upload answered ${res.statusCode}`));
    });
    req.on('error', reject);
    (async () => {
      for (let i = 0; i < sizeMiB; i++) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      req.end();
    })();
  });
}

console.log(`\nserve-repo: N concurrent uploads of ${sizeMiB} MiB each (loopback)`);
console.log('| N | server peak RSS | server idle RSS | through serve-repo | local backend directly |');
console.log('| --- | --- | --- | --- | --- |');
for (const n of counts) {
  const dir = path.join(work, 'serve-bench');
  fs.rmSync(dir, { recursive: true, force: true });
  const set = packs(n);
  const { child, url } = await startServer(dir);
  await new Promise((resolve, reject) => {
    http.request(`${url}/?create=true`, { method: 'POST' }, (res) => resolve(res.resume())).on('error', reject).end();
  });
  const idle = peakRssMiB(child.pid);
  let t = performance.now();
  await Promise.all(set.map((p) => upload(url, p)));
  const served = (n * sizeMiB) / ((performance.now() - t) / 1000);
  const peak = peakRssMiB(child.pid);
  await new Promise((r) => {
    child.once('exit', r);
    child.kill('SIGTERM');
  });
  fs.rmSync(dir, { recursive: true, force: true });
  // The Backend interface takes whole files: build each in memory first (not timed), then write them all at once.
  const backend = await openBackend(`local:${dir}`);
  await backend.create();
  const whole = set.map((p) => ({ id: p.id, data: Buffer.concat(Array(sizeMiB).fill(p.chunk)) }));
  t = performance.now();
  await Promise.all(whole.map((w) => backend.write({ type: 'data', name: w.id }, w.data)));
  const local = (n * sizeMiB) / ((performance.now() - t) / 1000);
  await backend.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const f = (x) => `${x.toFixed(0)} MiB`;
  console.log(`| ${n} | ${f(peak)} | ${f(idle)} | ${f(served)}/s | ${f(local)}/s |`);
}
