/**
 * Reading `cairn.yaml`: YAML with line positions, `${ENV}` references replaced, then the zod schema. Every problem
 * is collected and reported at once as `FILE:LINE: key.path: what is wrong`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { z } from 'zod';
import { CairnError, errnoCode } from '../core/index.js';
import type { CairnConfig } from './schema.js';
import { crossCheck } from './cross-check.js';
import { isArchiveUrl } from './job-options.js';
import { configSchema } from './schema.js';

export interface ConfigProblem {
  line?: number;
  key: string;
  message: string;
}

/** A config that cannot be used; `problems` holds every problem found, the message lists them all. */
export class ConfigError extends CairnError {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    const lines = problems.map(
      (p) =>
        `  ${file}${p.line === undefined ? '' : `:${p.line}`}: ${p.key === '' ? '' : `${p.key}: `}${p.message}`,
    );
    const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
    super('invalid-argument', `The config file ${file} has ${count}:\n${lines.join('\n')}`);
  }
}

export interface LoadedConfig {
  file: string;
  config: CairnConfig;
}

type Env = Record<string, string | undefined>;

/** Reads and validates a config file; relative file paths in it are taken from the file's folder. */
export async function loadConfig(file: string, env: Env = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const why =
      errnoCode(err) === 'ENOENT' ? 'does not exist' : `cannot be read (${errnoCode(err) ?? String(err)})`;
    throw new CairnError(
      'invalid-argument',
      `The config file ${file} ${why}: give --config FILE, or run \`cairn serve\` once to write the default one.`,
    );
  }
  const config = parseConfig(text, file, env);
  return { file: path.resolve(file), config: resolvePaths(config, path.dirname(path.resolve(file))) };
}

/** Pure: validates config text; throws a ConfigError naming every problem. */
export function parseConfig(text: string, file: string, env: Env): CairnConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number): number => lines.linePos(offset).line;
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ line: lineOf(e.pos[0]), key: '', message: e.message.split('\n')[0]! })),
    );
  }
  const problems: ConfigProblem[] = [];
  const raw = substituteEnv(doc.toJS() ?? {}, env, [], (at, message) =>
    problems.push(locate(doc, at, message, lineOf)),
  );
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((i) => issueProblems(doc, i, lineOf)));
  for (const issue of crossCheck(raw)) problems.push(locate(doc, issue.path, issue.message, lineOf));
  if (problems.length > 0 || !parsed.success) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw new ConfigError(file, problems);
  }
  return parsed.data;
}

type Path = (string | number)[];

/** Replaces `${NAME}` in every string with the environment variable (`$${` stays a literal `${`). */
function substituteEnv(
  value: unknown,
  env: Env,
  at: Path,
  problem: (at: Path, message: string) => void,
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$(\$?)\{([^}]*)\}/g, (all, escaped: string, name: string) => {
      if (escaped !== '') return all.slice(1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        problem(at, `"\${${name}}" is not a valid environment variable reference`);
        return '';
      }
      const v = env[name];
      if (v === undefined) {
        problem(at, `refers to the environment variable ${name}, which is not set`);
        return all; // kept, so that the schema does not report the same key again
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...at, i], problem));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, [...at, k], problem)]),
    );
  }
  return value;
}

function issueProblems(
  doc: Document,
  issue: z.core.$ZodIssue,
  lineOf: (o: number) => number,
): ConfigProblem[] {
  const at = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => locate(doc, [...at, k], 'is not a known key', lineOf));
  }
  if (issue.code === 'invalid_union') {
    // A value of one of the union's shapes (a route given as a mapping): that shape's own problems say more.
    const shape = issue.errors.find((e) => !e.some((i) => i.code === 'invalid_type' && i.path.length === 0));
    if (shape !== undefined && shape.length > 0)
      return shape.flatMap((i) => issueProblems(doc, { ...i, path: [...issue.path, ...i.path] }, lineOf));
  }
  const message =
    issue.code === 'invalid_type' && issue.input === undefined
      ? 'is required'
      : issue.message.replace(/^Invalid input: /, '');
  return [locate(doc, at, message, lineOf)];
}

/** The problem at a key path, on the line of its key (or of the nearest enclosing key that exists). */
function locate(doc: Document, at: Path, message: string, lineOf: (o: number) => number): ConfigProblem {
  const key = at.map(String).join('.');
  for (let n = at.length; n >= 0; n--) {
    const offset = keyOffset(doc, at.slice(0, n));
    if (offset !== undefined) return { line: lineOf(offset), key, message };
  }
  return { key, message };
}

function nodeOffset(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Offset of the key of the last path element in its map (or of the node, for list items and the root). */
function keyOffset(doc: Document, at: Path): number | undefined {
  if (at.length === 0) return nodeOffset(doc.contents);
  const parent = doc.getIn(at.slice(0, -1), true);
  const last = at[at.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find(
      (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(last),
    );
    if (pair && isScalar(pair.key)) return nodeOffset(pair.key);
  }
  return nodeOffset(doc.getIn(at, true));
}

/** Relative file paths in the config (data_dir, log.file, password files, archive.to, an SMTP channel's files) are relative to its folder. */
function resolvePaths(config: CairnConfig, dir: string): CairnConfig {
  const abs = (p: string): string => path.resolve(dir, p);
  const out: CairnConfig = { ...config, repositories: {} };
  if (config.data_dir !== undefined) out.data_dir = abs(config.data_dir);
  if (config.log.file !== undefined) out.log = { ...config.log, file: abs(config.log.file) };
  for (const [name, repo] of Object.entries(config.repositories)) {
    out.repositories[name] =
      repo.password_file === undefined ? repo : { ...repo, password_file: abs(repo.password_file) };
  }
  out.jobs = Object.fromEntries(
    Object.entries(config.jobs).map(([name, job]) => [
      name,
      job.archive === undefined || isArchiveUrl(job.archive.to)
        ? job
        : { ...job, archive: { ...job.archive, to: abs(job.archive.to) } },
    ]),
  );
  if (config.notifications !== undefined) {
    const channels = Object.entries(config.notifications.channels).map(([name, c]): [string, typeof c] => {
      if (c.type !== 'smtp') return [name, c];
      const files = {
        ...(c.password_file !== undefined ? { password_file: abs(c.password_file) } : {}),
        ...(c.ca_file !== undefined ? { ca_file: abs(c.ca_file) } : {}),
      };
      return [name, { ...c, ...files }];
    });
    out.notifications = { ...config.notifications, channels: Object.fromEntries(channels) };
  }
  return out;
}
