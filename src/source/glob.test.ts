import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanPath, compilePattern, compilePatterns, globToRegExp, matchAny, matchAnyWithChild, matchPattern } from './glob.js';

const m = (pattern: string, p: string, fold = false): boolean => matchPattern(compilePattern(pattern, fold), p, fold);
const list = (patterns: string[], p: string, fold = false) => matchAnyWithChild(compilePatterns(patterns, fold), p, fold);

/** The CairnError code `fn` throws, if any. */
function thrownCode(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return undefined;
}

describe('restic filter patterns: cases from restic internal/filter/filter_test.go', () => {
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
      expect(m(pattern, p)).toBe(want);
      expect(list([pattern], p).matched).toBe(want);
    });
  }
});

describe('restic filter patterns', () => {
  it('a relative pattern matches a component anywhere in the path', () => {
    expect(m('*.tmp', '/home/u/a.tmp')).toBe(true);
    expect(m('cache', '/home/u/cache')).toBe(true);
    expect(m('u/cache', '/home/u/cache')).toBe(true);
    expect(m('*.tmp', '/home/u/a.txt')).toBe(false);
  });

  it('a relative pattern never matches the root marker of an absolute path', () => {
    expect(m('*/x', '/x')).toBe(false);
    expect(m('*/x', '/a/x')).toBe(true);
    expect(m('*/*', '/home')).toBe(false);
  });

  it('an absolute pattern matches only from the root', () => {
    expect(m('/home/u', '/home/u/x')).toBe(true);
    expect(m('/u', '/home/u')).toBe(false);
    expect(m('/home/*/x', '/home/u/x')).toBe(true);
  });

  it('* and ? do not cross a slash; classes and escapes work like filepath.Match', () => {
    expect(m('/home/*', '/home/u/x')).toBe(true); // prefix of the path matches
    expect(m('/h*e/u', '/home/u')).toBe(true);
    expect(m('/h*u', '/home/u')).toBe(false);
    expect(m('file?.txt', '/a/file1.txt')).toBe(true);
    expect(m('file[0-3].txt', '/a/file2.txt')).toBe(true);
    expect(m('file[^0-3].txt', '/a/file2.txt')).toBe(false);
    expect(m('file\\*.txt', '/a/file*.txt')).toBe(true);
    expect(m('file\\*.txt', '/a/fileX.txt')).toBe(false);
    expect(m('x[\\]\\-]', '/a/x]')).toBe(true);
    expect(m('x[\\]\\-]', '/a/x-')).toBe(true);
    expect(m('x[*]', '/a/x*')).toBe(true);
  });

  it('? and classes take one code point, not one UTF-16 unit', () => {
    expect(m('a?b', '/a😀b')).toBe(true);
    expect(m('a[😀]b', '/a😀b')).toBe(true);
  });

  it('a reversed class range matches nothing, as in Go', () => {
    expect(m('[z-a]', '/m')).toBe(false);
    expect(m('[^z-a]', '/m')).toBe(true);
  });

  it('** spans any number of components', () => {
    expect(m('/home/**/x', '/home/x')).toBe(true);
    expect(m('/home/**/x', '/home/a/b/c/x')).toBe(true);
    expect(m('/home/**/x', '/other/a/x')).toBe(false);
    expect(m('**/node_modules', '/a/b/node_modules')).toBe(true);
    expect(m('/a/**/b/**/c', '/a/x/b/y/z/c')).toBe(true);
    expect(m('/a/**/b/**/c', '/a/x/y/z/c')).toBe(false);
  });

  it('case-insensitive patterns fold both sides', () => {
    expect(m('*.JPG', '/a/b.jpg', true)).toBe(true);
    expect(m('*.JPG', '/a/b.jpg', false)).toBe(false);
    expect(list(['*.GO'], '/foo/Test.go', true).matched).toBe(true);
  });

  it('spaces in a pattern are part of it, as restic does not trim command-line patterns', () => {
    expect(m(' x', '/a/ x')).toBe(true);
    expect(m(' x', '/a/x')).toBe(false);
  });

  it('a literal component pattern matches exactly the paths containing that component', () => {
    const name = fc.stringMatching(/^[a-z]{1,4}$/);
    fc.assert(
      fc.property(name, fc.array(name, { minLength: 1, maxLength: 5 }), (pat, parts) => {
        expect(m(pat, '/' + parts.join('/'))).toBe(parts.includes(pat));
      }),
    );
  });

  it('a fully escaped glob matches exactly its own text', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((s) => !s.includes('/'));
    fc.assert(
      fc.property(text, text, (a, b) => {
        const re = globToRegExp(Array.from(a, (c) => '\\' + c).join(''));
        expect(re.test(b)).toBe(a === b);
      }),
    );
  });
});

