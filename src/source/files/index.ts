/**
 * @module source/files
 * The local file system as a backup source: sorted directory listings with `lstat` metadata, restic's exclude rules
 * (patterns, exclude files, tag files, size limit, one file system), user/group names, extended attributes via
 * `getfattr`, and a fast counting walk for progress totals.
 */
export { Excluder, parsePatternLines, parseSize } from './exclude.js';
export type { ExcludeOptions } from './exclude.js';
export { compilePattern, compilePatterns, matchPattern, matchAny, matchAnyWithChild, cleanPath, globToRegExp } from './glob.js';
export type { Pattern, ListMatch } from './glob.js';
export { IdNames, parseIdFile } from './names.js';
export { listDir, lstatEntry, compareNames, toSourceError } from './walk.js';
export type { FileEntry, SourceError, DirListing } from './walk.js';
export { scanTotals } from './scan.js';
export type { ScanTotals } from './scan.js';
export { readXattrsRecursive, parseGetfattr, findGetfattr } from './xattr.js';
export type { XattrMap, XattrWarn } from './xattr.js';
