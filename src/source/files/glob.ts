/**
 * restic's exclude pattern matching (its `filter` package): a pattern is split at `/` into parts, each part is a Go
 * `filepath.Match` glob (`*`, `?`, `[a-z]`, `[^…]`, `\` escapes; none of them crosses `/`), and a part `**` stands for
 * any number of path components. A pattern starting with `/` must match from the root; any other pattern matches any
 * run of consecutive components of the path, so `*.tmp` or `cache/x` match anywhere. `!pattern` negates (restic ≥ 0.14).
 */
export interface Pattern {
  readonly source: string;
  readonly negate: boolean;
  readonly absolute: boolean;
  readonly parts: readonly Part[];
}

type Part = { kind: 'literal'; text: string } | { kind: 'glob'; re: RegExp } | { kind: 'any-depth' };

/** Compiles one pattern; `fold` lower-cases it for the case-insensitive `--iexclude` family. */
export function compilePattern(pattern: string, fold = false): Pattern {
  let text = pattern.trim();
  const negate = text.startsWith('!');
  if (negate) text = text.slice(1);
  if (fold) text = text.toLowerCase();
  text = cleanPath(text);
  const absolute = text.startsWith('/');
  const raw = text.split('/');
  const parts: Part[] = raw.map((p) => {
    if (p === '**') return { kind: 'any-depth' };
    if (!/[*?[\\]/.test(p)) return { kind: 'literal', text: p };
    return { kind: 'glob', re: globToRegExp(p) };
  });
  return { source: pattern, negate, absolute, parts };
}

/** Whether `path` (absolute, `/`-separated) matches the pattern. */
export function matchPattern(pattern: Pattern, path: string, fold = false): boolean {
  const p = cleanPath(fold ? path.toLowerCase() : path);
  return matchParts(pattern.parts, p.split('/'), pattern.absolute);
}

/** restic's list semantics: the last matching pattern decides; a negated one un-excludes. */
export function matchAny(patterns: readonly Pattern[], path: string, fold = false): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (matched === !pattern.negate) continue;
    if (matchPattern(pattern, path, fold)) matched = !pattern.negate;
  }
  return matched;
}

function matchParts(parts: readonly Part[], strs: readonly string[], absolute: boolean): boolean {
  const star = parts.findIndex((p) => p.kind === 'any-depth');
  if (star >= 0) {
    // Expand `**` into 0, 1, 2… single-component wildcards, as restic does.
    const prefix = parts.slice(0, star);
    const suffix = parts.slice(star + 1);
    const anyOne: Part = { kind: 'glob', re: /^[^/]*$/s };
    for (let i = 0; prefix.length + i + suffix.length <= strs.length; i++) {
      const expanded = [...prefix, ...Array<Part>(i).fill(anyOne), ...suffix];
      if (matchParts(expanded, strs, absolute)) return true;
    }
    return false;
  }
  if (parts.length === 0) return strs.length === 0;
  if (parts.length > strs.length) return false;
  const maxOffset = absolute ? 0 : strs.length - parts.length;
  outer: for (let offset = maxOffset; offset >= 0; offset--) {
    for (let i = parts.length - 1; i >= 0; i--) {
      if (!matchPart(parts[i]!, strs[offset + i]!)) continue outer;
    }
    return true;
  }
  return false;
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

/** Go `filepath.Match` syntax for one component → an anchored RegExp. */
function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]!);
    else if (c === '[') {
      const end = classEnd(glob, i);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      let negate = false;
      if (body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      re += `[${negate ? '^' : ''}${classBody(body)}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(re + '$', 's');
}

function classEnd(glob: string, start: number): number {
  let i = start + 1;
  if (glob[i] === '^') i++;
  if (glob[i] === ']') i++;
  for (; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob[i] === ']') return i;
  }
  return -1;
}

/** A glob character class body (ranges kept, `\x` escapes honoured) as a RegExp class body. */
function classBody(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    let c = body[i]!;
    if (c === '\\' && i + 1 < body.length) c = body[++i]!;
    else if (c === '-') {
      out += '-';
      continue;
    }
    out += /[\]\\^-]/.test(c) ? '\\' + c : c;
  }
  return out;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
