import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FilesSource } from '../files/index.js';
import type { Source, SourceSpec, StreamEntry } from '../index.js';
import { commandSource } from '../stream/index.js';
import { runSourceConformance } from '../testing/index.js';
import { CompositeSource } from './composite-source.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-composite-'));
fs.mkdirSync(path.join(dir, 'media'));
fs.writeFileSync(path.join(dir, 'media', 'logo.png'), 'png');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Files and command sources (no server needed); the database kinds are the same kind of part. */
function open(spec: SourceSpec): Source {
  if (spec.kind === 'files') return new FilesSource(spec);
  if (spec.kind === 'command') return commandSource(spec);
  throw new Error(`not in this test: ${spec.kind}`);
}

const parts = (script: string): SourceSpec[] => [
  { kind: 'files', paths: [path.join(dir, 'media')] },
  { kind: 'command', filename: 'a.txt', command: 'sh', args: ['-c', script] },
  { kind: 'command', filename: 'b.txt', command: 'sh', args: ['-c', 'printf b'] },
];

runSourceConformance('composite', {
  open: () => new CompositeSource({ kind: 'composite', parts: parts('printf a') }, open),
  openFailing: () => new CompositeSource({ kind: 'composite', parts: parts('printf partial; exit 3') }, open),
});

describe('CompositeSource', () => {
  it('puts each kind under its folder beside the files, merges parts of one kind, and records them in /.cairn/sources.json', async () => {
    const s = new CompositeSource({ kind: 'composite', parts: parts('printf a') }, open);
    try {
      expect(s.paths).toEqual(['/command/a.txt', '/command/b.txt', path.join(dir, 'media')].sort());
      const roots = await s.roots();
      const top = roots.entries.map((e) => e.name);
      expect(top).toEqual(['.cairn', 'command', dir.split('/')[1]]);
      const command = await s.list(roots.entries[1] as never);
      expect(command.entries.map((e) => e.path)).toEqual(['/command/a.txt', '/command/b.txt']);
      const meta = await s.list(roots.entries[0] as never);
      const { stream } = (meta.entries[0] as StreamEntry).open(new AbortController().signal);
      let text = '';
      for await (const piece of stream) text += Buffer.from(piece).toString();
      expect(JSON.parse(text)).toEqual({
        sources: [
          { kind: 'files', from: path.join(dir, 'media'), paths: [path.join(dir, 'media')] },
          { kind: 'command', from: 'sh -c printf a', paths: ['/command/a.txt'] },
          { kind: 'command', from: 'sh -c printf b', paths: ['/command/b.txt'] },
        ],
      });
    } finally {
      await s.close();
    }
  });

  it('refuses a files path that lands where a kind’s folder is', async () => {
    fs.mkdirSync(path.join(dir, 'command'));
    const s = new CompositeSource(
      { kind: 'composite', parts: [{ kind: 'files', paths: ['command'], cwd: dir }, parts('x')[1]!] },
      open,
    );
    await expect(s.roots()).rejects.toThrow(/The snapshot folder \/command is taken twice/);
    await s.close();
  });
});
