import assert from 'node:assert/strict';
import { compareNames } from '../../core/index.js';
import type { Source, SourceEntry, SourceError, SourceListing, StreamEntry } from '../source.js';

/** How the suite gets sources of one implementation; each call opens a fresh one (the suite closes it). */
export interface SourceFixture {
  /** A source over a small tree, with folders if the source has any. */
  open: () => Source | Promise<Source>;
  /** The tree of `open` holds children that cannot be read; they must be reported in a listing. */
  hasUnreadable?: boolean;
  /** A source whose stream producer fails (for sources with stream entries). */
  openFailing?: () => Source | Promise<Source>;
}

/** One check of the Source contract (source.ts); `run` throws on a violation. */
export interface SourceCase {
  name: string;
  /** Runs only when the fixture has `openFailing`. */
  needsFailing?: boolean;
  run(fixture: SourceFixture): Promise<void>;
}

/** Walks the whole tree depth-first as the archiver does, handing every listing to `visit`. */
async function walk(source: Source, visit: (listing: SourceListing, where: string) => Promise<void> | void): Promise<void> {
  const descend = async (listing: SourceListing, where: string, depth: number): Promise<void> => {
    await visit(listing, where);
    assert.ok(depth < 64, `${where}: the tree is deeper than 64 levels`);
    for (const e of listing.entries) {
      if (e.kind === 'dir') await descend(await source.list(e), e.path, depth + 1);
    }
  };
  await descend(await source.roots(), 'the root tree', 0);
}

async function withSource(open: () => Source | Promise<Source>, use: (s: Source) => Promise<void>): Promise<void> {
  const source = await open();
  try {
    await use(source);
  } finally {
    await source.close();
  }
}

async function allEntries(source: Source): Promise<SourceEntry[]> {
  const out: SourceEntry[] = [];
  await walk(source, (l) => void out.push(...l.entries));
  return out;
}

/** Reads a stream entry to its end; the error of reading it, if any. */
async function drain(entry: StreamEntry): Promise<{ bytes: number; failed: unknown }> {
  const { stream, done } = entry.open(new AbortController().signal);
  let bytes = 0;
  let failed: unknown;
  try {
    for await (const piece of stream) bytes += piece.length;
  } catch (err) {
    failed = err;
  }
  await done.catch((err: unknown) => (failed ??= err));
  return { bytes, failed };
}

function assertSourceError(e: SourceError, where: string): void {
  for (const k of ['item', 'during', 'message'] as const) {
    assert.equal(typeof e[k], 'string', `${where}: a SourceError's ${k} is a string`);
  }
}

export const sourceCases: SourceCase[] = [
  {
    name: 'paths are absolute, and the root tree has entries',
    async run(f) {
      await withSource(f.open, async (s) => {
        assert.ok(s.paths.length > 0, 'paths is not empty');
        for (const p of s.paths) assert.ok(p.startsWith('/'), `${p} is absolute`);
        assert.ok((await s.roots()).entries.length > 0, 'the root tree has entries');
      });
    },
  },
  {
    name: 'every listing is in UTF-8 byte order of names, without duplicates',
    async run(f) {
      await withSource(f.open, (s) =>
        walk(s, ({ entries }, where) => {
          for (let i = 1; i < entries.length; i++) {
            const [a, b] = [entries[i - 1]!.name, entries[i]!.name];
            assert.ok(compareNames(a, b) < 0, `${where}: "${a}" comes before "${b}"`);
          }
        }),
      );
    },
  },
  {
    name: 'unreadable children (and unlistable folders) are reported as SourceError values in a listing, not thrown, and left out',
    async run(f) {
      let errors = 0;
      await withSource(f.open, (s) =>
        walk(s, ({ entries, errors: errs, dirError }, where) => {
          for (const e of errs) {
            assertSourceError(e, where);
            assert.ok(!entries.some((x) => x.path === e.item), `${where}: ${e.item} is reported and left out`);
          }
          errors += errs.length;
          if (dirError === undefined) return;
          assertSourceError(dirError, where);
          assert.equal(entries.length, 0, `${where}: a folder that cannot be listed has no entries`);
          errors++;
        }),
      );
      if (f.hasUnreadable) assert.ok(errors > 0, 'the unreadable child is reported');
    },
  },
  {
    name: 'readLink gives a target or a SourceError, never a throw',
    async run(f) {
      await withSource(f.open, async (s) => {
        for (const e of await allEntries(s)) {
          if (e.kind !== 'symlink') continue;
          const target = await s.readLink(e);
          if (typeof target !== 'string') assertSourceError(target, e.path);
        }
      });
    },
  },
  {
    name: 'a stream entry reads to its end and its done resolves',
    async run(f) {
      await withSource(f.open, async (s) => {
        for (const e of await allEntries(s)) {
          if (e.kind !== 'stream') continue;
          const { failed } = await drain(e);
          assert.equal(failed, undefined, `${e.path} is read without an error`);
        }
      });
    },
  },
  {
    name: 'a failing producer rejects the stream’s done',
    needsFailing: true,
    async run(f) {
      await withSource(f.openFailing!, async (s) => {
        const streams = (await allEntries(s)).filter((e): e is StreamEntry => e.kind === 'stream');
        assert.ok(streams.length > 0, 'the failing source has a stream entry');
        // A source may hold streams that succeed beside the failing one (a composite's /.cairn/sources.json).
        let rejected = 0;
        for (const entry of streams) {
          const { stream, done } = entry.open(new AbortController().signal);
          try {
            for await (const piece of stream) void piece;
          } catch {
            // The stream may fail too; what counts is that done rejects.
          }
          await done.catch(() => rejected++);
        }
        assert.ok(rejected > 0, 'done rejects');
      });
    },
  },
  {
    name: 'close may be called twice',
    async run(f) {
      const s = await f.open();
      await s.roots();
      await s.close();
      await s.close();
    },
  },
];
