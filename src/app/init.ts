import type { AppDeps, OpenOptions } from './deps.js';
import { createRepository, withRepository } from './open.js';

export interface InitResult {
  id: string;
  location: string;
  /** The password file written for the default repository, if any. */
  passwordFile?: string;
}

/**
 * Creates a repository. With `fromRepo` (`--copy-chunker-params`), the new repository reuses the other one's
 * chunker polynomial so that both deduplicate the same data into the same blobs.
 */
export async function initRepository(
  deps: AppDeps,
  opts: OpenOptions,
  fromRepo?: OpenOptions,
  version?: 1 | 2,
): Promise<InitResult> {
  const extra: { chunkerPolynomial?: bigint; version?: 1 | 2 } = version === undefined ? {} : { version };
  if (fromRepo !== undefined) {
    extra.chunkerPolynomial = await withRepository(
      deps,
      fromRepo,
      'none',
      async (s) => s.repo.config.chunkerPolynomial,
      {
        readOnly: true,
      },
    );
  }
  const session = await createRepository(deps, opts, extra);
  const result: InitResult = { id: session.repo.config.id, location: session.repo.location };
  if (session.created?.passwordFile !== undefined) result.passwordFile = session.created.passwordFile;
  await session.repo.close();
  return result;
}
