import type { BigIntStats } from 'node:fs';
import type { ExtendedAttribute } from '../core/index.js';

/**
 * The Source plug-in interface: where a backup's data comes from. A source is a tree of entries; the archiver walks
 * it the same way for every source and turns each entry into a tree node.
 *
 * Contract (checked by `source/testing`):
 * - Lifecycle: open (the registry's `openSource`) → `roots` once → `list`/`readLink`/`open` while walking →
 *   `close` once, also after a failed or aborted backup. `scan` and `extendedAttributes` may run alongside the
 *   walk, once each, after `roots` resolved.
 * - Ordering: `roots` and `list` return entries sorted by name in UTF-8 byte order (`compareNames`, restic's
 *   order of tree nodes), without duplicate names.
 * - Errors: a child that cannot be read is reported as a `SourceError` in the listing (or returned by `readLink`)
 *   and left out; a folder that cannot be listed says so in its listing's `dirError` and is left out too (never an
 *   empty folder in its place); the backup goes on without them. Only a fault that makes the whole backup meaningless throws (a
 *   given path that does not exist: CairnError 'source-unreadable'; bad options: 'invalid-argument'). A stream whose
 *   producer fails rejects its `done`: then no snapshot may be written.
 * - Concurrency: the archiver lists one folder at a time (depth first), but reads several files and symlinks while
 *   it walks on; `scan` and `extendedAttributes` run at the same time as the walk. A source must not assume that
 *   entries are finished in the order they were listed.
 * - Paths: an entry's `path` is the item as shown to users (progress, errors) and the key of its extended
 *   attributes; for a `'file'` entry it is also where the archiver reads the bytes on the local file system
 *   (positioned reads, worker batching). Data that is not a local file is a `'stream'` entry.
 * - Bytes: names, paths and link targets are byte strings held in JS strings; a byte that is not part of valid UTF-8
 *   is the lone surrogate U+DC80+byte (core's `nameFromBytes`), and `fsPathOf` gives what Node's fs calls need.
 */
export interface Source {
  /** The snapshot's `paths` (absolute), also what restic matches a parent snapshot by. */
  readonly paths: readonly string[];
  /** The entries of the snapshot's root tree. @throws CairnError when the backup cannot start (see the contract). */
  roots(signal?: AbortSignal): Promise<SourceListing>;
  /** The entries of a folder that `roots` or an earlier `list` returned; never throws for unreadable children. */
  list(dir: DirEntry, signal?: AbortSignal): Promise<SourceListing>;
  /** The target of a symlink entry, or why it could not be read. */
  readLink(entry: SymlinkEntry): Promise<string | SourceError>;
  /** Counts what the backup will visit, for progress totals; `onTotals` gets the running totals. Errors are ignored. */
  scan?(onTotals: (totals: ScanTotals) => void, signal?: AbortSignal): Promise<ScanTotals>;
  /** Extended attributes by entry `path`, with what could not be read (excluded items already left out). */
  extendedAttributes?(signal?: AbortSignal): Promise<ExtendedAttributes>;
  /**
   * What the snapshot records about this source in `/.cairn/sources.json` (kind, server version, tool), once `roots`
   * resolved. Never holds a password.
   */
  describe?(): SourceDescription[];
  /** Releases what the source holds (a running command, open handles); safe to call more than once. */
  close(): Promise<void>;
}

/** One source of a snapshot as `/.cairn/sources.json` records it. */
export interface SourceDescription {
  /** `mysql`, `postgres`, `sqlite`, `command`, `files`, … */
  kind: string;
  /** Where it came from: the URI without its password, a path, a command line. */
  from: string;
  /** The snapshot paths holding its data. */
  paths: string[];
  /** The server's version (`SELECT VERSION()`), when there is a server. */
  server?: string;
  /** The tool and its version (`mariadb-dump  Ver 10.19 …`), when a tool made the data. */
  tool?: string;
}

/**
 * Where `restore --to URI` writes a dump back (a database, a database file). `restore` streams the snapshot's file
 * into `write`; the target never ends up half-written: a failed load is reported with one sentence.
 */
