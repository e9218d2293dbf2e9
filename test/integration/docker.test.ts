import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpPath, initRepository, listSnapshotsUseCase, runBackup } from '../../src/app/index.js';
import type { AppDeps, OpenOptions } from '../../src/app/index.js';
import { CairnError } from '../../src/core/index.js';
import { openBackend, openSource } from '../../src/registry.js';
import {
  DockerClient,
  DockerContainerSource,
  DockerVolumeSource,
  restoreDockerVolume,
} from '../../src/source/docker/index.js';
import type { OpenDir } from '../../src/source/docker/index.js';
import { FilesSource } from '../../src/source/files/index.js';
import type { DockerVolumeSpec, Source } from '../../src/source/index.js';
import { runSourceConformance } from '../../src/source/testing/index.js';
import { systemClock } from '../../src/util/index.js';
import { ROOT } from '../harness/cli.js';
import { dockerdAvailable, startDockerd, type Dockerd } from '../harness/dockerd.js';
import { RESTIC } from '../harness/restic.js';

const available = dockerdAvailable();
let dk: Dockerd;
let client: DockerClient;
let repoCount = 0;
let savedHost: string | undefined;

beforeAll(async () => {
  if (!available) return;
  dk = await startDockerd();
  client = new DockerClient({ socketPath: dk.socket });
  // What the registry's sources find when they are opened without a client.
  savedHost = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = dk.host;
  // The conformance volume: folders, files, a symlink.
  dk.docker('volume', 'create', 'conf');
  runIn(
    'conf',
    'mkdir -p /v/a/b && echo one > /v/a/one && echo two > /v/a/b/two && echo top > /v/top && ln -s a/one /v/link',
  );
}, 120_000);
afterAll(async () => {
  if (savedHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedHost;
  await dk?.stop();
});

/** Runs a shell script in a throwaway container with the volume at /v (no network). */
function runIn(volume: string, script: string): string {
  return dk.docker('run', '--rm', '--network', 'none', '-v', `${volume}:/v`, dk.image, 'sh', '-c', script);
}

const filesOf: OpenDir = (dir) => new FilesSource({ kind: 'files', paths: ['.'], cwd: dir });
const volumeSource = (spec: Omit<DockerVolumeSpec, 'kind'>, openDir: OpenDir = filesOf): Source =>
  new DockerVolumeSource({ kind: 'docker-volume', ...spec }, openDir, client);

/** A repository folder and what runBackup needs to write into it, with `source` as what is backed up. */
async function repository(
  source: () => Source,
): Promise<{ deps: AppDeps; opts: OpenOptions; dir: string; password: string }> {
  const dir = path.join(dk.dir, 'repos', `r${++repoCount}`);
  const password = path.join(dk.dir, 'repos', `r${repoCount}.password`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.writeFileSync(password, 'docker-test');
  const deps: AppDeps = {
    openBackend: (url) => openBackend(url),
    // The app is handed the source directly, to watch or break it while it is read (test/e2e/docker.test.ts drives
    // the URIs through the CLI); the given path only passes the app's check for an existing path.
    openSource: () => source(),
    clock: systemClock,
    hostname: 'docker-host',
    username: 'root',
    warn: () => undefined,
  };
  const opts: OpenOptions = {
    target: { url: dir, isDefault: false },
    password: { configured: async () => 'docker-test' },
  };
  await initRepository(deps, opts);
  return { deps, opts, dir, password };
}

async function backupOf(
  repo: Awaited<ReturnType<typeof repository>>,
): Promise<Awaited<ReturnType<typeof runBackup>>> {
  return runBackup(repo.deps, repo.opts, { paths: [dk.dir], workers: 0 });
}

/** Path → mode, owner, size and sha256 of every entry under a folder (symlinks by target), for comparisons. */
function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const p = path.join(rel, name);
      const full = path.join(dir, p);
      const st = fs.lstatSync(full);
      const meta = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (st.isSymbolicLink()) out[p] = `${meta} -> ${fs.readlinkSync(full)}`;
      else if (st.isDirectory()) {
        out[p] = `${meta} dir`;
        visit(p);
      } else out[p] = `${meta} ${createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`;
    }
  };
  visit('');
  return out;
}

const mountpoint = (volume: string): string =>
  dk.docker('volume', 'inspect', '-f', '{{.Mountpoint}}', volume);
const running = (container: string): boolean =>
  dk.docker('inspect', '-f', '{{.State.Running}}', container) === 'true';

