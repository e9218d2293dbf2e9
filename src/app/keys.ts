import { CairnError } from '../core/index.js';
import type { KeyInfo } from '../repository/index.js';
import type { AppDeps, OpenOptions, PasswordSource } from './deps.js';
import { resolveNewPassword, withRepository } from './open.js';

export async function listKeys(deps: AppDeps, opts: OpenOptions): Promise<KeyInfo[]> {
  return withRepository(deps, opts, 'shared', async ({ repo }) => repo.listKeys(), { readOnly: true });
}

async function newPassword(source: PasswordSource): Promise<string> {
  const pw = await resolveNewPassword(source, 'the new key');
  if (pw === undefined) {
    throw new CairnError('invalid-argument', 'no new password given: use --new-password-file.');
  }
  return pw;
}

/** Adds a key with a new password; returns the new key's id. */
export async function addKey(
  deps: AppDeps,
  opts: OpenOptions,
  req: { newPassword: PasswordSource; hostname?: string; username?: string },
): Promise<string> {
  return withRepository(deps, opts, 'shared', async ({ repo }) => {
    const pw = await newPassword(req.newPassword);
    return repo.addKey(pw, {
      hostname: req.hostname ?? deps.hostname,
      username: req.username ?? deps.username,
    });
  });
}

/** Removes a key (not the one in use); returns its full id. */
export async function removeKey(deps: AppDeps, opts: OpenOptions, idPrefix: string): Promise<string> {
  return withRepository(deps, opts, 'exclusive', async ({ repo }) => {
    const id = await repo.resolveId('keys', idPrefix);
    if (id === repo.keyId) {
      throw new CairnError('invalid-argument', 'The key currently used cannot be removed.');
    }
    await repo.removeKey(id);
    return id;
  });
}

/** Replaces the current key by one with a new password; returns the new key's id. */
export async function changePassword(
  deps: AppDeps,
  opts: OpenOptions,
  req: { newPassword: PasswordSource },
): Promise<string> {
  return withRepository(deps, opts, 'exclusive', async ({ repo }) =>
    repo.changePassword(await newPassword(req.newPassword)),
  );
}
