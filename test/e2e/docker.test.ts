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
  /** Through a helper container, as for a remote daemon (the default here, a local daemon, is the mountpoint). */
  const toVolume = (name: string): string => `docker-volume:${name}?read-via=helper&helper-image=${dk.image}`;

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

  it('restores through the mountpoint by default on a local daemon: sub-second times kept', async () => {
    const src = mountpoint('data');
    // A time the archive endpoint would truncate: restored in place, it comes back whole.
    fs.utimesSync(path.join(src, 'a/one'), 1_700_000_000.123456, 1_700_000_000.123456);
    expect((await run(['backup', 'docker-volume:data'])).code).toBe(0);
    const r = await run(['restore', 'latest:/docker-volumes/data', '--to', 'docker-volume:direct']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^restored \/docker-volumes\/data of snapshot [0-9a-f]{8} into docker-volume:direct /);
    const dst = mountpoint('direct');
    expect(treeDigest(dst)).toEqual(treeDigest(src));
    for (const p of ['a/one', 'a/b/big', 'a/b', 'link']) {
      const [a, b] = [src, dst].map((d) => fs.lstatSync(path.join(d, p), { bigint: true }));
      expect([b!.uid, b!.mode], p).toEqual([a!.uid, a!.mode]);
      // The restorer sets times as doubles through Node's utimes: about 0.2 µs resolution, not whole seconds.
      const off = b!.mtimeNs - a!.mtimeNs;
      expect(off < 1000n && off > -1000n, `${p}: ${off} ns off`).toBe(true);
    }
    const one = fs.statSync(path.join(dst, 'a/one'), { bigint: true }).mtimeNs - 1_700_000_000_123_456_000n;
    expect(one < 1000n && one > -1000n, `${one} ns off`).toBe(true);
  });

  it('refuses a volume that is not empty without --force, and replaces its contents with it', async () => {
    dk.docker('volume', 'create', 'busy');
    runIn('busy', 'echo keep > /v/stray');
    for (const to of [toVolume('busy'), 'docker-volume:busy?read-via=mountpoint']) {
      const refused = await run(['restore', 'latest:/docker-volumes/data', '--to', to]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe('cairn: The Docker volume busy is not empty; give --force to replace its contents.\n');
      expect(fs.readdirSync(mountpoint('busy'))).toEqual(['stray']);
    }
    const wrong = await run(['restore', 'latest:/docker-volumes/data/a', '--to', toVolume('busy')]);
    expect(wrong.stderr).toMatch(/^cairn: \/docker-volumes\/data\/a of snapshot [0-9a-f]{8} is not a folder that docker-volume:busy can load\.\n$/);
    const forced = await run(['restore', 'latest:/docker-volumes/data', '--to', toVolume('busy'), '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(digest(mountpoint('busy'))).toEqual(digest(mountpoint('data')));
    runIn('busy', 'echo keep > /v/stray && mkdir -p /v/.hidden/x');
    const direct = await run(['restore', 'latest:/docker-volumes/data', '--to', 'docker-volume:busy', '--force']);
    expect(direct.code, direct.stderr).toBe(0);
    expect(treeDigest(mountpoint('busy'))).toEqual(treeDigest(mountpoint('data')));
  });

  it('restore stops the volume\'s containers and starts them again; with stop-containers=false only labelled ones', async () => {
    dk.docker('volume', 'create', 'served');
    writer('server', 'served');
    writer('labelled', 'served', '--label', 'cairn.stop-during-backup=true');
    const before = { server: startedAt('server'), labelled: startedAt('labelled') };
    // Through the mountpoint here, through the helper below: both stop and start the same containers.
    const kept = await run(['restore', 'latest:/docker-volumes/data', '--to', 'docker-volume:served?stop-containers=false', '--force']);
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
    runIn('untouched', 'echo keep > /v/kept');
    for (const to of [toVolume('untouched'), 'docker-volume:untouched']) {
      const r = await run(['restore', 'latest:/docker-volumes/nope', '--to', to, '--force']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^cairn: The path \/docker-volumes\/nope does not exist in snapshot [0-9a-f]{8}\.\n$/);
      expect(fs.readdirSync(mountpoint('untouched'))).toEqual(['kept']);
    }
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

  it('read-via=helper keeps a name that is not UTF-8 byte-exact, as the mountpoint does, and times to the second', async () => {
    dk.docker('volume', 'create', 'odd');
    const mp = mountpoint('odd');
    const raw = (...parts: (string | number)[]): Buffer =>
      Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p))));
    fs.writeFileSync(raw(mp, '/caf', 0xe9, '.txt'), 'x\n');
    fs.mkdirSync(raw(mp, '/d', 0xfc, 'r'));
    fs.writeFileSync(raw(mp, '/d', 0xfc, 'r/in', 0xff), 'deep\n');
    fs.symlinkSync(raw('caf', 0xe9, '.txt'), raw(mp, '/to-caf', 0xe9));
    fs.writeFileSync(`${mp}/plain.txt`, 'y\n');
    fs.utimesSync(`${mp}/plain.txt`, 1_700_000_000.25, 1_700_000_000.25);
    const helper = await run(['backup', `docker-volume:odd?read-via=helper&helper-image=${dk.image}`]);
    expect(helper.code, helper.stderr).toBe(0);
    expect(helper.stderr).toBe('');
    const direct = await run(['backup', 'docker-volume:odd?read-via=mountpoint']);
    expect(direct.code, direct.stderr).toBe(0);
    const [viaHelper, viaMountpoint] = [helper, direct].map((r) => /snapshot ([0-9a-f]{8}) saved/.exec(r.stdout)?.[1]);
    // The same names (JSON escapes the bytes that are not UTF-8) and modes (the archive's mode field carries the
    // file type bits too) in both snapshots.
    const modes = async (id: string): Promise<[string, number][]> =>
      (await run(['ls', '--json', id, '/docker-volumes/odd'])).stdout.trim().split('\n').slice(1)
        .map((l) => JSON.parse(l) as { path: string; mode: number })
        .map((n) => [n.path, n.mode]);
    expect(await modes(viaHelper!)).toEqual(await modes(viaMountpoint!));
    if (RESTIC) {
      const env = { env: { RESTIC_PASSWORD: 'secret' }, binary: true };
      const ls = async (id: string): Promise<string[]> =>
        (await restic(sb, ['-r', repo, 'ls', '--recursive', id, '/docker-volumes/odd'], env)).stdout.split('\n').slice(1);
      const names = await ls(viaHelper!);
      expect(names).toEqual(await ls(viaMountpoint!));
      // latin1 text of the raw bytes: é is 0xe9, not U+FFFD.
      expect(names).toContain('/docker-volumes/odd/caf\u00e9.txt');
      expect(names).toContain('/docker-volumes/odd/d\u00fcr/in\u00ff');
      const out = sb.path('restic-odd');
      const rr = await restic(sb, ['-r', repo, 'restore', viaHelper!, '--target', out], env);
      expect(rr.code, rr.stderr).toBe(0);
      expect(fs.readFileSync(raw(out, '/docker-volumes/odd/d', 0xfc, 'r/in', 0xff), 'utf8')).toBe('deep\n');
    }
    const ls = await run(['ls', '--json', viaHelper!, '/docker-volumes/odd']);
    const nodes = ls.stdout.trim().split('\n').slice(1).map((l) => JSON.parse(l) as { path: string; mtime: string });
    // The daemon's archive gives whole seconds only.
    expect(nodes.find((n) => n.path === '/docker-volumes/odd/plain.txt')?.mtime).toBe('2023-11-14T22:13:20Z');
    // Restored into a new volume (through its mountpoint): the same names and bytes.
    const back = await run(['restore', `${viaHelper!}:/docker-volumes/odd`, '--to', 'docker-volume:odd-back']);
    expect(back.code, back.stderr).toBe(0);
    const mp2 = mountpoint('odd-back');
    const names = (dir: string): Buffer[] => fs.readdirSync(dir, { encoding: 'buffer' }).sort((a, b) => Buffer.compare(a, b));
    expect(names(mp2)).toEqual(names(mp));
    expect(fs.readFileSync(raw(mp2, '/d', 0xfc, 'r/in', 0xff), 'utf8')).toBe('deep\n');
    expect(fs.readlinkSync(raw(mp2, '/to-caf', 0xe9), { encoding: 'buffer' })).toEqual(raw('caf', 0xe9, '.txt'));
    // And through a helper container: dump's tar carries the names as bytes in PAX records.
    const viaTar = await run(['restore', `${viaHelper!}:/docker-volumes/odd`, '--to', toVolume('odd-tar')]);
    expect(viaTar.code, viaTar.stderr).toBe(0);
    const mp3 = mountpoint('odd-tar');
    expect(names(mp3)).toEqual(names(mp));
    expect(fs.readFileSync(raw(mp3, '/d', 0xfc, 'r/in', 0xff), 'utf8')).toBe('deep\n');
    expect(fs.readlinkSync(raw(mp3, '/to-caf', 0xe9), { encoding: 'buffer' })).toEqual(raw('caf', 0xe9, '.txt'));
  });
});
