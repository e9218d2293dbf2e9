// Shared pieces of the benchmarks: timing under GNU time, the deterministic datasets, medians and the result table.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');
const generator = path.join(root, 'bench/dataset.mjs');
/** BENCH_QUICK=1: small sets and one round, to see that every step runs (its figures mean little). */
export const quick = process.env.BENCH_QUICK === '1';
export const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 2));
/** The size of each set: the app tree's scale, the number of tiny files, the big file's MiB. */
export const sizes = {
  app: Number(process.env.BENCH_APP_SCALE ?? (quick ? 0.01 : 1)),
  tiny: Number(process.env.BENCH_TINY_FILES ?? (quick ? 2000 : 200000)),
  big: Number(process.env.BENCH_BIG_MIB ?? (quick ? 64 : 4096)),
};
const generatorEnv = { ...process.env, DATASET_SCALE: String(sizes.app) };
export const work = process.env.BENCH_DIR ?? '/tmp/cairn-bench';
export const password = path.join(work, 'password');
export const cairnBin = path.join(root, 'bin/cairn.js');

export function requireTools() {
  for (const tool of ['restic', '/usr/bin/time']) {
    if (spawnSync('which', [tool]).status !== 0) {
      console.error(`bench: ${tool} is missing (apt-get install restic time).`);
      process.exit(1);
    }
  }
  fs.mkdirSync(work, { recursive: true });
  fs.writeFileSync(password, 'bench-password\n');
}

/**
 * Runs a command under GNU time; returns seconds, CPU seconds (user + system, its children included), peak RSS in
 * MiB and its standard output. Dirty pages of earlier steps (dataset copies, restores) are flushed first, so that no
 * run pays for another's writeback.
 */
export function timed(argv, env = process.env) {
  spawnSync('sync');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', ...argv], { encoding: 'utf8', maxBuffer: 1 << 26, env });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [secs, kib, user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  // CPU time (user + sys) says more than wall time when other processes load the machine.
  return { secs, rssMiB: kib / 1024, cpuSecs: user + sys, stdout: r.stdout };
}

/** The pristine dataset of this kind ('app', 'tiny' or 'big') at its size, generated once and kept in the work folder. */
export function dataset(kind) {
  const dir = path.join(work, `pristine-${kind}-${sizes[kind]}`);
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(`generating the ${kind} dataset in ${dir} …`);
    const args = kind === 'app' ? ['generate', dir] : [kind, dir, String(sizes[kind])];
    execFileSync(process.execPath, [generator, ...args], { stdio: 'inherit', env: generatorEnv });
    fs.writeFileSync(path.join(dir, '.complete'), '');
  }
  return dir;
}

/** A fresh working copy of a dataset (mutations must not touch the pristine one). */
export function freshCopy(kind, to) {
  fs.rmSync(to, { recursive: true, force: true });
  execFileSync('cp', ['-a', dataset(kind), to]);
  fs.rmSync(path.join(to, '.complete'));
}

/** The `round`th ~5% change of an app tree (bench/dataset.mjs mutate DIR N). */
export function mutate(dir, round = 1) {
  execFileSync(process.execPath, [generator, 'mutate', dir, String(round)], { stdio: 'ignore', env: generatorEnv });
}

/** The apparent size of a folder in MiB (`du -sb`). */
export function sizeMiB(dir) {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]) / 2 ** 20;
}

/** The command lines of both tools, quiet, on the benchmark password. */
export const tools = {
  cairn: (repo, ...args) => [process.execPath, cairnBin, '-r', repo, '-p', password, '-q', ...args],
  restic: (repo, ...args) => ['restic', '--no-cache', '-r', repo, '-p', password, '-q', ...args],
};

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Prints one line per round as it finishes. */
export function printRound(label, result) {
  const line = Object.entries(result).map(([k, v]) => {
    const server = v.serverCpu === undefined ? '' : ` (server CPU ${v.serverCpu.toFixed(1)}s)`;
    return `${k} ${v.secs.toFixed(2)}s/${v.cpuSecs.toFixed(2)}s CPU/${v.rssMiB.toFixed(0)}MiB${server}`;
  });
  console.log(`${label}: ${line.join(', ')}`);
}

/**
 * Medians of `a` and `b` per step, their ratio a/b, and the peak RSS of each; with `repoMiB` in the results (backup
 * steps), also the repository's size after the step.
 */
export function printTable(title, names, samples) {
  const [a, b] = names;
  const steps = Object.keys(samples[a][0]);
  const withRepo = steps.some((step) => samples[a][0][step].repoMiB !== undefined);
  const units = withRepo ? 'peak RSS and repository in MiB' : 'peak RSS in MiB';
  console.log(`\n${title}, medians of ${samples[a].length} alternating runs (seconds; CPU = user + sys; ${units}):`);
  const cols = ['step'.padEnd(18), a, b, 'ratio', `CPU ${a}`, `CPU ${b}`, 'CPU ratio', `RSS ${a}`, `RSS ${b}`, 'RSS ratio'];
  if (withRepo) cols.push(`repo ${a}`, `repo ${b}`, 'repo ratio');
  console.log(cols.map((c, i) => (i ? c.padStart(12) : c)).join(''));
  for (const step of steps) {
    const x = median(samples[a].map((s) => s[step].secs));
    const y = median(samples[b].map((s) => s[step].secs));
    const xm = Math.max(...samples[a].map((s) => s[step].rssMiB));
    const ym = Math.max(...samples[b].map((s) => s[step].rssMiB));
    const xc = median(samples[a].map((s) => s[step].cpuSecs));
    const yc = median(samples[b].map((s) => s[step].cpuSecs));
    const row = [x, y, x / y, xc, yc, xc / yc].map((v) => v.toFixed(2));
    row.push(xm.toFixed(0), ym.toFixed(0), (xm / ym).toFixed(2));
    if (withRepo && samples[a][0][step].repoMiB === undefined) row.push('-', '-', '-');
    else if (withRepo) {
      const xr = median(samples[a].map((s) => s[step].repoMiB));
      const yr = median(samples[b].map((s) => s[step].repoMiB));
      row.push(xr.toFixed(1), yr.toFixed(1), (xr / yr).toFixed(2));
    }
    console.log(step.padEnd(18) + row.map((v) => v.padStart(12)).join(''));
  }
}
