// `npm run bench`: Cairn side by side with restic on deterministic data sets (bench/dataset.mjs), alternating
// A B A B, under GNU time: wall time, CPU time (user + sys), peak RSS, the repository's size after each backup, and
// the ratios Cairn/restic. Parts, in order:
//   local        on local disk, per set: the app set (~1.5 GiB, ~30,000 files): initial backup, no-change backup,
//                backup after a ~5% change, full restore, partial restore of one folder; then the machine's limits
//                on it (bench/limits.mjs: reading it, hashing + compressing it on all cores) and each tool's initial
//                backup as a share of them. 200,000 tiny files (0–2 KiB, 200 folders) and one 4 GiB file: initial
//                backup, no-change backup, full restore.
//   maintenance  forget + prune after ten snapshots, and check --read-data (bench/maintenance.mjs)
//   remote       both tools through one REST server; Cairn on s3rver against Cairn on local disk (bench/remote.mjs)
//   serve        serve-repo's peak RSS and upload throughput under N concurrent uploads (bench/serve.mjs)
//   stream       a dump streamed into the repository against the dump tool alone (bench/stream.mjs)
// Needs restic and GNU time (apt packages `restic`, `time`).
//   BENCH_QUICK=1 (`npm run bench:quick`): a 1% app set, 2,000 tiny files, a 64 MiB file, one round, and the other
//   parts at small sizes: checks that every step runs in a minute or two; its figures mean little
//   BENCH_ROUNDS=2 (pairs; quick: 1)  BENCH_DIR=/tmp/cairn-bench  BENCH_SETS=app,tiny,big (the local part's sets)
//   BENCH_ONLY=local,maintenance,remote,serve,stream (some parts)  BENCH_APP_SCALE=1  BENCH_TINY_FILES=200000
//   BENCH_BIG_MIB=4096 (see bench/maintenance.mjs, serve.mjs and stream.mjs for their settings)
import fs from 'node:fs';
import path from 'node:path';
import {
  freshCopy,
  mutate,
  printRound,
  printTable,
  requireTools,
  rounds,
  sizeMiB,
  timed,
  tools,
  work,
} from './lib.mjs';
import { machineLimits, printLimits } from './limits.mjs';

// The partial restore's folder in the app set: one year of uploads.
const FOLDER = 'uploads/2021';

/** The number of files under a folder, recursively. */
function countFiles(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
}

/** The machine's limits on a fresh copy of the app set: the same bytes, as warm, as the backups read. */
function limitsOnce() {
  const data = path.join(work, 'data');
  freshCopy('app', data);
  const limits = machineLimits(data);
  fs.rmSync(data, { recursive: true, force: true });
  return limits;
}

function runOnce(name, kind) {
  const data = path.join(work, 'data');
  const repo = path.join(work, `repo-${name}`);
  const target = path.join(work, 'restore');
  for (const p of [repo, target]) fs.rmSync(p, { recursive: true, force: true });
  freshCopy(kind, data);
  timed(tools[name](repo, 'init'));
  const result = {};
  const backup = (step) => {
    result[step] = { ...timed(tools[name](repo, 'backup', data)), repoMiB: sizeMiB(repo) };
  };
  backup('initial');
  backup('nochange');
  if (kind === 'app') {
    mutate(data);
    backup('changed');
  }
  result['full restore'] = timed(tools[name](repo, 'restore', 'latest', '--target', target));
  if (kind === 'app') {
    fs.rmSync(target, { recursive: true, force: true });
    const folder = path.join(data, FOLDER);
    result['partial restore'] = timed(
      tools[name](repo, 'restore', 'latest', '--target', target, '--include', folder),
    );
    // A filter that matched nothing would time an empty restore.
    const [want, got] = [countFiles(folder), countFiles(target)];
    if (got !== want)
      throw new Error(`${name}'s partial restore wrote ${got} files, not the ${want} of ${folder}`);
  }
  for (const p of [data, repo, target]) fs.rmSync(p, { recursive: true, force: true });
  return result;
}

const PARTS = ['local', 'maintenance', 'remote', 'serve', 'stream'];
const SETS = ['app', 'tiny', 'big'];
const parts = (process.env.BENCH_ONLY ?? PARTS.join(',')).split(',');
const sets = (process.env.BENCH_SETS ?? SETS.join(',')).split(',');
for (const [name, list, all] of [
  ['BENCH_ONLY', parts, PARTS],
  ['BENCH_SETS', sets, SETS],
]) {
  const wrong = list.find((x) => !all.includes(x));
  if (wrong !== undefined) {
    console.error(`bench: ${name} takes a comma-separated list of ${all.join(', ')}, not "${wrong}".`);
    process.exit(2);
  }
}
requireTools();
if (parts.includes('local')) {
  for (const kind of sets) {
    const samples = { cairn: [], restic: [] };
    const limits = [];
    for (let i = 0; i < rounds; i++) {
      if (kind === 'app') limits.push(limitsOnce());
      for (const name of i % 2 ? ['restic', 'cairn'] : ['cairn', 'restic']) {
        const r = runOnce(name, kind);
        samples[name].push(r);
        printRound(`${kind} round ${i + 1} ${name}`, r);
      }
    }
    printTable(`${kind} dataset on local disk`, ['cairn', 'restic'], samples);
    if (kind === 'app') printLimits(limits, samples);
  }
}
if (parts.includes('maintenance')) await import('./maintenance.mjs');
if (parts.includes('remote')) await import('./remote.mjs');
if (parts.includes('serve')) await import('./serve.mjs');
if (parts.includes('stream')) await import('./stream.mjs');
