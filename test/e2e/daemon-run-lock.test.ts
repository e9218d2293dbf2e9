// `cairn run JOB` and `cairn serve` on one data directory: with a daemon, the daemon runs the job (asked through
// its API with the config's token) and `cairn run` follows the run's log and exits with its outcome, Ctrl-C
// cancelling it there; without one, `cairn run` holds the data directory's lock, so a daemon starting meanwhile is
// refused. Also the daemon's own log file (log.file): rotated at log.max_size, reopened on SIGHUP.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairn, ROOT, Sandbox } from '../harness/cli.js';
import type { Served } from '../harness/daemon.js';
import { serveDaemon, until } from '../harness/daemon.js';

const TOKEN = 'run-lock-token-0123456789';
const sb = new Sandbox();
let cfg: string;
const data = sb.path('data');
const log = sb.path('log/cairn.log');

beforeAll(() => {
  sb.write('pw', 'run-lock-pw\n', 0o600);
  sb.write('src/a.txt', 'a\n');
  sb.write('src/b/c.txt', 'c\n');
  cfg = sb.write(
    'cairn.yaml',
    `data_dir: ${data}
server: { listen: "127.0.0.1:0", tokens: ["${TOKEN}"] }
log: { file: ${log}, max_size: 1K, keep: 2 }
repositories:
  local: { url: ${sb.path('repo')}, password_file: pw, create: true }
jobs:
  web:
    sources: [${sb.path('src')}]
    schedule: { every: 24h }
    repositories: [local]
    drill: { schedule: { every: 720h } }
  slow:
    sources: [${sb.path('src')}]
    schedule: { every: 24h }
    repositories: [local]
    hooks: { before: ["sleep \${SLOW_SECONDS}"] }
`,
  );
});
afterAll(() => sb.cleanup());

/** `cairn run` as a child whose output the test watches while it runs. */
function startRun(job: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/cairn.js'), 'run', job, '--config', cfg], {
    cwd: sb.dir,
    env: sb.env({ SLOW_SECONDS: '30', ...env }),
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
  return { child, exited, out: () => out, err: () => err };
}

type Run = { id: number; trigger: string; outcome: string };

async function runs(url: string, job: string): Promise<Run[]> {
  const res = await fetch(`${url}/api/v1/jobs/${job}/runs`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return (await res.json()) as Run[];
}

describe('cairn run without a daemon', () => {
  it('holds the data directory: cairn serve is refused until the run has ended', async () => {
    const run = startRun('slow', { SLOW_SECONDS: '3' });
    await until('the lock', async () =>
      fs.existsSync(path.join(data, 'cairn-serve.pid')) ? true : undefined,
    );
    const serve = await cairn(sb, ['serve', '--config', cfg], { env: { SLOW_SECONDS: '1' } });
    expect(serve.code).toBe(11);
    expect(serve.stderr).toMatch(
      /^cairn: A cairn run \(pid \d+\) is running a job with the data directory .*data; try again when it has ended\.\n$/,
    );
    expect(await run.exited, run.err()).toBe(0);
    expect(run.out()).toMatch(/^run \d+ of job slow: succeeded$/m);
    expect(fs.existsSync(path.join(data, 'cairn-serve.pid'))).toBe(false);
  }, 30_000);
});

describe('cairn run with cairn serve on the data directory', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serveDaemon(sb, cfg, { SLOW_SECONDS: '30' });
  });
  afterAll(async () => {
    if (served.child.exitCode === null) {
      served.child.kill('SIGTERM');
      await served.exited;
    }
  });

  it('asks the daemon to run the job, follows its log and exits with its outcome', async () => {
    const r = await cairn(sb, ['run', 'web', '--config', cfg], { env: { SLOW_SECONDS: '30' } });
    expect(r.code, r.stderr).toBe(0);
    const m = /^run (\d+) of job web: succeeded$/m.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(r.stderr).toMatch(
      new RegExp(
        `^cairn serve \\(pid ${served.child.pid}\\) runs the backup of job web as run ${m![1]}; following its log$`,
        'm',
      ),
    );
    expect(r.stderr).toMatch(/ INFO snapshot [0-9a-f]+ saved: \d+ new, \d+ changed files/);
    // The daemon ran it (trigger api), not this process beside it.
    const mine = (await runs(served.url, 'web')).find((x) => x.id === Number(m![1]));
    expect(mine).toMatchObject({ trigger: 'api', outcome: 'succeeded' });
    // The drill is the daemon's to run too.
    const drill = await cairn(sb, ['run', 'web', '--drill', '--config', cfg], {
      env: { SLOW_SECONDS: '30' },
    });
    expect(drill.code, drill.stderr).toBe(0);
    expect(drill.stderr).toMatch(/runs the drill of job web as run \d+; following its log$/m);
    const d = /^run (\d+) of job web: succeeded$/m.exec(drill.stdout);
    expect(d, drill.stdout).not.toBeNull();
    const drillRun = (await runs(served.url, 'web')).find((x) => x.id === Number(d![1]));
    expect(drillRun).toMatchObject({ kind: 'drill', trigger: 'api', outcome: 'succeeded' });
  }, 30_000);

  it("cancels the daemon's run on Ctrl-C (exit 130), and a job already running is refused (exit 11)", async () => {
    const run = startRun('slow');
    await until('the run to start', async () => (run.err().includes('following its log') ? true : undefined));
    const again = await cairn(sb, ['run', 'slow', '--config', cfg], { env: { SLOW_SECONDS: '30' } });
    expect(again.code).toBe(11);
    expect(again.stderr).toMatch(/^cairn: The job "slow" is running in cairn serve \(pid \d+\) already\.\n$/);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    const m = /^run (\d+) of job slow: cancelled/m.exec(run.out());
    expect(m, run.out()).not.toBeNull();
    const mine = (await runs(served.url, 'slow')).find((x) => x.id === Number(m![1]));
    expect(mine).toMatchObject({ trigger: 'api', outcome: 'cancelled' });
  }, 30_000);

  it('writes its log to log.file, rotated at log.max_size, and reopens it on SIGHUP', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await cairn(sb, ['run', 'web', '--config', cfg], { env: { SLOW_SECONDS: '30' } });
      expect(r.code, r.stderr).toBe(0);
    }
    expect(served.output()).not.toMatch(/"level":/); // the log goes to the file, not stderr
    const files = fs.readdirSync(path.dirname(log)).sort();
    expect(files).toEqual(['cairn.log', 'cairn.log.1', 'cairn.log.2']);
    for (const f of files) {
      expect(fs.statSync(path.join(path.dirname(log), f)).size).toBeLessThanOrEqual(1024);
      for (const line of fs
        .readFileSync(path.join(path.dirname(log), f), 'utf8')
        .trimEnd()
        .split('\n'))
        expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
    // What logrotate without copytruncate does: move the file away, then SIGHUP.
    fs.renameSync(log, `${log}.moved`);
    served.child.kill('SIGHUP');
    await until('the reload in the new file', async () =>
      fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('reloaded') ? true : undefined,
    );
  }, 30_000);
});
