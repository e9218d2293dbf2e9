import { constants } from 'node:fs';
import { CairnError, compareNames, hasRawBytes } from '../../core/index.js';
import type {
  DirEntry,
  EntryStat,
  OpenStream,
  ScanTotals,
  Source,
  SourceEntry,
  SourceError,
  SourceListing,
  SymlinkEntry,
} from '../source.js';
import type { DockerClient } from './client.js';
import { producedStream } from './produced.js';
import { readTar, type TarHeader } from './tar-reader.js';

const MOUNT = '/volume';

interface Node {
  header: TarHeader;
  children: Map<string, Node>;
}

/** File type bits by typeflag; a hard link ('1') is read as the file it names. */
const TYPE_BITS: Partial<Record<string, number>> = {
  '0': constants.S_IFREG,
  '7': constants.S_IFREG,
  '1': constants.S_IFREG,
  '5': constants.S_IFDIR,
  '2': constants.S_IFLNK,
  '3': constants.S_IFCHR,
  '4': constants.S_IFBLK,
  '6': constants.S_IFIFO,
};

/**
 * One volume's contents read through the Engine API, for a daemon whose volume folders this process cannot read (a
 * remote or rootless daemon): a helper container is created (never started) with the volume mounted read-only and
 * no network. One archive of the volume gives the tree and its metadata; each file is then fetched as an archive of
 * that one path when the archiver reads it, so nothing is held in memory. Every file is read again on every backup
 * (there is no inode to match a parent snapshot by), and the volume is read twice; the archive's times are whole
 * seconds (the daemon truncates them): the mountpoint is the better way whenever it is readable. Names are kept
 * byte-exact, UTF-8 or not (`readTar`), and a file is fetched by its name's bytes.
 */
export class ArchivedVolume implements Source {
  readonly paths: readonly string[];
  private helper: string | undefined;
  private root: Node | undefined;
  private readonly nodes = new WeakMap<SourceEntry, Node>();

  constructor(
    private readonly client: DockerClient,
    private readonly volume: string,
    private readonly image: string,
    /** Where the volume's folder is in the snapshot, for the paths shown to users. */
    private readonly shownAs: string,
  ) {
    this.paths = [shownAs];
  }

  /** Creates the helper and reads the volume's tree; the stat of the volume's top folder. */
  async load(signal?: AbortSignal): Promise<EntryStat> {
    this.helper = await this.client.createContainer(
      {
        Image: this.image,
        Cmd: ['true'],
        NetworkDisabled: true,
        Labels: { 'cairn.helper': 'true' },
        HostConfig: { NetworkMode: 'none', Binds: [`${this.volume}:${MOUNT}:ro`] },
      },
      signal,
    );
    const res = await this.client.getArchive(this.helper, MOUNT, signal);
    let root: Node | undefined;
    for await (const entry of readTar(res, `Docker volume ${this.volume}`)) {
      // Names are `volume/…`: the archive's top is the mounted folder itself.
      const parts = entry.header.path.split('/').filter((p) => p !== '');
      if (parts.length <= 1) {
        root = { header: entry.header, children: new Map() };
        continue;
      }
      let at = root;
      for (const p of parts.slice(1, -1)) at = at?.children.get(p);
      if (at === undefined)
        throw new CairnError(
          'fatal',
          `The archive of Docker volume ${this.volume} lists ${entry.header.path} before its folder.`,
        );
      const node: Node = { header: entry.header, children: new Map() };
      at.children.set(parts[parts.length - 1]!, node);
    }
    if (root === undefined)
      throw new CairnError('fatal', `The archive of Docker volume ${this.volume} is empty.`);
    this.root = root;
    return statOf(root.header);
  }

  async roots(): Promise<SourceListing> {
    if (this.root === undefined) throw new Error('ArchivedVolume.roots before load');
    return this.listing(this.root, '');
  }

  async list(dir: DirEntry): Promise<SourceListing> {
    const node = this.nodes.get(dir);
    if (node === undefined) throw new Error('ArchivedVolume.list of an entry it did not give');
    return this.listing(node, dir.path.slice(this.shownAs.length));
  }

