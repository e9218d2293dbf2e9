// Stream part of `npm run bench` (alone: BENCH_ONLY=stream): is a dump into the repository limited by the dump tool?
// The producer is bench/dataset.mjs writing a BENCH_STREAM_MIB (default 256; quick: 16) MiB SQL dump to its standard
// output, as a dump tool would (it costs CPU, like mariadb-dump). Each round, alternating the order: the producer alone
// into /dev/null, `cairn backup --stdin-from-command -- producer` into a fresh repository, the same again (nothing new:
// dedup), and for Cairn's own cost without a producer's: `cat FILE` alone, through --stdin-from-command and the file
// path (`cairn backup FILE`) on the same bytes. Prints medians of wall and CPU (user + system of the whole run, the
// producer included), the dump steps' ratios to the producer alone and the stream path's to the file path. On a loaded
// machine wall-clock is noisy; CPU is the stable figure.
import fs from 'node:fs';
import path from 'node:path';
import { median, quick, root, rounds, timed, tools, work } from './lib.mjs';

const mib = Number(process.env.BENCH_STREAM_MIB ?? (quick ? 16 : 256));
const generator = path.join(root, 'bench/dataset.mjs');
const producer = [process.execPath, generator, 'dump', '-', String(mib)];
const file = path.join(work, `dump-${mib}.sql`);
if (!fs.existsSync(file)) timed(['bash', '-c', `"$@" > ${file}.tmp && mv ${file}.tmp ${file}`, 'sh', ...producer]);
const repo = path.join(work, 'repo-stream');
const quoted = (argv) => argv.map((a) => `'${a}'`).join(' ');

function cairnBackup(...args) {
  const r = timed(tools.cairn(repo, '--json', 'backup', ...args));
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1));
  return { ...r, added: summary.data_added_packed };
}

function fresh() {
  fs.rmSync(repo, { recursive: true, force: true });
  timed(tools.cairn(repo, 'init'));
}

const steps = {
  'producer > /dev/null': () => timed(['bash', '-c', `${quoted(producer)} > /dev/null`]),
  'cairn, producer': () => (fresh(), cairnBackup('--stdin-from-command', '--', ...producer)),
  'cairn again (dedup)': () => cairnBackup('--stdin-from-command', '--', ...producer),
  'cat > /dev/null': () => timed(['bash', '-c', `cat '${file}' > /dev/null`]),
  'cairn, cat': () => (fresh(), cairnBackup('--stdin-from-command', '--', 'cat', file)),
  'cairn FILE': () => (fresh(), cairnBackup(file)),
};

const samples = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
for (let i = 0; i < rounds; i++) {
  const order = i % 2 ? Object.keys(steps).reverse() : Object.keys(steps);
  // 'cairn again' needs the repository 'cairn, producer' just wrote: run that pair together, in order.
  for (const name of order.filter((n) => n !== 'cairn again (dedup)')) {
    samples[name].push(steps[name]());
    if (name === 'cairn, producer') samples['cairn again (dedup)'].push(steps['cairn again (dedup)']());
  }
}
fs.rmSync(repo, { recursive: true, force: true });

// The dump steps against the producer alone; Cairn's stream path against its file path on the same bytes.
const refs = { 'cairn, producer': 'producer > /dev/null', 'cairn again (dedup)': 'producer > /dev/null', 'cairn, cat': 'cairn FILE' };
console.log(`\nstream: a ${mib} MiB SQL dump, medians of ${rounds} rounds (wall and CPU in seconds; CPU = user + system)`);
console.log('| step | wall | CPU | wall ratio | CPU ratio | added to the repository |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name, runs] of Object.entries(samples)) {
  const wall = median(runs.map((r) => r.secs));
  const cpu = median(runs.map((r) => r.cpuSecs));
  const ref = refs[name];
  const ratio = (x, key) => (ref === undefined ? '' : `${(x / median(samples[ref].map((r) => r[key]))).toFixed(2)} (to ${ref})`);
  const added = runs[0].added === undefined ? '' : `${(median(runs.map((r) => r.added)) / 2 ** 20).toFixed(1)} MiB`;
  console.log(`| ${name} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} | ${ratio(wall, 'secs')} | ${ratio(cpu, 'cpuSecs')} | ${added} |`);
}
