import fs from 'node:fs/promises';
import { constants } from 'node:fs';
import { CairnError, compareNames, errnoCode } from '../../core/index.js';
import type {
  DirEntry,
  ExtendedAttributes,
  ScanTotals,
  Source,
  SourceEntry,
  SourceError,
  SourceListing,
  SymlinkEntry,
} from '../source.js';
import { checkVolumeSpec } from '../docker-uri.js';
import type { DockerVolumeSpec } from '../spec.js';
import { virtualDirStat } from '../virtual.js';
import { DockerClient, dockerEndpoint, type VolumeInfo } from './client.js';
import { ArchivedVolume } from './helper-reader.js';
import { StoppedContainers } from './quiesce.js';

/** The folder of the snapshot that holds one folder per volume. */
export const VOLUMES_DIR = 'docker-volumes';

/**
 * Opens a local folder as a Source whose root tree is the folder's contents (the registry passes the files source,
 * which this folder may not import).
 */
export type OpenDir = (dir: string) => Source;

interface Volume {
  info: VolumeInfo;
  entry: DirEntry;
  files: Source;
}

/**
 * Docker volumes as a Source: `/docker-volumes/NAME/…` holds each volume's files with their own modes, owners and
 * times. The data is read through the volume's mountpoint on the Docker host with the files source, so large files
 * are read in place (never held in memory) and unchanged files are recognised from the parent snapshot, as for any
 * folder. Where the mountpoint is out of reach (a remote or rootless daemon), a helper container's archive endpoint
 * serves the same tree (`ArchivedVolume`). The containers that use a volume can be stopped while it is read; `close`
 * always starts them again.
 */
export class DockerVolumeSource implements Source {
  readonly paths: readonly string[];
  private readonly client: DockerClient;
  private readonly stopped: StoppedContainers;
  private volumes: Volume[] = [];
  /** Every volume source opened, to close. */
  private opened: Source[] = [];
  private top: DirEntry | undefined;
  /** Which volume's files source gave each entry, to ask it about the entry's children. */
  private readonly owner = new WeakMap<SourceEntry, Source>();

  constructor(
    private readonly spec: DockerVolumeSpec,
    private readonly openDir: OpenDir,
    client?: DockerClient,
  ) {
    checkVolumeSpec(spec);
    this.client =
      client ??
      (spec.dockerHost === undefined
        ? DockerClient.fromEnv()
        : new DockerClient(dockerEndpoint(spec.dockerHost)));
    this.stopped = new StoppedContainers(this.client);
    // A whole selection is matched as the volumes folder, so that its parent snapshot is found whatever it holds.
    this.paths = [spec.name === '*' ? `/${VOLUMES_DIR}` : `/${VOLUMES_DIR}/${spec.name}`];
  }

  /** @throws CairnError 'source-unreadable' for a missing volume or one whose data this process cannot read. */
  async roots(signal?: AbortSignal): Promise<SourceListing> {
    const infos = await this.resolve(signal);
    const viaHelper: boolean[] = [];
    for (const info of infos) viaHelper.push(await this.readsViaHelper(info));
    await this.stopped.stopUsers(
      infos.map((v) => v.Name),
      this.spec.stopContainers === true,
      signal,
    );
    this.volumes = [];
    for (const [i, info] of infos.entries()) {
      const shownAs = `/${VOLUMES_DIR}/${info.Name}`;
      if (viaHelper[i]) {
        const files = new ArchivedVolume(
          this.client,
          info.Name,
          this.spec.helperImage ?? 'busybox:latest',
          shownAs,
        );
        // Closed by close() even when loading fails: the helper container exists from the start.
        this.opened.push(files);
        const stat = await files.load(signal);
        this.volumes.push({ info, files, entry: { kind: 'dir', name: info.Name, path: shownAs, stat } });
      } else {
        const st = await fs.lstat(info.Mountpoint, { bigint: true });
        const entry: DirEntry = { kind: 'dir', name: info.Name, path: info.Mountpoint, stat: st };
        const files = this.openDir(info.Mountpoint);
        this.opened.push(files);
        this.volumes.push({ info, entry, files });
      }
    }
    const newest = this.volumes.reduce((t, v) => (v.entry.stat.mtimeNs > t ? v.entry.stat.mtimeNs : t), 0n);
    this.top = { kind: 'dir', name: VOLUMES_DIR, path: `/${VOLUMES_DIR}`, stat: virtualDirStat(newest) };
    return { entries: [this.top], errors: [] };
  }

