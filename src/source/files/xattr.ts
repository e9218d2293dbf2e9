import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nameFromBytes, type ExtendedAttribute } from '../../core/index.js';
import type { XattrMap } from '../source.js';

/*
 * Extended attributes without a native addon: Node has no xattr API, so one `getfattr -R` per backup root lists every
 * file that has any (files without attributes cost nothing in the output). Its output is parsed line by line as it
 * arrives, so only the attributes themselves are kept, never the whole text.
 */

/** getfattr's complaints passed on one by one; beyond this many only their number is reported. */
const MAX_ERROR_LINES = 20;

let found: { forPath: string | undefined; bin: string | undefined } | undefined;

/** The `getfattr` executable on PATH, or undefined (looked up again when PATH changes). */
export function findGetfattr(): string | undefined {
  const searchPath = process.env['PATH'];
  if (found?.forPath !== searchPath || found === undefined) {
    found = { forPath: searchPath, bin: undefined };
    for (const dir of (searchPath ?? '/usr/bin:/bin').split(':')) {
      const candidate = path.join(dir || '.', 'getfattr');
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        found.bin = candidate;
        break;
      } catch {
        // keep looking
      }
    }
  }
  return found.bin;
}

/** Something getfattr could not read, in one sentence; `item` is the path it names, when it names one. */
export type XattrWarn = (message: string, item?: string) => void;

/**
 * The attributes of every entry below (and including) each root, keyed by absolute path. Whatever cannot be read
 * (no `getfattr`, an entry getfattr fails on, getfattr failing) is left out and told to `warn` in one sentence each;
 * an abort ends the listing quietly.
 */
export async function readXattrsRecursive(
  roots: readonly string[],
  signal?: AbortSignal,
  warn: XattrWarn = () => undefined,
): Promise<XattrMap> {
  if (roots.length === 0) return new Map();
  const bin = findGetfattr();
  if (bin === undefined) {
    warn('getfattr is not installed (package "attr"), so no extended attributes are backed up.');
    return new Map();
  }
  const args = ['--absolute-names', '-d', '-m', '-', '-e', 'base64', '-h', '-R', '--', ...roots];
  return runGetfattr(bin, args, signal, warn);
}

function runGetfattr(
  bin: string,
  args: string[],
  signal: AbortSignal | undefined,
  warn: XattrWarn,
): Promise<XattrMap> {
  return new Promise((resolve) => {
    const parser = new GetfattrParser();
    const errors = new LineCollector(MAX_ERROR_LINES);
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => parser.push(chunk));
    child.stderr.setEncoding('latin1');
    child.stderr.on('data', (chunk: string) => errors.push(chunk));
    let done = false;
    const finish = (code: number | null, failed?: Error): void => {
      if (done) return;
      done = true;
      const result = parser.end();
      if (signal?.aborted) return resolve(result);
      if (failed !== undefined) {
        const why = (failed as NodeJS.ErrnoException).code ?? failed.message;
        warn(`getfattr could not be run (${why}), so extended attributes are missing from this backup.`);
        return resolve(result);
      }
      for (const line of errors.end()) {
        const raw = line.replace(/^getfattr: /, '');
        warn(`extended attributes not backed up: ${Buffer.from(raw, 'latin1').toString('utf8')}`, itemOf(raw));
      }
      if (errors.dropped > 0) warn(`extended attributes of ${errors.dropped} more items could not be read.`);
      else if (code !== 0 && errors.count === 0) {
        warn(`getfattr failed (exit status ${code ?? 'none'}), so some extended attributes may be missing.`);
      }
      resolve(result);
    };
    // A program that could not be started emits no 'close' of its own; one that ran always does.
    child.on('error', (err) => (child.pid === undefined ? finish(null, err) : undefined));
    child.on('close', (code) => finish(code));
  });
}

/** The path in getfattr's "PATH: REASON" (latin1; the reason, a strerror text, has no ": ", the path may). */
function itemOf(text: string): string | undefined {
  const at = text.lastIndexOf(': ');
  if (at <= 0) return undefined;
  return Buffer.from(unescapeOctal(text.slice(0, at)), 'latin1').toString('utf8');
}

/** Keeps the first `max` non-empty lines of a stream of text and counts the others. */
class LineCollector {
  private readonly lines: string[] = [];
  private partial = '';
  count = 0;
  dropped = 0;

  constructor(private readonly max: number) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) this.add(line);
    // A line without an end is cut short rather than growing without bound.
    if (this.partial.length > 4096) this.partial = this.partial.slice(0, 4096);
  }

  end(): string[] {
    this.add(this.partial);
    this.partial = '';
    return this.lines;
  }

  private add(line: string): void {
    if (line.trim() === '') return;
    this.count++;
    if (this.lines.length < this.max) this.lines.push(line.trim());
    else this.dropped++;
  }
}

/**
 * Parses `getfattr -d -e base64` output given in pieces of any size. Read as latin1 so that file names (raw bytes,
 * with getfattr's octal escapes) survive, and so that a piece may end anywhere; names become strings here, bytes that
 * are not UTF-8 kept as lone surrogates (`nameFromBytes`), as entry paths hold them.
 */
export class GetfattrParser {
  private readonly out: XattrMap = new Map();
  private partial = '';
  private file: string | undefined;
  private attrs: ExtendedAttribute[] = [];

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, nl);
      this.line(this.partial === '' ? piece : this.partial + piece);
      this.partial = '';
      start = nl + 1;
    }
    if (start < chunk.length) this.partial += chunk.slice(start);
  }

  /** The attributes of every file that has any, each list sorted by name. */
  end(): XattrMap {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
    this.finishFile();
    return this.out;
  }

  private line(line: string): void {
    if (line.startsWith('# file: ')) {
      this.finishFile();
      this.file = nameFromBytes(Buffer.from(unescapeOctal(line.slice(8)), 'latin1'));
      return;
    }
    if (this.file === undefined || line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = nameFromBytes(Buffer.from(unescapeOctal(eq < 0 ? line : line.slice(0, eq)), 'latin1'));
    this.attrs.push({ name, value: decodeValue(eq < 0 ? '' : line.slice(eq + 1)) });
  }

  private finishFile(): void {
    if (this.file !== undefined && this.attrs.length > 0) {
      this.out.set(this.file, this.attrs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
    }
    this.file = undefined;
    this.attrs = [];
  }
}

/** Parses complete `getfattr -d -e base64` output (see GetfattrParser). */
export function parseGetfattr(text: string): XattrMap {
  const parser = new GetfattrParser();
  parser.push(text);
  return parser.end();
}

function decodeValue(v: string): Buffer {
  if (v.startsWith('0s')) return Buffer.from(v.slice(2), 'base64');
  if (v.startsWith('0x')) return Buffer.from(v.slice(2), 'hex');
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) {
    return Buffer.from(unescapeOctal(v.slice(1, -1)), 'latin1');
  }
  return Buffer.from(v, 'latin1');
}

/** getfattr writes `\\` and `\ooo` for special bytes in names. */
function unescapeOctal(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\(\\|[0-7]{3})/g, (_m, g: string) => (g === '\\' ? '\\' : String.fromCharCode(parseInt(g, 8))));
}
