import { CairnError } from '../core/index.js';

function invalid(message: string): CairnError {
  return new CairnError('invalid-argument', message);
}

/**
 * Rejects `-o` keys a backend does not know, in one sentence that lists the known ones: a key with the backend's
 * `prefix` (e.g. "s3.") is unknown, any other key belongs to another kind of repository (`kind`, e.g. "an S3
 * repository").
 */
export function checkOptions(
  options: Record<string, string>,
  known: readonly string[],
  prefix: string,
  kind: string,
): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const list = known.join(', ');
    if (key.startsWith(prefix)) throw invalid(`Unknown option -o ${key}; known: ${list}.`);
    throw invalid(`Option -o ${key} does not apply to ${kind}; known: ${list}.`);
  }
}

/** The whole number from 1 to `max` that `-o key` asks for, or `fallback` when it is not given. */
export function intOption(
  options: Record<string, string>,
  key: string,
  fallback: number,
  max: number,
): number {
  const value = options[key];
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw invalid(`-o ${key} must be a whole number from 1 to ${max}, not "${value}".`);
  }
  return n;
}
