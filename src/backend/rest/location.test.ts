import { describe, expect, it } from 'vitest';
import { isCairnError } from '../../core/index.js';
import { parseRestLocation } from './location.js';

const parse = (url: string, options: Record<string, string> = {}, env: Record<string, string> = {}) =>
  parseRestLocation(url, options, env);

function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isCairnError(err, 'invalid-argument')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected an invalid-argument error');
}

describe('parseRestLocation', () => {
  it('accepts a server root and gives it a trailing slash', () => {
    const c = parse('rest:http://127.0.0.1:8000');
    expect(c.baseUrl).toBe('http://127.0.0.1:8000/');
    expect(c.location).toBe('rest:http://127.0.0.1:8000/');
    expect(c.connections).toBe(5);
    expect(c.username).toBeUndefined();
  });

  it('keeps a repository path, with or without its trailing slash', () => {
    expect(parse('rest:https://backup.example.com/host1/repo').baseUrl).toBe(
      'https://backup.example.com/host1/repo/',
    );
    expect(parse('rest:https://backup.example.com/host1/repo/').baseUrl).toBe(
      'https://backup.example.com/host1/repo/',
    );
  });

  it('takes Basic credentials from the URL, percent-decoded, and strips them from the location', () => {
    const c = parse('rest:http://alice:p%40ss%3Aw@host:8000/alice/');
    expect(c.username).toBe('alice');
    expect(c.password).toBe('p@ss:w');
    expect(c.location).toBe('rest:http://host:8000/alice/');
    expect(JSON.stringify(c.location)).not.toContain('p%40ss');
  });

  it('takes credentials from CAIRN_REST_* before RESTIC_REST_* when the URL has none', () => {
    const env = { RESTIC_REST_USERNAME: 'r', RESTIC_REST_PASSWORD: 'rp', CAIRN_REST_PASSWORD: 'cp' };
    const c = parse('rest:http://host/', {}, env);
    expect(c.username).toBe('r');
    expect(c.password).toBe('cp');
  });

  it('lets URL credentials win over the environment, as restic does', () => {
    const c = parse('rest:http://u:p@host/', {}, { CAIRN_REST_USERNAME: 'x', CAIRN_REST_PASSWORD: 'y' });
    expect([c.username, c.password]).toEqual(['u', 'p']);
  });

  it('accepts IPv6 hosts', () => {
    expect(parse('rest:http://[::1]:8000/r/').baseUrl).toBe('http://[::1]:8000/r/');
  });

  it('reads -o rest.connections and rest.cacert', () => {
    const c = parse('rest:https://h/', { 'rest.connections': '12', 'rest.cacert': '/etc/ca.pem' });
    expect(c.connections).toBe(12);
    expect(c.caCertFile).toBe('/etc/ca.pem');
  });

  it('rejects unknown rest.* options and other backends options, listing the known ones', () => {
    expect(invalid(() => parse('rest:http://h/', { 'rest.foo': '1' }))).toMatch(
      /Unknown option -o rest.foo; known: rest.connections/,
    );
    expect(invalid(() => parse('rest:http://h/', { 's3.region': 'x' }))).toMatch(
      /does not apply to a REST repository/,
    );
  });

  it('rejects bad connection counts and a CA file for plain http', () => {
    expect(invalid(() => parse('rest:http://h/', { 'rest.connections': '0' }))).toMatch(/rest.connections/);
    expect(invalid(() => parse('rest:http://h/', { 'rest.connections': 'many' }))).toMatch(
      /rest.connections/,
    );
    expect(invalid(() => parse('rest:http://h/', { 'rest.cacert': 'ca.pem' }))).toMatch(/https/);
  });

  it('rejects URLs that are not rest:http(s)://host/…, without echoing passwords', () => {
    expect(invalid(() => parse('rest:ftp://h/'))).toMatch(/rest:http\(s\):\/\//);
    expect(invalid(() => parse('rest:host:8000/repo'))).toMatch(/must look like/);
    expect(invalid(() => parse('s3:http://h/b'))).toMatch(/starts with "rest:"/);
    expect(invalid(() => parse('rest:http+unix:///tmp/sock:/repo'))).toMatch(/unix socket/);
    expect(invalid(() => parse('rest:http://h/repo?x=1'))).toMatch(/query/);
    expect(invalid(() => parse('rest:http://h/a/%2e%2e/b'))).toMatch(/"\.\."/);
    expect(invalid(() => parse('rest:ftp://u:secret@h/'))).not.toContain('secret');
  });

  it('rejects malformed percent-encoding in credentials', () => {
    expect(invalid(() => parse('rest:http://u:%zz@h/'))).toMatch(/percent-encoding/);
  });
});
