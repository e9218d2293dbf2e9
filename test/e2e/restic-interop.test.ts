import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { RunResult } from '../harness/cli.js';
import {
  FIXTURES,
  jsonLines,
  Sandbox,
  cairn,
  extractFixtureRepo,
  randomData,
  restic,
  treeDigest,
} from '../harness/cli.js';

/** A small tree with the kinds of entries restic records. */
function makeSource(sb: Sandbox): string {
  sb.write('src/README.txt', 'hello\n');
  sb.write('src/empty.txt', '');
  sb.write('src/exec.sh', '#!/bin/sh\necho hi\n', 0o755);
  sb.write('src/big/random.bin', randomData(6 * 1024 * 1024 + 123, 42));
  sb.write('src/big/text.log', 'line of a log file with some words\n'.repeat(80_000));
  sb.write('src/dir/nested/deep.json', '{"deep":true}\n');
  sb.write('src/name with spaces & <html>.txt', 'odd name\n');
  sb.write('src/unicodé.txt', 'non-ascii\n');
  fs.mkdirSync(sb.path('src/emptydir'));
  fs.symlinkSync('README.txt', sb.path('src/link'));
  fs.linkSync(sb.path('src/README.txt'), sb.path('src/hardlink.txt'));
  return sb.path('src');
}

/** Files of a few MiB each (several chunks per file), random and compressible, so chunk boundaries matter. */
function makeChunkingData(sb: Sandbox): string {
  const text = Array.from(
    { length: 120_000 },
    (_, i) => `${i} a line of a log file, ${(i * 7919) % 1000} words\n`,
  );
  sb.write('chunking/random-a.bin', randomData(5 * 1024 * 1024 + 777, 7));
  sb.write('chunking/random-b.bin', randomData(4 * 1024 * 1024, 8));
  sb.write('chunking/text.log', text.join(''));
  sb.write(
    'chunking/mixed.bin',
    Buffer.concat([randomData(1_500_000, 9), Buffer.from(text.join('').slice(0, 2_000_000))]),
  );
  sb.write('chunking/small.txt', 'smaller than one chunk\n');
  return sb.path('chunking');
}

type Restic = (args: string[]) => Promise<RunResult>;

/** The ids of all data blobs in the repository, as restic lists them. */
async function dataBlobIds(r: Restic): Promise<Set<string>> {
  const out = await r(['list', 'blobs']);
  expect(out.code, out.stderr).toBe(0);
  return new Set(
    out.stdout
      .split('\n')
      .filter((l) => l.startsWith('data '))
      .map((l) => l.slice(5)),
  );
}

/** file path → its content blob ids, for every file below a snapshot's tree, read by restic. */
async function fileContents(r: Restic, tree: string, prefix = '/'): Promise<Map<string, string[]>> {
  const out = await r(['cat', 'blob', tree]);
  expect(out.code, out.stderr).toBe(0);
  const nodes = (
    JSON.parse(out.stdout) as {
      nodes: { name: string; type: string; subtree?: string; content?: string[] }[];
    }
  ).nodes;
  const files = new Map<string, string[]>();
  for (const n of nodes) {
    const name = prefix + n.name;
    if (n.type === 'file') files.set(name, n.content ?? []);
    else if (n.type === 'dir' && n.subtree) {
      for (const [k, v] of await fileContents(r, n.subtree, `${name}/`)) files.set(k, v);
    }
  }
  return files;
}

