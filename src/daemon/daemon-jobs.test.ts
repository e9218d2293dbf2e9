// The job options that change when and how a run happens, in-process with real files: on_change, window, archive.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { createLogger, Daemon } from './index.js';

let dir: string;
let d: Daemon | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-daemon-jobs-'));
  fs.mkdirSync(path.join(dir, 'src/sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src/a'), 'first');
});
afterEach(async () => {
  await d?.stop();
  d = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(job: string): Daemon {
  const file = path.join(dir, 'cairn.yaml');
  const yaml = `
repositories:
  local: { url: ${dir}/repo, password: pw, create: true }
jobs:
  j:
    sources: [${dir}/src]
    repositories: [local]
${job.replace(/^/gm, '    ')}
`;
  d = new Daemon({
    loaded: { file, config: parseConfig(yaml, file, {}) },
    dataDir: path.join(dir, 'data'),
    logger: createLogger('error', new Writable({ write: (_c, _e, cb) => cb() })),
    backupWorkers: 0,
  });
  d.open({ exclusive: true });
  d.schedule();
  return d;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const finished = (d: Daemon): string[] =>
  d.runs
    .runs('j', 50, 'backup')
    .filter((r) => r.endedAt !== null)
    .map((r) => r.outcome);

async function until(what: string, fn: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('job options', () => {
  it('on_change: a burst of changes makes one run after the quiet period, a change during a run one more', async () => {
    const daemon = start('schedule: { on_change: { quiet: 1s } }');
    await sleep(300);
    expect(finished(daemon)).toEqual([]);
    for (let i = 0; i < 5; i++) {
      fs.writeFileSync(path.join(dir, `src/sub/f${i}`), `burst ${i}`);
      await sleep(150);
    }
    await sleep(600);
    // Still within a second of the last change: nothing ran yet.
    expect(daemon.running('j')).toBeUndefined();
    expect(finished(daemon)).toEqual([]);
    await until('the first run', () => finished(daemon).length === 1);
    await sleep(1500);
    expect(finished(daemon)).toEqual(['succeeded']);
    // Runs started by changes are never recorded as skipped: a change during a run starts one more after it.
    fs.writeFileSync(path.join(dir, 'src/a'), 'second');
    await until('a run', () => daemon.running('j') !== undefined);
    fs.writeFileSync(path.join(dir, 'src/a'), 'third');
    await until('three runs', () => finished(daemon).length === 3);
    expect(finished(daemon)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('window: a due run waits for the window to open', async () => {
    const clock = (ms: number): string => {
      const t = new Date(Date.now() + ms);
      return [t.getHours(), t.getMinutes(), t.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    };
    const opens = Date.now() + 3000;
    const daemon = start(
      `schedule: { every: 1h, run_at_start: true }\nwindow: { from: "${clock(3000)}", to: "${clock(3_600_000)}" }`,
    );
    await sleep(1500);
    expect(daemon.runs.runs('j', 5, 'backup')).toEqual([]);
    await until('the run in the window', () => finished(daemon).length === 1);
    const run = daemon.runs.runs('j', 5, 'backup')[0]!;
    expect(Date.parse(run.startedAt)).toBeGreaterThanOrEqual(Math.floor(opens / 1000) * 1000);
    expect(run.trigger).toBe('start');
  });

  it('archive: each run also writes a plain archive, the newest N are kept', async () => {
    const daemon = start(
      `schedule: { every: 1h }\narchive: { to: ${dir}/archives, format: tar.gz, keep: 1 }`,
    );
    for (let i = 0; i < 2; i++) {
      await daemon.trigger('j', 'backup', 'manual');
      await daemon.idle();
      await sleep(1000);
    }
    expect(finished(daemon)).toEqual(['succeeded', 'succeeded']);
    expect(fs.readdirSync(path.join(dir, 'archives'))).toEqual([
      expect.stringMatching(/^j-\d{8}-\d{6}\.tar\.gz$/),
    ]);
    // An archive that cannot be written makes the run partial: the snapshot exists, the archive does not.
    fs.rmSync(path.join(dir, 'archives'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'archives'), 'a file, not a folder');
    await daemon.trigger('j', 'backup', 'manual');
    await daemon.idle();
    const last = daemon.runs.runs('j', 1, 'backup')[0]!;
    expect(last.outcome).toBe('partial');
    expect(last.error).toMatch(/the archive to .*archives could not be written/);
  });
});
