import { z } from 'zod';
import type { FileInfo } from '../backend.js';
import { garbage } from './errors.js';

export const CONTENT_TYPE_V1 = 'application/vnd.x.restic.rest.v1';
export const CONTENT_TYPE_V2 = 'application/vnd.x.restic.rest.v2';

/** What a list request returned: v2 gives names with sizes, v1 only names (sizes then come from HEAD requests). */
export type Listing = { version: 2; files: FileInfo[] } | { version: 1; names: string[] };

const fileName = z
  .string()
  .min(1)
  .refine((s) => !s.includes('/') && s !== '.' && s !== '..');
const v2Schema = z.array(
  z.object({ name: fileName, size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) }),
);
const v1Schema = z.array(fileName);

/**
 * Parses the body of `GET /<type>/`. The shape decides the version rather than the Content-Type, so a server that
 * sends v2 entries under a generic JSON type is understood too; anything else is garbage (a proxy page, a wrong URL).
 */
export function parseListing(body: Buffer, what: string, server: string): Listing {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    const start = body.subarray(0, 40).toString('utf8').replace(/\s+/g, ' ').trim();
    throw garbage(what, server, `not JSON: "${start}"`);
  }
  // An empty array is both versions; either way it lists nothing.
  const v2 = v2Schema.safeParse(json);
  if (v2.success) {
    return { version: 2, files: v2.data.map(({ name, size }) => ({ name, size })) };
  }
  const v1 = v1Schema.safeParse(json);
  if (v1.success) return { version: 1, names: v1.data };
  throw garbage(what, server, 'a JSON value that is neither a list of names nor of {name, size}');
}
