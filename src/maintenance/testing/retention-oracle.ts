// Test support: writes snapshots into a real repository and asks restic 0.14 what `forget` would do with them.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Id, Snapshot } from '../../core/index.js';
import { LocalBackend } from '../../backend/local/index.js';
import { Repository } from '../../repository/index.js';
import { saveSnapshot, saveTree } from '../../snapshot/index.js';
import type { ZoneOffset } from '../retention-time.js';

const PASSWORD = 'retention-test';
const SCRYPT = { N: 1024, r: 8, p: 1 };

export interface OracleGroup {
  host: string;
  paths: string[] | null;
  tags: string[] | null;
  keep: Id[];
  remove: Id[];
  reasons: { matches: string[]; counters: Record<string, number> }[];
}

export interface OracleRepo {
  dir: string;
  ids: Id[];
  /** restic's `forget --dry-run --json` with these flags, in time zone `tz`, groups sorted by key. */
  forget(flags: string[], tz: string): OracleGroup[];
  close(): Promise<void>;
}

/** A repository holding exactly these snapshot documents (one empty tree is their root). */
export async function oracleRepo(restic: string, snaps: Omit<Snapshot, 'tree'>[]): Promise<OracleRepo> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cairn-retention-'));
  const repoDir = path.join(dir, 'repo');
  const pw = path.join(dir, 'password');
  await writeFile(pw, `${PASSWORD}\n`);
  const repo = await Repository.init(new LocalBackend(repoDir), {
    password: PASSWORD,
    scryptParams: SCRYPT,
    hostname: 'oracle',
    username: 'tester',
  });
  const tree = (await saveTree(repo, { nodes: [] })).id;
  const ids: Id[] = [];
  for (const s of snaps) ids.push(await saveSnapshot(repo, { ...s, tree }));
  await repo.close();
  return {
    dir: repoDir,
    ids,
    forget(flags, tz) {
      const env: NodeJS.ProcessEnv = { ...process.env, TZ: tz, HOME: dir };
      for (const k of ['RESTIC_PASSWORD', 'RESTIC_PASSWORD_COMMAND', 'RESTIC_REPOSITORY']) delete env[k];
      const args = ['-r', repoDir, '--password-file', pw, '--no-cache', '--no-lock', '--json'];
      const r = spawnSync(restic, [...args, 'forget', '--dry-run', ...flags], { encoding: 'utf8', env });
      if (r.status !== 0) throw new Error(`restic forget failed: ${r.stderr}`);
      if (r.stdout.trim() === '') return [];
      const raw = JSON.parse(r.stdout) as {
        host: string;
        paths: string[] | null;
        tags: string[] | null;
        keep: { id: Id }[] | null;
        remove: { id: Id }[] | null;
        reasons: { matches: string[]; counters: Record<string, number> }[] | null;
      }[];
      return raw
        .map((g) => ({
          host: g.host,
          paths: g.paths,
          tags: g.tags,
          keep: (g.keep ?? []).map((s) => s.id),
          remove: (g.remove ?? []).map((s) => s.id),
          reasons: (g.reasons ?? []).map((k) => ({ matches: k.matches, counters: k.counters })),
        }))
        .sort((a, b) => groupOrder(a).localeCompare(groupOrder(b)));
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

export function groupOrder(g: { host: string; paths: string[] | null; tags: string[] | null }): string {
  return JSON.stringify([g.host, g.paths, g.tags]);
}

/** The offset (seconds east) of an IANA zone at an instant, from the ICU data of Node. */
export function zoneOffset(timeZone: string): ZoneOffset {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (ns) => {
    const ms = Number(ns / 1_000_000n);
    const whole = Math.floor(ms / 1000) * 1000;
    const p = Object.fromEntries(fmt.formatToParts(new Date(whole)).map((x) => [x.type, x.value]));
    const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
    return Math.round((wall - whole) / 1000);
  };
}