describe('malformed patterns', () => {
  for (const bad of ['a[', '[a', 'x\\', '[]', '[]a]', '[^]', '[a-]', '[-a]', '[a\\']) {
    it(`rejects ${JSON.stringify(bad)} with invalid-argument, as Go's ErrBadPattern`, () => {
      expect(thrownCode(() => globToRegExp(bad))).toBe('invalid-argument');
      expect(thrownCode(() => compilePattern(`/dir/${bad}`))).toBe('invalid-argument');
    });
  }

  it('accepts an unmatched ] outside a class as a literal', () => {
    expect(m('a]', '/a]')).toBe(true);
  });
});

describe('pattern lists (restic List / ListWithChild)', () => {
  it('a negated pattern re-includes what an earlier pattern matched', () => {
    const pats = ['/a/*', '!/a/keep'].map((p) => compilePattern(p));
    expect(matchAny(pats, '/a/drop')).toBe(true);
    expect(matchAny(pats, '/a/keep')).toBe(false);
    expect(list(['*.txt', '!keep.txt'], '/a/keep.txt').matched).toBe(false);
    expect(list(['*.txt', '!keep.txt'], '/a/drop.txt').matched).toBe(true);
  });

  it('a later positive pattern matches again after a negated one', () => {
    expect(list(['*.txt', '!keep.txt', '/a/*'], '/a/keep.txt').matched).toBe(true);
  });

  it('empty patterns are skipped and an empty list matches nothing', () => {
    expect(compilePatterns(['', 'x'])).toHaveLength(1);
    expect(list([], '/x')).toEqual({ matched: false, childMayMatch: false });
  });

  it('says a child may match below a prefix of an absolute pattern', () => {
    expect(list(['/foo/bar/x.txt'], '/foo')).toEqual({ matched: false, childMayMatch: true });
    expect(list(['/foo/bar/x.txt'], '/other')).toEqual({ matched: false, childMayMatch: false });
    expect(list(['x.txt'], '/other').childMayMatch).toBe(true);
  });

  it('a child may match anywhere below the part of an absolute pattern before **', () => {
    expect(list(['/foo/**/x.txt'], '/foo/a/b').childMayMatch).toBe(true);
    expect(list(['/foo/**/x.txt'], '/bar/a').childMayMatch).toBe(false);
  });

  it('a matching negated pattern also says no child may match', () => {
    expect(list(['/foo/bar/x.txt', '!/foo'], '/foo')).toEqual({ matched: false, childMayMatch: false });
  });
});

describe('cleanPath', () => {
  it('behaves like Go filepath.Clean', () => {
    expect(cleanPath('/a//b/./c/../d/')).toBe('/a/b/d');
    expect(cleanPath('/a/./b/../c//')).toBe('/a/c');
    expect(cleanPath('../x/./y')).toBe('../x/y');
    expect(cleanPath('/../a')).toBe('/a');
    expect(cleanPath('a/../..')).toBe('..');
    expect(cleanPath('')).toBe('.');
  });
});
