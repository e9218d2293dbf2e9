import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { StreamEntry } from '../source.js';
import { runSourceConformance } from '../testing/index.js';
import { commandSource } from './command.js';
import { stdinSource } from './stdin.js';

async function* failingInput(): AsyncGenerator<Uint8Array> {
  yield Buffer.from('partial');
  throw new Error('the producer broke');
}

runSourceConformance('stdin', {
  open: () => stdinSource({ kind: 'stdin', filename: 'in.txt', stream: Readable.from(['abc', 'def']) }),
  openFailing: () => stdinSource({ kind: 'stdin', filename: 'in.txt', stream: failingInput() }),
});
runSourceConformance('command', {
  open: () => commandSource({ kind: 'command', filename: 'out', command: 'sh', args: ['-c', 'printf hello'] }),
  openFailing: () => commandSource({ kind: 'command', filename: 'out', command: 'sh', args: ['-c', 'echo partial; exit 7'] }),
});

describe('stream sources', () => {
  it('have one stream entry named after the file name, with restic’s stdin metadata', async () => {
    const s = stdinSource({ kind: 'stdin', filename: 'dump.sql', stream: Readable.from(['x']) });
    expect(s.paths).toEqual(['/dump.sql']);
    const [entry] = (await s.roots()).entries as [StreamEntry];
    expect(entry).toMatchObject({ kind: 'stream', name: 'dump.sql', path: '/dump.sql', mode: 0o644 });
    expect(entry.uid).toBe(process.getuid?.());
  });

  it('close ends a command that is still running', async () => {
    const s = commandSource({ kind: 'command', filename: 'out', command: 'sleep', args: ['30'] });
    const [entry] = (await s.roots()).entries as [StreamEntry];
    const { done } = entry.open(new AbortController().signal);
    await s.close();
    await expect(done).rejects.toThrow(/killed by SIGTERM/);
  });
});
