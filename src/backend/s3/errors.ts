import { CairnError } from '../../core/index.js';
import { networkFailure } from '../errors.js';

/** What an SDK error carries that the mapping looks at (ServiceException fields, smithy names). */
interface SdkErrorShape {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket', 'NoSuchUpload']);
const ACCESS = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AllAccessDisabled',
  'AccountProblem',
  'Forbidden',
]);
const TRANSIENT = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'BadDigest',
  'IncompleteBody',
  'TimeoutError',
  'RequestTimeoutException',
  'OperationAborted',
]);

function shapeOf(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? err : {};
}

/**
 * Turns an AWS SDK error into a CairnError with the Backend contract's code and retryability. `what` names the
 * object or bucket ("data/0a1b…", "bucket b"); `server` the endpoint, for connection errors.
 */
export function s3Error(err: unknown, what: string, server: string): CairnError {
  if (err instanceof CairnError) return err;
  const e = shapeOf(err);
  const name = e.Code ?? e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const tag = status === undefined ? name : `${name}, HTTP ${status}`;
  const opts = { cause: err };
  if (name === 'CredentialsProviderError') {
    return new CairnError(
      'access-denied',
      'No AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/credentials.',
      opts,
    );
  }
  if (NOT_FOUND.has(name) || status === 404) {
    const subject = name === 'NoSuchBucket' ? `The bucket of ${what}` : what;
    return new CairnError('not-found', `${subject} does not exist (${tag}).`, opts);
  }
  if (ACCESS.has(name) || status === 401 || status === 403) {
    return new CairnError(
      'access-denied',
      `S3 refused access to ${what} (${tag}); check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and the bucket's permissions.`,
      opts,
    );
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301) {
    return new CairnError(
      'fatal',
      `S3 says ${what} lives in another region (${tag}); set -o s3.region.`,
      opts,
    );
  }
  if (name === 'InvalidBucketName')
    return new CairnError('invalid-argument', `S3 rejected the bucket name (${tag}).`, opts);
  if (name === 'InvalidRange' || status === 416) {
    return new CairnError('fatal', `The requested range is outside ${what} (${tag}).`, opts);
  }
  if (name === 'QuotaExceeded' || name === 'EntityTooLarge' || status === 507) {
    return new CairnError('no-space', `S3 has no room for ${what} (${tag}).`, opts);
  }
  const net = networkFailure(err);
  if (net?.kind === 'unreachable') {
    return new CairnError('unavailable', `Cannot reach the S3 server ${server} (${net.code}).`, {
      ...opts,
      retryable: true,
    });
  }
  if (net !== undefined) {
    return new CairnError('unavailable', `The connection to ${server} broke during ${what} (${net.code}).`, {
      ...opts,
      retryable: true,
    });
  }
  if (TRANSIENT.has(name) || status === 429 || (status !== undefined && status >= 500) || e.$retryable) {
    return new CairnError('unavailable', `S3 failed on ${what} (${tag}).`, { ...opts, retryable: true });
  }
  if (status !== undefined && status >= 200 && status < 300) {
    return new CairnError(
      'fatal',
      `The S3 server ${server} sent an answer for ${what} that is not S3 (${tag}).`,
      opts,
    );
  }
  return new CairnError('fatal', `S3 failed on ${what} (${tag}).`, opts);
}

/** A body that ended before all its bytes arrived: the next try will most likely get it whole. */
export function truncatedBody(what: string, got: number, want: number): CairnError {
  return new CairnError('unavailable', `S3 sent ${got} of ${want} bytes of ${what}.`, { retryable: true });
}
