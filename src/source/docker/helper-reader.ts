import { constants } from 'node:fs';
import tar from 'tar-stream';
import { CairnError, compareNames } from '../../core/index.js';
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

const MOUNT = '/volume';

interface Node {
  header: tar.Header;
  children: Map<string, Node>;
  /** Its name or link target came as bytes that are not UTF-8, which the tar reader cannot give back. */
  lossy?: true;
}

const TYPE_BITS: Partial<Record<tar.Header['type'], number>> = {
  file: constants.S_IFREG,
  'contiguous-file': constants.S_IFREG,
  link: constants.S_IFREG,
  directory: constants.S_IFDIR,
  symlink: constants.S_IFLNK,
  'character-device': constants.S_IFCHR,
  'block-device': constants.S_IFBLK,
  fifo: constants.S_IFIFO,
};

/**
 * One volume's contents read through the Engine API, for a daemon whose volume folders this process cannot read (a
 * remote or rootless daemon): a helper container is created (never started) with the volume mounted read-only and
 * no network. One archive of the volume gives the tree and its metadata; each file is then fetched as an archive of
 * that one path when the archiver reads it, so nothing is held in memory. Every file is read again on every backup
 * (there is no inode to match a parent snapshot by), and the volume is read twice; the archive's times are whole
 * seconds, and a name that is not UTF-8 cannot be carried (see notUtf8): the mountpoint is the better way whenever
 * it is readable.
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
    const extract = tar.extract();
    res.pipe(extract);
    let root: Node | undefined;
    for await (const entry of extract) {
      entry.resume();
      // Names are `volume/…`: the archive's top is the mounted folder itself.
      const parts = entry.header.name.split('/').filter((p) => p !== '');
      if (parts.length <= 1) {
        root = { header: entry.header, children: new Map() };
        continue;
      }
      let at = root;
      for (const p of parts.slice(1, -1)) at = at?.children.get(p);
      if (at === undefined)
        throw new CairnError(
          'fatal',
          `The archive of Docker volume ${this.volume} lists ${entry.header.name} before its folder.`,
        );
      const node: Node = { header: entry.header, children: new Map() };
      if (notUtf8(entry.header)) node.lossy = true;
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
    const errors: SourceError[] = [];
    const names = [...dir.children.keys()].sort(compareNames);
    for (const name of names) {
      const node = dir.children.get(name)!;
      const inside = `${rel}/${name}`;
      if (node.lossy) {
        errors.push({ item: this.shownAs + inside, during: 'list', message: NOT_UTF8 });
        continue;
      }
      const entry = this.entry(name, inside, node);
      this.nodes.set(entry, node);
      entries.push(entry);
    }
    return { entries, errors };
  }

  private entry(name: string, inside: string, node: Node): SourceEntry {
    const h = node.header;
    const path = this.shownAs + inside;
    const stat = statOf(h);
    if (h.type === 'directory') return { kind: 'dir', name, path, stat };
    if (h.type === 'symlink') return { kind: 'symlink', name, path, stat };
    if (stat.isFile()) {
      const mtimeNs = stat.mtimeNs;
      return {
        kind: 'stream',
        name,
        path,
        mode: h.mode ?? 0o644,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        mtimeNs,
        open: (s) => this.read(inside, s),
      };
    }
    return { kind: 'special', name, path, stat };
  }

  async readLink(entry: SymlinkEntry): Promise<string | SourceError> {
    const target = this.nodes.get(entry)?.header.linkname;
    return (
      target ?? {
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
        if (c.header.type === 'directory') t.dirs++;
        else t.files++;
        t.bytes += c.header.size ?? 0;
        visit(c);
      }
    };
    if (this.root) visit(this.root);
    onTotals(t);
    return t;
  }

  /** One file's bytes: the archive of that path holds it as its only entry. */
  private read(inside: string, signal: AbortSignal): OpenStream {
    const { client, helper } = this;
    async function* produce(): AsyncGenerator<Uint8Array> {
      const res = await client.getArchive(helper!, MOUNT + inside, signal);
      const extract = tar.extract();
      res.pipe(extract);
      try {
        for await (const entry of extract) {
          for await (const piece of entry) yield piece as Uint8Array;
          break;
        }
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

const NOT_UTF8 =
  'its name or link target is not valid UTF-8, which a volume read through a helper container cannot carry (the tar ' +
  'reader decodes the archive\'s names as UTF-8); it is left out: read the volume through its mountpoint to back it up';

/**
 * Whether the archive named the entry (or its link target) with bytes that are not UTF-8: Docker puts such names in
 * PAX records, which the tar reader decodes as UTF-8, each bad byte becoming U+FFFD. Fetching the file by that name
 * would fail, and the name stored would be wrong.
 */
function notUtf8(h: tar.Header): boolean {
  const pax = h.pax as Record<string, string> | null | undefined;
  return (pax?.path ?? '').includes('\ufffd') || (pax?.linkpath ?? '').includes('\ufffd');
}

function statOf(h: tar.Header): EntryStat {
  const bits = TYPE_BITS[h.type ?? 'file'] ?? constants.S_IFREG;
  const is = (b: number) => (): boolean => bits === b;
  const t = timeNs(h);
  return {
    mode: BigInt(bits | ((h.mode ?? 0) & 0o7777)),
    uid: BigInt(h.uid ?? 0),
    gid: BigInt(h.gid ?? 0),
    size: BigInt(h.type === 'directory' ? 0 : (h.size ?? 0)),
    nlink: 1n,
    ino: 0n,
    dev: 0n,
    rdev: BigInt(((h.devmajor ?? 0) << 8) | (h.devminor ?? 0)),
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

/** The modification time in nanoseconds: the PAX record's fraction when there is one, else the header's seconds. */
function timeNs(h: tar.Header): bigint {
  const pax = (h.pax as Record<string, string> | null | undefined)?.mtime;
  const m = pax === undefined ? null : /^(\d+)(?:\.(\d{1,9}))?$/.exec(pax);
  if (m) return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
  return BigInt((h.mtime ?? new Date(0)).getTime()) * 1_000_000n;
}