export interface RestoreTarget {
  /** The URI without its password. */
  readonly display: string;
  /** The snapshot folder its dumps are in (`/mysql`). */
  readonly folder: string;
  /** Which of the snapshot's files fit this target (`/mysql/*.sql`, …), to pick the one to restore. */
  accepts(snapshotPath: string): boolean;
  /**
   * 'folder': the target takes a folder, not one file (a Docker volume is a tree, not a dump): `accepts` names
   * folders, and `write` gets the folder as a tar stream with names relative to it (what `dump` writes).
   * Default 'file'.
   */
  readonly takes?: 'file' | 'folder';
  /** Among several snapshot paths that fit, the one to pick without asking (a volume's own folder). */
  readonly preferred?: string;
  /**
   * Checks that the target can be written: the server answers, the target is empty (unless `force`).
   * @throws CairnError with one sentence otherwise.
   */
  prepare(force: boolean, signal?: AbortSignal): Promise<void>;
  /** Loads the dump; rejects (one sentence) when the tool fails. */
  write(data: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void>;
  /**
   * For a 'folder' target that can take the files in place (a Docker volume's mountpoint on this machine): called
   * after `prepare` and before `write`, with `restoreInto`, which restores the snapshot folder into a local folder
   * with the restorer's file writer (times to the nanosecond, owners, extended attributes). Resolves true when it
   * did so (`write` is not called then), false when the target takes the tar stream of `write` instead.
   */
  writeInPlace?(restoreInto: (dir: string) => Promise<void>, signal?: AbortSignal): Promise<boolean>;
  /**
   * For restore drills (database servers only): the rows of every table (`table<TAB>rows` lines), or the output of
   * `query`, once the dump is loaded. @throws CairnError with the server's sentence when the query fails.
   */
  check?(query: string | undefined, signal?: AbortSignal): Promise<string[]>;
  /** For restore drills: removes the database again (it was created by `prepare`). */
  drop?(): Promise<void>;
}

/** The metadata of an entry, shaped like `fs.lstat(…, { bigint: true })` (what restic records in a node). */
export type EntryStat = Pick<
  BigIntStats,
  | 'mode' | 'uid' | 'gid' | 'size' | 'nlink' | 'ino' | 'dev' | 'rdev' | 'mtimeNs' | 'atimeNs' | 'ctimeNs'
  | 'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isBlockDevice' | 'isCharacterDevice' | 'isFIFO' | 'isSocket'
>;

interface StatEntry {
  /** Node name in its tree. */
  name: string;
  /** The item as shown to users; for a file also where its bytes are read. */
  path: string;
  stat: EntryStat;
}

export interface DirEntry extends StatEntry {
  kind: 'dir';
}
/** A regular file on the local file system, read by the archiver from `path`. */
export interface FileEntry extends StatEntry {
  kind: 'file';
}
export interface SymlinkEntry extends StatEntry {
  kind: 'symlink';
}
/** A device, FIFO or socket: only its metadata is backed up. */
export interface SpecialEntry extends StatEntry {
  kind: 'special';
}

/**
 * Data produced while it is read (standard input, command output, a database dump): backed up as one file node.
 * Metadata left out is made up as restic does for stdin: mode 0644, owner the current process, all three times
 * the moment the stream was read to its end.
 */
export interface StreamEntry {
  kind: 'stream';
  name: string;
  path: string;
  /** Permission bits of the file node. */
  mode?: number;
  uid?: number;
  gid?: number;
  mtimeNs?: bigint;
  /** Starts the producer; called at most once. Aborting `signal` stops it. */
  open(signal: AbortSignal): OpenStream;
}

export interface OpenStream {
  stream: AsyncIterable<Uint8Array>;
  /**
   * Each piece is a buffer of its own that nothing else holds (a pipe's reads): the reader may free it as soon as it
   * has copied it. Freeing at once spares the garbage collector a heap walk per few dozen MiB of pipe buffers.
   */
  freshPieces?: boolean;
  /** Settles once the producer has finished; rejects when it failed (then no snapshot may be written). */
  done: Promise<void>;
}

export type SourceEntry = DirEntry | FileEntry | SymlinkEntry | SpecialEntry | StreamEntry;

/** A folder's entries in name order, and the children that could not be read. */
export interface SourceListing {
  entries: SourceEntry[];
  errors: SourceError[];
  /**
   * Set when the folder itself could not be read (it vanished, is unreadable, or was replaced after its parent was
   * listed); then there are no entries, and the folder is left out of the backup, as restic does.
   */
  dirError?: SourceError;
}

/** A file or folder that could not be read; the backup leaves it out and keeps going, as restic does. */
export interface SourceError {
  item: string;
  during: string;
  message: string;
}

export interface ScanTotals {
  files: number;
  dirs: number;
  bytes: number;
}

/** Extended attributes by entry path. */
export type XattrMap = Map<string, ExtendedAttribute[]>;

export interface ExtendedAttributes {
  attributes: XattrMap;
  /** What could not be read, one sentence each; `item` is the path it concerns, when known. */
  problems: { message: string; item?: string }[];
}
