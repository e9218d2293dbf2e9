import tar from 'tar-stream';
import { CairnError, throwIfAborted } from '../../core/index.js';
import type { RestoreTarget } from '../source.js';
import type { DockerVolumeSpec } from '../spec.js';
import { DockerApiError, type DockerClient } from './client.js';
import { StoppedContainers } from './quiesce.js';
import { VOLUMES_DIR } from './volume-source.js';

export interface RestoreVolumeOptions {
  /** Replace the contents of a volume that is not empty (otherwise such a volume is refused). */
  force?: boolean;
  /** A small image with `sh` and `rm` (busybox) for the helper container; default `busybox:latest`. */
  helperImage?: string;
  /**
   * Stop every running container that uses the volume (default), or, when false, only those labelled
   * `cairn.stop-during-backup=true`, as a backup does without `stop-containers`.
   */
  stopContainers?: boolean;
  signal?: AbortSignal;
}

export interface RestoreVolumeResult {
  /** The volume did not exist and was created. */
  created: boolean;
  /** Names of the containers stopped during the restore (and started again). */
  stopped: string[];
}

const MOUNT = '/volume';

/**
 * Restores a tar stream (names relative to the volume's top, as `dump` writes a folder) into a Docker volume: the
 * volume is created if missing; one that is not empty is refused unless `force`, which empties it first. Every
 * running container that uses the volume (only the labelled ones under `stopContainers: false`) is stopped meanwhile
 * and always started again, also when the restore fails.
 * The archive is unpacked by the daemon into a helper container that is created with the volume mounted and no
 * network (only started, to empty the volume, under `force`), so this works with a remote daemon too.
 * @throws CairnError when the volume is not empty (without `force`), Docker refuses a step, or a container does not
 * start again.
 */
export async function restoreDockerVolume(
  client: DockerClient,
  name: string,
  tarStream: AsyncIterable<Uint8Array>,
  opts: RestoreVolumeOptions = {},
): Promise<RestoreVolumeResult> {
  const { signal } = opts;
  let created = false;
  try {
    await client.inspectVolume(name, signal);
  } catch (err) {
    if (!(err instanceof CairnError && err.code === 'source-unreadable')) throw err;
    await client.createVolume(name, signal);
    created = true;
  }
  const helper = await createHelper(client, name, opts.helperImage ?? 'busybox:latest', signal);
  const stopped = new StoppedContainers(client);
  let failure: Error | undefined;
  try {
    const empty = created || (await isEmpty(client, helper, signal));
    if (!empty && opts.force !== true) {
      throw new CairnError(
        'invalid-argument',
        `The Docker volume ${name} is not empty; give --force to replace its contents.`,
      );
    }
    await stopped.stopUsers([name], opts.stopContainers !== false, signal);
    if (!empty) await clear(client, helper, name, signal);
    throwIfAborted(signal);
    await client.putArchive(helper, MOUNT, tarStream, signal);
  } catch (err) {
    failure = err instanceof Error ? err : new CairnError('fatal', 'The restore failed.', { cause: err });
  }
  const names = stopped.names;
  await client.removeContainer(helper).catch(() => undefined);
  try {
    await stopped.startAgain();
  } catch (err) {
    // Both are told: why the restore failed, and which container is left stopped.
    const restart =
      err instanceof Error
        ? err
        : new CairnError('fatal', 'A container could not be started again.', { cause: err });
    failure =
      failure === undefined
        ? restart
        : new CairnError('fatal', `${failure.message} ${restart.message}`, { cause: failure });
  }
  if (failure !== undefined) throw failure;
  return { created, stopped: names };
}

/**
 * `restore --to docker-volume:NAME`: a volume's folder of the snapshot (`/docker-volumes/NAME`, else the only one)
 * unpacked into the volume by `restoreDockerVolume`, with the URI's `stop-containers` and `helper-image`. The
 * emptiness check needs the helper container the restore creates, so `prepare` only notes `force`; the refusal comes
 * before anything is unpacked. A restore always writes through a helper container: `read-via=mountpoint` is refused.
 */
export function dockerVolumeTarget(client: DockerClient, spec: DockerVolumeSpec): RestoreTarget {
  if (spec.name === '*') {
    throw new CairnError('invalid-argument', 'restore --to takes one Docker volume, not docker-volume:*.');
  }
  if (spec.readVia === 'mountpoint') {
    throw new CairnError(
      'invalid-argument',
      'restore --to docker-volume: writes through a helper container; read-via=mountpoint applies to backups only.',
    );
  }
  let force = false;
  return {
    display: `docker-volume:${spec.name}`,
    folder: `/${VOLUMES_DIR}`,
    takes: 'folder',
    preferred: `/${VOLUMES_DIR}/${spec.name}`,
    accepts: (p) => p.startsWith(`/${VOLUMES_DIR}/`) && !p.slice(VOLUMES_DIR.length + 2).includes('/'),
    prepare: async (f) => {
      force = f;
    },
    write: async (data, signal) => {
      const opts: RestoreVolumeOptions = { force };
      if (signal) opts.signal = signal;
      if (spec.helperImage !== undefined) opts.helperImage = spec.helperImage;
      if (spec.stopContainers !== undefined) opts.stopContainers = spec.stopContainers;
      await restoreDockerVolume(client, spec.name, data, opts);
    },
  };
}

async function createHelper(
  client: DockerClient,
  volume: string,
  image: string,
  signal?: AbortSignal,
): Promise<string> {
  try {
    return await client.createContainer(
      {
        Image: image,
        Cmd: ['sh', '-c', `rm -rf ${MOUNT}/* ${MOUNT}/.[!.]* ${MOUNT}/..?*`],
        NetworkDisabled: true,
        Labels: { 'cairn.helper': 'true' },
        HostConfig: { NetworkMode: 'none', Binds: [`${volume}:${MOUNT}`] },
      },
      signal,
    );
  } catch (err) {
    if (err instanceof DockerApiError && err.status === 404) {
      throw new CairnError(
        'invalid-argument',
        `The helper image ${image} is not on the Docker host; import or pull a small busybox image and name it.`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** Whether the volume holds nothing: its archive has no entry beyond the top folder (read no further than that). */
async function isEmpty(client: DockerClient, helper: string, signal?: AbortSignal): Promise<boolean> {
  const res = await client.getArchive(helper, MOUNT, signal);
  const extract = tar.extract();
  let entries = 0;
  try {
    res.pipe(extract);
    for await (const entry of extract) {
      entry.resume();
      if (++entries > 1) break;
    }
  } finally {
    res.destroy();
    extract.destroy();
  }
  return entries <= 1;
}

async function clear(
  client: DockerClient,
  helper: string,
  volume: string,
  signal?: AbortSignal,
): Promise<void> {
  await client.startContainer(helper, signal);
  const status = await client.waitContainer(helper, signal);
  if (status !== 0) {
    const out = await client.containerLogs(helper).catch(() => '');
    throw new CairnError(
      'fatal',
      `Emptying the Docker volume ${volume} failed with status ${status}${out ? `: ${out}` : ''}.`,
    );
  }
}
