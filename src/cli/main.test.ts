import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../util/index.js';
import type { CliIO } from './context.js';
import { runCli } from './main.js';

function fakeIO(
  home: string,
  env: Record<string, string> = {},
): { io: CliIO; out: () => string; err: () => string } {
  const sink = (): { s: PassThrough; text: () => string } => {
    const s = new PassThrough();
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    return { s, text: () => Buffer.concat(chunks).toString('utf8') };
  };
  const o = sink();
  const e = sink();
  const io: CliIO = {
    stdout: o.s as unknown as NodeJS.WriteStream,
    stderr: e.s as unknown as NodeJS.WriteStream,
    // An empty standard input, as from /dev/null: no password is piped.
    stdin: new PassThrough().end() as unknown as NodeJS.ReadStream,
    env: { HOME: home, ...env },
    home,
    clock: systemClock,
  };
  return { io, out: o.text, err: e.text };
}

describe('cli', () => {
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-cli-'));
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('--version and version print the version and exit 0', async () => {
    for (const argv of [['--version'], ['version']]) {
      const f = fakeIO(home);
      expect(await runCli(argv, f.io)).toBe(0);
      expect(f.out()).toMatch(/^cairn \d+\.\d+\.\d+/);
    }
  });

  it("an unknown command or flag exits 1 with commander's message", async () => {
    const f = fakeIO(home);
    expect(await runCli(['frobnicate'], f.io)).toBe(1);
    expect(f.err()).toMatch(/unknown command/);
    const g = fakeIO(home);
    expect(await runCli(['snapshots', '--frobnicate'], g.io)).toBe(1);
    expect(g.err()).toMatch(/unknown option/);
  });

  it('a read-only command on a missing default repository exits 10 with a hint and no stack', async () => {
    const f = fakeIO(home);
    expect(await runCli(['snapshots'], f.io)).toBe(10);
    expect(f.err()).toMatch(/^using the default repository .*\ncairn: no repository at .*cairn backup PATH/);
    expect(f.err()).not.toMatch(/\n\s+at /);
  });

  it('without a password source and no terminal, an explicit repository is refused with exit 1', async () => {
    const f = fakeIO(home);
    expect(await runCli(['-r', path.join(home, 'repo'), 'init'], f.io)).toBe(1);
    expect(f.err()).toMatch(/no password given/);
  });

  it('an unknown -o option for the repository is one clear sentence and exit 1; one for another kind is a warning', async () => {
    const f = fakeIO(home, { CAIRN_PASSWORD: 'x' });
    expect(await runCli(['-r', path.join(home, 'repo'), '-o', 'local.bogus=x', 'snapshots'], f.io)).toBe(1);
    expect(f.err()).toMatch(/-o local.bogus does not apply to a local repository/);
    const g = fakeIO(home, { CAIRN_PASSWORD: 'x' });
    expect(await runCli(['-r', path.join(home, 'repo'), '-o', 's3.region=x', 'snapshots'], g.io)).not.toBe(1);
    expect(g.err()).toMatch(/option -o s3.region is not for this repository \(local\) and is ignored/);
  });

  it('init then snapshots --json prints [] on an explicit repository', async () => {
    const repo = path.join(home, 'repo');
    const env = { CAIRN_PASSWORD: 'pw' };
    const i = fakeIO(home, env);
    expect(await runCli(['-r', repo, 'init'], i.io), i.err()).toBe(0);
    expect(i.out()).toMatch(/created restic repository \w+ at /);
    const s = fakeIO(home, env);
    expect(await runCli(['-r', repo, 'snapshots', '--json'], s.io)).toBe(0);
    expect(s.out()).toBe('[]\n');
    const w = fakeIO(home, { CAIRN_PASSWORD: 'wrong' });
    expect(await runCli(['-r', repo, 'snapshots'], w.io)).toBe(12);
  });
});
