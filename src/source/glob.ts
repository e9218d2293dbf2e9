import { CairnError } from '../core/index.js';

/**
 * restic's path patterns (its `filter` package), shared by backup excludes and restore includes/excludes: a pattern is
 * split at `/` into parts, each part a Go `filepath.Match` glob (`*`, `?`, `[a-z]`, `[^…]`, `\` escapes; none of them
 * crosses `/`), and a part `**` stands for any number of path components. A pattern starting with `/` must match
 * from the root; any other pattern matches any run of consecutive components of the path, so `*.tmp` or `cache/x`
 * match anywhere. `!pattern` negates (restic ≥ 0.14). A match on a folder also holds for everything below it, as
 * the run of components still matches.
 */
export interface Pattern {
  readonly source: string;
  readonly negate: boolean;
  readonly absolute: boolean;
  readonly parts: readonly Part[];
}

type Part = { kind: 'literal'; text: string } | { kind: 'glob'; re: RegExp } | { kind: 'any-depth' };

/** restic's ListWithChild result: does the path match, and may something below it still match? */
export interface ListMatch {
  matched: boolean;
  childMayMatch: boolean;
}

const ANY_ONE: Part = { kind: 'glob', re: /^[^/]*$/u };

/**
 * Compiles one pattern; `fold` lower-cases it for the case-insensitive `--iexclude`/`--iinclude` family.
 * @throws CairnError 'invalid-argument' for a malformed glob, as restic rejects it before it starts.
 */
export function compilePattern(pattern: string, fold = false): Pattern {
  let text = fold ? pattern.toLowerCase() : pattern;
  const negate = text.startsWith('!');
  if (negate) text = text.slice(1);
  text = cleanPath(text);
  const parts = text.split('/').map((p): Part => {
    if (p === '**') return { kind: 'any-depth' };
    if (!/[*?[\]\\]/.test(p)) return { kind: 'literal', text: p };
    return { kind: 'glob', re: globToRegExp(p) };
  });
  return { source: pattern, negate, absolute: text.startsWith('/'), parts };
}

/** restic's ParsePatterns: compiles a list, skipping empty patterns. */
export function compilePatterns(patterns: readonly string[], fold = false): Pattern[] {
  return patterns.filter((p) => p !== '').map((p) => compilePattern(p, fold));
}

/** Whether `path` (absolute, `/`-separated) matches the pattern. */
export function matchPattern(pattern: Pattern, path: string, fold = false): boolean {
  return matchParts(pattern.parts, splitPath(path, fold), pattern.absolute);
}

/** restic's List: the patterns in order decide, a matching negated one takes back an earlier match. */
export function matchAny(patterns: readonly Pattern[], path: string, fold = false): boolean {
  return list(patterns, path, fold, false).matched;
}

/** restic's ListWithChild, for restore includes: also whether a path below `path` may match. */
export function matchAnyWithChild(patterns: readonly Pattern[], path: string, fold = false): ListMatch {
  return list(patterns, path, fold, true);
}

function list(patterns: readonly Pattern[], path: string, fold: boolean, withChild: boolean): ListMatch {
  let matched = false;
  let childMayMatch = false;
  if (patterns.length === 0) return { matched, childMayMatch };
  const strs = splitPath(path, fold);
  const hasNegated = patterns.some((p) => p.negate);
  for (const pat of patterns) {
    if (pat.negate) {
      if ((matched || (withChild && childMayMatch)) && matchParts(pat.parts, strs, pat.absolute)) {
        matched = false;
        childMayMatch = false;
      }
      continue;
    }
    matched ||= matchParts(pat.parts, strs, pat.absolute);
    childMayMatch ||= !withChild || childMatch(pat, strs);
    // Without negated patterns nothing later can change the answer.
    if (matched && childMayMatch && !hasNegated) break;
  }
  return { matched, childMayMatch };
}

/** Components of a cleaned path; an absolute path starts with '' as its root marker. */
function splitPath(path: string, fold: boolean): string[] {
  return cleanPath(fold ? path.toLowerCase() : path).split('/');
}

