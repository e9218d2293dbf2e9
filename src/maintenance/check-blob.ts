import type { Id } from '../core/index.js';
import { CairnError } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import type { IndexedBlob } from './check-index.js';

/**
 * Loads a blob through check's own index, trying every copy: the repository's index may not have loaded when an
 * index file is broken, and check should still look at everything else. Trees go through the cache (check's own
 * temporary one unless --with-cache), as restic's check does.
 */
export async function loadIndexedBlob(repo: Repository, id: Id, places: readonly IndexedBlob[]): Promise<Buffer> {
  let lastError: Error = new CairnError('not-found', `Blob ${id} is not in the index.`);
  for (const place of places) {
    try {
      return await repo.loadBlobAt(id, place);
    } catch (err) {
      lastError = err instanceof Error ? err : new CairnError('fatal', String(err));
    }
  }
  throw lastError;
}
