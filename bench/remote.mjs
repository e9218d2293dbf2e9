// Remote part of `npm run bench` (alone: BENCH_ONLY=remote). On loopback:
//  1. Cairn and restic as clients of one REST server (`cairn serve-repo --no-auth`), alternating: backup, restore.
//  2. Cairn on s3rver against Cairn on local disk, alternating: backup, restore (restic cannot use s3rver).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { cairnBin, freshCopy, password, printRound, printTable, requireTools, root, rounds, timed, work } from './lib.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a server process and waits until `url` answers (any HTTP status). */
async function startServer(argv, url) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const up = await new Promise((resolve) => {
      http.get(url, (res) => resolve(res.resume() && true)).on('error', () => resolve(false));
    });
    if (up) return child;
    await sleep(200);
  }
  child.kill();
  throw new Error(`${argv.join(' ')} did not answer on ${url} within 20 s`);
}

function stop(child) {
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

const s3env = { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
const cairn = (repo, ...args) => [process.execPath, cairnBin, '-r', repo, '-p', password, '-q', ...args];
const restic = (repo, ...args) => ['restic', '--no-cache', '-r', repo, '-p', password, '-q', ...args];

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * init, backup of the dataset, full restore; the repository is made fresh by `reset`. With `server`, each step also
 * records the CPU seconds that server process spent: on a small machine it competes with the client for the cores.
 */
function backupRestore(tool, repo, env, reset, server) {
  const data = path.join(work, 'data');
  const target = path.join(work, 'restore');
  fs.rmSync(target, { recursive: true, force: true });
  reset();
  timed(tool(repo, 'init'), env);
  const step = (argv) => {
    const before = server ? cpuSeconds(server.pid) : 0;
    const r = timed(argv, env);
    if (server) r.serverCpu = cpuSeconds(server.pid) - before;
    return r;
  };
  const result = {
    backup: step(tool(repo, 'backup', data)),
    restore: step(tool(repo, 'restore', 'latest', '--target', target)),
  };
  fs.rmSync(target, { recursive: true, force: true });
  return result;
}

requireTools();
freshCopy('app', path.join(work, 'data'));

// 1. One REST server, both tools as clients.
const restRoot = path.join(work, 'rest-root');
fs.rmSync(restRoot, { recursive: true, force: true });
const restPort = await freePort();
const rest = await startServer(
  [process.execPath, cairnBin, 'serve-repo', '--no-auth', '--path', restRoot, '--listen', `127.0.0.1:${restPort}`],
  `http://127.0.0.1:${restPort}/`,
);
try {
  const samples = { cairn: [], restic: [] };
  for (let i = 0; i < rounds; i++) {
    for (const name of i % 2 ? ['restic', 'cairn'] : ['cairn', 'restic']) {
      const repoDir = path.join(restRoot, name);
      const url = `rest:http://127.0.0.1:${restPort}/${name}/`;
      const r = backupRestore(
        name === 'cairn' ? cairn : restic,
        url,
        process.env,
        () => fs.rmSync(repoDir, { recursive: true, force: true }),
        rest,
      );
      samples[name].push(r);
      printRound(`rest round ${i + 1} ${name}`, r);
    }
  }
  printTable('app dataset through `cairn serve-repo` (REST)', ['cairn', 'restic'], samples);
} finally {
  await stop(rest);
  fs.rmSync(restRoot, { recursive: true, force: true });
}

// 2. Cairn on s3rver against Cairn on local disk.
const s3dir = path.join(work, 's3rver');
const s3port = await freePort();
const s3rver = await startServer(
  [
    process.execPath,
    '--openssl-legacy-provider',
    path.join(root, 'node_modules/s3rver/bin/s3rver.js'),
    ...['-d', s3dir, '-a', '127.0.0.1', '-p', String(s3port), '--silent'],
  ],
  `http://127.0.0.1:${s3port}/`,
);
try {
  const samples = { s3: [], local: [] };
  const localRepo = path.join(work, 'repo-local');
  for (let i = 0; i < rounds; i++) {
    for (const name of i % 2 ? ['local', 's3'] : ['s3', 'local']) {
      const bucket = `bench-${i}`;
      const r =
        name === 's3'
          ? backupRestore(
              cairn,
              `s3:http://127.0.0.1:${s3port}/${bucket}/repo`,
              s3env,
              () => fs.rmSync(path.join(s3dir, bucket), { recursive: true, force: true }),
              s3rver,
            )
          : backupRestore(cairn, localRepo, process.env, () => fs.rmSync(localRepo, { recursive: true, force: true }));
      samples[name].push(r);
      printRound(`s3 round ${i + 1} cairn on ${name}`, r);
    }
  }
  printTable('app dataset, Cairn on s3rver against Cairn on local disk', ['s3', 'local'], samples);
  fs.rmSync(localRepo, { recursive: true, force: true });
} finally {
  await stop(s3rver);
  fs.rmSync(s3dir, { recursive: true, force: true });
  fs.rmSync(path.join(work, 'data'), { recursive: true, force: true });
}
