import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { apr1 } from './apr1.js';
import { hashScheme, parseHtpasswd, verifyPassword } from './htpasswd.js';

// Produced by `openssl passwd -apr1 -salt …` (the oracle) on the development machine.
const APR1_VECTORS: [string, string, string][] = [
  ['password', 'Xy7/zQ.a', '$apr1$Xy7/zQ.a$.YXJCQNpQxXwyNEKKvWZ2.'],
  ['', 'Xy7/zQ.a', '$apr1$Xy7/zQ.a$BRuiI3pNw9H8MDiujMvCa/'],
  ['p@ss:w0rd', 'Xy7/zQ.a', '$apr1$Xy7/zQ.a$PnWouW5ojzf2l8V9o1Rtw0'],
  ['hello', 'abc', '$apr1$abc$40RF2dTx.VKfQHjGWKyym/'],
];

describe('apr1', () => {
  it('matches openssl passwd -apr1', () => {
    for (const [pw, salt, hash] of APR1_VECTORS) expect(apr1(pw, salt)).toBe(hash);
  });
});

describe('verifyPassword', () => {
  it('accepts the right password and refuses a wrong one for $apr1$', async () => {
    expect(await verifyPassword('$apr1$Xy7/zQ.a$.YXJCQNpQxXwyNEKKvWZ2.', 'password')).toBe(true);
    expect(await verifyPassword('$apr1$Xy7/zQ.a$.YXJCQNpQxXwyNEKKvWZ2.', 'Password')).toBe(false);
  });

  it('accepts {SHA} (htpasswd -s: base64 of sha1)', async () => {
    expect(await verifyPassword('{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', 'password')).toBe(true);
    expect(await verifyPassword('{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', 'passwort')).toBe(false);
  });

  it('accepts bcrypt under each of its prefixes $2a$, $2b$ and $2y$', async () => {
    const b = bcrypt.hashSync('s3cret', 4);
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      const hash = prefix + b.slice(4);
      expect(await verifyPassword(hash, 's3cret'), prefix).toBe(true);
      expect(await verifyPassword(hash, 's3cret!'), prefix).toBe(false);
    }
  });

  it('never accepts plain text or unknown schemes', async () => {
    expect(await verifyPassword('password', 'password')).toBe(false);
    expect(await verifyPassword('$6$salt$abc', 'x')).toBe(false);
  });
});

describe('parseHtpasswd', () => {
  it('reads users, skips comments and blank lines, and warns about bad lines', () => {
    const text = [
      '# users',
      '',
      'alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=',
      'bob:$apr1$abc$40RF2dTx.VKfQHjGWKyym/',
      'bad user:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=',
      'carol:plaintext',
      'dave.d@x-y_z:$2y$05$abcdefghijklmnopqrstuu5Q3dP0Yc1ZdM5aKQ3tLxn0h8Vl2Gq2y\r',
    ].join('\n');
    const p = parseHtpasswd(text);
    expect([...p.users.keys()]).toEqual(['alice', 'bob', 'dave.d@x-y_z']);
    expect(p.warnings).toHaveLength(2);
    expect(p.warnings[0]).toContain('line 5');
    expect(p.warnings[1]).toContain('carol');
  });

  it('names the hash scheme', () => {
    expect(hashScheme('$2y$05$x')).toBe('bcrypt');
    expect(hashScheme('$apr1$abc$40RF2dTx.VKfQHjGWKyym/')).toBe('apr1');
    expect(hashScheme('{SHA}x')).toBe('sha1');
    expect(hashScheme('x')).toBeUndefined();
  });
});
