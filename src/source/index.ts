/**
 * @module source
 * Where backup data comes from: the `Source` plug-in interface (source.ts), a tree of entries — folders, files,
 * symlinks, special files and streams — that the archiver walks the same way for every source. The
 * implementations live in their own folders (`files`: the local file system; `stream`: standard input and command
 * output) and are named only by registry.ts, which opens one from a `SourceSpec`. What several sources or the
 * restorer share is here: restic's path patterns, user and group names, the name order, source errors.
 */
export type {
  DirEntry,
  EntryStat,
  ExtendedAttributes,
  FileEntry,
  OpenStream,
  RestoreTarget,
  ScanTotals,
  Source,
  SourceEntry,
  SourceDescription,
  SourceError,
  SourceListing,
  SpecialEntry,
  StreamEntry,
  SymlinkEntry,
  XattrMap,
} from './source.js';
export type {
  CommandSpec,
  CompositeSpec,
  DbConnection,
  DockerContainerSpec,
  DockerVolumeSpec,
  ExcludeOptions,
  FilesSpec,
  MysqlSpec,
  PostgresSpec,
  SourceSpec,
  SqliteSpec,
  StdinSpec,
} from './spec.js';
export { isSourceUri, parseSourceUri, redactUri, sourceScheme } from './uri.js';
export { compilePattern, compilePatterns, matchPattern, matchAny, matchAnyWithChild, cleanPath, globToRegExp } from './glob.js';
export type { Pattern, ListMatch } from './glob.js';
export { IdNames, parseIdFile } from './id-names.js';
export { replacedError, replacementOf, toSourceError } from './errors.js';
