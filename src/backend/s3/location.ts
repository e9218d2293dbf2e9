import { z } from 'zod';
import { CairnError } from '../../core/index.js';
import { checkOptions, intOption } from '../options.js';

export type Env = Record<string, string | undefined>;

const MiB = 1024 * 1024;

/** The smallest part S3 accepts (except the last one of an upload). */
export const MIN_PART_SIZE = 5 * MiB;

/**
 * Objects of this size and above go up as multipart uploads. Twice the default pack size (16 MiB): ordinary packs
 * stay one PUT (one round trip, no upload state on the server), while packs enlarged with --pack-size are split so
 * a failure costs one part, not the whole pack.
 */
export const DEFAULT_MULTIPART_THRESHOLD = 32 * MiB;
export const DEFAULT_PART_SIZE = 16 * MiB;
export const DEFAULT_CONNECTIONS = 5;

/** Everything the S3 backend needs, decided from the URL, the `-o s3.*` options and the environment. */
export const s3ConfigSchema = z.object({
  /** `http(s)://host[:port]`, or undefined for AWS's own endpoint chosen by region. */
  endpoint: z.string().optional(),
  bucket: z.string().min(1),
  /** Key prefix without leading or trailing slash; '' for the bucket root. */
  prefix: z.string(),
  region: z.string().min(1),
  forcePathStyle: z.boolean(),
  storageClass: z.string().optional(),
  connections: z.number().int().min(1).max(1000),
  sse: z.enum(['AES256', 'aws:kms']).optional(),
  sseKmsKeyId: z.string().min(1).optional(),
  listObjectsV1: z.boolean(),
  multipartThreshold: z.number().int().min(1),
  partSize: z.number().int().min(MIN_PART_SIZE),
  /** Parts of one upload in flight at once. */
  partConcurrency: z.number().int().min(1).max(64),
  /** Tries per part, the first included. */
  partAttempts: z.number().int().min(1).max(20),
  /** The repository URL as shown in messages (never carries secrets). */
  location: z.string(),
});

export type S3Config = z.infer<typeof s3ConfigSchema>;

/** The `-o` keys this backend understands, with restic's spelling. */
export const S3_OPTIONS = [
  's3.region',
  's3.bucket-lookup',
  's3.storage-class',
  's3.connections',
  's3.sse',
  's3.sse-kms-key-id',
  's3.list-objects-v1',
] as const;

interface Parsed {
  scheme: 'http' | 'https';
  host: string;
  bucket: string;
  prefix: string;
}

function invalid(message: string): CairnError {
  return new CairnError('invalid-argument', message);
}

/** Splits restic's URL forms: `s3:http(s)://host[:port]/bucket[/prefix]`, `s3:host/bucket[/prefix]`, `s3://host/…`. */
function splitUrl(url: string): Parsed {
  if (!url.startsWith('s3:')) throw invalid(`An S3 repository URL starts with "s3:", which ${url} does not.`);
  let rest = url.slice(3);
  let scheme: 'http' | 'https' = 'https';
  const withScheme = /^(https?):\/\/(.*)$/i.exec(rest);
  if (withScheme) {
    scheme = withScheme[1]!.toLowerCase() as 'http' | 'https';
    rest = withScheme[2]!;
  } else if (rest.startsWith('//')) {
    rest = rest.slice(2);
  }
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  if (host.includes('@')) {
    throw invalid(
      'Credentials do not belong in an s3: URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead.',
    );
  }
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(host)) {
    throw invalid(`The S3 URL ${url} has no valid host; expected s3:https://host[:port]/bucket[/prefix].`);
  }
  const [bucket = '', ...parts] = path.split('/');
  if (bucket === '') throw invalid(`The S3 URL ${url} names no bucket; expected s3:${host}/bucket[/prefix].`);
  if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/i.test(bucket)) {
    throw invalid(`"${bucket}" is not a valid S3 bucket name (3 to 63 letters, digits, dots or hyphens).`);
  }
  const prefixParts = parts.filter((p) => p !== '' && p !== '.');
  if (prefixParts.includes('..')) throw invalid(`The S3 prefix in ${url} must not contain "..".`);
  return { scheme, host: host.toLowerCase(), bucket, prefix: prefixParts.join('/') };
}

