import { describe, expect, it } from 'vitest';
import { maskCredentials } from './redact.js';

describe('maskCredentials', () => {
  it.each([
    ['https://user:pw@host/repo/', 'https://user:***@host/repo/'],
    ['rest:http://u:p/w@host/x/', 'rest:http://u:***@host/x/'],
    ['rest:http://u:p@w@host/x/', 'rest:http://u:***@host/x/'],
    ['REST:http://u:pw@host/alice/', 'REST:http://u:***@host/alice/'],
    ['s3:http://AK:se/cret@host/bucket', 's3:http://AK:***@host/bucket'],
    ['s3:AK:se/cret+x@host/bucket', 's3:AK:***@host/bucket'],
    ['sftp://u:p%zz@host/x', 'sftp://u:***@host/x'],
    ['sftp:us%er:pw@host:/x', 'sftp:us%er:***@host:/x'],
    ['postgres://app:hunter2@db:5432/main', 'postgres://app:***@db:5432/main'],
    ['Bogus:user:hunter2@host/repo', 'Bogus:user:***@host/repo'],
  ])('masks the password in %s', (url, shown) => {
    expect(maskCredentials(url)).toBe(shown);
    expect(maskCredentials(`The URL ${url} is bad.`)).toBe(`The URL ${shown} is bad.`);
    expect(maskCredentials(`"${url}"`)).toBe(`"${shown}"`);
  });

  it('masks every URL of a text', () => {
    expect(maskCredentials('from rest:http://a:b@h/ to s3:https://c:d@h/b')).toBe(
      'from rest:http://a:***@h/ to s3:https://c:***@h/b',
    );
  });

  it('leaves user names, local paths and plain text alone', () => {
    for (const s of [
      'sftp:user@host:/srv/repo',
      'sftp://user@host:2222//srv/repo',
      '/data/s3:a:b@c',
      'C:\\backup',
      'mail me at a@b.c: thanks',
      'rest:http://host/x/',
    ]) {
      expect(maskCredentials(s)).toBe(s);
    }
  });
});
