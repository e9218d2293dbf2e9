import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRestic } from './restic.js';

describe('findRestic', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-find-restic-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds an executable restic in any PATH folder', () => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'restic'), '#!/bin/sh\n', { mode: 0o755 });
    expect(findRestic({ PATH: `${path.join(dir, 'none')}:${bin}` })).toBe(path.join(bin, 'restic'));
  });

  it('ignores a restic that is not executable', () => {
    const bin = path.join(dir, 'noexec');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'restic'), '', { mode: 0o644 });
    expect(findRestic({ PATH: bin })).toBeUndefined();
  });

  it('lets tests skip without restic outside CI, and fails in CI', () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    expect(findRestic({ PATH: empty })).toBeUndefined();
    expect(() => findRestic({ PATH: empty, CI: 'true' })).toThrow(/restic is not on PATH/);
  });
});
