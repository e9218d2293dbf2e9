/** A repository's password from the config: given, read from a file, or printed by a shell command. */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { CairnError, errnoCode } from '../core/index.js';
import { secretFileText, trimSpace } from '../app/index.js';
import type { RepositoryConfig } from './schema.js';

export async function repositoryPassword(
  name: string,
  repo: RepositoryConfig,
  signal?: AbortSignal,
): Promise<string> {
  let pw: string;
  if (repo.password !== undefined) pw = repo.password;
  else if (repo.password_file !== undefined) {
    try {
      pw = secretFileText(await fs.readFile(repo.password_file));
    } catch (err) {
      throw new CairnError(
        'invalid-argument',
        `The password file ${repo.password_file} of repository ${name} cannot be read (${errnoCode(err) ?? String(err)}).`,
      );
    }
  } else pw = await runShell(name, repo.password_command ?? '', signal);
  if (pw === '') throw new CairnError('invalid-argument', `The password of repository ${name} is empty.`);
  return pw;
}

function runShell(name: string, command: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { timeout: 60_000, ...(signal ? { signal } : {}) },
      (err, stdout) => {
        if (err) {
          reject(
            new CairnError(
              'invalid-argument',
              `The password command of repository ${name} failed (${err.message.split('\n')[0]}).`,
            ),
          );
        } else resolve(trimSpace(stdout));
      },
    );
  });
}
