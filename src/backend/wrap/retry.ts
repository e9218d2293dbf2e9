import type { FileType } from '../../core/index.js';
import { CairnError, isCairnError } from '../../core/index.js';
import type { Backend, FileInfo, Handle } from '../backend.js';
import { causeChain, networkFailure, ownNetworkFailure } from '../errors.js';
import type { Timer } from './timer.js';
import { realTimer } from './timer.js';

/** What a retry callback learns: the failed operation, how it failed and how long the wrapper waits now. */
export interface RetryInfo {
  /** e.g. "reading data/0a1b…". */
  operation: string;
  /** The attempt that failed, 1-based. */
  attempt: number;
  attempts: number;
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  /** Tries per operation, the first included (default 10). */
  attempts?: number;
  /** Backoff before the second try; doubles per try, with full jitter (default 500 ms). */
  baseDelayMs?: number;
  /** Upper bound of one backoff (default 30 s). */
  maxDelayMs?: number;
  /** No new try starts after this much time has been spent on one operation (default 3 minutes). */
  maxElapsedMs?: number;
  onRetry?: (info: RetryInfo) => void;
  /** Injected for tests: the clock and waiting, and the jitter source. */
  timer?: Timer;
  random?: () => number;
}

export const DEFAULT_RETRY = {
  attempts: 10,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxElapsedMs: 180_000,
} as const;

/**
 * Whether a retry can help: a CairnError says so itself; an error that escaped a backend's mapping counts as
 * transient when it (or its cause) is a network failure.
 */
export function isRetryable(err: unknown): boolean {
  for (const e of causeChain(err)) {
    if (e instanceof CairnError) return e.retryable;
    if (ownNetworkFailure(e) !== undefined) return true;
  }
  return false;
}

/**
 * Tries for an unreachable server before anything has succeeded: a typo in a URL or a server that is down should
 * get its one sentence within seconds, while a long backup that loses its network keeps the full patience.
 */
const FIRST_CONTACT_ATTEMPTS = 4;

interface TryState {
  attempt: number;
  /** When the operation (or, for a listing, its last progress) started. */
  started: number;
}

function describe(handle: Handle): string {
  return handle.type === 'config' ? 'config' : `${handle.type}/${handle.name}`;
}

/** The cause as the tail of our sentence: no final period, and a capitalised first word (not an acronym) lowered. */
function reasonOf(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).replace(/[.\s]+$/, '');
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

/**
 * Retries operations that fail with a retryable error, with exponential backoff and full jitter (AWS's "full jitter":
 * a uniform delay in [0, min(cap, base·2^n)]), so many clients hitting a throttled server spread out. Permanent
 * errors (not-found, access-denied, invalid-argument, corrupt…) pass through at once. Retrying is safe because writes
 * are whole and idempotent (names are content hashes). After the last try the error is a CairnError whose message
 * says what failed, how often it was tried and the last cause.
 */
export function withRetry(backend: Backend, opts: RetryOptions = {}): Backend {
  return new RetryBackend(backend, opts);
}

class RetryBackend implements Backend {
  readonly connections?: number;
  private readonly attempts: number;
  private readonly base: number;
  private readonly cap: number;
  private readonly maxElapsed: number;
  private readonly timer: Timer;
  private readonly random: () => number;
  /** Set by the first call that succeeds. */
  private reached = false;

  constructor(
    private readonly inner: Backend,
    private readonly opts: RetryOptions,
  ) {
    this.attempts = Math.max(1, Math.floor(opts.attempts ?? DEFAULT_RETRY.attempts));
    this.base = opts.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
    this.cap = opts.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
    this.maxElapsed = opts.maxElapsedMs ?? DEFAULT_RETRY.maxElapsedMs;
    this.timer = opts.timer ?? realTimer;
    this.random = opts.random ?? Math.random;
    if (inner.connections !== undefined) this.connections = inner.connections;
  }

  get location(): string {
    return this.inner.location;
  }

  create(): Promise<void> {
    return this.run(`creating ${this.inner.location}`, () => this.inner.create());
  }

  stat(handle: Handle): Promise<FileInfo> {
    return this.run(`checking ${describe(handle)}`, () => this.inner.stat(handle));
  }

