/**
 * @module source
 * Where backup data comes from. `source/files` walks the local file system into entries (folders, files, symlinks,
 * devices…) with their metadata; further sources (command output, database dumps, volumes) adapt their data to
 * streaming entries. The archiver turns entries into tree nodes and blobs.
 */
export * from './files/index.js';
