import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCairnError } from '../core/index.js';
import { cleanPath, globToRegExp, matchList, parsePatterns } from './pattern.js';

const m = (patterns: string[], p: string, ignoreCase = false) => matchList(parsePatterns(patterns, ignoreCase), p, ignoreCase);

describe('restic filter patterns', () => {
  // Cases from restic's internal/filter/filter_test.go.
  const cases: [string, string, boolean][] = [
    ['*.go', '/foo/bar/test.go', true],
    ['*.c', '/foo/bar/test.go', false],
    ['*', '/foo/bar/test.go', true],
    ['foo*', '/foo/bar/test.go', true],
    ['bar', '/foo/bar/test.go', true],
    ['/bar', '/foo/bar/test.go', false],
    ['bar/*.go', '/foo/bar/test.go', true],
    ['baz/*.go', '/foo/bar/test.go', false],
    ['/foo/bar', '/foo/bar/test.go', true],
    ['/foo/bar/test.go', '/foo/bar/test.go', true],
    ['/foo/bar/baz', '/foo/bar', false],
    ['/foo/**/test.go', '/foo/bar/baz/test.go', true],
    ['/foo/**/test.go', '/foo/test.go', true],
    ['**/test.go', '/foo/bar/test.go', true],
    ['foo/**', '/foo/bar/test.go', true],
    ['t?st.go', '/foo/test.go', true],
    ['t[a-f]st.go', '/foo/test.go', true],
    ['t[^a-f]st.go', '/foo/test.go', false],
    ['*.GO', '/foo/test.go', false],
  ];
  for (const [pattern, p, want] of cases) {
    it(`${pattern} ${want ? 'matches' : 'does not match'} ${p}`, () => {
      expect(m([pattern], p).matched).toBe(want);
    });
  }

  it('matches case-insensitively when asked (iinclude/iexclude)', () => {
    expect(m(['*.GO'], '/foo/Test.go', true).matched).toBe(true);
  });

  it('says a child may match below a prefix of an absolute pattern', () => {
    expect(m(['/foo/bar/x.txt'], '/foo')).toEqual({ matched: false, childMayMatch: true });
    expect(m(['/foo/bar/x.txt'], '/other')).toEqual({ matched: false, childMayMatch: false });
    expect(m(['x.txt'], '/other').childMayMatch).toBe(true);
  });

  it('lets a negated pattern take back an earlier match', () => {
    expect(m(['*.txt', '!keep.txt'], '/a/keep.txt').matched).toBe(false);
    expect(m(['*.txt', '!keep.txt'], '/a/drop.txt').matched).toBe(true);
  });

  it('rejects a malformed glob with invalid-argument', () => {
    expect(() => globToRegExp('a[')).toThrow();
    try {
      globToRegExp('x\\');
    } catch (err) {
      expect(isCairnError(err, 'invalid-argument')).toBe(true);
    }
  });

  it('a literal component pattern matches exactly the paths containing that component', () => {
    const name = fc.stringMatching(/^[a-z]{1,4}$/);
    fc.assert(
      fc.property(name, fc.array(name, { minLength: 1, maxLength: 5 }), (pat, parts) => {
        expect(m([pat], '/' + parts.join('/')).matched).toBe(parts.includes(pat));
      }),
    );
  });

  it('cleans paths like Go path.Clean', () => {
    expect(cleanPath('/a/./b/../c//')).toBe('/a/c');
    expect(cleanPath('/../a')).toBe('/a');
    expect(cleanPath('a/../..')).toBe('..');
  });
});