  read(handle: Handle, offset?: number, length?: number): Promise<Buffer> {
    return this.run(`reading ${describe(handle)}`, async () => {
      const data = await this.inner.read(handle, offset, length);
      // The contract forbids short reads; a backend that lets one through gets it retried rather than trusted.
      if (length !== undefined && data.length !== length) {
        throw new CairnError('unavailable', `got ${data.length} of ${length} bytes`, { retryable: true });
      }
      return data;
    });
  }

  write(handle: Handle, data: Uint8Array): Promise<void> {
    return this.run(`writing ${describe(handle)}`, () => this.inner.write(handle, data));
  }

  remove(handle: Handle): Promise<void> {
    let tried = false;
    return this.run(`removing ${describe(handle)}`, async () => {
      try {
        await this.inner.remove(handle);
      } catch (err) {
        // A try that failed after the server deleted the file leaves nothing for the next one: that is success.
        if (tried && isCairnError(err, 'not-found')) return;
        throw err;
      } finally {
        tried = true;
      }
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** A failed listing starts over; names already yielded are skipped, and a listing that made progress resets the count. */
  async *list(type: FileType): AsyncIterable<FileInfo> {
    const seen = new Set<string>();
    const state = this.newState();
    for (;;) {
      let progressed = false;
      try {
        for await (const fi of this.inner.list(type)) {
          this.reached = true;
          if (seen.has(fi.name)) continue;
          seen.add(fi.name);
          progressed = true;
          yield fi;
        }
        this.reached = true;
        return;
      } catch (err) {
        if (progressed) Object.assign(state, this.newState());
        await this.backoff(`listing ${type}`, err, state);
      }
    }
  }

  private newState(): TryState {
    return { attempt: 0, started: this.timer.now() };
  }

  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const state = this.newState();
    for (;;) {
      try {
        const result = await fn();
        this.reached = true;
        return result;
      } catch (err) {
        await this.backoff(operation, err, state);
      }
    }
  }

  /** Rethrows `err` when it is permanent or the tries are used up, else waits before the next try. */
  private async backoff(operation: string, err: unknown, state: TryState): Promise<void> {
    if (!isRetryable(err)) throw err;
    state.attempt++;
    const elapsed = this.timer.now() - state.started;
    const ceiling = Math.min(this.cap, this.base * 2 ** (state.attempt - 1));
    const delayMs = Math.floor(this.random() * ceiling);
    const neverReached = !this.reached && networkFailure(err)?.kind === 'unreachable';
    const attempts = neverReached ? Math.min(this.attempts, FIRST_CONTACT_ATTEMPTS) : this.attempts;
    if (state.attempt >= attempts || elapsed + delayMs > this.maxElapsed) {
      throw this.exhausted(operation, err, state.attempt);
    }
    this.opts.onRetry?.({ operation, attempt: state.attempt, attempts: this.attempts, delayMs, error: err });
    await this.timer.sleep(delayMs);
  }

  private exhausted(operation: string, err: unknown, tries: number): CairnError {
    // A specific code (e.g. no-space) survives; a generic transient failure becomes 'unavailable'.
    const code = isCairnError(err) && err.code !== 'fatal' ? err.code : 'unavailable';
    const times = tries === 1 ? '1 attempt' : `${tries} attempts`;
    const message = `${capitalise(operation)} on ${this.inner.location} failed after ${times}: ${reasonOf(err)}.`;
    return new CairnError(code, message, { cause: err });
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Retry settings from the environment: `CAIRN_RETRY_ATTEMPTS` (a whole number ≥ 1) overrides the number of tries,
 * e.g. to fail fast in scripts and tests. Everything else keeps its default.
 */
export function retryOptionsFromEnv(env: Record<string, string | undefined>): RetryOptions {
  const raw = env.CAIRN_RETRY_ATTEMPTS;
  if (raw === undefined || raw === '') return {};
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new CairnError(
      'invalid-argument',
      `CAIRN_RETRY_ATTEMPTS must be a whole number of at least 1, not "${raw}".`,
    );
  }
  return { attempts: Number(raw) };
}
