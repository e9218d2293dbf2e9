/**
 * @module repository
 * The store on a Backend: config, keys, packs, index, blobs, unpacked files and locks.
 */
export { Repository } from './repository.js';
export type {
  RepoConfig,
  IndexEntry,
  PreparedBlob,
  SaveResult,
  RepositoryOptions,
  InitOptions,
  KeyInfo,
  Lock,
} from './repository.js';