describe('interop with restic 0.14', () => {
  let sb: Sandbox;
  let src: string;
  const pwFile = (): string => sb.path('pw');
  beforeAll(() => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n');
    src = makeSource(sb);
  });
  afterAll(() => sb.cleanup());

  it('restic checks and restores bit-exact what Cairn wrote', async () => {
    const repo = sb.path('cairn-repo');
    expect((await cairn(sb, ['-r', repo, '-p', pwFile(), 'init'])).code).toBe(0);
    const b = await cairn(sb, ['-r', repo, '-p', pwFile(), 'backup', src]);
    expect(b.code, b.stderr).toBe(0);
    const check = await restic(sb, ['-r', repo, '-p', pwFile(), 'check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    // The snapshot names its program, in restic 0.17's field order; restic 0.14 reads it and ignores the field.
    const id = /snapshot ([0-9a-f]{8}) saved/.exec(b.stdout)![1]!;
    const raw = await cairn(sb, ['-r', repo, '-p', pwFile(), 'cat', 'snapshot', id]);
    expect(raw.code, raw.stderr).toBe(0);
    const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version;
    const doc = JSON.parse(raw.stdout) as { program_version?: string };
    expect(Object.keys(doc)).toEqual(['time', 'tree', 'paths', 'hostname', 'username', 'program_version', 'summary']);
    expect(doc.program_version).toBe(`cairn ${version}`);
    const listed = await restic(sb, ['-r', repo, '-p', pwFile(), 'snapshots', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { short_id: string }[]).map((s) => s.short_id)).toEqual([id]);
    const target = sb.path('restic-restored');
    const rr = await restic(sb, ['-r', repo, '-p', pwFile(), 'restore', 'latest', '--target', target]);
    expect(rr.code, rr.stderr).toBe(0);
    expect(treeDigest(path.join(target, src))).toEqual(treeDigest(src));
  });

  it('Cairn restores bit-exact what restic wrote', async () => {
    const repo = sb.path('restic-repo');
    expect((await restic(sb, ['-r', repo, '-p', pwFile(), 'init', '--repository-version', '2'])).code).toBe(
      0,
    );
    expect((await restic(sb, ['-r', repo, '-p', pwFile(), 'backup', src])).code).toBe(0);
    const target = sb.path('cairn-restored');
    const rr = await cairn(sb, [
      '-r',
      repo,
      '-p',
      pwFile(),
      'restore',
      'latest',
      '--target',
      target,
      '--verify',
    ]);
    expect(rr.code, rr.stderr).toBe(0);
    expect(treeDigest(path.join(target, src))).toEqual(treeDigest(src));
  });

  it('restic and Cairn cut the same data into the same data blobs (one repository, no parent)', async () => {
    const data = makeChunkingData(sb);
    const repo = sb.path('shared-repo');
    const r = (args: string[]): Promise<RunResult> => restic(sb, ['-r', repo, '-p', pwFile(), ...args]);
    // Cairn initialises (a fresh random chunker polynomial) and backs up first.
    expect((await cairn(sb, ['-r', repo, '-p', pwFile(), 'init'])).code).toBe(0);
    const c = await cairn(sb, ['-r', repo, '-p', pwFile(), 'backup', '--host', 'cairn-host', data]);
    expect(c.code, c.stderr).toBe(0);
    const afterCairn = await dataBlobIds(r);
    // restic must read and chunk every byte itself: --force and another host name rule out any parent.
    const rb = await r(['backup', '--json', '--force', '--host', 'restic-host', data]);
    expect(rb.code, rb.stderr).toBe(0);
    const resticSummary = jsonLines(rb.stdout).find((m) => m.message_type === 'summary');
    expect(resticSummary?.data_blobs).toBe(0);

    const snaps = JSON.parse((await r(['snapshots', '--json'])).stdout) as {
      hostname: string;
      tree: string;
      parent?: string;
    }[];
    const byHost = (h: string): { tree: string; parent?: string } => {
      const snap = snaps.find((s) => s.hostname === h);
      expect(snap, h).toBeDefined();
      return snap!;
    };
    expect(byHost('cairn-host').parent).toBeUndefined();
    expect(byHost('restic-host').parent).toBeUndefined();
    const cairnFiles = await fileContents(r, byHost('cairn-host').tree);
    const resticFiles = await fileContents(r, byHost('restic-host').tree);
    // Same files, each cut at the same places into the same blobs.
    expect(resticFiles).toEqual(cairnFiles);
    const referenced = new Set([...cairnFiles.values()].flat());
    // ~18 MiB in four big files: whatever the repository's random polynomial, well over six chunks (each big file
    // has at least one, and a second cut is near-certain in each).
    expect(referenced.size).toBeGreaterThanOrEqual(6);
    expect(new Set([...resticFiles.values()].flat())).toEqual(referenced);
    // Every data blob in the repository is one of them, and restic's backup added none.
    expect(afterCairn).toEqual(referenced);
    expect(await dataBlobIds(r)).toEqual(afterCairn);
    const check = await r(['check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('a Cairn backup with a restic-made parent counts every reused file as unmodified', async () => {
    const repo = sb.path('parent-repo');
    expect((await restic(sb, ['-r', repo, '-p', pwFile(), 'init', '--repository-version', '2'])).code).toBe(0);
    expect((await restic(sb, ['-r', repo, '-p', pwFile(), 'backup', src])).code).toBe(0);
    const b = await cairn(sb, ['-r', repo, '-p', pwFile(), 'backup', '--json', src]);
    expect(b.code, b.stderr).toBe(0);
    const summary = b.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((m) => m.message_type === 'summary');
    expect(summary?.data_blobs).toBe(0);
    expect(summary?.data_added).toBeLessThan(20_000);
    // restic's snapshot is the parent: every file's content is reused, so none counts as changed.
    expect(summary).toMatchObject({ files_new: 0, files_changed: 0 });
    expect(summary?.files_unmodified).toBeGreaterThan(0);
    const check = await restic(sb, ['-r', repo, '-p', pwFile(), 'check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('Cairn restores both snapshots of the restic-made fixture and its check passes', async () => {
    const repo = await extractFixtureRepo(sb);
    sb.write('fixture-pw', 'test');
    const facts = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'facts.json'), 'utf8')) as {
      snapshots: { id: string; nodes: { path: string; type: string; sha256?: string; size?: number }[] }[];
    };
    for (const snap of facts.snapshots) {
      const target = sb.path(`fixture-restore-${snap.id.slice(0, 8)}`);
      const r = await cairn(sb, [
        '-r',
        repo,
        '-p',
        sb.path('fixture-pw'),
        'restore',
        snap.id.slice(0, 8),
        '--target',
        target,
      ]);
      expect(r.code, r.stderr).toBe(0);
      for (const node of snap.nodes.filter((n) => n.type === 'file')) {
        const data = fs.readFileSync(path.join(target, node.path));
        expect(data.length).toBe(node.size);
        expect(createHash('sha256').update(data).digest('hex')).toBe(node.sha256);
      }
    }
    const check = await cairn(sb, ['-r', repo, '-p', sb.path('fixture-pw'), 'check', '--read-data']);
    expect(check.code, check.stderr).toBe(0);
  });
});
