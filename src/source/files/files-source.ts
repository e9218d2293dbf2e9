import fs from 'node:fs/promises';
import path from 'node:path';
import { CairnError, fsPathOf, nameFromBytes } from '../../core/index.js';
import { toSourceError } from '../errors.js';
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
import type { FilesSpec } from '../spec.js';
import { Excluder } from './exclude.js';
import { scanTotals } from './scan.js';
import { buildTargets, leafPaths, type TargetNode } from './targets.js';
import { fsEntry, listDir, lstatEntry, type FsEntry } from './walk.js';
import { readXattrsRecursive } from './xattr.js';

const NOTHING: SourceListing = Object.freeze({ entries: [], errors: [] });

/**
 * The local file system as a Source. The root tree has restic 0.14's shape (see targets.ts): the given paths under
 * their path components, intermediate folders holding only the targeted children, `/` and `.` as the contents of
 * their folder. Listings apply the exclude rules; under `--one-file-system` a folder on another device than its
 * target is listed as empty (restic keeps a mount point as an empty folder).
 */
export class FilesSource implements Source {
  readonly paths: readonly string[];
  private readonly targets: TargetNode[] | { contentsOf: string };
  private readonly excluderReady: Promise<Excluder>;
  private excluder: Excluder | undefined;
  /** The prepared children of the root tree's intermediate folders, by their entry. */
  private readonly intermediate = new Map<SourceEntry, FsEntry[]>();

  /** @throws CairnError 'invalid-argument' when no path is given. */
  constructor(spec: FilesSpec) {
    if (spec.paths.length === 0) throw new CairnError('invalid-argument', 'No files or folders to back up.');
    const cwd = spec.cwd ?? process.cwd();
    this.paths = spec.paths.map((p) => path.resolve(cwd, p));
    this.targets = buildTargets(spec.paths, cwd);
    this.excluderReady = Excluder.create(spec.excludes);
    // Awaited by roots(); an unreadable exclude file must not count as unhandled before that.
    this.excluderReady.catch(() => undefined);
  }

  /**
   * The root tree's entries. @throws CairnError 'source-unreadable' if a given path cannot be read,
   * 'invalid-argument' for an unreadable exclude file or a bad size limit.
   */
  async roots(): Promise<SourceListing> {
    for (const p of this.paths) {
      const st = await lstatEntry(p);
      if ('item' in st) throw new CairnError('source-unreadable', st.message.includes('does not exist') ? `${p} does not exist.` : st.message);
    }
    const excluder = (this.excluder = await this.excluderReady);
    if (!('contentsOf' in this.targets)) return { entries: await this.targetEntries(this.targets, excluder), errors: [] };
    const st = await lstatEntry(this.targets.contentsOf);
    if ('item' in st) throw new CairnError('source-unreadable', st.message);
    // The root tree is this folder's contents: one it cannot read leaves the tree empty, with the warning.
    const { entries, errors, dirError } = await listDir(this.targets.contentsOf, excluder, st.dev);
    return { entries, errors: dirError ? [dirError, ...errors] : errors };
  }

  /** Entries for target nodes: leaves as themselves (unless excluded), intermediate folders with their children. */
  private async targetEntries(nodes: readonly TargetNode[], excluder: Excluder): Promise<FsEntry[]> {
    const out: FsEntry[] = [];
    for (const t of nodes) {
      const st = await lstatEntry(t.fsPath);
      if ('item' in st) throw new CairnError('source-unreadable', st.message);
      if (!t.leaf) {
        // Always a folder node in the tree, whatever the path is on disk, as the archiver has always built it.
        const dir: FsEntry = { ...fsEntry(t.name, t.fsPath, st, st.dev), kind: 'dir' };
        this.intermediate.set(dir, await this.targetEntries(t.children, excluder));
        out.push(dir);
      } else if (!excluder.excludedByName(t.fsPath) && !excluder.excludedBySize(st.isDirectory(), Number(st.size))) {
        out.push(fsEntry(t.name, t.fsPath, st, st.dev));
      }
    }
    return out;
  }

  async list(dir: DirEntry): Promise<SourceListing> {
    const prepared = this.intermediate.get(dir);
    if (prepared !== undefined) return { entries: prepared, errors: [] };
    const excluder = this.excluder;
    if (excluder === undefined) throw new Error('FilesSource.list before roots');
    const { rootDev } = dir as DirEntry & FsEntry;
    if (excluder.oneFileSystem && dir.stat.dev !== rootDev) return NOTHING;
    return listDir(dir.path, excluder, rootDev, dir.stat);
  }

  async readLink(entry: SymlinkEntry): Promise<string | SourceError> {
    try {
      return nameFromBytes(await fs.readlink(fsPathOf(entry.path), { encoding: 'buffer' }));
    } catch (err) {
      return toSourceError(entry.path, 'readlink', err);
    }
  }

  async scan(onTotals: (totals: ScanTotals) => void, signal?: AbortSignal): Promise<ScanTotals> {
    return scanTotals(leafPaths(this.targets), await this.excluderReady, onTotals, signal);
  }

  /** From `getfattr -R` over the targets; problems with items that `--exclude` leaves out are not reported. */
  async extendedAttributes(signal?: AbortSignal): Promise<ExtendedAttributes> {
    const problems: ExtendedAttributes['problems'] = [];
    const warn = (message: string, item?: string): void =>
      void problems.push(item === undefined ? { message } : { message, item });
    const attributes = await readXattrsRecursive(leafPaths(this.targets), signal, warn);
    const excluder = await this.excluderReady;
    return { attributes, problems: problems.filter((p) => p.item === undefined || !excluder.excludedByName(p.item)) };
  }

  async close(): Promise<void> {}
}
