/**
 * @module backend/s3
 * PLACEHOLDER — being implemented. Contract: see /work/notes/issue3.md.
 */
import type { Backend } from '../backend.js';
import { CairnError } from '../../core/index.js';

export type Env = Record<string, string | undefined>;

/** Parses a repository URL with the `s3:` scheme and the `-o s3.*` options into a Backend. */
export function openS3Backend(url: string, options: Record<string, string>, env: Env): Backend {
  void options;
  void env;
  throw new CairnError('invalid-argument', `s3: backends are not supported yet (${url}).`);
}
