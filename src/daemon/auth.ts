/**
 * Who is asking the daemon: a bearer token (server.tokens, for automation), a dashboard session (server.users, a
 * login sets an HttpOnly SameSite=Strict cookie) or nobody in open mode (no users, no tokens: loopback only). Sessions
 * live in memory (a restart logs everyone out) for 12 hours after their last request. State-changing requests of a
 * session or in open mode must echo the session's CSRF token; logins are limited per client address.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Session } from '../api/index.js';
import { loginRequest } from '../api/index.js';
import type { CairnConfig } from '../config/index.js';
import { isLoopbackHost } from '../config/index.js';
import { clientAddress, cookie, HttpError, readJson } from './http-util.js';
import { decoyHash, verifyPassword } from './password-hash.js';

export const SESSION_COOKIE = 'cairn_session';
export const SESSION_IDLE_MS = 12 * 3600_000;
/** Failed logins allowed per client address within LOGIN_WINDOW_MS before 429. */
export const LOGIN_FAILURES = 5;
const LOGIN_WINDOW_MS = 60_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type ServerConfig = CairnConfig['server'];

export interface Identity {
  /** The login name, `token` or `anonymous` (what the audit log records). */
  user: string;
  via: 'session' | 'token' | 'open';
  /** What state-changing requests must send as X-CSRF-Token (none for tokens). */
  csrfToken?: string;
}

interface SessionEntry {
  user: string;
  csrfToken: string;
  expires: number;
}

const randomToken = (): string => randomBytes(32).toString('base64url');

