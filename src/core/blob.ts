/** The two kinds of blob restic stores: file content chunks and directory listings. */
export type BlobType = 'data' | 'tree';

/** Kinds of files in a repository; `config` is the single fixed-name file. */
export type FileType = 'config' | 'keys' | 'snapshots' | 'index' | 'locks' | 'data';
