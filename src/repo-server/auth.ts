/** HTTP basic authentication against an htpasswd file that is re-read when it changes. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CairnError, errnoCode } from '../core/index.js';
import type { Clock } from '../util/index.js';
import { BcryptChecker } from './bcrypt-worker.js';
import { bcryptCost, parseHtpasswd, verifyPassword } from './htpasswd.js';

/** Decides who a request is. The server calls it only with credentials from a Basic Authorization header. */
export interface Authenticator {
  /** `client` (the remote address) lets an implementation slow down one address that keeps failing. */
  authenticate(user: string, password: string, client?: string): Promise<boolean>;
  /** Ends pending checks (each answers false) and stops background work. */
  close?(): Promise<void>;
}

/** How long failures of one address are remembered, and the longest a failed answer is held back. */
const FAILURE_WINDOW_MS = 60_000;
const MAX_FAILURE_DELAY_MS = 3_000;

/** `user` and `password` from `Authorization: Basic …`, or undefined if the header is missing or malformed. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const m = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon === -1) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export interface HtpasswdOptions {
  clock: Clock;
  /** Called with one sentence per reload, skipped line or failure. */
  log?: (line: string) => void;
  /** How often a request may look at the file's mtime and size (rest-server: 30 s). */
  checkIntervalMs?: number;
  /** How long verified credentials skip the (slow, for bcrypt) hash check (rest-server: 1 minute). */
  cacheMs?: number;
}

interface CacheEntry {
  verifier: Buffer;
  expires: number;
}

/** A fingerprint of (user, password) so the cache never holds a password. */
function verifierOf(user: string, password: string): Buffer {
  return createHash('sha256').update(user).update('\0').update(password).digest();
}

export class HtpasswdAuthenticator implements Authenticator {
  private users = new Map<string, string>();
  private cache = new Map<string, CacheEntry>();
  private stamp = '';
  private nextCheck = 0;
  private readonly checkIntervalMs: number;
  private readonly cacheMs: number;
  private readonly bcrypt = new BcryptChecker(
    (client) => this.recentFailures(client, this.options.clock.now()) > 0,
  );
  /** Recent failures per client address: their checks wait behind everyone else's, and their answers are delayed. */
  private readonly failures = new Map<string, { count: number; last: number }>();
  /** Checked for unknown users, so that they cost what a wrong password costs. */
  private decoy = '';
  private readonly closing = new AbortController();

  private constructor(
    readonly file: string,
    private readonly options: HtpasswdOptions,
  ) {
    this.checkIntervalMs = options.checkIntervalMs ?? 30_000;
    this.cacheMs = options.cacheMs ?? 60_000;
  }

  /** Reads the file; a missing or unreadable file is an error, so the server refuses to start without it. */
  static async load(file: string, options: HtpasswdOptions): Promise<HtpasswdAuthenticator> {
    const auth = new HtpasswdAuthenticator(file, options);
    await auth.reload();
    return auth;
  }

  get userCount(): number {
    return this.users.size;
  }

  /** Re-reads the file now (SIGHUP, or a change seen by `authenticate`). Keeps the old users if it fails. */
  async reload(): Promise<void> {
    let text: string;
    let stamp: string;
    try {
      const st = await fs.stat(this.file);
      stamp = `${st.mtimeMs}:${st.size}`;
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      const why = errnoCode(err) === 'ENOENT' ? 'does not exist' : 'cannot be read';
      throw new CairnError('access-denied', `The htpasswd file ${this.file} ${why}.`, { cause: err });
    }
    const parsed = parseHtpasswd(text);
    for (const w of parsed.warnings) this.options.log?.(w);
    this.users = parsed.users;
    this.decoy = decoyOf(parsed.users);
    this.cache = new Map();
    this.stamp = stamp;
  }

  private async reloadIfChanged(): Promise<void> {
    const now = this.options.clock.now();
    if (now < this.nextCheck) return;
    this.nextCheck = now + this.checkIntervalMs;
    try {
      const st = await fs.stat(this.file);
      if (`${st.mtimeMs}:${st.size}` === this.stamp) return;
      await this.reload();
      this.options.log?.(`Reloaded ${this.file} (${this.users.size} users).`);
    } catch (err) {
      this.options.log?.(`Could not reload ${this.file}; keeping the previous users (${String(err)}).`);
    }
  }

  async authenticate(user: string, password: string, client = ''): Promise<boolean> {
    await this.reloadIfChanged();
    const now = this.options.clock.now();
    const hash = this.users.get(user);
    const verifier = verifierOf(user, password);
    const hit = hash === undefined ? undefined : this.cache.get(user);
    if (hit && hit.expires > now && timingSafeEqual(hit.verifier, verifier)) return true;
    const compare = (h: string, p: string): Promise<boolean> => this.bcrypt.check(h, p, client);
    // An unknown user is checked against a real hash too: the answer takes as long as for a wrong password.
    const ok =
      hash === undefined
        ? (await verifyPassword(this.decoy, randomBytes(16).toString('hex'), compare)) && false
        : await verifyPassword(hash, password, compare);
    if (!ok) {
      await this.failed(client);
      return false;
    }
    // The file may have been reloaded while bcrypt ran; cache only against the hash that was checked.
    if (this.users.get(user) === hash) this.cache.set(user, { verifier, expires: now + this.cacheMs });
    return true;
  }

  private recentFailures(client: string, now: number): number {
    const f = this.failures.get(client);
    return f && now - f.last < FAILURE_WINDOW_MS ? f.count : 0;
  }

  /** Counts a failure and holds the answer back longer the more this address failed lately (up to 3 s). */
  private async failed(client: string): Promise<void> {
    const now = this.options.clock.now();
    const count = this.recentFailures(client, now) + 1;
    if (this.failures.size > 10_000) {
      for (const [k, v] of this.failures) if (now - v.last >= FAILURE_WINDOW_MS) this.failures.delete(k);
    }
    this.failures.set(client, { count, last: now });
    const delay = Math.min(MAX_FAILURE_DELAY_MS, 25 * 2 ** Math.min(count, 10));
    await sleep(delay, undefined, { signal: this.closing.signal, ref: false }).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.bcrypt.close();
  }
}

/** The costliest bcrypt hash of the file (the slowest real check), else any hash; '' for an empty file. */
function decoyOf(users: Map<string, string>): string {
  let best = '';
  let bestCost = -1;
  for (const hash of users.values()) {
    const cost = bcryptCost(hash) ?? 0;
    if (cost > bestCost) [best, bestCost] = [hash, cost];
  }
  return best;
}
