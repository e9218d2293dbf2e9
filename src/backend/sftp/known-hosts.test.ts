import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprint,
  hostMatches,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from './known-hosts.js';

// Real keys made with ssh-keygen; the hashed line is `ssh-keygen -H` output for "[127.0.0.1]:2222".
const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPVGWl0AAWhFp7oUMA93CK1nxIAFYX0wQ9es97w7VOJs';
const ED_FP = 'SHA256:OYMw68fmk9AM5so9YGaTtKxRyrDQzhTs4VYK4TYNh7M';
const EC =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGwaL2cS85YyOEv52ubB+vZ2sX7vnM6PNhs0Ui2tkrcLsxmZfDtGuxhQkqpGxxrAFHuwdj4VukoOYEl6wCP5sMo=';
const HASHED = `|1|/JbtzVddBLZl/Csh20gc3GojvcM=|2gNg0/ye6IWcyZ0Yap36blU8L7o= ${ED}`;

const blob = (line: string): Buffer => Buffer.from(line.split(' ')[1]!, 'base64');
/** Another ed25519 blob: same type, different key. */
const otherEd = (): Buffer => Buffer.concat([blob(ED).subarray(0, 19), randomBytes(32)]);

describe('known_hosts parsing', () => {
  it('reads plain, bracketed, listed and hashed host fields, skipping comments and junk', () => {
    const text = [
      '# comment',
      '',
      `example.com,10.0.0.1 ${ED}`,
      `[127.0.0.1]:2222 ${EC}`,
      HASHED,
      'garbage line',
      `x ssh-rsa !!!`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => [e.hosts, e.keyType, e.line])).toEqual([
      ['example.com,10.0.0.1', 'ssh-ed25519', 3],
      ['[127.0.0.1]:2222', 'ecdsa-sha2-nistp256', 4],
      [HASHED.split(' ')[0], 'ssh-ed25519', 5],
    ]);
  });

  it('keeps @revoked and @cert-authority markers and drops unknown ones', () => {
    const entries = parseKnownHosts(`@revoked * ${ED}\n@cert-authority *.corp ${EC}\n@bogus x ${ED}\n`);
    expect(entries.map((e) => e.marker)).toEqual(['revoked', 'cert-authority']);
  });

  it('drops a line whose key blob names another type than its type field', () => {
    expect(parseKnownHosts(`host ssh-rsa ${ED.split(' ')[1]}`)).toEqual([]);
  });
});

describe('host matching', () => {
  it('uses [host]:port for other ports than 22, as OpenSSH', () => {
    expect(knownHostsName('example.com', 22)).toBe('example.com');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('matches an ssh-keygen -H hashed name and nothing else', () => {
    const field = HASHED.split(' ')[0]!;
    expect(hostMatches(field, '[127.0.0.1]:2222')).toBe(true);
    expect(hostMatches(field, '127.0.0.1')).toBe(false);
    expect(hostMatches(field, '[127.0.0.1]:2223')).toBe(false);
  });

  it('matches any hashed name against its own HMAC (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        (name, salt) => {
          const mac = createHmac('sha1', salt).update(name).digest('base64');
          return hostMatches(`|1|${Buffer.from(salt).toString('base64')}|${mac}`, name);
        },
      ),
    );
  });

  it('honours comma lists, wildcards and negation', () => {
    expect(hostMatches('a.example,b.example', 'b.example')).toBe(true);
    expect(hostMatches('*.example', 'B.EXAMPLE')).toBe(true);
    expect(hostMatches('host?', 'host1')).toBe(true);
    expect(hostMatches('*.example,!bad.example', 'bad.example')).toBe(false);
    expect(hostMatches('*.example', 'example')).toBe(false);
    expect(hostMatches('a.b', 'aXb')).toBe(false);
  });
});

describe('checkHostKey', () => {
  const name = '[127.0.0.1]:2222';

  it('trusts the recorded key, plain or hashed', () => {
    expect(checkHostKey(parseKnownHosts(`[127.0.0.1]:2222 ${ED}`), name, blob(ED))).toEqual({
      kind: 'trusted',
    });
    expect(checkHostKey(parseKnownHosts(HASHED), name, blob(ED))).toEqual({ kind: 'trusted' });
  });

  it('reports a different key of the same type as changed, with its line', () => {
    const entries = parseKnownHosts(`# x\n[127.0.0.1]:2222 ${ED}`);
    expect(checkHostKey(entries, name, otherEd())).toEqual({ kind: 'changed', line: 2 });
  });

  it('reports a host without entries as unknown, naming the types recorded for it', () => {
    expect(checkHostKey(parseKnownHosts(`other ${ED}`), name, blob(ED))).toEqual({
      kind: 'unknown',
      otherTypes: [],
    });
    expect(checkHostKey(parseKnownHosts(`[127.0.0.1]:2222 ${EC}`), name, blob(ED))).toEqual({
      kind: 'unknown',
      otherTypes: ['ecdsa-sha2-nistp256'],
    });
  });

  it('refuses a @revoked key even when a plain line trusts it', () => {
    const entries = parseKnownHosts(`[127.0.0.1]:2222 ${ED}\n@revoked * ${ED}`);
    expect(checkHostKey(entries, name, blob(ED))).toEqual({ kind: 'revoked' });
  });

  it('ignores @cert-authority lines for plain host keys', () => {
    expect(checkHostKey(parseKnownHosts(`@cert-authority * ${ED}`), name, blob(ED)).kind).toBe('unknown');
  });

  it('lists the key types recorded for a host, to ask the server for one of them', () => {
    const entries = parseKnownHosts(
      `[127.0.0.1]:2222 ${EC}\n${HASHED}\nother ssh-ed25519 ${ED.split(' ')[1]}`,
    );
    expect(knownKeyTypes(entries, name)).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
  });
});

describe('key blobs', () => {
  it('gives the SHA256 fingerprint ssh-keygen -l prints', () => {
    expect(fingerprint(blob(ED))).toBe(ED_FP);
  });

  it('reads the type name at the start of a blob and rejects non-blobs', () => {
    expect(keyTypeOf(blob(EC))).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOf(Buffer.from([0, 0, 0, 200, 1]))).toBe('');
  });
});
