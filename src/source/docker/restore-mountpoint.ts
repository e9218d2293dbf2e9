import fs from 'node:fs/promises';
import { throwIfAborted } from '../../core/index.js';
import type { DockerClient, VolumeInfo } from './client.js';
import { StoppedContainers } from './quiesce.js';
import { notEmpty } from './restore.js';

export interface RestoreInPlaceOptions {
  force?: boolean;
  /** As `RestoreVolumeOptions.stopContainers`: all running users (default), or only the labelled ones. */
  stopContainers?: boolean;
  signal?: AbortSignal;
}

/**
 * Restores into a volume through its mountpoint on this machine: `restoreInto` (the restorer's file writer) writes
 * the files there, so times keep their nanoseconds, which the daemon's archive endpoint truncates to seconds. A volume
 * that is not empty is refused unless `force`, which empties it first; the containers using it are stopped meanwhile
 * and always started again, as `restoreDockerVolume` does. The names of the containers stopped.
 * @throws CairnError when the volume is not empty (without `force`), the restore fails, or a container does not start
 * again.
 */
export async function restoreVolumeInPlace(
  client: DockerClient,
  info: VolumeInfo,
  restoreInto: (dir: string) => Promise<void>,
  opts: RestoreInPlaceOptions = {},
): Promise<string[]> {
  const { signal } = opts;
  const dir = info.Mountpoint;
  const stopped = new StoppedContainers(client);
  return stopped.around(async () => {
    // As bytes: a name that is not UTF-8 must reach rm as it is.
    const present = await fs.readdir(dir, { encoding: 'buffer' });
    if (present.length > 0 && opts.force !== true) throw notEmpty(info.Name);
    await stopped.stopUsers([info.Name], opts.stopContainers !== false, signal);
    for (const name of present) {
      throwIfAborted(signal);
      await fs.rm(Buffer.concat([Buffer.from(`${dir}/`), name]), { recursive: true, force: true });
    }
    throwIfAborted(signal);
    await restoreInto(dir);
  });
}
