import type { Backend, Handle } from '../backend/index.js';
import type { Id } from '../core/index.js';
import { hashId } from '../core/index.js';

/**
 * Reads a file and, when its bytes fail `verify`, reads it once more and returns the second copy as it is (the
 * caller's own checks then report it). Bytes that fail authentication were damaged either at rest or on the way (a
 * flipped bit on a network path, a broken proxy, a truncated body that slipped through); only a fresh read tells the
 * two apart, so a file is called damaged only when two reads agree.
 */
export async function readRechecked(
  backend: Backend,
  handle: Handle,
  verify: (data: Buffer) => boolean,
  offset?: number,
  length?: number,
): Promise<Buffer> {
  const first = await backend.read(handle, offset, length);
  if (verify(first)) return first;
  return backend.read(handle, offset, length);
}

/** For files named by the sha256 of their content (packs, index, snapshot and key files). */
export function matchesName(id: Id): (data: Buffer) => boolean {
  return (data) => hashId(data) === id;
}
