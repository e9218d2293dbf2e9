/**
 * @module source/files
 * The local file system as a Source (`FilesSource`): restic's root-tree shape for the given paths, sorted directory
 * listings with `lstat` metadata, restic's exclude rules (patterns, exclude files, tag files, size limit, one file
 * system), extended attributes via `getfattr`, and a fast counting walk for progress totals. Only registry.ts and
 * tests import this folder.
 */
export { FilesSource } from './files-source.js';
export { findGetfattr } from './xattr.js';