function sameSecret(given: string, want: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Open mode: nothing to log in with, so nothing is asked (the config check keeps it to loopback addresses). */
export function isOpen(server: ServerConfig): boolean {
  return server.users.length === 0 && server.tokens.length === 0;
}

export class Auth {
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly failures = new Map<string, { at: number[]; pending: number }>();
  /** The CSRF token of open mode, one per daemon process. */
  private readonly openCsrf = randomToken();

  constructor(
    private readonly server: () => ServerConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** The caller, or undefined when it must log in (or send a token); a wrong bearer token is refused outright. */
  identify(req: http.IncomingMessage): Identity | undefined {
    const server = this.server();
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    // Without tokens configured a bearer header means nothing (as before tokens were set), and is not refused.
    if (bearer && server.tokens.length > 0) {
      if (!server.tokens.some((t) => sameSecret(bearer[1]!, t)))
        throw new HttpError(401, 'the bearer token is not one of server.tokens');
      return { user: 'token', via: 'token' };
    }
    const session = this.session(req);
    if (session) return { user: session.user, via: 'session', csrfToken: session.csrfToken };
    if (isOpen(server)) {
      // A page on another site may make its name resolve to 127.0.0.1 (DNS rebinding): open mode answers only
      // requests addressed to this machine by name.
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!isLoopbackHost(host))
        throw new HttpError(
          403,
          'without users or tokens the API answers only requests for localhost or 127.0.0.1',
        );
      return { user: 'anonymous', via: 'open', csrfToken: this.openCsrf };
    }
    return undefined;
  }

  /** What to say when identify found nobody. */
  static unauthorized(server: ServerConfig): HttpError {
    return new HttpError(
      401,
      server.users.length > 0
        ? 'log in first (POST /api/v1/login) or send a bearer token'
        : 'a valid bearer token is required (server.tokens in the config)',
    );
  }

  /** Refuses a state-changing request of a session or of open mode without the right X-CSRF-Token header. */
  checkCsrf(req: http.IncomingMessage, id: Identity): void {
    if (SAFE_METHODS.has(req.method ?? 'GET') || id.csrfToken === undefined) return;
    const given = req.headers['x-csrf-token'];
    if (typeof given !== 'string' || !sameSecret(given, id.csrfToken))
      throw new HttpError(403, 'the X-CSRF-Token header is missing or wrong (GET /api/v1/session gives it)');
  }

  sessionView(id: Identity): Session {
    return {
      user: id.via === 'open' ? null : id.user,
      authRequired: id.via !== 'open',
      csrfToken: id.csrfToken ?? '',
    };
  }

  /**
   * Checks the name and password of a POST /api/v1/login and starts a session (its cookie set on `res`). Unknown names
   * cost a scrypt too and get the same sentence as wrong passwords. `audit` records the attempt (with the user's name,
   * undefined for an unknown one).
   */
  async login(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    audit: (ok: boolean, name: string | undefined, address: string) => void,
  ): Promise<Session> {
    const users = this.server().users;
    if (users.length === 0)
      throw new HttpError(400, 'there are no dashboard users in the config (server.users)');
    const address = clientAddress(req);
    const record = this.failuresOf(address);
    if (record.at.length + record.pending >= LOGIN_FAILURES) {
      const retry = Math.max(1, Math.ceil((record.at[0]! + LOGIN_WINDOW_MS - this.now()) / 1000));
      res.setHeader('retry-after', String(retry));
      throw new HttpError(429, `too many failed logins from ${address}; try again in ${retry} s`);
    }
    const body = await readJson(req, loginRequest);
    const user = users.find((u) => u.name === body.user);
    record.pending++;
    let ok: boolean;
    try {
      ok = await verifyPassword(body.password, user?.password_hash ?? (await decoyHash()));
    } finally {
      record.pending--;
    }
    // A name that is no user's may be a password typed into the wrong field: it is not recorded.
    audit(ok && user !== undefined, user?.name, address);
    if (!ok || !user) {
      record.at.push(this.now());
      throw new HttpError(401, 'the user name or the password is wrong');
    }
    this.failures.delete(address);
    this.sweep();
    const id = randomToken();
    const entry = { user: user.name, csrfToken: randomToken(), expires: this.now() + SESSION_IDLE_MS };
    this.sessions.set(id, entry);
    res.setHeader('set-cookie', sessionCookie(req, id));
    return { user: entry.user, authRequired: true, csrfToken: entry.csrfToken };
  }

  /** Ends the request's session (if any) and clears its cookie; returns the user it belonged to. */
  logout(req: http.IncomingMessage, res: http.ServerResponse): string | undefined {
    const id = cookie(req, SESSION_COOKIE);
    const entry = id === undefined ? undefined : this.sessions.get(id);
    if (id !== undefined) this.sessions.delete(id);
    res.setHeader('set-cookie', sessionCookie(req, '', 0));
    return entry?.user;
  }

  /** The live session of the request's cookie; each request moves its expiry 12 hours ahead. */
  private session(req: http.IncomingMessage): SessionEntry | undefined {
    const id = cookie(req, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const entry = this.sessions.get(id);
    if (!entry) return undefined;
    // A user removed from the config (and reloaded) is logged out.
    if (entry.expires <= this.now() || !this.server().users.some((u) => u.name === entry.user)) {
      this.sessions.delete(id);
      return undefined;
    }
    entry.expires = this.now() + SESSION_IDLE_MS;
    return entry;
  }

  private failuresOf(address: string): { at: number[]; pending: number } {
    const since = this.now() - LOGIN_WINDOW_MS;
    for (const [a, r] of this.failures) {
      r.at = r.at.filter((t) => t > since);
      if (r.at.length === 0 && r.pending === 0) this.failures.delete(a);
    }
    let record = this.failures.get(address);
    if (!record) this.failures.set(address, (record = { at: [], pending: 0 }));
    return record;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expires <= now) this.sessions.delete(id);
  }
}

/** The session cookie: HttpOnly, SameSite=Strict, Secure when a TLS proxy in front says the browser used https. */
function sessionCookie(req: http.IncomingMessage, value: string, maxAge?: number): string {
  const secure = req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
  const age = maxAge === undefined ? '' : `; Max-Age=${maxAge}`;
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/${age}${secure}`;
}