  private listing(dir: Node, rel: string): SourceListing {
    const entries: SourceEntry[] = [];
    const names = [...dir.children.keys()].sort(compareNames);
    for (const name of names) {
      const node = dir.children.get(name)!;
      const inside = `${rel}/${name}`;
      const entry = this.entry(name, inside, node);
      this.nodes.set(entry, node);
      entries.push(entry);
    }
    return { entries, errors: [] };
  }

  private entry(name: string, inside: string, node: Node): SourceEntry {
    const h = node.header;
    const path = this.shownAs + inside;
    const stat = statOf(h);
    if (h.type === '5') return { kind: 'dir', name, path, stat };
    if (h.type === '2') return { kind: 'symlink', name, path, stat };
    if (stat.isFile()) {
      const mtimeNs = stat.mtimeNs;
      return {
        kind: 'stream',
        name,
        path,
        mode: h.mode & 0o7777,
        uid: h.uid,
        gid: h.gid,
        mtimeNs,
        open: (s) => this.read(inside, s),
      };
    }
    return { kind: 'special', name, path, stat };
  }

  async readLink(entry: SymlinkEntry): Promise<string | SourceError> {
    const node = this.nodes.get(entry);
    return (
      node?.header.linkpath ?? {
        item: entry.path,
        during: 'readlink',
        message: `${entry.path} is not a symlink of this source.`,
      }
    );
  }

  async scan(onTotals: (totals: ScanTotals) => void): Promise<ScanTotals> {
    const t: ScanTotals = { files: 0, dirs: 0, bytes: 0 };
    const visit = (n: Node): void => {
      for (const c of n.children.values()) {
        if (c.header.type === '5') t.dirs++;
        else t.files++;
        t.bytes += c.header.size;
        visit(c);
      }
    };
    if (this.root) visit(this.root);
    onTotals(t);
    return t;
  }

  /**
   * One file's bytes: the archive of that path holds it as its only entry. The daemon hands the requested name to its
   * tar process as JSON, which turns bytes that are not UTF-8 into U+FFFD (the archive comes back empty), so a file
   * named so is taken from the archive of its nearest folder whose name is UTF-8, read up to that file.
   */
  private read(inside: string, signal: AbortSignal): OpenStream {
    const { client, helper } = this;
    const parts = inside.split('/').slice(1);
    let kept = parts.length;
    while (kept > 0 && hasRawBytes(parts[kept - 1]!)) kept--;
    const asked = [MOUNT, ...parts.slice(0, kept)].join('/');
    // The archive's names start with the asked path's last name.
    const wanted = [asked.slice(asked.lastIndexOf('/') + 1), ...parts.slice(kept)].join('/');
    const shown = this.shownAs + inside;
    async function* produce(): AsyncGenerator<Uint8Array> {
      const res = await client.getArchive(helper!, asked, signal);
      try {
        for await (const entry of readTar(res, shown)) {
          if (entry.header.path.replace(/\/+$/, '') !== wanted) continue;
          yield* entry.body;
          return;
        }
        throw new CairnError('source-unreadable', `${shown} is no longer in the Docker volume.`);
      } finally {
        res.destroy();
      }
    }
    return producedStream(produce, MOUNT + inside);
  }

  async close(): Promise<void> {
    const helper = this.helper;
    this.helper = undefined;
    if (helper !== undefined) await this.client.removeContainer(helper).catch(() => undefined);
  }
}

function statOf(h: TarHeader): EntryStat {
  const bits = TYPE_BITS[h.type] ?? constants.S_IFREG;
  const is = (b: number) => (): boolean => bits === b;
  const t = h.mtimeNs;
  return {
    mode: BigInt(bits | (h.mode & 0o7777)),
    uid: BigInt(h.uid),
    gid: BigInt(h.gid),
    size: BigInt(h.type === '5' ? 0 : h.size),
    nlink: 1n,
    ino: 0n,
    dev: 0n,
    rdev: BigInt((h.devmajor << 8) | h.devminor),
    mtimeNs: t,
    atimeNs: t,
    ctimeNs: t,
    isFile: is(constants.S_IFREG),
    isDirectory: is(constants.S_IFDIR),
    isSymbolicLink: is(constants.S_IFLNK),
    isBlockDevice: is(constants.S_IFBLK),
    isCharacterDevice: is(constants.S_IFCHR),
    isFIFO: is(constants.S_IFIFO),
    isSocket: is(constants.S_IFSOCK),
  };
}
