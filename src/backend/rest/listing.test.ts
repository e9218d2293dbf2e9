import { describe, expect, it } from 'vitest';
import { isCairnError } from '../../core/index.js';
import { parseListing } from './listing.js';

const parse = (body: string) => parseListing(Buffer.from(body), 'the list of data', 'rest:http://h/');

describe('parseListing', () => {
  it('reads v2 entries with names and sizes', () => {
    expect(parse('[{"name":"aa","size":3},{"name":"bb","size":0}]')).toEqual({
      version: 2,
      files: [
        { name: 'aa', size: 3 },
        { name: 'bb', size: 0 },
      ],
    });
  });

  it('reads a v1 list of names', () => {
    expect(parse('["aa","bb"]')).toEqual({ version: 1, names: ['aa', 'bb'] });
  });

  it('treats an empty list as an empty listing', () => {
    expect(parse('[]')).toEqual({ version: 2, files: [] });
  });

  it.each([
    ['an HTML page', '<html><body>It works</body></html>', /not JSON: "<html>/],
    ['a JSON object', '{"error":"x"}', /neither a list/],
    ['negative sizes', '[{"name":"aa","size":-1}]', /neither a list/],
    ['names with a slash', '["../etc"]', /neither a list/],
  ])('refuses %s as a fatal protocol error', (_what, body, message) => {
    try {
      parse(body);
      expect.unreachable();
    } catch (err) {
      expect(isCairnError(err, 'fatal')).toBe(true);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toMatch(/not restic's REST protocol/);
    }
  });
});
