/**
 * @module backend/sftp
 * PLACEHOLDER — being implemented. Contract: see /work/notes/issue3.md.
 */
import type { Backend } from '../backend.js';
import { CairnError } from '../../core/index.js';

export type Env = Record<string, string | undefined>;

/** Parses a repository URL with the `sftp:` scheme and the `-o sftp.*` options into a Backend. */
export function openSftpBackend(url: string, options: Record<string, string>, env: Env): Backend {
  void options;
  void env;
  throw new CairnError('invalid-argument', `sftp: backends are not supported yet (${url}).`);
}
