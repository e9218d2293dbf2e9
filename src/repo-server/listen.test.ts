import { describe, expect, it } from 'vitest';
import { isCairnError } from '../core/index.js';
import { baseUrl, parseListenAddress } from './listen.js';

describe('parseListenAddress', () => {
  it('reads host:port, [v6]:port and :port (every interface)', () => {
    expect(parseListenAddress('127.0.0.1:8000')).toEqual({ host: '127.0.0.1', port: 8000 });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListenAddress('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseListenAddress(':8000')).toEqual({ host: undefined, port: 8000 });
  });

  it('refuses addresses without a valid port', () => {
    for (const bad of ['8000', '127.0.0.1', 'host:99999', 'host:port', '::1:8000']) {
      let caught: unknown;
      try {
        parseListenAddress(bad);
      } catch (err) {
        caught = err;
      }
      expect(isCairnError(caught, 'invalid-argument'), bad).toBe(true);
    }
  });

  it('brackets IPv6 hosts in URLs', () => {
    expect(baseUrl(true, '::1', 8443)).toBe('https://[::1]:8443');
    expect(baseUrl(false, '127.0.0.1', 80)).toBe('http://127.0.0.1:80');
  });
});
