// A job with `nice`, `io_priority: idle` and `limit_upload` runs as a child `cairn run` under nice and ionice: its
// hooks inherit the priorities, its upload is throttled, and under `cairn serve` an on_change job's run started by a
// change is recorded and reported by the daemon like any other.
import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairn, randomData, restic, Sandbox } from '../harness/cli.js';
import type { Served } from '../harness/daemon.js';
import { serveDaemon, until } from '../harness/daemon.js';

const TOKEN = 'e2e-token-0123456789abcdef';
type Run = {
  id: number;
  outcome: string;
  trigger: string;
  durationSeconds: number | null;
  error: string | null;
};

describe('low-priority and on-change jobs', () => {
  const sb = new Sandbox();
  let cfg: string;

  beforeAll(() => {
    sb.write('src/data.bin', randomData(600_000, 1));
    cfg = sb.write(
      'cairn.yaml',
      `data_dir: ./data
server: { listen: "127.0.0.1:0", tokens: ["${TOKEN}"] }
repositories:
  local: { url: ${sb.path('repo')}, password: pw, create: true }
jobs:
  low:
    sources: [${sb.path('src')}]
    schedule: { on_change: { quiet: 1s } }
    repositories: [local]
    nice: true
    io_priority: idle
    limit_upload: 100
    hooks:
      before: ["ps -o ni= -p $$ > ${sb.path('nice.txt')}; ionice -p $$ > ${sb.path('ionice.txt')}"]
`,
    );
  });
  afterAll(() => sb.cleanup());

  it('cairn run: the job runs at nice 19 and idle I/O, its upload throttled', async () => {
    const r = await cairn(sb, ['run', 'low', '--config', cfg, '--json']);
    expect(r.stderr).not.toMatch(/error|Error/);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as Run;
    expect(run).toMatchObject({ outcome: 'succeeded', trigger: 'manual' });
    expect(fs.readFileSync(sb.path('nice.txt'), 'utf8').trim()).toBe('19');
    expect(fs.readFileSync(sb.path('ionice.txt'), 'utf8').trim()).toBe('idle');
    // 600 kB of random data at 100 KiB/s: about six seconds of uploads (unthrottled, the whole run takes 2-3 s).
    expect(run.durationSeconds).toBeGreaterThan(5);
    const snaps = await restic(sb, ['-r', sb.path('repo'), 'snapshots', '--json'], {
      env: { RESTIC_PASSWORD: 'pw' },
    });
    expect(JSON.parse(snaps.stdout)).toHaveLength(1);
  });

  describe('cairn serve', () => {
    let served: Served;
    beforeAll(async () => {
      served = await serveDaemon(sb, cfg, {});
    });
    afterAll(() => served?.child.kill('SIGKILL'));

    it('a change starts the low-priority run after the quiet period; the daemon records and reports it', async () => {
      const runs = async (): Promise<Run[]> => {
        const res = await fetch(`${served.url}/api/v1/jobs/low/runs`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        return (await res.json()) as Run[];
      };
      await new Promise((r) => setTimeout(r, 500));
      expect(await runs()).toHaveLength(1);
      // The child's events reach the daemon's subscribers (SSE here, notifications alike).
      let req: http.ClientRequest | undefined;
      const succeeded = new Promise<string>((resolve, reject) => {
        req = http.get(
          `${served.url}/api/v1/events`,
          { headers: { authorization: `Bearer ${TOKEN}` } },
          (res) => {
            let buf = '';
            res.on('data', (d: Buffer) => {
              buf += d.toString();
              const m = /event: run-succeeded\ndata: (.*)\n/.exec(buf);
              if (m) resolve(m[1]!);
            });
          },
        );
        req.on('error', reject);
      });
      await new Promise((r) => setTimeout(r, 300));
      fs.writeFileSync(sb.path('src/new.txt'), 'changed');
      const run = await until('the run after the change', async () =>
        (await runs()).find((x) => x.trigger === 'schedule' && x.outcome !== 'running'),
      );
      expect(run).toMatchObject({ outcome: 'succeeded', error: null });
      expect(JSON.parse(await succeeded)).toMatchObject({ job: 'low', runId: run.id });
      req?.destroy();
    });

    it('a child that cannot start its run is recorded as a failed run with its reason', async () => {
      // The child reads the config file from disk: a broken edit not yet reloaded fails the child, not the daemon.
      const good = fs.readFileSync(cfg, 'utf8');
      fs.writeFileSync(cfg, good.replace('io_priority: idle', 'io_priority: sometimes'));
      fs.writeFileSync(sb.path('src/new.txt'), 'changed again');
      const res = await fetch(`${served.url}/api/v1/jobs/low/runs`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const before = ((await res.json()) as Run[]).length;
      const failed = await until('the failed run', async () => {
        const r = await fetch(`${served.url}/api/v1/jobs/low/runs`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const runs = (await r.json()) as Run[];
        return runs.length > before ? runs.find((x) => x.outcome === 'failed') : undefined;
      });
      expect(failed.error).toMatch(
        /low-priority process exited with 1 before its run started: .*io_priority/,
      );
      // …and reported like any failed run (the child ended before it could log events of its own).
      await until('the run-failed event', async () =>
        /event run-failed/.test(served.output()) ? true : undefined,
      );
      fs.writeFileSync(cfg, good);
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    });
  });
});
