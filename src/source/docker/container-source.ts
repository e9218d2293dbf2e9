import { randomBytes } from 'node:crypto';
import { CairnError } from '../../core/index.js';
import type {
  DirEntry,
  OpenStream,
  Source,
  SourceError,
  SourceListing,
  StreamEntry,
  SymlinkEntry,
} from '../source.js';
import { checkContainerSpec } from '../docker-uri.js';
import type { DockerContainerSpec } from '../spec.js';
import { DockerClient, dockerEndpoint } from './client.js';
import { producedStream } from './produced.js';
import { virtualDirStat } from '../virtual.js';

export const CONTAINERS_DIR = 'docker-containers';

/**
 * A container's state as an image archive: the container is committed (paused meanwhile) to a temporary image, and
 * `docker save` of that image is backed up as `/docker-containers/NAME.tar` (what `docker load` reads). The
 * temporary image is removed once read, or at `close`.
 */
export class DockerContainerSource implements Source {
  readonly paths: readonly string[];
  private readonly client: DockerClient;
  private top: DirEntry | undefined;
  private entry: StreamEntry | undefined;
  private image: string | undefined;

  constructor(
    private readonly spec: DockerContainerSpec,
    client?: DockerClient,
  ) {
    checkContainerSpec(spec);
    this.client =
      client ??
      (spec.dockerHost === undefined
        ? DockerClient.fromEnv()
        : new DockerClient(dockerEndpoint(spec.dockerHost)));
    this.paths = [`/${CONTAINERS_DIR}/${this.fileName}`];
  }

  private get fileName(): string {
    return `${this.spec.name.replace(/^\//, '')}.tar`;
  }

  /** @throws CairnError 'source-unreadable' when there is no such container. */
  async roots(signal?: AbortSignal): Promise<SourceListing> {
    const info = await this.client.inspectContainer(this.spec.name, signal);
    const now = BigInt(Date.now()) * 1_000_000n;
    this.top = { kind: 'dir', name: CONTAINERS_DIR, path: `/${CONTAINERS_DIR}`, stat: virtualDirStat(now) };
    let opened = false;
    this.entry = {
      kind: 'stream',
      name: this.fileName,
      path: this.paths[0]!,
      mode: 0o644,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      open: (sig) => {
        if (opened) throw new CairnError('fatal', `The stream ${this.fileName} can be read only once.`);
        opened = true;
        return this.save(info.Id, sig);
      },
    };
    return { entries: [this.top], errors: [] };
  }

  async list(dir: DirEntry): Promise<SourceListing> {
    return { entries: dir === this.top && this.entry ? [this.entry] : [], errors: [] };
  }

  async readLink(entry: SymlinkEntry): Promise<string | SourceError> {
    return {
      item: entry.path,
      during: 'readlink',
      message: `${entry.path} is not a symlink of this source.`,
    };
  }

  /** Commits the container and streams the image archive; `done` rejects when any step failed. */
  private save(id: string, signal: AbortSignal): OpenStream {
    const name = this.spec.name.replace(/^\//, '');
    const client = this.client;
    const produce = async function* (this: DockerContainerSource): AsyncGenerator<Uint8Array> {
      const repo = `cairn-backup/${name.toLowerCase()}`;
      const tag = `${Date.now()}-${randomBytes(3).toString('hex')}`;
      this.image = `${repo}:${tag}`;
      await client.commit(id, repo, tag, signal);
      for await (const piece of await client.saveImage(this.image, signal)) yield piece as Uint8Array;
      await this.removeImage();
    };
    return producedStream(() => produce.call(this), `the image archive of container ${name}`);
  }

  private async removeImage(): Promise<void> {
    const image = this.image;
    this.image = undefined;
    if (image !== undefined) await this.client.removeImage(image);
  }

  /** Removes the temporary image if it is still there. */
  async close(): Promise<void> {
    await this.removeImage();
  }
}