  /** Whether the volume is read through a helper container. @throws CairnError when it cannot be read either way. */
  private async readsViaHelper(info: VolumeInfo): Promise<boolean> {
    if (this.spec.readVia === 'helper') return true;
    try {
      await checkMountpoint(info);
      return false;
    } catch (err) {
      if (this.spec.readVia === undefined && this.spec.helperImage !== undefined) return true;
      throw err;
    }
  }

  /** The volumes to read, in name order. */
  private async resolve(signal?: AbortSignal): Promise<VolumeInfo[]> {
    if (this.spec.name !== '*') return [await this.client.inspectVolume(this.spec.name, signal)];
    const labels = this.spec.labels ?? [];
    const found = await this.client.listVolumes(labels, signal);
    if (found.length === 0) {
      const which =
        labels.length > 0 ? ` with the label${labels.length > 1 ? 's' : ''} ${labels.join(', ')}` : '';
      throw new CairnError('source-unreadable', `There is no Docker volume${which} to back up.`);
    }
    return found.sort((a, b) => compareNames(a.Name, b.Name));
  }

  async list(dir: DirEntry, signal?: AbortSignal): Promise<SourceListing> {
    if (dir === this.top) return { entries: this.volumes.map((v) => v.entry), errors: [] };
    const volume = this.volumes.find((v) => v.entry === dir);
    const files: Source | undefined = volume?.files ?? this.owner.get(dir);
    if (files === undefined) throw new Error('DockerVolumeSource.list of an entry it did not give');
    const listing = volume ? await files.roots(signal) : await files.list(dir, signal);
    for (const e of listing.entries) this.owner.set(e, files);
    return listing;
  }

  async readLink(entry: SymlinkEntry): Promise<string | SourceError> {
    const files = this.owner.get(entry);
    if (files === undefined)
      return {
        item: entry.path,
        during: 'readlink',
        message: `${entry.path} is not a symlink of this source.`,
      };
    return files.readLink(entry);
  }

  async scan(onTotals: (totals: ScanTotals) => void, signal?: AbortSignal): Promise<ScanTotals> {
    const sum: ScanTotals = { files: 0, dirs: 1 + this.volumes.length, bytes: 0 };
    for (const { files } of this.volumes) {
      const base = { ...sum };
      const t = await files.scan?.((x) => onTotals(add(base, x)), signal);
      if (t) Object.assign(sum, add(base, t));
    }
    onTotals(sum);
    return sum;
  }

  async extendedAttributes(signal?: AbortSignal): Promise<ExtendedAttributes> {
    const out: ExtendedAttributes = { attributes: new Map(), problems: [] };
    for (const { files } of this.volumes) {
      const x = await files.extendedAttributes?.(signal);
      if (!x) continue;
      for (const [k, v] of x.attributes) out.attributes.set(k, v);
      out.problems.push(...x.problems);
    }
    return out;
  }

  /** Starts the stopped containers again (even after a failed or aborted backup). @throws CairnError if one does not start. */
  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = [];
    try {
      await this.stopped.startAgain();
    } finally {
      for (const files of opened) await files.close();
    }
  }
}

/**
 * Whether the volume's folder can be read (a backup) or written (a restore) from here.
 * @throws CairnError 'source-unreadable' saying why not.
 */
export async function checkMountpoint(info: VolumeInfo, write = false): Promise<void> {
  try {
    await fs.access(info.Mountpoint, constants.R_OK | constants.X_OK | (write ? constants.W_OK : 0));
  } catch (err) {
    const code = errnoCode(err);
    const why =
      code === 'ENOENT'
        ? `its mountpoint ${info.Mountpoint} is not on this machine; run Cairn on the Docker host`
        : `its mountpoint ${info.Mountpoint} cannot be ${write ? 'written' : 'read'} (${code ?? String(err)}); run Cairn as root on the Docker host`;
    const helper = `or ${write ? 'restore' : 'read'} it through a helper container (read-via=helper)`;
    throw new CairnError(
      'source-unreadable',
      `The Docker volume ${info.Name} cannot be ${write ? 'written' : 'read'}: ${why}, ${helper}.`,
      { cause: err },
    );
  }
}

function add(a: ScanTotals, b: ScanTotals): ScanTotals {
  return { files: a.files + b.files, dirs: a.dirs + b.dirs, bytes: a.bytes + b.bytes };
}

