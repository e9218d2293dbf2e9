/**
 * @module backend/s3
 * Repositories in S3 and S3-compatible object stores (MinIO, Ceph, R2, OSS…) through the AWS SDK v3, with restic's
 * URL forms, `-o s3.*` options and object layout. Credentials come from the standard AWS chain.
 */
import type { Backend, ObjectStore } from '../backend.js';
import { LazyBackend } from '../lazy.js';
import type { Env } from './location.js';
import { MIN_PART_SIZE, parseS3Location } from './location.js';
import type { TlsSettings } from '../tls.js';

export { parseS3Location, s3Connections, checkS3Options, S3_OPTIONS } from './location.js';
export {
  DEFAULT_MULTIPART_THRESHOLD,
  DEFAULT_PART_SIZE,
  DEFAULT_CONNECTIONS,
  MIN_PART_SIZE,
} from './location.js';
export type { S3Config, Env } from './location.js';
export type { S3Sender } from './multipart.js';

/**
 * Parses a repository URL with the `s3:` scheme and the `-o s3.*` options into a Backend. No I/O: the AWS SDK loads
 * and the client connects on the first call. The result's `connections` is the `-o s3.connections` value for the
 * limit wrapper.
 */
export function openS3Backend(url: string, options: Record<string, string>, env: Env, tls?: TlsSettings): Backend {
  const config = parseS3Location(url, options, env);
  return new LazyBackend(config.location, config.connections, async () => {
    const { S3Backend, makeS3Client } = await import('./s3.js');
    return new S3Backend(config, makeS3Client(config, env, tls));
  });
}

/**
 * Plain files below an `s3:` URL (the daemon's archives), with the repository's `-o s3.*` options and credentials.
 * `partSize` (at least MIN_PART_SIZE) is there for tests that want several parts from a small file.
 */
export async function openS3ObjectStore(
  url: string,
  options: Record<string, string>,
  env: Env,
  partSize?: number,
): Promise<ObjectStore> {
  const config = parseS3Location(url, options, env);
  if (partSize !== undefined) config.partSize = Math.max(MIN_PART_SIZE, partSize);
  const [{ S3ObjectStore }, { makeS3Client }] = await Promise.all([import('./objects.js'), import('./s3.js')]);
  return new S3ObjectStore(config, makeS3Client(config, env));
}
