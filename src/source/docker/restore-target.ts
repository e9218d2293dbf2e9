import { CairnError } from '../../core/index.js';
import type { RestoreTarget } from '../source.js';
import type { DockerVolumeSpec } from '../spec.js';
import type { DockerClient } from './client.js';
import { restoreVolumeInPlace } from './restore-mountpoint.js';
import { restoreDockerVolume, volumeToRestore, type RestoreVolumeOptions } from './restore.js';
import { checkMountpoint, VOLUMES_DIR } from './volume-source.js';

/**
 * `restore --to docker-volume:NAME`: a volume's folder of the snapshot (`/docker-volumes/NAME`, else the only one)
 * restored into the volume, with the URI's `stop-containers`. As a backup reads it, the volume is written through its
 * mountpoint when the daemon is on this machine and the mountpoint is writable (`writeInPlace`: the restorer's own
 * file writer, times to the nanosecond), else through a helper container (`write`: the snapshot folder as a tar
 * unpacked by the daemon, times to the second, also for a remote daemon). `read-via=helper` always takes the helper,
 * `read-via=mountpoint` always the mountpoint (refused in one sentence when it cannot be written). Either way a
 * volume that is not empty is refused unless `force`, before anything is written.
 */
export function dockerVolumeTarget(client: DockerClient, spec: DockerVolumeSpec): RestoreTarget {
  if (spec.name === '*') {
    throw new CairnError('invalid-argument', 'restore --to takes one Docker volume, not docker-volume:*.');
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
    writeInPlace: async (restoreInto, signal) => {
      if (spec.readVia === 'helper') return false;
      const explicit = spec.readVia === 'mountpoint';
      // A remote daemon's mountpoint path may exist here too, as another folder: only an explicit choice trusts it.
      if (!explicit && !isLocal(client)) return false;
      const { info } = await volumeToRestore(client, spec.name, signal);
      try {
        await checkMountpoint(info, true);
      } catch (err) {
        if (explicit) throw err;
        return false;
      }
      const opts: { force: boolean; stopContainers?: boolean; signal?: AbortSignal } = { force };
      if (signal) opts.signal = signal;
      if (spec.stopContainers !== undefined) opts.stopContainers = spec.stopContainers;
      await restoreVolumeInPlace(client, info, restoreInto, opts);
      return true;
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

/** Whether the daemon runs on this machine: a unix socket, or TCP on a loopback address. */
function isLocal(client: DockerClient): boolean {
  const e = client.endpoint;
  return 'socketPath' in e || ['localhost', '127.0.0.1', '::1', '[::1]'].includes(e.host);
}