function matchParts(parts: readonly Part[], strs: readonly string[], absolute: boolean): boolean {
  const star = parts.findIndex((p) => p.kind === 'any-depth');
  if (star >= 0) {
    // Expand `**` into 0, 1, 2… single-component wildcards, as restic does.
    const prefix = parts.slice(0, star);
    const suffix = parts.slice(star + 1);
    for (let i = 0; prefix.length + i + suffix.length <= strs.length; i++) {
      const expanded = [...prefix, ...Array<Part>(i).fill(ANY_ONE), ...suffix];
      if (matchParts(expanded, strs, absolute)) return true;
    }
    return false;
  }
  if (parts.length === 0) return strs.length === 0;
  if (parts.length > strs.length) return false;
  const maxOffset = absolute ? 0 : strs.length - parts.length;
  // A relative pattern never matches the root marker: `*/x` does not match `/x` (restic's minOffset).
  const minOffset = !absolute && strs[0] === '' ? 1 : 0;
  outer: for (let offset = maxOffset; offset >= minOffset; offset--) {
    for (let i = parts.length - 1; i >= 0; i--) {
      if (!matchPart(parts[i]!, strs[offset + i]!)) continue outer;
    }
    return true;
  }
  return false;
}

/** restic's childMatch: a relative pattern may always match deeper; an absolute one only below its own prefix. */
function childMatch(pattern: Pattern, strs: readonly string[]): boolean {
  if (!pattern.absolute) return true;
  const star = pattern.parts.findIndex((p) => p.kind === 'any-depth');
  // Below a `**` anything may match, so only the components before it must agree.
  const head = star >= 0 && strs.length >= star ? strs.slice(0, star) : strs;
  return matchParts(pattern.parts.slice(0, Math.min(head.length, pattern.parts.length)), head, true);
}

function matchPart(part: Part, s: string): boolean {
  if (part.kind === 'literal') return part.text === s;
  if (part.kind === 'glob') return part.re.test(s);
  return true;
}

/** Go `filepath.Clean` for `/`-separated paths (no `..` above the root). */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(c);
  }
  const joined = out.join('/');
  if (abs) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/**
 * Go `filepath.Match` syntax for one path component (also restic find's name patterns) → an anchored RegExp.
 * @throws CairnError 'invalid-argument' where Go returns ErrBadPattern (an unclosed or empty class, a trailing `\`).
 */
export function globToRegExp(glob: string): RegExp {
  const chars = Array.from(glob);
  let re = '^';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const cls = parseClass(chars, i + 1, glob);
      re += cls.re;
      i = cls.end;
    } else if (c === '\\') {
      if (++i >= chars.length) throw badPattern(glob);
      re += escapeRe(chars[i]!);
    } else re += escapeRe(c);
  }
  return new RegExp(re + '$', 'u');
}

/** A class from just after its `[` to its `]` (at `end`), with Go's rules: at least one member, `-` and `]` escaped. */
function parseClass(chars: readonly string[], start: number, glob: string): { re: string; end: number } {
  let i = start;
  const negate = chars[i] === '^';
  if (negate) i++;
  let body = '';
  for (let n = 0; chars[i] !== ']' || n === 0; n++) {
    const lo = classMember(chars, i, glob);
    let hi = lo;
    if (chars[lo.next] === '-') hi = classMember(chars, lo.next + 1, glob);
    i = hi.next;
    // Go lets a reversed range match nothing; a RegExp would reject it.
    if (lo.cp <= hi.cp) body += `\\u{${lo.cp.toString(16)}}-\\u{${hi.cp.toString(16)}}`;
  }
  return { re: `[${negate ? '^' : ''}${body}]`, end: i };
}

/** Go's getEsc: one class member; malformed if missing, an unescaped `-` or `]`, or the last character of the glob. */
function classMember(chars: readonly string[], at: number, glob: string): { cp: number; next: number } {
  let i = at;
  let c = chars[i];
  if (c === undefined || c === '-' || c === ']') throw badPattern(glob);
  if (c === '\\') c = chars[++i];
  if (c === undefined || i + 1 >= chars.length) throw badPattern(glob);
  return { cp: c.codePointAt(0)!, next: i + 1 };
}

function badPattern(glob: string): CairnError {
  return new CairnError('invalid-argument', `The pattern "${glob}" is malformed.`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
