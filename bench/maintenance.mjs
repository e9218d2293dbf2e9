// Maintenance, Cairn side by side with restic (alternating A B A B): ten snapshots of the app set with the ~5%
// change of `bench/dataset.mjs mutate DIR N` between them (the backups are not timed), then, timed,
// `forget --keep-last 1 --prune` (drops nine snapshots and the data only they used) and `check --read-data`.
//   BENCH_SNAPSHOTS=10 (quick: 3)  BENCH_SMALL=1 (a 16 MiB tree with a plain 5% change instead of the app set:
//   checks that the steps run, in a minute; its figures mean nothing)
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freshCopy, mutate, printRound, printTable, quick, requireTools, rounds, timed, tools, work } from './lib.mjs';

const snapshots = Number(process.env.BENCH_SNAPSHOTS ?? (quick ? 3 : 10));
const small = process.env.BENCH_SMALL === '1';
const SMALL_FILES = 400;

/** 400 incompressible files of 4–80 KiB. */
function smallTree(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < SMALL_FILES; i++) {
    const p = path.join(dir, `d${i % 20}`, `f${i}.bin`);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, randomBytes(4096 + ((i * 7919) % 77824)));
  }
}

/** Round n of a plain 5% change: rewrite 4%, add 1% new files. */
function smallChange(dir, n) {
  for (let i = n % 25; i < SMALL_FILES; i += 25) {
    const p = path.join(dir, `d${i % 20}`, `f${i}.bin`);
    fs.writeFileSync(p, randomBytes(fs.statSync(p).size));
  }
  for (let i = 0; i < SMALL_FILES / 100; i++) fs.writeFileSync(path.join(dir, `d${i}`, `new-${n}-${i}.bin`), randomBytes(16384));
}

function runOnce(name) {
  const data = path.join(work, 'data');
  const repo = path.join(work, `repo-${name}`);
  fs.rmSync(repo, { recursive: true, force: true });
  if (small) smallTree(data);
  else freshCopy('app', data);
  timed(tools[name](repo, 'init'));
  timed(tools[name](repo, 'backup', data));
  for (let n = 1; n < snapshots; n++) {
    if (small) smallChange(data, n);
    else mutate(data, n);
    timed(tools[name](repo, 'backup', data));
  }
  const result = {};
  result['forget+prune'] = timed(tools[name](repo, 'forget', '--keep-last', '1', '--prune'));
  result['check --read-data'] = timed(tools[name](repo, 'check', '--read-data'));
  for (const p of [data, repo]) fs.rmSync(p, { recursive: true, force: true });
  return result;
}

requireTools();
const samples = { cairn: [], restic: [] };
for (let i = 0; i < rounds; i++) {
  for (const name of i % 2 ? ['restic', 'cairn'] : ['cairn', 'restic']) {
    const r = runOnce(name);
    samples[name].push(r);
    printRound(`maintenance round ${i + 1} ${name}`, r);
  }
}
const what = small ? 'small tree (BENCH_SMALL: checks the steps, figures mean nothing)' : 'app dataset';
printTable(`maintenance after ${snapshots} snapshots, ${what}, on local disk`, ['cairn', 'restic'], samples);
