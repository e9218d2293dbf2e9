/**
 * `cairn repair index` and `repair snapshots` on damaged repositories, with restic 0.14's `check` as the oracle
 * for the result: a lost index file, a pack whose header cannot be read, a lost data pack.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, cairn, jsonLines, randomData, restic, treeDigest } from '../harness/cli.js';

let sb: Sandbox;
let template: string;
/** The data packs holding only lose/x.bin (written by the second backup), relative to the repository. */
let lostPacks: string[];
let copies = 0;
/** What `latest` holds: the source folder as it was backed up. */
let full: Record<string, string>;

const pw = (): string => sb.path('pw');
const args = (repo: string, ...a: string[]): string[] => ['--no-cache', '-r', repo, '-p', pw(), ...a];

function packFiles(repo: string): string[] {
  const data = path.join(repo, 'data');
  return (fs.readdirSync(data, { recursive: true }) as string[])
    .map((f) => path.join(data, f))
    .filter((f) => fs.statSync(f).isFile())
    .sort();
}

function freshRepo(): string {
  const dest = sb.path(`repo-${++copies}`);
  fs.cpSync(template, dest, { recursive: true });
  makeWritable(dest);
  return dest;
}

/** Repository files are written read-only; tests damage them. */
function makeWritable(dir: string): void {
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) fs.chmodSync(path.join(dir, f), 0o755);
}

async function expectBothCheck(repo: string): Promise<void> {
  const ours = await cairn(sb, args(repo, 'check', '--read-data'));
  expect(ours.code, ours.stdout + ours.stderr).toBe(0);
  const theirs = await restic(sb, ['-r', repo, '-p', pw(), 'check', '--read-data']);
  expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
}

async function restore(repo: string, snapshot: string): Promise<Record<string, string>> {
  const target = sb.path(`restored-${++copies}`);
  const r = await cairn(sb, args(repo, 'restore', snapshot, '--target', target));
  expect(r.code, r.stderr).toBe(0);
  return treeDigest(path.join(target, sb.path('src')));
}

async function snapshotsJSON(repo: string): Promise<{ id: string; tags?: string[]; original?: string }[]> {
  const r = await cairn(sb, args(repo, '--json', 'snapshots'));
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { id: string; tags?: string[]; original?: string }[];
}

beforeAll(async () => {
  sb = new Sandbox();
  sb.write('pw', 'secret\n', 0o600); // an open password file draws a warning
  template = sb.path('template');
  expect((await cairn(sb, args(template, 'init'))).code).toBe(0);
  sb.write('src/keep/a.txt', 'kept\n');
  fs.writeFileSync(sb.path('src/keep/b.bin'), randomData(1 << 20, 1));
  expect((await cairn(sb, args(template, '--pack-size', '4', 'backup', sb.path('src')))).code).toBe(0);
  const before = new Set(packFiles(template));
  fs.mkdirSync(sb.path('src/lose'));
  fs.writeFileSync(sb.path('src/lose/x.bin'), randomData(3 << 20, 2));
  expect((await cairn(sb, args(template, '--pack-size', '4', 'backup', sb.path('src')))).code).toBe(0);
  // New packs of the second backup: x.bin's data and the new trees; the data packs are the big ones.
  lostPacks = packFiles(template)
    .filter((f) => !before.has(f) && fs.statSync(f).size > 100_000)
    .map((f) => path.relative(template, f));
  expect(lostPacks.length).toBeGreaterThan(0);
  full = treeDigest(sb.path('src'));
}, 60_000);

afterAll(() => sb.cleanup());

describe('repair index', () => {
  it('brings back the packs of a lost index file: both checkers pass and the backup restores', async () => {
    const repo = freshRepo();
    const [lost] = fs.readdirSync(path.join(repo, 'index'));
    fs.rmSync(path.join(repo, 'index', lost!));
    expect((await cairn(sb, args(repo, 'check'))).code).toBe(1);

    const r = await cairn(sb, args(repo, 'repair', 'index'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/adding pack file to index [0-9a-f]{64}/);
    expect(fs.readdirSync(path.join(repo, 'index'))).not.toContain(lost);
    await expectBothCheck(repo);
    expect(await restore(repo, 'latest')).toEqual(full);
  });

  it('leaves out and names a pack whose header cannot be read and replaces an unreadable index file (rebuild-index --read-all-packs)', async () => {
    const repo = freshRepo();
    const pack = path.join(repo, lostPacks[0]!);
    const bytes = fs.readFileSync(pack);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    fs.writeFileSync(pack, bytes);
    const [garbled] = fs.readdirSync(path.join(repo, 'index'));
    fs.writeFileSync(path.join(repo, 'index', garbled!), 'not an index');
    const refused = await cairn(sb, args(repo, 'repair', 'snapshots'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^cairn: .*${garbled}.*; run \`cairn repair index\` first\\.\n$`));

    const r = await cairn(sb, args(repo, '--json', 'rebuild-index', '--read-all-packs'));
    expect(r.code, r.stderr).toBe(0);
    const id = path.basename(pack);
    expect(r.stderr).toContain(`skipping invalid file ${id}: The header of Pack ${id} cannot be decrypted.`);
    const [summary] = jsonLines(r.stdout);
    expect(summary).toMatchObject({ packs_unreadable: [{ id }], packs_read: packFiles(repo).length });
    expect(summary!.index_files_damaged).toMatchObject([{ id: garbled }]);
    expect(fs.readdirSync(path.join(repo, 'index'))).not.toContain(garbled);
    const idx = await cairn(sb, args(repo, '--json', 'cat', 'index'));
    expect(idx.stdout).not.toContain(id);

    // The rest of docs/operations.md's steps: repair snapshots --forget, then prune deletes the damaged pack.
    const rs = await cairn(sb, args(repo, 'repair', 'snapshots', '--forget'));
    expect(rs.code, rs.stderr).toBe(0);
    expect(rs.stdout).toContain('removed old snapshot');
    const pruned = await cairn(sb, args(repo, 'prune'));
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(fs.existsSync(pack)).toBe(false);
    await expectBothCheck(repo);
  });
});

describe('repair snapshots', () => {
  it('after a data pack is lost: the snapshot is rewritten, and once the original is gone both checkers pass', async () => {
    const repo = freshRepo();
    const [first, second] = await snapshotsJSON(repo);
    for (const p of lostPacks) fs.rmSync(path.join(repo, p));

    const r = await cairn(sb, args(repo, 'repair', 'snapshots'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`file "${sb.path('src/lose/x.bin')}": removed missing content`);
    expect(r.stdout).toMatch(/saved new snapshot [0-9a-f]{8}\n[\s\S]*modified 1 snapshots/);
    const after = await snapshotsJSON(repo);
    expect(after.map((s) => s.id)).toEqual(expect.arrayContaining([first!.id, second!.id]));
    const repaired = after.find((s) => s.original === second!.id)!;
    expect(repaired.tags).toEqual(['repaired']);

    expect((await cairn(sb, args(repo, 'forget', second!.id))).code).toBe(0);
    const ri = await cairn(sb, args(repo, 'repair', 'index'));
    expect(ri.stderr).toMatch(/removing not found pack file/);
    await expectBothCheck(repo);

    const restored = await restore(repo, repaired.id);
    for (const [k, v] of Object.entries(full)) {
      if (k.startsWith('lose/x.bin')) continue;
      expect(restored[k], k).toBe(v);
    }
    // x.bin keeps only its readable parts (none, or fewer than its 3 MiB).
    expect(Number(restored['lose/x.bin']!.split(' ')[2])).toBeLessThan(3 << 20);
  });
});
