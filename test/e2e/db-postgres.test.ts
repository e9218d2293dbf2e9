import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESTIC } from '../harness/restic.js';
import { Sandbox, cairn, restic } from '../harness/cli.js';
import { havePostgres, startPostgres, type Postgres } from '../harness/postgres.js';

describe.skipIf(!havePostgres())('PostgreSQL sources and restore targets', () => {
  const sb = new Sandbox();
  const repo = sb.path('repo');
  let pg: Postgres;
  let uri: (database?: string, query?: string) => string;
  const run = (args: string[], opts: Parameters<typeof cairn>[2] = {}) => cairn(sb, ['-r', repo, '-p', sb.path('pw'), ...args], opts);
  const snapshotCount = (): number => fs.readdirSync(`${repo}/snapshots`).length;

  beforeAll(async () => {
    pg = await startPostgres();
    uri = (database = '', query = '') => `postgres://postgres:testpw@127.0.0.1:${pg.port}/${database}${query}`;
    pg.sql('CREATE DATABASE app; CREATE DATABASE notes;');
    pg.sql(
      `CREATE TABLE items (id int PRIMARY KEY, body bytea, meta jsonb);
       INSERT INTO items SELECT g, decode(md5(g::text), 'hex'), jsonb_build_object('n', g) FROM generate_series(1, 10000) g;
       CREATE INDEX ON items ((meta->>'n'));
       CREATE VIEW small AS SELECT id FROM items WHERE id < 100;
       CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql AS 'SELECT 2 * x';
       CREATE ROLE reader;`,
      'app',
    );
    pg.sql('CREATE TABLE n (t text); INSERT INTO n VALUES (\'a\'), (\'b\');', 'notes');
    sb.write('pw', 'secret', 0o600);
    expect((await run(['init'])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
    sb.cleanup();
  });

  it('dumps one database (pg_dump -Fc) and restores it with equal row hashes; refuses a non-empty target', async () => {
    const r = await run(['backup', uri('app')]);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse((await run(['dump', 'latest', '/.cairn/sources.json'])).stdout) as { sources: { kind: string; server: string; tool: string }[] };
    expect(meta.sources[0]).toMatchObject({ kind: 'postgres', server: expect.stringMatching(/^PostgreSQL 15/) as string, tool: expect.stringMatching(/pg_dump/) as string });
    const dump = await run(['dump', 'latest', '/postgres/app.dump'], { binary: true });
    expect(dump.stdout.startsWith('PGDMP')).toBe(true);
    if (RESTIC) expect((await restic(sb, ['-r', repo, 'check'], { env: { RESTIC_PASSWORD: 'secret' } })).code).toBe(0);
    const restored = await run(['restore', 'latest', '--to', uri('app_restored')]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(pg.tableHash('app_restored', 'items')).toBe(pg.tableHash('app', 'items'));
    expect(pg.sql('SELECT twice(21), (SELECT count(*) FROM small);', 'app_restored').trim()).toBe('42|99');
    const again = await run(['restore', 'latest', '--to', uri('app_restored')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty .*--force/);
    const forced = await run(['restore', 'latest', '--to', uri('app_restored'), '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(pg.tableHash('app_restored', 'items')).toBe(pg.tableHash('app', 'items'));
  });

  it('drill --into loads the dump into a scratch database, counts rows and drops it', async () => {
    const r = await run(['drill', 'latest', '--into', uri(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ path: '/postgres/app.dump', tables: { 'public.items': 10000 }, ok: true });
    expect(pg.sql("SELECT count(*) FROM pg_database WHERE datname LIKE 'cairn_drill%';").trim()).toBe('0');
  });

  it('without a database dumps every database, and the roles with ?globals=1', async () => {
    const r = await run(['backup', uri('', '?globals=1')]);
    expect(r.code, r.stderr).toBe(0);
    const ls = (await run(['ls', 'latest', '/postgres'])).stdout;
    for (const f of ['app.dump', 'notes.dump', 'postgres.dump', 'globals.sql']) expect(ls).toContain(`/postgres/${f}`);
    const globals = await run(['dump', 'latest', '/postgres/globals.sql']);
    expect(globals.stdout).toContain('CREATE ROLE reader');
    const several = await run(['restore', 'latest', '--to', uri('x')]);
    expect(several.code).toBe(1);
    expect(several.stderr).toMatch(/holds several dumps .*name one as/);
    const one = await run(['restore', 'latest:/postgres/notes.dump', '--to', uri('notes_restored')]);
    expect(one.code, one.stderr).toBe(0);
    expect(pg.sql('SELECT string_agg(t, \',\' ORDER BY t) FROM n;', 'notes_restored').trim()).toBe('a,b');
  });

  it.each([
    ['a wrong password', () => `postgres://postgres:wrong@127.0.0.1:${pg.port}/app`, /password authentication failed/],
    ['a missing database', () => uri('nope'), /database "nope" does not exist/],
    ['an unreachable server', () => 'postgres://postgres:testpw@127.0.0.1:1/app', /Connection refused|could not connect/],
    ['an unknown option', () => uri('app', '?ssl-mode=require'), /"ssl-mode" is not an option of postgres URIs/],
  ])('%s: one sentence, exit 1, no snapshot', async (_what, make, message) => {
    const before = snapshotCount();
    const r = await run(['backup', make()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('testpw');
    expect(snapshotCount()).toBe(before);
  });
});
