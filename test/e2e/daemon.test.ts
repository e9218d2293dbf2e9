// `cairn serve` end to end: a per-second cron backing up to a local repository, copying to a second local one and
// to s3rver, with retention; no overlapping runs; the API, metrics, SSE and tokens; SIGHUP with a bad config;
// a second daemon refused; SIGTERM mid-run leaving repositories restic check accepts.
import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairn, randomData, restic, Sandbox } from '../harness/cli.js';
import type { Served } from '../harness/daemon.js';
import { serveDaemon, until } from '../harness/daemon.js';
import type { S3rver } from '../harness/s3rver.js';
import { startS3rver } from '../harness/s3rver.js';

const TOKEN = 'e2e-token-0123456789abcdef';

async function api(
  url: string,
  opts: { method?: string; token?: string | null } = {},
): Promise<{ status: number; body: unknown; text: string }> {
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`;
  const res = await fetch(url, { method: opts.method ?? 'GET', headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** The first SSE event of this type. */
function firstEvent(url: string, type: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = new RegExp(`event: ${type}\\ndata: (.*)\\n`).exec(buf);
        if (m) {
          req.destroy();
          resolve(m[1]!);
        }
      });
    });
    req.on('error', reject);
    setTimeout(() => reject(new Error(`no ${type} event`)), 40_000);
  });
}

type Run = { id: number; outcome: string; startedAt: string; endedAt: string | null };

describe('cairn serve', () => {
  const sb = new Sandbox();
  let s3: S3rver;
  let cfg: string;
  let served: Served;
  const env = (): Record<string, string> => ({ ...s3.env, CAIRN_TEST_PW: 'pw-local' });

  beforeAll(async () => {
    s3 = await startS3rver();
    for (let i = 0; i < 4; i++) sb.write(`src/file-${i}.bin`, randomData(400_000, i));
    sb.write('pw2', 'pw-second\n', 0o600);
    cfg = sb.write(
      'cairn.yaml',
      `data_dir: ./data
server: { listen: "127.0.0.1:0", tokens: ["${TOKEN}"] }
repositories:
  local: { url: ${sb.path('r1')}, password: "\${CAIRN_TEST_PW}", create: true }
  second: { url: ${sb.path('r2')}, password_file: pw2, create: true }
  offsite: { url: "s3:${s3.endpoint}/daemon-bucket/repo", password_command: "echo pw-s3", create: true }
jobs:
  files:
    sources: [${sb.path('src')}]
    schedule: { cron: "* * * * * *" }
    repositories:
      - name: local
        retention: { keep_last: 2 }
      - name: second
        retention: { keep_last: 1 }
      - offsite
`,
    );
    served = await serveDaemon(sb, cfg, env());
  });

  afterAll(async () => {
    served?.child.kill('SIGKILL');
    await s3?.stop();
    sb.cleanup();
  });

  it('runs the job every second without overlap, copies to every repository, applies retention', async () => {
    const runs = await until(
      'two successful runs',
      async () => {
        const r = (await api(`${served.url}/api/v1/jobs/files/runs?limit=200`)).body as Run[];
        return r.filter((x) => x.outcome === 'succeeded').length >= 2 ? r : undefined;
      },
      90_000,
    );
    const done = runs
      .filter((r) => r.outcome !== 'skipped' && r.endedAt !== null)
      .sort((a, b) => a.id - b.id);
    for (let i = 1; i < done.length; i++)
      expect(Date.parse(done[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(done[i - 1]!.endedAt!));
    // A run takes longer than a second: the runs due meanwhile were skipped and recorded.
    expect(runs.some((r) => r.outcome === 'skipped')).toBe(true);
    const ok = runs.find((r) => r.outcome === 'succeeded')!;
    const detail = (await api(`${served.url}/api/v1/runs/${ok.id}`)).body as {
      steps: { kind: string; repository: string; outcome: string }[];
      log: unknown[];
    };
    // Prune steps appear only when forget removed something.
    expect(
      detail.steps.filter((s) => s.kind !== 'prune').map((s) => `${s.kind} ${s.repository} ${s.outcome}`),
    ).toEqual([
      'forget local succeeded',
      'copy second succeeded',
      'forget second succeeded',
      'copy offsite succeeded',
    ]);
    expect(detail.steps.filter((s) => s.kind === 'copy').map((s) => s.repository)).toEqual([
      'second',
      'offsite',
    ]);
    expect(detail.log.length).toBeGreaterThan(3);
  }, 120_000);

  it('answers the API, metrics and SSE only with a valid token', async () => {
    expect((await api(`${served.url}/healthz`, { token: null })).status).toBe(200);
    // The page (the dashboard when built, else a small one) needs no token; what it shows comes from the API.
    const page = await fetch(`${served.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await api(`${served.url}/api/v1/jobs`, { token: null })).status).toBe(401);
    expect((await api(`${served.url}/metrics`, { token: 'wrong-token-0123456789abcdef' })).status).toBe(401);
    const jobs = (await api(`${served.url}/api/v1/jobs`)).body as {
      name: string;
      repositories: string[];
      lastSuccessAt: string;
    }[];
    expect(jobs).toMatchObject([{ name: 'files', repositories: ['local', 'second', 'offsite'] }]);
    expect(jobs[0]!.lastSuccessAt).not.toBeNull();
    const metrics = (await api(`${served.url}/metrics`)).text;
    expect(metrics).toMatch(/^cairn_job_last_success_timestamp_seconds\{job="files"\} \d{10}/m);
    expect(metrics).toMatch(/^cairn_job_last_files\{job="files"\} 4$/m);
    expect(metrics).toMatch(/^cairn_repository_snapshots\{repository="local"\} [12]$/m);
    const shown = (await api(`${served.url}/api/v1/config`)).text;
    expect(shown).toContain('"password":"***"');
    expect(shown).not.toContain('pw-local');
    expect(shown).not.toContain(TOKEN);
    const snaps = (await api(`${served.url}/api/v1/repositories/second/snapshots`)).body as {
      tags: string[];
    }[];
    expect(snaps.length).toBeGreaterThanOrEqual(1);
    expect(snaps[0]!.tags).toContain('cairn-job:files');
    expect((await api(`${served.url}/api/v1/repositories/nope/snapshots`)).status).toBe(404);
    const event = JSON.parse(await firstEvent(served.url, 'run-succeeded')) as {
      job: string;
      snapshotIds: string[];
    };
    expect(event.job).toBe('files');
    expect(event.snapshotIds).toHaveLength(1);
  }, 60_000);

  it('cancels a running run through the API', async () => {
    const run = await until('a running run', async () => {
      const r = (await api(`${served.url}/api/v1/jobs/files/runs?limit=5`)).body as Run[];
      return r.find((x) => x.outcome === 'running');
    });
    const res = await api(`${served.url}/api/v1/runs/${run.id}/cancel`, { method: 'POST' });
    if (res.status === 409) return; // it finished in between
    expect(res.status).toBe(202);
    const ended = await until('the cancelled run', async () => {
      const r = (await api(`${served.url}/api/v1/runs/${run.id}`)).body as Run;
      return r.outcome === 'running' ? undefined : r;
    });
    expect(['cancelled', 'succeeded']).toContain(ended.outcome);
  });

  it('refuses a second daemon on the same data directory', async () => {
    const r = await cairn(sb, ['serve', '--config', cfg], { env: env() });
    expect(r.code).toBe(11);
    expect(r.stderr).toMatch(
      /^cairn: Another cairn serve \(pid \d+\) already uses the data directory .*data\.$/m,
    );
  });

  it('keeps the old config when SIGHUP finds a bad one, and takes a good one', async () => {
    const good = fs.readFileSync(cfg, 'utf8');
    fs.writeFileSync(cfg, `${good}    retension: 3\n`);
    served.child.kill('SIGHUP');
    await until(
      'the refusal',
      async () => (/config was not reloaded[^\n]*retension/s.test(served.output()) ? true : undefined),
      10_000,
    );
    expect((await api(`${served.url}/healthz`)).status).toBe(200);
    fs.writeFileSync(
      cfg,
      good.replace(
        'jobs:\n',
        `jobs:\n  extra:\n    sources: [${sb.path('src')}]\n    schedule: { every: 24h }\n    repositories: [local]\n`,
      ),
    );
    served.child.kill('SIGHUP');
    const names = await until(
      'the new job',
      async () => {
        const jobs = (await api(`${served.url}/api/v1/jobs`)).body as { name: string }[];
        return jobs.length === 2 ? jobs.map((j) => j.name) : undefined;
      },
      10_000,
    );
    expect(names).toEqual(['extra', 'files']);
  });

  it('stops within seconds on SIGTERM mid-run, leaving repositories restic check accepts', async () => {
    await until('a running backup', async () => {
      const r = (await api(`${served.url}/api/v1/jobs/files/runs?limit=3`)).body as Run[];
      return r.some((x) => x.outcome === 'running') ? true : undefined;
    });
    const t0 = Date.now();
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    for (const [repo, pw] of [
      [sb.path('r1'), 'pw-local'],
      [sb.path('r2'), 'pw-second'],
    ] as const) {
      const check = await restic(sb, ['-r', repo, 'check'], { env: { RESTIC_PASSWORD: pw } });
      expect(check.stderr + check.stdout).toContain('no errors were found');
      expect(check.code).toBe(0);
    }
    // One run in the foreground finishes the interrupted work: retention leaves exactly what the policies keep.
    const run = await cairn(sb, ['run', 'files', '--config', cfg], { env: env() });
    expect(run.stdout).toMatch(/^run \d+ of job files: succeeded$/m);
    const count = async (repo: string, pw: string): Promise<number> =>
      (
        JSON.parse(
          (await restic(sb, ['-r', repo, 'snapshots', '--json'], { env: { RESTIC_PASSWORD: pw } })).stdout,
        ) as unknown[]
      ).length;
    expect(await count(sb.path('r1'), 'pw-local')).toBe(2);
    expect(await count(sb.path('r2'), 'pw-second')).toBe(1);
    const status = await cairn(sb, ['status', '--config', cfg], { env: env() });
    expect(status.stdout).toMatch(/^files +succeeded +\S+ \S+ +\S+ \S+ +\S+ \S+/m);
  }, 60_000);
});
