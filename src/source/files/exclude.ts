import fs from 'node:fs/promises';
import path from 'node:path';
import { CairnError, errnoCode, fsPathOf } from '../../core/index.js';
import { compilePattern, matchAny, type Pattern } from '../glob.js';
import type { ExcludeOptions } from '../spec.js';

interface TagSpec {
  name: string;
  header?: Buffer;
}

const CACHEDIR_SIGNATURE = 'Signature: 8a477f597d28d172789f06886806bc55';

/** The compiled exclude rules of one backup run. */
export class Excluder {
  readonly oneFileSystem: boolean;
  private readonly tagCache = new Map<string, boolean>();

  private constructor(
    private readonly patterns: Pattern[],
    private readonly ipatterns: Pattern[],
    private readonly tags: TagSpec[],
    private readonly maxSize: number | undefined,
    oneFileSystem: boolean,
  ) {
    this.oneFileSystem = oneFileSystem;
  }

  /** Compiles the options, reading exclude files. @throws CairnError 'invalid-argument' for an unreadable exclude file. */
  static async create(opts: ExcludeOptions = {}): Promise<Excluder> {
    const plain = [...(opts.exclude ?? [])];
    const folded = [...(opts.iexclude ?? [])];
    for (const f of opts.excludeFiles ?? []) plain.push(...(await readPatternFile(f)));
    for (const f of opts.iexcludeFiles ?? []) folded.push(...(await readPatternFile(f)));
    const tags = (opts.excludeIfPresent ?? []).map(parseTagSpec);
    if (opts.excludeCaches) tags.push({ name: 'CACHEDIR.TAG', header: Buffer.from(CACHEDIR_SIGNATURE) });
    const max = opts.excludeLargerThan;
    if (max !== undefined && (!Number.isFinite(max) || max < 0)) {
      throw new CairnError('invalid-argument', `The size limit ${max} is not a byte count.`);
    }
    return new Excluder(
      plain.filter((p) => p.trim() !== '').map((p) => compilePattern(p)),
      folded.filter((p) => p.trim() !== '').map((p) => compilePattern(p, true)),
      tags,
      max,
      opts.oneFileSystem ?? false,
    );
  }

  /** Whether any `--exclude-if-present` / `--exclude-caches` rule is set. */
  get hasTagRules(): boolean {
    return this.tags.length > 0;
  }

  /** `--exclude` / `--iexclude` on an absolute path. */
  excludedByName(absPath: string): boolean {
    // Checked first: it runs for every entry, and most backups have no patterns.
    if (this.patterns.length === 0 && this.ipatterns.length === 0) return false;
    return matchAny(this.patterns, absPath) || matchAny(this.ipatterns, absPath, true);
  }

  /** `--exclude-larger-than` (files only). */
  excludedBySize(isDir: boolean, size: number): boolean {
    return !isDir && this.maxSize !== undefined && size > this.maxSize;
  }

  /**
   * `--exclude-if-present` / `--exclude-caches`: if folder `dir` holds a tag file, the names to keep (just the tag
   * file, as restic keeps it); otherwise undefined.
   */
  async keepOnlyTag(dir: string, names: readonly string[]): Promise<string[] | undefined> {
    for (const tag of this.tags) {
      if (!names.includes(tag.name)) continue;
      const key = `${dir}\0${tag.name}\0${tag.header?.toString('hex') ?? ''}`;
      let hit = this.tagCache.get(key);
      if (hit === undefined) {
        hit = await hasHeader(path.join(dir, tag.name), tag.header);
        this.tagCache.set(key, hit);
      }
      if (hit) return [tag.name];
    }
    return undefined;
  }
}

/** Parses `FILE[:HEADER]`. */
function parseTagSpec(spec: string): TagSpec {
  const colon = spec.indexOf(':');
  if (colon < 0) return { name: spec };
  const name = spec.slice(0, colon);
  const header = spec.slice(colon + 1);
  if (name === '') throw new CairnError('invalid-argument', `"${spec}" names no tag file.`);
  return header === '' ? { name } : { name, header: Buffer.from(header) };
}

async function hasHeader(file: string, header: Buffer | undefined): Promise<boolean> {
  if (header === undefined) return true;
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(fsPathOf(file), 'r');
    const buf = Buffer.alloc(header.length);
    const { bytesRead } = await fh.read(buf, 0, header.length, 0);
    return bytesRead === header.length && buf.equals(header);
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

/** One pattern per line; blank lines and `#` comments skipped, surrounding spaces trimmed (as restic does). */
export function parsePatternLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

async function readPatternFile(file: string): Promise<string[]> {
  try {
    return parsePatternLines(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new CairnError('invalid-argument', `Cannot read the exclude file ${file} (${errnoCode(err) ?? 'error'}).`, {
      cause: err,
    });
  }
}

/** Parses a size as the CLI accepts it: bytes, or a number with K, M, G or T (powers of 1024), like restic. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) throw new CairnError('invalid-argument', `"${text}" is not a size (use e.g. 500K, 2M, 3G).`);
  const unit = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * 1024 ** unit);
}
