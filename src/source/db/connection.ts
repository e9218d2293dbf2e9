import fs from 'node:fs';
import path from 'node:path';
import { CairnError, errnoCode } from '../../core/index.js';
import type { DbConnection } from '../spec.js';

/** The first program of `names` found on PATH (the MariaDB tools, then MySQL's), or undefined. */
export function findProgram(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of names) {
    for (const dir of (env.PATH ?? '').split(path.delimiter)) {
      if (dir === '') continue;
      try {
        fs.accessSync(path.join(dir, name), fs.constants.X_OK);
        return name;
      } catch {
        // not in this folder
      }
    }
  }
  return undefined;
}

/** @throws CairnError 'fatal' naming the Debian package when none of the programs is installed. */
export function requireProgram(names: readonly string[], debianPackage: string): string {
  const found = findProgram(names);
  if (found !== undefined) return found;
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}` : names[0]!;
  throw new CairnError('fatal', `${list} is not installed; install the Debian package ${debianPackage}.`);
}

/**
 * The password of a connection: from the URI, else from its password file, else none (the tools then use their own
 * environment: MYSQL_PWD, PGPASSWORD, ~/.pgpass, ~/.my.cnf).
 */
export function connectionPassword(c: DbConnection): string | undefined {
  if (c.password !== undefined) return c.password;
  if (c.passwordFile === undefined) return undefined;
  try {
    return fs.readFileSync(c.passwordFile, 'utf8').split(/\r?\n/)[0] ?? '';
  } catch (err) {
    throw new CairnError('invalid-argument', `The password file ${c.passwordFile} of ${c.display} cannot be read (${errnoCode(err) ?? String(err)}).`, { cause: err });
  }
}

/** `'…'` for SQL text: quotes and backslashes doubled (MariaDB and PostgreSQL with standard strings). */
export function sqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
