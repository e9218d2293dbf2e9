import { CairnError, compareNames } from '../../core/index.js';
import type {
  DirEntry,
  ExtendedAttributes,
  ScanTotals,
  Source,
  SourceDescription,
  SourceEntry,
  SourceError,
  SourceListing,
  SymlinkEntry,
} from '../source.js';
import type { CompositeSpec, SourceSpec } from '../spec.js';
import { streamEntry, virtualDir } from '../virtual.js';

/**
 * The snapshot folder of each kind of source; `undefined` keeps the part's own paths (files). A new kind of source is
 * one more line here.
 */
const FOLDERS: Record<Exclude<SourceSpec['kind'], 'composite'>, string | undefined> = {
  files: undefined,
  stdin: 'stdin',
  command: 'command',
  mysql: 'mysql',
  postgres: 'postgres',
  sqlite: 'sqlite',
  // Docker sources lay out their own /docker-volumes and /docker-containers folders.
  'docker-volume': undefined,
  'docker-container': undefined,
};

/** The folder that holds `/.cairn/sources.json`, the record of what each part is. */
export const METADATA_FOLDER = '.cairn';

interface Part {
  source: Source;
  kind: string;
  from: string;
  folder: string | undefined;
}

/** A folder the composite made: the parts' listings (their roots) or their folders merged into it. */
type Origin = { source: Source; entry: DirEntry } | { source: Source; roots: SourceListing };

/**
 * Several sources as one snapshot (`backup /srv/media mysql://…/classroom`): files keep their paths, every other
 * kind goes under its folder (`/mysql/classroom.sql`), and `/.cairn/sources.json` records each part's kind, origin,
 * server and tool. Folders of the same name from several parts are merged; a name given twice is left out with an
 * error in the listing (at the top, where a files path meets a kind's folder, the backup does not start).
 */
export class CompositeSource implements Source {
  readonly paths: readonly string[];
  private readonly parts: Part[];
  private readonly merged = new Map<DirEntry, Origin[]>();
  private readonly owner = new WeakMap<SourceEntry, Source>();
  private closed = false;

  /** @throws CairnError 'invalid-argument' when no part is given. */
  constructor(spec: CompositeSpec, open: (spec: SourceSpec) => Source) {
    if (spec.parts.length === 0) throw new CairnError('invalid-argument', 'Nothing to back up: no paths or sources given.');
    this.parts = [];
    try {
      for (const p of spec.parts) {
        if (p.kind === 'composite') throw new CairnError('invalid-argument', 'A composite source cannot hold another one.');
        this.parts.push({ source: open(p), kind: p.kind, from: describeSpec(p), folder: FOLDERS[p.kind] });
      }
    } catch (err) {
      void this.close();
      throw err;
    }
    const all = this.parts.flatMap((p) => p.source.paths.map((x) => prefixed(p.folder, x)));
    this.paths = [...new Set(all)].sort(compareNames);
  }

  /** @throws what a part's `roots` throws, or 'invalid-argument' when a files path takes a kind's folder name. */
  async roots(signal?: AbortSignal): Promise<SourceListing> {
    const top = new Map<string, SourceEntry>();
    const errors: SourceError[] = [];
    const folders = new Map<string, DirEntry>();
    for (const part of this.parts) {
      const listing = await part.source.roots(signal);
      errors.push(...listing.errors);
      if (part.folder === undefined) {
        for (const e of listing.entries) {
          if (top.has(e.name)) throw clash(e.name);
          this.adopt(part.source, e);
          top.set(e.name, e);
        }
        continue;
      }
      let dir = folders.get(part.folder);
      if (dir === undefined) {
        dir = virtualDir(part.folder, '/' + part.folder);
        folders.set(part.folder, dir);
        this.merged.set(dir, []);
      }
      this.merged.get(dir)!.push({ source: part.source, roots: listing });
    }
    for (const [name, dir] of [...folders, [METADATA_FOLDER, this.metadataFolder()] as const]) {
      if (top.has(name)) throw clash(name);
      top.set(name, dir);
    }
    return { entries: [...top.values()].sort((a, b) => compareNames(a.name, b.name)), errors };
  }

