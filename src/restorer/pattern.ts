import { CairnError } from '../core/index.js';

/**
 * restic's include/exclude patterns (internal/filter): a pattern is split into path components, each a Go
 * `filepath.Match` glob; `**` spans any number of components; a leading `/` anchors the pattern at the root,
 * otherwise it may match any run of consecutive components; a leading `!` negates.
 * A match on a directory also matches everything below it, because the run of components still matches.
 */
export interface Pattern {
  readonly original: string;
  readonly parts: readonly Part[];
  readonly negated: boolean;
}

interface Part {
  readonly text: string;
  /** undefined when the part has no glob characters (compared literally). */
  readonly re: RegExp | undefined;
}

const STAR: Part = { text: '*', re: /^[^/]*$/s };

export function parsePatterns(patterns: readonly string[], ignoreCase = false): Pattern[] {
  return patterns.filter((p) => p !== '').map((p) => parsePattern(ignoreCase ? p.toLowerCase() : p));
}

function parsePattern(original: string): Pattern {
  let text = original;
  const negated = text.startsWith('!');
  if (negated) text = text.slice(1);
  const parts = splitPath(cleanPath(text)).map((t): Part => (t === '/' ? { text: t, re: undefined } : makePart(t)));
  return { original, parts, negated };
}

function makePart(text: string): Part {
  if (!/[*?[\\]/.test(text)) return { text, re: undefined };
  return { text, re: globToRegExp(text) };
}

/** Go's filepath.Match syntax as a RegExp over one path component. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      i++;
      if (i >= glob.length) throw badPattern(glob);
      re += escapeRe(glob[i]!);
    } else if (c === '[') {
      const end = classEnd(glob, i);
      let body = glob.slice(i + 1, end);
      let negate = false;
      if (body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      if (body === '') throw badPattern(glob);
      re += (negate ? '[^/' : '[') + body.replace(/[\]^]/g, '\\$&').replace(/\\\\(.)/g, '\\$1') + ']';
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(re + '$', 's');
}

function classEnd(glob: string, start: number): number {
  for (let j = start + 1; j < glob.length; j++) {
    if (glob[j] === '\\') j++;
    else if (glob[j] === ']' && j > start + 1) return j;
  }
  throw badPattern(glob);
}

function badPattern(glob: string): CairnError {
  return new CairnError('invalid-argument', `The pattern "${glob}" is malformed.`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Like Go's path.Clean for '/'-separated paths. */
export function cleanPath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(seg);
  }
  const joined = out.join('/');
  if (abs) return '/' + joined;
  return joined === '' ? '.' : joined;
}

function splitPath(p: string): string[] {
  const parts = p.split('/');
  if (parts[0] === '') parts[0] = '/';
  if (p === '/') return ['/'];
  return parts;
}

function partMatches(part: Part, s: string): boolean {
  return part.re === undefined ? part.text === s : part.re.test(s);
}

function doubleStarAt(parts: readonly Part[]): number {
  return parts.findIndex((p) => p.text === '**');
}

function matchParts(parts: readonly Part[], strs: readonly string[]): boolean {
  const pos = doubleStarAt(parts);
  if (pos >= 0) {
    // Expand '**' into 0, 1, 2… single-component wildcards.
    for (let i = 0; i <= strs.length - parts.length + 1; i++) {
      const expanded = [...parts.slice(0, pos), ...Array<Part>(i).fill(STAR), ...parts.slice(pos + 1)];
      if (matchParts(expanded, strs)) return true;
    }
    return false;
  }
  if (parts.length === 0 || parts.length > strs.length) return false;
  let minOffset = 0;
  let maxOffset = strs.length - parts.length;
  if (parts[0]!.text === '/') maxOffset = 0;
  else if (strs[0] === '/') minOffset = 1;
  outer: for (let offset = maxOffset; offset >= minOffset; offset--) {
    for (let i = parts.length - 1; i >= 0; i--) {
      if (!partMatches(parts[i]!, strs[offset + i]!)) continue outer;
    }
    return true;
  }
  return false;
}

function childMatch(parts: readonly Part[], strs: readonly string[]): boolean {
  if (parts[0]?.text !== '/') return true;
  const pos = doubleStarAt(parts);
  const s = pos >= 0 && strs.length >= pos ? strs.slice(0, pos) : strs;
  return matchParts(parts.slice(0, Math.min(s.length, parts.length)), s);
}

/** restic's filter.ListWithChild: does `path` match, and may something below it match? */
export function matchList(patterns: readonly Pattern[], path: string, ignoreCase = false): { matched: boolean; childMayMatch: boolean } {
  let matched = false;
  let childMayMatch = false;
  if (patterns.length === 0) return { matched, childMayMatch };
  const strs = splitPath(cleanPath(ignoreCase ? path.toLowerCase() : path));
  const hasNegated = patterns.some((p) => p.negated);
  for (const pat of patterns) {
    const m = matchParts(pat.parts, strs);
    if (pat.negated) {
      matched = matched && !m;
      childMayMatch = childMayMatch && !m;
    } else {
      matched = matched || m;
      childMayMatch = childMayMatch || childMatch(pat.parts, strs);
      if (matched && childMayMatch && !hasNegated) break;
    }
  }
  return { matched, childMayMatch };
}