async function failure(p: Promise<unknown>): Promise<CairnError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CairnError) return err;
    throw new Error(`expected a CairnError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected an error');
}

describe.skipIf(!available)('Docker volumes (real dockerd)', () => {
  runSourceConformance('docker-volume', { open: () => volumeSource({ name: 'conf' }) });
  runSourceConformance('docker-volume through a helper container', {
    open: () => volumeSource({ name: 'conf', readVia: 'helper', helperImage: dk.image }),
    openFailing: () => {
      // The file vanishes between the listing and the read: its stream fails.
      dk.docker('volume', 'create', 'conf-fail');
      fs.writeFileSync(path.join(mountpoint('conf-fail'), 'gone'), 'x');
      const source = volumeSource({ name: 'conf-fail', readVia: 'helper', helperImage: dk.image });
      const roots = source.roots.bind(source);
      source.roots = async (signal) => {
        const listing = await roots(signal);
        fs.rmSync(path.join(mountpoint('conf-fail'), 'gone'));
        return listing;
      };
      return source;
    },
  });

  it('round-trips a volume through a repository and into a new volume, file hashes, modes and owners equal', async () => {
    dk.docker('volume', 'create', 'app-data');
    runIn(
      'app-data',
      'mkdir -p /v/db/logs /v/empty && dd if=/dev/urandom of=/v/db/big bs=1M count=5 2>/dev/null && echo cfg > /v/app.conf' +
        ' && chmod 600 /v/app.conf && chown 1234:99 /v/db/big && echo l > /v/db/logs/x.log && ln -s db/big /v/current',
    );
    fs.writeFileSync(path.join(mountpoint('app-data'), 'random.bin'), randomBytes(300_000));
    const repo = await repository(() => openSource({ kind: 'docker-volume', name: 'app-data' }));
    const outcome = await backupOf(repo);
    expect(outcome.snapshot.paths).toEqual(['/docker-volumes/app-data']);
    if (RESTIC !== undefined) {
      // A restic user sees ordinary files under /docker-volumes/NAME.
      const ls = execFileSync(
        RESTIC,
        ['-r', repo.dir, '--password-file', repo.password, '--no-cache', 'ls', 'latest'],
        { encoding: 'utf8' },
      );
      expect(ls).toContain('/docker-volumes/app-data/db/big');
      expect(ls).toContain('/docker-volumes/app-data/current');
    }
    const tar = new PassThrough();
    const dumped = dumpPath(
      repo.deps,
      repo.opts,
      { snapshot: 'latest', path: '/docker-volumes/app-data', archive: 'tar', names: 'folder' },
      tar,
    );
    const [result] = await Promise.all([
      restoreDockerVolume(client, 'restored', tar, { helperImage: dk.image }),
      dumped.then(() => tar.end()),
    ]);
    expect(result.created).toBe(true);
    expect(treeHashes(mountpoint('restored'))).toEqual(treeHashes(mountpoint('app-data')));
  });

  it('reads a volume through a helper container just as well (read-via=helper), without its mountpoint', async () => {
    // app-data from the round trip above.
    const repo = await repository(() =>
      volumeSource({ name: 'app-data', readVia: 'helper', helperImage: dk.image }, () => {
        throw new Error('the mountpoint must not be read');
      }),
    );
    const outcome = await backupOf(repo);
    expect(outcome.snapshot.paths).toEqual(['/docker-volumes/app-data']);
    const tar = new PassThrough();
    const dumped = dumpPath(
      repo.deps,
      repo.opts,
      { snapshot: 'latest', path: '/docker-volumes/app-data', archive: 'tar', names: 'folder' },
      tar,
    );
    await Promise.all([
      restoreDockerVolume(client, 'restored-helper', tar, { helperImage: dk.image }),
      dumped.then(() => tar.end()),
    ]);
    expect(treeHashes(mountpoint('restored-helper'))).toEqual(treeHashes(mountpoint('app-data')));
    // Its helper container is gone.
    expect(dk.docker('ps', '-aq', '--filter', 'label=cairn.helper')).toBe('');
  });

  it('a restore refuses a volume that is not empty, and with force replaces its contents', async () => {
    dk.docker('volume', 'create', 'busy');
    runIn('busy', 'echo old > /v/old && mkdir /v/.hidden');
    const tarOf = (): PassThrough => {
      const t = new PassThrough();
      t.end(execFileSync('tar', ['-C', mountpoint('conf'), '-cf', '-', '.']));
      return t;
    };
    const refused = await failure(restoreDockerVolume(client, 'busy', tarOf(), { helperImage: dk.image }));
    expect(refused.message).toBe(
      'The Docker volume busy is not empty; give --force to replace its contents.',
    );
    expect(fs.readdirSync(mountpoint('busy')).sort()).toEqual(['.hidden', 'old']);
    await restoreDockerVolume(client, 'busy', tarOf(), { helperImage: dk.image, force: true });
    expect(treeHashes(mountpoint('busy'))).toEqual(treeHashes(mountpoint('conf')));
  });

  describe('a container writing to the volume', () => {
    const start = (name: string, volume: string, labels: string[] = []): void => {
      dk.docker('volume', 'create', volume);
      dk.docker(
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'none',
        ...labels.flatMap((l) => ['--label', l]),
        '-v',
        `${volume}:/v`,
        // As PID 1 the shell ignores SIGTERM unless it traps it (docker stop would wait 10 s for it).
        dk.image,
        'sh',
        '-c',
        "trap 'exit 0' TERM; while true; do date >> /v/log; sleep 0.1; done",
      );
    };

    it('is stopped while its volume is read (stop-containers) and running again afterwards', async () => {
      start('writer', 'writes');
      let runningDuringRead: boolean | undefined;
      let sizeAtStop = -1;
      const log = path.join(mountpoint('writes'), 'log');
      const repo = await repository(() =>
        volumeSource({ name: 'writes', stopContainers: true }, (dir) => {
          runningDuringRead = running('writer');
          sizeAtStop = fs.statSync(log).size;
          return filesOf(dir);
        }),
      );
      const outcome = await backupOf(repo);
      expect(runningDuringRead).toBe(false);
      expect(outcome.snapshot.paths).toEqual(['/docker-volumes/writes']);
      // The snapshot holds the log as it was when the writer stopped: nothing was written while it was read.
      const saved = new PassThrough();
      const chunks: Buffer[] = [];
      saved.on('data', (c: Buffer) => chunks.push(c));
      await dumpPath(repo.deps, repo.opts, { snapshot: 'latest', path: '/docker-volumes/writes/log' }, saved);
      expect(Buffer.concat(chunks).length).toBe(sizeAtStop);
      // Running again, and writing again.
      await new Promise((r) => setTimeout(r, 500));
      expect(fs.statSync(log).size).toBeGreaterThan(sizeAtStop);
      expect(running('writer')).toBe(true);
    });

    it('is started again when the backup fails, and no snapshot is written', async () => {
      start('writer2', 'writes2', ['cairn.stop-during-backup=true']);
      let runningDuringRead: boolean | undefined;
      const repo = await repository(() =>
        // Only the label asks for the stop here; the read then fails.
        volumeSource({ name: 'writes2' }, (dir) => {
          runningDuringRead = running('writer2');
          const files = filesOf(dir);
          files.roots = () => Promise.reject(new CairnError('fatal', 'The disk went away.'));
          return files;
        }),
      );
      const err = await failure(backupOf(repo));
      expect(err.message).toBe('The disk went away.');
      expect(runningDuringRead).toBe(false);
      expect(running('writer2')).toBe(true);
      expect(await listSnapshotsUseCase(repo.deps, repo.opts)).toEqual([]);
    });

    it('is started again when the backup is interrupted while it reads', async () => {
      start('writer5', 'writes5');
      const ac = new AbortController();
      const repo = await repository(() =>
        volumeSource({ name: 'writes5', stopContainers: true }, (dir) => {
          // The user presses Ctrl-C while the volume is read.
          ac.abort();
          return filesOf(dir);
        }),
      );
      const err = await failure(
        runBackup(repo.deps, { ...repo.opts, signal: ac.signal }, { paths: [dk.dir], workers: 0 }),
      );
      expect(err.code).toBe('interrupted');
      expect(running('writer5')).toBe(true);
      expect(await listSnapshotsUseCase(repo.deps, repo.opts)).toEqual([]);
    });

    it('is left running without stop-containers or the label', async () => {
      start('writer3', 'writes3');
      let runningDuringRead: boolean | undefined;
      const repo = await repository(() =>
        volumeSource({ name: 'writes3' }, (dir) => {
          runningDuringRead = running('writer3');
          return filesOf(dir);
        }),
      );
      await backupOf(repo);
      expect(runningDuringRead).toBe(true);
    });

    it('that cannot be started again is reported as an error', async () => {
      start('writer4', 'writes4');
      const repo = await repository(() =>
        volumeSource({ name: 'writes4', stopContainers: true }, (dir) => {
          // Gone while stopped: starting it again must fail, loudly.
          dk.docker('rm', 'writer4');
          return filesOf(dir);
        }),
      );
      // The snapshot is written before the restart: it is kept, and named in the error of the failed restart.
      const err = await failure(backupOf(repo));
      expect(err.message).toMatch(
        /^Docker container writer4 \(.*No such container.*\) could not be started again; start it by hand \(snapshot [0-9a-f]{8} was saved\)\.$/,
      );
      expect(await listSnapshotsUseCase(repo.deps, repo.opts)).toHaveLength(1);
    });
  });

  it('a missing volume stops the backup with one sentence, and no snapshot is written', async () => {
    const repo = await repository(() => volumeSource({ name: 'nope' }));
    const err = await failure(backupOf(repo));
    expect(err.code).toBe('source-unreadable');
    expect(err.message).toBe('The Docker volume nope does not exist.');
    expect(await listSnapshotsUseCase(repo.deps, repo.opts)).toEqual([]);
  });

  it('docker-volume:* backs up every volume carrying the labels, each in its folder', async () => {
    for (const v of ['lab-b', 'lab-a', 'unlabelled']) {
      dk.docker('volume', 'create', ...(v === 'unlabelled' ? [] : ['--label', 'backup=true']), v);
      runIn(v, `echo ${v} > /v/name`);
    }
    const source = volumeSource({ name: '*', labels: ['backup=true'] });
    try {
      const [top] = (await source.roots()).entries;
      expect(top).toMatchObject({ kind: 'dir', name: 'docker-volumes' });
      const volumes = (await source.list(top as never)).entries;
      expect(volumes.map((e) => e.name)).toEqual(['lab-a', 'lab-b']);
      expect(source.paths).toEqual(['/docker-volumes']);
    } finally {
      await source.close();
    }
    const none = volumeSource({ name: '*', labels: ['backup=never'] });
    await expect(none.roots()).rejects.toThrow(
      'There is no Docker volume with the label backup=never to back up.',
    );
    await none.close();
  });

  it("the daemon's own refusal is one sentence: a restore with a helper image that is not there", async () => {
    const err = await failure(
      restoreDockerVolume(client, 'conf', new PassThrough(), { helperImage: 'cairn-missing:1' }),
    );
    expect(err.message).toBe(
      'The helper image cairn-missing:1 is not on the Docker host; import or pull a small busybox image and name it.',
    );
    const api = await failure(
      client.createContainer({ Image: dk.image, HostConfig: { Binds: ['relative:path:zz'] } }),
    );
    expect(api.message).toMatch(/^Docker refused POST \/containers\/create: .+\.$/);
  });

  it('a socket without permission is one sentence', () => {
    // Root passes every permission check, so the client runs as nobody (from the built code).
    const script = `import('${ROOT}/dist/source/docker/index.js').then(async ({ DockerClient }) => {
      try { await new DockerClient({ socketPath: '${dk.socket}' }).serverVersion(); console.log('answered'); }
      catch (err) { console.log(err.code + ': ' + err.message); }
    });`;
    const out = execFileSync(
      'setpriv',
      [
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        path.join(ROOT, 'node_modules/.bin/node'),
        '-e',
        script,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(out.trim()).toBe(
      `access-denied: Permission denied on the Docker socket ${dk.socket}; run Cairn as root or as a member of the docker group.`,
    );
  });
});

describe.skipIf(!available)('Docker containers (real dockerd)', () => {
  it('backs up a container as an image archive that docker load restores, and removes the commit image', async () => {
    dk.docker(
      'run',
      '-d',
      '--name',
      'stateful',
      '--network',
      'none',
      dk.image,
      'sh',
      '-c',
      'echo inside > /state && sleep 600',
    );
    const repo = await repository(
      () => new DockerContainerSource({ kind: 'docker-container', name: 'stateful' }, client),
    );
    const outcome = await backupOf(repo);
    expect(outcome.snapshot.paths).toEqual(['/docker-containers/stateful.tar']);
    expect(dk.docker('images', '--format', '{{.Repository}}', 'cairn-backup/stateful')).toBe('');
    const archive = path.join(dk.dir, 'stateful.tar');
    const out = fs.createWriteStream(archive);
    await dumpPath(
      repo.deps,
      repo.opts,
      { snapshot: 'latest', path: '/docker-containers/stateful.tar' },
      out,
    );
    await new Promise((r) => out.end(r));
    const loaded = dk.docker('load', '-i', archive);
    const image = /Loaded image: (\S+)/.exec(loaded)?.[1];
    expect(image).toMatch(/^cairn-backup\/stateful:/);
    expect(dk.docker('run', '--rm', '--network', 'none', image!, 'cat', '/state')).toBe('inside');
  });

  it('a missing container is one sentence', async () => {
    const repo = await repository(
      () => new DockerContainerSource({ kind: 'docker-container', name: 'ghost' }, client),
    );
    const err = await failure(backupOf(repo));
    expect(err.message).toBe('The Docker container ghost does not exist.');
  });
});