  async list(dir: DirEntry, signal?: AbortSignal): Promise<SourceListing> {
    const origins = this.merged.get(dir);
    if (origins === undefined) {
      const source = this.owner.get(dir);
      if (source === undefined) return { entries: [], errors: [] };
      const listing = await source.list(dir, signal);
      for (const e of listing.entries) this.adopt(source, e);
      return listing;
    }
    const byName = new Map<string, SourceEntry>();
    const errors: SourceError[] = [];
    for (const o of origins) {
      const listing = 'roots' in o ? o.roots : await o.source.list(o.entry, signal);
      errors.push(...listing.errors);
      if (listing.dirError) errors.push(listing.dirError);
      for (const raw of listing.entries) {
        const e = 'roots' in o && raw.kind === 'stream' ? { ...raw, path: `${dir.path}/${raw.name}` } : raw;
        const same = byName.get(e.name);
        if (same === undefined) {
          this.adopt(o.source, e);
          byName.set(e.name, e);
        } else if (same.kind === 'dir' && e.kind === 'dir' && this.merged.has(same)) {
          this.merged.get(same)!.push({ source: o.source, entry: e });
        } else if (same.kind === 'dir' && e.kind === 'dir') {
          // Two parts hold a folder of this name: it becomes a merged folder of both.
          const both = virtualDir(e.name, same.path);
          this.merged.set(both, [{ source: this.owner.get(same)!, entry: same }, { source: o.source, entry: e }]);
          byName.set(e.name, both);
        } else {
          errors.push({ item: e.path, during: 'list', message: `${e.path} is given by two sources; the second one is left out.` });
        }
      }
    }
    return { entries: [...byName.values()].sort((a, b) => compareNames(a.name, b.name)), errors };
  }

  async readLink(entry: SymlinkEntry): Promise<string | SourceError> {
    const source = this.owner.get(entry);
    if (source === undefined) return { item: entry.path, during: 'readlink', message: `${entry.path} is not a symlink of this source.` };
    return source.readLink(entry);
  }

  async scan(onTotals: (totals: ScanTotals) => void, signal?: AbortSignal): Promise<ScanTotals> {
    const each = this.parts.map((): ScanTotals => ({ files: 0, dirs: 0, bytes: 0 }));
    const sum = (): ScanTotals =>
      each.reduce((a, t) => ({ files: a.files + t.files, dirs: a.dirs + t.dirs, bytes: a.bytes + t.bytes }), { files: 0, dirs: 0, bytes: 0 });
    await Promise.all(
      this.parts.map(async (p, i) => {
        if (!p.source.scan) return;
        each[i] = await p.source.scan((t) => {
          each[i] = t;
          onTotals(sum());
        }, signal);
      }),
    );
    return sum();
  }

  async extendedAttributes(signal?: AbortSignal): Promise<ExtendedAttributes> {
    const out: ExtendedAttributes = { attributes: new Map(), problems: [] };
    for (const p of this.parts) {
      if (!p.source.extendedAttributes) continue;
      const x = await p.source.extendedAttributes(signal);
      for (const [k, v] of x.attributes) out.attributes.set(k, v);
      out.problems.push(...x.problems);
    }
    return out;
  }

  /** Each part as recorded in `/.cairn/sources.json`. */
  describe(): SourceDescription[] {
    return this.parts.flatMap((p) => {
      const own = p.source.describe?.();
      if (own !== undefined) return own.map((d) => ({ ...d, paths: d.paths.map((x) => prefixed(p.folder, x)) }));
      return [{ kind: p.kind, from: p.from, paths: p.source.paths.map((x) => prefixed(p.folder, x)) }];
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const results = await Promise.allSettled(this.parts.map((p) => p.source.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Remembers which part an entry came from, for `list` and `readLink`. */
  private adopt(source: Source, e: SourceEntry): void {
    if (e.kind === 'dir' || e.kind === 'symlink') this.owner.set(e, source);
  }

  private metadataFolder(): DirEntry {
    const dir = virtualDir(METADATA_FOLDER, '/' + METADATA_FOLDER);
    const text = JSON.stringify({ sources: this.describe() }, null, 2) + '\n';
    const file = streamEntry('sources.json', `/${METADATA_FOLDER}/sources.json`, () => ({
      stream: (async function* () {
        yield Buffer.from(text);
      })(),
      done: Promise.resolve(),
    }));
    this.merged.set(dir, [{ source: this, roots: { entries: [file], errors: [] } }]);
    return dir;
  }
}

function prefixed(folder: string | undefined, p: string): string {
  return folder === undefined ? p : `/${folder}${p === '/' ? '' : p}`;
}

function clash(name: string): CairnError {
  return new CairnError('invalid-argument', `The snapshot folder /${name} is taken twice: a given path and a source both land there.`);
}

/** Where a part came from, without any password. */
function describeSpec(spec: Exclude<SourceSpec, CompositeSpec>): string {
  switch (spec.kind) {
    case 'files':
      return spec.paths.join(' ');
    case 'stdin':
      return 'standard input';
    case 'command':
      return [spec.command, ...spec.args].join(' ');
    case 'mysql':
    case 'postgres':
      return spec.connection.display;
    case 'sqlite':
      return `sqlite://${spec.path}`;
    case 'docker-volume':
      return `docker-volume:${spec.name}${spec.labels?.length ? ' labels ' + spec.labels.join(',') : ''}`;
    case 'docker-container':
      return `docker-container:${spec.name}`;
  }
}
