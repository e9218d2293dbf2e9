import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ExtendedAttribute } from '../../core/index.js';

/**
 * Extended attributes without a native addon: Node has no xattr API, so one `getfattr -R` per backup root lists every
 * file that has any (files without attributes cost nothing in the output). Missing `getfattr` means no attributes.
 */
export type XattrMap = Map<string, ExtendedAttribute[]>;

let getfattrPath: string | null | undefined;

/** The `getfattr` executable on PATH, or undefined. */
export function findGetfattr(): string | undefined {
  if (getfattrPath === undefined) {
    getfattrPath = null;
    for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(':')) {
      const candidate = path.join(dir || '.', 'getfattr');
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        getfattrPath = candidate;
        break;
      } catch {
        // keep looking
      }
    }
  }
  return getfattrPath ?? undefined;
}

/**
 * The attributes of every entry below (and including) each root, keyed by absolute path. Entries that cannot be read
 * are silently missing; without `getfattr` the map is empty.
 */
export async function readXattrsRecursive(roots: readonly string[], signal?: AbortSignal): Promise<XattrMap> {
  const out: XattrMap = new Map();
  const bin = findGetfattr();
  if (bin === undefined || roots.length === 0) return out;
  const args = ['--absolute-names', '-d', '-m', '-', '-e', 'base64', '-h', '-R', '--', ...roots];
  const text = await runCapture(bin, args, signal);
  for (const [file, attrs] of parseGetfattr(text)) out.set(file, attrs);
  return out;
}

function runCapture(bin: string, args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'ignore'], ...(signal ? { signal } : {}) });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    // A failing getfattr (permissions, vanished files, abort) just means fewer attributes.
    child.on('error', () => resolve(Buffer.concat(chunks).toString('latin1')));
    child.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/**
 * Parses `getfattr -d -e base64` output. Read as latin1 so that file names (raw bytes, with getfattr's octal escapes)
 * survive; they are converted back to UTF-8 strings at the end.
 */
export function parseGetfattr(text: string): Map<string, ExtendedAttribute[]> {
  const out = new Map<string, ExtendedAttribute[]>();
  let current: ExtendedAttribute[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      current = [];
      out.set(Buffer.from(unescapeOctal(line.slice(8)), 'latin1').toString('utf8'), current);
      continue;
    }
    if (current === undefined || line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = Buffer.from(unescapeOctal(eq < 0 ? line : line.slice(0, eq)), 'latin1').toString('utf8');
    current.push({ name, value: decodeValue(eq < 0 ? '' : line.slice(eq + 1)) });
  }
  for (const [file, attrs] of out) {
    if (attrs.length === 0) out.delete(file);
    else attrs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return out;
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
