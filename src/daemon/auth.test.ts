// Sessions and the login limit over time, with a clock the test moves (the HTTP side is in server.test.ts).
import type http from 'node:http';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CairnConfig } from '../config/index.js';
import { Auth, SESSION_IDLE_MS } from './auth.js';
import { HttpError } from './http-util.js';
import { hashPassword } from './password-hash.js';

const HOUR = 3600_000;
let server: CairnConfig['server'];
let now = 0;

function request(headers: Record<string, string>, body?: unknown): http.IncomingMessage {
  const stream = Readable.from(body === undefined ? [] : [Buffer.from(JSON.stringify(body))]);
  return Object.assign(stream, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    socket: { remoteAddress: '192.0.2.1' },
  }) as unknown as http.IncomingMessage;
}

function response(): http.ServerResponse & { cookie: () => string } {
  const headers: Record<string, string> = {};
  return {
    setHeader: (k: string, v: string) => (headers[k] = v),
    cookie: () => headers['set-cookie']!.split(';')[0]!,
  } as unknown as http.ServerResponse & { cookie: () => string };
}

async function login(auth: Auth, password: string): Promise<string> {
  const res = response();
  await auth.login(request({}, { user: 'ann', password }), res, () => undefined);
  return res.cookie();
}

beforeAll(async () => {
  const password_hash = await hashPassword('pw', { N: 1024, r: 8, p: 1 });
  server = { listen: '127.0.0.1:0', tokens: [], users: [{ name: 'ann', password_hash }] };
});

describe('Auth', () => {
  it('keeps a session 12 hours after its last request, and ends it when the user leaves the config', async () => {
    const auth = new Auth(
      () => server,
      () => now,
    );
    now = 0;
    const cookie = await login(auth, 'pw');
    now = 11 * HOUR;
    expect(auth.identify(request({ cookie }))?.user).toBe('ann');
    now += SESSION_IDLE_MS - 1;
    expect(auth.identify(request({ cookie }))?.user).toBe('ann');
    now += SESSION_IDLE_MS;
    expect(auth.identify(request({ cookie }))).toBeUndefined();

    const again = await login(auth, 'pw');
    expect(auth.identify(request({ cookie: again }))?.user).toBe('ann');
    const saved = server;
    server = { ...server, users: [], tokens: ['t'.repeat(16)] };
    try {
      expect(auth.identify(request({ cookie: again }))).toBeUndefined();
    } finally {
      server = saved;
    }
  });

  it('lets an address try again once its failures are a minute old', async () => {
    const auth = new Auth(
      () => server,
      () => now,
    );
    now = 0;
    for (let i = 0; i < 5; i++) await expect(login(auth, 'wrong')).rejects.toMatchObject({ status: 401 });
    now = 59_000;
    const limited = await login(auth, 'pw').catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(HttpError);
    expect(limited).toMatchObject({
      status: 429,
      message: 'too many failed logins from 192.0.2.1; try again in 1 s',
    });
    now = 60_001;
    expect(await login(auth, 'pw')).toMatch(/^cairn_session=/);
  });
});
