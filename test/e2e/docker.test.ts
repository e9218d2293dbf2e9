import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, cairn, restic, treeDigest } from '../harness/cli.js';
import { dockerdAvailable, startDockerd, type Dockerd } from '../harness/dockerd.js';
import { RESTIC } from '../harness/restic.js';

/** treeDigest of a volume, file times to the second (a tar, what the daemon unpacks, keeps no finer). */
const digest = (dir: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(treeDigest(dir)).map(([k, v]) => [
      k,
      v.startsWith('file ') ? v.replace(/ (\d+)$/, (_, ms: string) => ` ${Math.floor(Number(ms) / 1000)}s`) : v,
    ]),
  );

/** A container that appends to /v/log ten times a second until it is stopped. */
const WRITER = "trap 'exit 0' TERM; while true; do date >> /v/log; sleep 0.1; done";

describe.skipIf(!dockerdAvailable())('Docker sources and restore through the CLI (real dockerd)', () => {
  const sb = new Sandbox();
  const repo = sb.path('repo');
  let dk: Dockerd;
  const run = (args: string[]) =>
    cairn(sb, ['-r', repo, '-p', sb.path('pw'), ...args], { env: { DOCKER_HOST: dk.host } });
  const runIn = (volume: string, script: string): string =>
    dk.docker('run', '--rm', '--network', 'none', '-v', `${volume}:/v`, dk.image, 'sh', '-c', script);
  const mountpoint = (volume: string): string => dk.docker('volume', 'inspect', '-f', '{{.Mountpoint}}', volume);
  const startedAt = (container: string): string =>
    dk.docker('inspect', '-f', '{{.State.Running}} {{.State.StartedAt}}', container);
  const writer = (name: string, volume: string, ...extra: string[]): void =>
    void dk.docker('run', '-d', ...extra, '--name', name, '--network', 'none', '-v', `${volume}:/v`, dk.image, 'sh', '-c', WRITER);
  const snapshots = async (): Promise<{ id: string; paths: string[]; tags: string[] }[]> =>
    JSON.parse((await run(['snapshots', '--json'])).stdout) as { id: string; paths: string[]; tags: string[] }[];
  const toVolume = (name: string): string => `docker-volume:${name}?helper-image=${dk.image}`;

  beforeAll(async () => {
    dk = await startDockerd();
    sb.write('pw', 'secret', 0o600);
    sb.write('config/app.conf', 'port = 8080\n');
    dk.docker('volume', 'create', 'data');
    runIn(
      'data',
      'mkdir -p /v/a/b && echo one > /v/a/one && dd if=/dev/urandom of=/v/a/b/big bs=64k count=40 2>/dev/null && ' +
        'chmod 600 /v/a/one && chown 33:33 /v/a/b && ln -s a/one /v/link',
    );
    expect((await run(['init'])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await dk?.stop();
    sb.cleanup();
  });

  it('backs up a volume and a folder as one snapshot that restic lists', async () => {
    const r = await run(['backup', 'docker-volume:data', sb.path('config')]);
    expect(r.code, r.stderr).toBe(0);
    const [snap, ...more] = await snapshots();
    expect(more).toEqual([]);
    expect(snap!.paths).toEqual(['/docker-volumes/data', sb.path('config')].sort());
    expect(snap!.tags).toEqual(['source:docker-volume']);
    if (RESTIC) {
      const ls = await restic(sb, ['-r', repo, 'ls', 'latest'], { env: { RESTIC_PASSWORD: 'secret' } });
      expect(ls.code, ls.stderr).toBe(0);
      const listed = ls.stdout.split('\n');
      for (const p of ['/docker-volumes/data/a/one', '/docker-volumes/data/a/b/big', '/docker-volumes/data/link']) {
        expect(listed).toContain(p);
      }
      expect(listed).toContain(sb.path('config/app.conf'));
    }
  });

  it('restores the volume folder into a new volume with the same files, modes and owners', async () => {
    const r = await run(['restore', 'latest', '--to', toVolume('copy')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^restored \/docker-volumes\/data of snapshot [0-9a-f]{8} into docker-volume:copy /);
    expect(digest(mountpoint('copy'))).toEqual(digest(mountpoint('data')));
    expect(fs.statSync(path.join(mountpoint('copy'), 'a/b')).uid).toBe(33);
  });

  it('refuses a volume that is not empty without --force, and replaces its contents with it', async () => {
    dk.docker('volume', 'create', 'busy');
    runIn('busy', 'echo keep > /v/stray');
    const refused = await run(['restore', 'latest:/docker-volumes/data', '--to', toVolume('busy')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('cairn: The Docker volume busy is not empty; give --force to replace its contents.\n');
    expect(fs.readdirSync(mountpoint('busy'))).toEqual(['stray']);
    const wrong = await run(['restore', 'latest:/docker-volumes/data/a', '--to', toVolume('busy')]);
    expect(wrong.stderr).toMatch(/^cairn: \/docker-volumes\/data\/a of snapshot [0-9a-f]{8} is not a folder that docker-volume:busy can load\.\n$/);
    const forced = await run(['restore', 'latest:/docker-volumes/data', '--to', toVolume('busy'), '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(digest(mountpoint('busy'))).toEqual(digest(mountpoint('data')));
  });

  it('restore stops the volume\'s containers and starts them again; with stop-containers=false only labelled ones', async () => {
    dk.docker('volume', 'create', 'served');
    writer('server', 'served');
    writer('labelled', 'served', '--label', 'cairn.stop-during-backup=true');
    const before = { server: startedAt('server'), labelled: startedAt('labelled') };
    const kept = await run(['restore', 'latest:/docker-volumes/data', '--to', `${toVolume('served')}&stop-containers=false`, '--force']);
    expect(kept.code, kept.stderr).toBe(0);
    expect(startedAt('server')).toBe(before.server);
    expect(startedAt('labelled')).toMatch(/^true /);
    expect(startedAt('labelled')).not.toBe(before.labelled);
    expect(fs.readFileSync(path.join(mountpoint('served'), 'a/one'), 'utf8')).toBe('one\n');
    const stopped = await run(['restore', 'latest:/docker-volumes/data', '--to', toVolume('served'), '--force']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(startedAt('server')).toMatch(/^true /);
    expect(startedAt('server')).not.toBe(before.server);
  });

  it('a folder the snapshot does not hold: one sentence, the volume untouched', async () => {
    dk.docker('volume', 'create', 'untouched');
    const r = await run(['restore', 'latest:/docker-volumes/nope', '--to', toVolume('untouched')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cairn: The path \/docker-volumes\/nope does not exist in snapshot [0-9a-f]{8}\.\n$/);
    expect(fs.readdirSync(mountpoint('untouched'))).toEqual([]);
  });

  it('--stop-containers stops a writing container while its volume is read and starts it again', async () => {
    dk.docker('volume', 'create', 'logs');
    writer('logger', 'logs');
    const before = startedAt('logger');
    const r = await run(['backup', '--stop-containers', 'docker-volume:logs']);
    expect(r.code, r.stderr).toBe(0);
    // Started again (a new start time), and writing again after the copy was taken.
    const after = startedAt('logger');
    expect(after).toMatch(/^true /);
    expect(after).not.toBe(before);
    const saved = await run(['dump', 'latest', '/docker-volumes/logs/log']);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const now = fs.readFileSync(path.join(mountpoint('logs'), 'log'), 'utf8');
    expect(now.startsWith(saved.stdout)).toBe(true);
    expect(now.length).toBeGreaterThan(saved.stdout.length);
  });

  it('a container that cannot be started again fails the backup, but the snapshot is saved and named', async () => {
    // A --rm container is removed by the daemon once stopped: starting it again must fail.
    dk.docker('volume', 'create', 'gone');
    writer('once', 'gone', '--rm');
    const told = sb.path('post-hook.txt');
    const post = `echo "$CAIRN_OUTCOME $CAIRN_ERROR" > ${told}`;
    const r = await run(['backup', '--stop-containers', '--post', post, 'docker-volume:gone']);
    expect(r.code).toBe(1);
    const id = /snapshot ([0-9a-f]{8}) saved/.exec(r.stdout)?.[1];
    expect(id, r.stdout).toBeDefined();
    expect(r.stderr).toMatch(/^cairn: Docker container once \(.*\) could not be started again; start it by hand \(snapshot [0-9a-f]{8} was saved\)\.\n$/);
    expect(r.stderr).toContain(`(snapshot ${id} was saved)`);
    // The post-hook hears of the failure too (a container is left stopped), snapshot named.
    expect(fs.readFileSync(told, 'utf8')).toMatch(new RegExp(`^failure Docker container once .*snapshot ${id} was saved`));
    expect((await snapshots()).map((s) => s.id.slice(0, 8))).toContain(id);
  });

  it('a backup that fails and a container that cannot be started again: both sentences, no snapshot', async () => {
    dk.docker('volume', 'create', 'gone2');
    writer('once2', 'gone2', '--rm');
    const failing = sb.write('fail.sh', '#!/bin/sh\nsleep 1\nexit 3\n', 0o755);
    const before = (await snapshots()).length;
    const r = await run(['backup', '--stop-containers', 'docker-volume:gone2', `command:${failing}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exited with status 3.* Docker container once2 \(.*\) could not be started again; start it by hand\.\n$/);
    expect((await snapshots()).length).toBe(before);
  });

  it('read-via=helper leaves out a name that is not UTF-8 with one sentence and keeps times to the second', async () => {
    dk.docker('volume', 'create', 'odd');
    const mp = mountpoint('odd');
    fs.writeFileSync(Buffer.concat([Buffer.from(`${mp}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'x\n');
    fs.writeFileSync(`${mp}/plain.txt`, 'y\n');
    fs.utimesSync(`${mp}/plain.txt`, 1_700_000_000.25, 1_700_000_000.25);
    const r = await run(['backup', `docker-volume:odd?read-via=helper&helper-image=${dk.image}`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: \/docker-volumes\/odd\/caf.\.txt: its name or link target is not valid UTF-8, .* read the volume through its mountpoint to back it up\n/);
    const ls = await run(['ls', '--json', 'latest', '/docker-volumes/odd']);
    const nodes = ls.stdout.trim().split('\n').slice(1).map((l) => JSON.parse(l) as { path: string; mtime: string });
    // The daemon's archive gives whole seconds only.
    expect(nodes.map((n) => [n.path, n.mtime])).toEqual([
      ['/docker-volumes/odd', expect.any(String)],
      ['/docker-volumes/odd/plain.txt', '2023-11-14T22:13:20Z'],
    ]);
  });
});
