import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Excluder } from './exclude.js';
import { listDir } from './walk.js';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('listDir', () => {
  it('lists entries sorted by UTF-8 bytes with their lstat', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-walk-'));
    for (const n of ['b', 'a', 'ä', 'Z']) fs.writeFileSync(path.join(dir, n), n);
    const listing = await listDir(dir, await Excluder.create(), 0n);
    expect(listing.entries.map((e) => e.name)).toEqual(['Z', 'a', 'b', 'ä']);
    expect(listing.entries[0]!.stat.size).toBe(1n);
    expect(listing.errors).toEqual([]);
  });

  it('reports a name that is not valid UTF-8 as a source error instead of a vanished file', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-walk-'));
    fs.writeFileSync(Buffer.concat([Buffer.from(dir + '/caf'), Buffer.from([0xe9])]), 'latin-1 name');
    fs.writeFileSync(path.join(dir, 'ok'), 'fine');
    const listing = await listDir(dir, await Excluder.create(), 0n);
    expect(listing.entries.map((e) => e.name)).toEqual(['ok']);
    expect(listing.errors).toHaveLength(1);
    expect(listing.errors[0]!.message).toMatch(/not valid UTF-8/);
  });
});
