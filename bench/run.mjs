// `npm run bench`: Cairn side by side with restic on the deterministic app-data set, alternating A B A B.
// Times initial backup, no-change backup, backup after ~5% change and full restore; prints medians, the
// ratios Cairn/restic and peak RSS. Needs restic and GNU time (apt packages `restic`, `time`).
//   BENCH_ROUNDS=2 (pairs)   BENCH_DIR=/tmp/cairn-bench   BENCH_TINY=1 (also the 200,000 tiny files set)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const shared = path.resolve(root, '../shared/bench');
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const work = process.env.BENCH_DIR ?? '/tmp/cairn-bench';
const password = path.join(work, 'password');

for (const tool of ['restic', '/usr/bin/time']) {
  if (spawnSync('which', [tool]).status !== 0) {
    console.error(`bench: ${tool} is missing (apt-get install restic time).`);
    process.exit(1);
  }
}
if (!fs.existsSync(path.join(shared, 'dataset.mjs'))) {
  console.error(`bench: the dataset generator ${shared}/dataset.mjs is missing (shared/ must sit beside the checkout).`);
  process.exit(1);
}

const tools = {
  cairn: (repo, ...args) => [process.execPath, path.join(root, 'bin/cairn.js'), '-r', repo, '-p', password, '-q', ...args],
  restic: (repo, ...args) => ['restic', '--no-cache', '-r', repo, '-p', password, '-q', ...args],
};

/** Runs a command under GNU time; returns seconds and peak RSS in MiB. */
function timed(argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [secs, kib] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { secs, rssMiB: kib / 1024 };
}

function dataset(kind) {
  const dir = path.join(work, `pristine-${kind}`);
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(`generating the ${kind} dataset in ${dir} …`);
    const verb = kind === 'app' ? 'generate' : 'tiny';
    execFileSync(process.execPath, [path.join(shared, 'dataset.mjs'), verb, dir], { stdio: 'inherit' });
    fs.writeFileSync(path.join(dir, '.complete'), '');
  }
  return dir;
}

function runOnce(name, kind) {
  const data = path.join(work, 'data');
  const repo = path.join(work, `repo-${name}`);
  const target = path.join(work, 'restore');
  for (const p of [data, repo, target]) fs.rmSync(p, { recursive: true, force: true });
  execFileSync('cp', ['-a', dataset(kind), data]);
  fs.rmSync(path.join(data, '.complete'));
  const [cmd, ...initArgs] = tools[name](repo, 'init');
  execFileSync(cmd, initArgs, { stdio: 'ignore' });
  const result = {};
  result.initial = timed(tools[name](repo, 'backup', data));
  result.nochange = timed(tools[name](repo, 'backup', data));
  if (kind === 'app') {
    execFileSync(process.execPath, [path.join(shared, 'dataset.mjs'), 'mutate', data], { stdio: 'ignore' });
    result.changed = timed(tools[name](repo, 'backup', data));
    result.restore = timed(tools[name](repo, 'restore', 'latest', '--target', target));
  }
  for (const p of [data, repo, target]) fs.rmSync(p, { recursive: true, force: true });
  return result;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

fs.mkdirSync(work, { recursive: true });
fs.writeFileSync(password, 'bench-password\n');
const kinds = process.env.BENCH_TINY ? ['app', 'tiny'] : ['app'];
for (const kind of kinds) {
  const samples = { cairn: [], restic: [] };
  for (let i = 0; i < rounds; i++) {
    for (const name of i % 2 ? ['restic', 'cairn'] : ['cairn', 'restic']) {
      const r = runOnce(name, kind);
      samples[name].push(r);
      const line = Object.entries(r).map(([k, v]) => `${k} ${v.secs.toFixed(2)}s/${v.rssMiB.toFixed(0)}MiB`);
      console.log(`${kind} round ${i + 1} ${name}: ${line.join(', ')}`);
    }
  }
  console.log(`\n${kind} dataset, medians of ${rounds} alternating runs (seconds; peak RSS in MiB):`);
  const cols = ['step'.padEnd(10), 'cairn', 'restic', 'ratio', 'RSS cairn', 'RSS restic', 'RSS ratio'];
  console.log(cols.map((c, i) => (i ? c.padStart(11) : c)).join(''));
  for (const step of Object.keys(samples.cairn[0])) {
    const c = median(samples.cairn.map((s) => s[step].secs));
    const r = median(samples.restic.map((s) => s[step].secs));
    const cm = Math.max(...samples.cairn.map((s) => s[step].rssMiB));
    const rm = Math.max(...samples.restic.map((s) => s[step].rssMiB));
    const row = [c.toFixed(2), r.toFixed(2), (c / r).toFixed(2), cm.toFixed(0), rm.toFixed(0), (cm / rm).toFixed(2)];
    console.log(step.padEnd(10) + row.map((x) => x.padStart(11)).join(''));
  }
}
