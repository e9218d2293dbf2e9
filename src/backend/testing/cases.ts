import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { isCairnError } from '../../core/index.js';
import type { FileType } from '../../core/index.js';
import type { Backend, Handle } from '../backend.js';

/** One check of the Backend contract; `run` throws (an AssertionError or the backend's error) on a violation. */
export interface ConformanceCase {
  name: string;
  run(backend: Backend): Promise<void>;
}

function randomFile(size: number): { data: Buffer; name: string } {
  const data = randomBytes(size);
  return { data, name: createHash('sha256').update(data).digest('hex') };
}

async function names(backend: Backend, type: FileType): Promise<string[]> {
  const out: string[] = [];
  for await (const fi of backend.list(type)) out.push(fi.name);
  return out.sort();
}

async function expectCode(p: Promise<unknown>, code: 'not-found' | undefined, what: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (code && !isCairnError(err, code)) assert.fail(`${what}: expected CairnError ${code}, got ${String(err)}`);
    return;
  }
  assert.fail(`${what}: expected an error`);
}

/** The Backend contract (backend.ts) as runnable cases, independent of any test framework. */
export const conformanceCases: ConformanceCase[] = [
  {
    name: 'a written file reads back whole, and stat gives its size',
    async run(b) {
      const f = randomFile(5000);
      const h: Handle = { type: 'data', name: f.name };
      await b.write(h, f.data);
      assert.deepEqual(await b.read(h), f.data);
      assert.equal((await b.stat(h)).size, 5000);
    },
  },
  {
    name: 'ranged reads return exactly the requested bytes',
    async run(b) {
      const f = randomFile(4096);
      const h: Handle = { type: 'data', name: f.name };
      await b.write(h, f.data);
      assert.deepEqual(await b.read(h, 100, 200), f.data.subarray(100, 300));
      assert.deepEqual(await b.read(h, 4000), f.data.subarray(4000));
      assert.deepEqual(await b.read(h, 4096, 0), Buffer.alloc(0));
    },
  },
  {
    name: 'reading past the end is an error, never a short read',
    async run(b) {
      const f = randomFile(100);
      const h: Handle = { type: 'index', name: f.name };
      await b.write(h, f.data);
      await expectCode(b.read(h, 50, 51), undefined, 'read 50+51 of 100');
      await expectCode(b.read(h, 101), undefined, 'read from 101 of 100');
    },
  },
  {
    name: 'config has the fixed name and round-trips',
    async run(b) {
      const data = randomBytes(77);
      await b.write({ type: 'config', name: 'config' }, data);
      assert.deepEqual(await b.read({ type: 'config', name: 'config' }), data);
      assert.deepEqual(await names(b, 'config'), ['config']);
    },
  },
  {
    name: 'list yields each file of a type once, with its size, and no other types',
    async run(b) {
      const files = [randomFile(10), randomFile(20), randomFile(30)];
      for (const f of files) await b.write({ type: 'data', name: f.name }, f.data);
      const other = randomFile(5);
      await b.write({ type: 'snapshots', name: other.name }, other.data);
      const listed = new Map<string, number>();
      for await (const fi of b.list('data')) {
        assert.ok(!listed.has(fi.name), `listed ${fi.name} twice`);
        listed.set(fi.name, fi.size);
      }
      for (const f of files) assert.equal(listed.get(f.name), f.data.length);
      assert.ok(!listed.has(other.name));
      assert.deepEqual(await names(b, 'snapshots'), [other.name]);
    },
  },
  {
    name: 'remove deletes a file; reading, stat-ing or removing it again is not-found',
    async run(b) {
      const f = randomFile(64);
      const h: Handle = { type: 'locks', name: f.name };
      await b.write(h, f.data);
      await b.remove(h);
      assert.deepEqual(await names(b, 'locks'), []);
      await expectCode(b.read(h), 'not-found', 'read removed');
      await expectCode(b.stat(h), 'not-found', 'stat removed');
      await expectCode(b.remove(h), 'not-found', 'remove removed');
    },
  },
  {
    name: 'a missing file is not-found for read, ranged read and stat',
    async run(b) {
      const h: Handle = { type: 'keys', name: randomFile(1).name };
      await expectCode(b.read(h), 'not-found', 'read missing');
      await expectCode(b.read(h, 0, 1), 'not-found', 'ranged read missing');
      await expectCode(b.stat(h), 'not-found', 'stat missing');
      await expectCode(b.stat({ type: 'config', name: 'config' }), 'not-found', 'stat missing config');
    },
  },
  {
    name: 'writing an existing name again is harmless',
    async run(b) {
      const f = randomFile(300);
      const h: Handle = { type: 'data', name: f.name };
      await b.write(h, f.data);
      await b.write(h, f.data);
      assert.deepEqual(await b.read(h), f.data);
      assert.deepEqual((await names(b, 'data')).filter((n) => n === f.name), [f.name]);
    },
  },
  {
    name: 'concurrent writes of many files all land intact',
    async run(b) {
      const files = Array.from({ length: 40 }, (_, i) => randomFile(1000 + i * 97));
      await Promise.all(files.map((f) => b.write({ type: 'data', name: f.name }, f.data)));
      const read = await Promise.all(files.map((f) => b.read({ type: 'data', name: f.name })));
      read.forEach((data, i) => assert.deepEqual(data, files[i]!.data));
      assert.equal((await names(b, 'data')).length, 40);
    },
  },
  {
    name: 'an empty file can be written and read',
    async run(b) {
      const h: Handle = { type: 'snapshots', name: randomFile(0).name };
      await b.write(h, new Uint8Array(0));
      assert.equal((await b.read(h)).length, 0);
      assert.equal((await b.stat(h)).size, 0);
    },
  },
];