/** restic's (and minio-go's) "auto" bucket lookup: virtual-host style on AWS and Aliyun, path style elsewhere. */
function pathStyle(lookup: string, host: string): boolean {
  if (lookup === 'path') return true;
  if (lookup === 'dns') return false;
  if (lookup === 'auto') return !/(^|\.)(amazonaws\.com|aliyuncs\.com)$/.test(host.replace(/:\d+$/, ''));
  throw invalid(`-o s3.bucket-lookup must be auto, dns or path, not "${lookup}".`);
}

/** `s3.eu-west-1.amazonaws.com` and `s3-eu-west-1.amazonaws.com` name their region. */
function regionOfHost(host: string): string | undefined {
  return /^s3[.-](?:dualstack\.)?([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com$/.exec(host)?.[1];
}

function bool(key: string, value: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw invalid(`-o ${key} must be true or false, not "${value}".`);
}

/** Rejects `-o` keys this backend does not know, in one sentence that lists the known ones. */
export function checkS3Options(options: Record<string, string>): void {
  checkOptions(options, S3_OPTIONS, 's3.', 'an S3 repository');
}

/** The number of connections `-o s3.connections` asks for (default 5), for the registry's concurrency limit. */
export function s3Connections(options: Record<string, string>): number {
  return intOption(options, 's3.connections', DEFAULT_CONNECTIONS, 1000);
}

/** Parses an `s3:` URL and its options into a validated config; pure, no I/O. */
export function parseS3Location(url: string, options: Record<string, string>, env: Env): S3Config {
  checkS3Options(options);
  const p = splitUrl(url.trim());
  const isAwsGlobal = p.host === 's3.amazonaws.com';
  const region =
    options['s3.region'] || regionOfHost(p.host) || env.AWS_DEFAULT_REGION || env.AWS_REGION || 'us-east-1';
  const sse = options['s3.sse'];
  if (sse !== undefined && sse !== 'AES256' && sse !== 'aws:kms') {
    throw invalid(`-o s3.sse must be AES256 or aws:kms, not "${sse}".`);
  }
  const kmsKey = options['s3.sse-kms-key-id'];
  if (kmsKey !== undefined && sse !== 'aws:kms')
    throw invalid('-o s3.sse-kms-key-id needs -o s3.sse=aws:kms.');
  const storageClass = options['s3.storage-class'];
  if (storageClass !== undefined && !/^[A-Za-z0-9_-]+$/.test(storageClass)) {
    throw invalid(`-o s3.storage-class "${storageClass}" is not a storage class name such as STANDARD_IA.`);
  }
  const listV1 = options['s3.list-objects-v1'];
  const config = {
    ...(isAwsGlobal ? {} : { endpoint: `${p.scheme}://${p.host}` }),
    bucket: p.bucket,
    prefix: p.prefix,
    region,
    forcePathStyle: pathStyle(options['s3.bucket-lookup'] ?? 'auto', p.host),
    ...(storageClass ? { storageClass } : {}),
    connections: s3Connections(options),
    ...(sse ? { sse } : {}),
    ...(kmsKey ? { sseKmsKeyId: kmsKey } : {}),
    listObjectsV1: listV1 === undefined ? false : bool('s3.list-objects-v1', listV1),
    multipartThreshold: DEFAULT_MULTIPART_THRESHOLD,
    partSize: DEFAULT_PART_SIZE,
    partConcurrency: 4,
    partAttempts: 4,
    location: `s3:${p.scheme}://${p.host}/${p.bucket}${p.prefix ? `/${p.prefix}` : ''}`,
  };
  const parsed = s3ConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(
      `The S3 setting ${issue?.path.join('.') ?? ''} for ${config.location} is invalid: ${issue?.message}.`,
    );
  }
  return parsed.data;
}
