// `npm run bench`: Cairn side by side with restic on the deterministic app-data set, alternating A B A B.
// Local disk: initial backup, no-change backup, backup after ~5% change and full restore. Then maintenance
// (bench/maintenance.mjs): forget + prune after ten snapshots, and check --read-data. Then the remote part
// (bench/remote.mjs): both tools through one REST server, and Cairn on s3rver against Cairn on local disk. Last
// (bench/serve.mjs): serve-repo's peak RSS and upload throughput under N concurrent 64 MiB uploads. Then a dump
// streamed into the repository against the dump tool alone (bench/stream.mjs).
// Prints medians, the ratios and peak RSS. Needs restic and GNU time (apt packages `restic`, `time`).
//   BENCH_ROUNDS=2 (pairs)  BENCH_DIR=/tmp/cairn-bench  BENCH_TINY=1 (also 200,000 tiny files)
//   BENCH_ONLY=local|maintenance|remote|serve|stream (one part; see bench/maintenance.mjs, serve.mjs and stream.mjs for
//   their settings)
import fs from 'node:fs';
import path from 'node:path';
import { freshCopy, mutate, printRound, printTable, requireTools, rounds, timed, tools, work } from './lib.mjs';

function runOnce(name, kind) {
  const data = path.join(work, 'data');
  const repo = path.join(work, `repo-${name}`);
  const target = path.join(work, 'restore');
  for (const p of [repo, target]) fs.rmSync(p, { recursive: true, force: true });
  freshCopy(kind, data);
  timed(tools[name](repo, 'init'));
  const result = {};
  result.initial = timed(tools[name](repo, 'backup', data));
  result.nochange = timed(tools[name](repo, 'backup', data));
  if (kind === 'app') {
    mutate(data);
    result.changed = timed(tools[name](repo, 'backup', data));
    result.restore = timed(tools[name](repo, 'restore', 'latest', '--target', target));
  }
  for (const p of [data, repo, target]) fs.rmSync(p, { recursive: true, force: true });
  return result;
}

requireTools();
const only = process.env.BENCH_ONLY;
if (only !== undefined && !['local', 'maintenance', 'remote', 'serve', 'stream'].includes(only)) {
  console.error(`bench: BENCH_ONLY must be local, maintenance, remote, serve or stream, not "${only}".`);
  process.exit(2);
}
if (only === undefined || only === 'local') {
  const kinds = process.env.BENCH_TINY ? ['app', 'tiny'] : ['app'];
  for (const kind of kinds) {
    const samples = { cairn: [], restic: [] };
    for (let i = 0; i < rounds; i++) {
      for (const name of i % 2 ? ['restic', 'cairn'] : ['cairn', 'restic']) {
        const r = runOnce(name, kind);
        samples[name].push(r);
        printRound(`${kind} round ${i + 1} ${name}`, r);
      }
    }
    printTable(`${kind} dataset on local disk`, ['cairn', 'restic'], samples);
  }
}
if (only === undefined || only === 'maintenance') await import('./maintenance.mjs');
if (only === undefined || only === 'remote') await import('./remote.mjs');
if (only === undefined || only === 'serve') await import('./serve.mjs');
if (only === undefined || only === 'stream') await import('./stream.mjs');
