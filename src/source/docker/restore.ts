import tar from 'tar-stream';
import { CairnError, throwIfAborted } from '../../core/index.js';
import { DockerApiError, type DockerClient, type VolumeInfo } from './client.js';
import { StoppedContainers } from './quiesce.js';

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
  const { created } = await volumeToRestore(client, name, signal);
  const helper = await createHelper(client, name, opts.helperImage ?? 'busybox:latest', signal);
  const stopped = new StoppedContainers(client);
  const names = await stopped.around(
    async () => {
      const empty = created || (await isEmpty(client, helper, signal));
      if (!empty && opts.force !== true) throw notEmpty(name);
      await stopped.stopUsers([name], opts.stopContainers !== false, signal);
      if (!empty) await clear(client, helper, name, signal);
      throwIfAborted(signal);
      await client.putArchive(helper, MOUNT, tarStream, signal);
    },
    () => client.removeContainer(helper).then(
      () => undefined,
      () => undefined,
    ),
  );
  return { created, stopped: names };
}

/** The volume to restore into, created when it does not exist. */
export async function volumeToRestore(
  client: DockerClient,
  name: string,
  signal?: AbortSignal,
): Promise<{ info: VolumeInfo; created: boolean }> {
  try {
    return { info: await client.inspectVolume(name, signal), created: false };
  } catch (err) {
    if (!(err instanceof CairnError && err.code === 'source-unreadable')) throw err;
    return { info: await client.createVolume(name, signal), created: true };
  }
}

/** The refusal of a volume that holds files, without `force`. */
export function notEmpty(name: string): CairnError {
  return new CairnError('invalid-argument', `The Docker volume ${name} is not empty; give --force to replace its contents.`);
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
