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

  it('lists names that are not valid UTF-8 with their bytes kept as lone surrogates, inside such folders too', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-walk-'));
    const odd = Buffer.concat([Buffer.from(dir + '/caf'), Buffer.from([0xe9])]);
    fs.mkdirSync(odd);
    fs.writeFileSync(Buffer.concat([odd, Buffer.from('/x'), Buffer.from([0xff])]), 'latin-1 name');
    fs.writeFileSync(path.join(dir, 'ok'), 'fine');
    const excluder = await Excluder.create();
    const listing = await listDir(dir, excluder, 0n);
    expect(listing.errors).toEqual([]);
    expect(listing.entries.map((e) => e.name)).toEqual(['caf\udce9', 'ok']);
    const inner = await listDir(listing.entries[0]!.path, excluder, 0n);
    expect(inner.errors).toEqual([]);
    expect(inner.entries.map((e) => [e.name, e.path, e.stat.size])).toEqual([['x\udcff', `${dir}/caf\udce9/x\udcff`, 12n]]);
  });
});
