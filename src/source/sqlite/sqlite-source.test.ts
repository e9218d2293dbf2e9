import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll } from 'vitest';
import { runSourceConformance } from '../testing/index.js';
import { SqliteSource } from './sqlite-source.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-sqlite-test-'));
const good = path.join(dir, 'app.db');
const db = new DatabaseSync(good);
db.exec("CREATE TABLE t (x); INSERT INTO t VALUES ('a');");
db.close();
const bad = path.join(dir, 'text.db');
fs.writeFileSync(bad, 'not a database');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

runSourceConformance('sqlite', {
  open: () => new SqliteSource({ kind: 'sqlite', path: good }),
  openFailing: () => new SqliteSource({ kind: 'sqlite', path: bad }),
});
