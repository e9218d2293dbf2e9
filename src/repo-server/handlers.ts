/**
 * restic's REST protocol (v1 and v2) on top of one repository's Backend, as rest-server answers it. Each handler
 * turns a parsed request into a Reply; Backend errors propagate and become statuses in errors.ts.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Backend, FileInfo, Handle } from '../backend/index.js';
import { hashId, isCairnError } from '../core/index.js';
import type { Quota } from './quota.js';
import { parseRange } from './range.js';
import type { ObjectType, Route } from './routes.js';

export const MIME_V1 = 'application/vnd.x.restic.rest.v1';
export const MIME_V2 = 'application/vnd.x.restic.rest.v2';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Close the connection after replying (an unread oversized body must not be drained). */
  close?: boolean;
}

/** The request body, read on demand. */
export interface Upload {
  /** The Content-Length the client declared, if any. */
  readonly declaredLength: number | undefined;
  /** The whole body, or undefined once it exceeds `limit` bytes (the rest is not read). */
  read(limit: number): Promise<Buffer | undefined>;
}

export interface RepoRequest {
  method: string;
  route: Route;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  upload: Upload;
  backend: Backend;
}

export interface Policy {
  appendOnly: boolean;
  verifyUpload: boolean;
  maxUploadBytes: number;
  quota: Quota | undefined;
}

const status = (code: number, extra: Omit<Reply, 'status'> = {}): Reply => ({ status: code, ...extra });

function notAllowed(allowed: string[]): Reply {
  return status(405, { headers: { Allow: allowed.join(', ') } });
}

export async function handleRepoRequest(req: RepoRequest, policy: Policy): Promise<Reply> {
  const { route, method } = req;
  switch (route.kind) {
    case 'repository':
      if (method !== 'POST') return notAllowed(['POST']);
      if (req.query.get('create') !== 'true') return status(400);
      await req.backend.create();
      return status(200);
    case 'list':
      if (method !== 'GET') return notAllowed(['GET']);
      return list(req, route.type);
    case 'config':
      return file(req, policy, { type: 'config', name: 'config' });
    case 'object':
      return file(req, policy, { type: route.type, name: route.name });
  }
}

async function list(req: RepoRequest, type: ObjectType): Promise<Reply> {
  const files: FileInfo[] = [];
  for await (const fi of req.backend.list(type)) files.push({ name: fi.name, size: fi.size });
  const v2 = (req.headers.accept ?? '').includes(MIME_V2);
  const body = JSON.stringify(v2 ? files : files.map((f) => f.name));
  return status(200, { headers: { 'Content-Type': v2 ? MIME_V2 : MIME_V1 }, body });
}

async function file(req: RepoRequest, policy: Policy, h: Handle): Promise<Reply> {
  switch (req.method) {
    case 'HEAD': {
      const fi = await req.backend.stat(h);
      return status(200, { headers: { 'Content-Length': String(fi.size) } });
    }
    case 'GET':
      return get(req, h);
    case 'POST':
      return save(req, policy, h);
    case 'DELETE':
      return remove(req, policy, h);
    default:
      return notAllowed(['HEAD', 'GET', 'POST', 'DELETE']);
  }
}

async function get(req: RepoRequest, h: Handle): Promise<Reply> {
  const { size } = await req.backend.stat(h);
  const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
  };
  if (range.kind === 'unsatisfiable') return status(416, { headers: { 'Content-Range': `bytes */${size}` } });
  if (range.kind === 'full') return status(200, { headers, body: await req.backend.read(h) });
  const body = await req.backend.read(h, range.start, range.end - range.start + 1);
  headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
  return status(206, { headers, body });
}

async function statOrUndefined(backend: Backend, h: Handle): Promise<FileInfo | undefined> {
  try {
    return await backend.stat(h);
  } catch (err) {
    if (isCairnError(err, 'not-found')) return undefined;
    throw err;
  }
}

/** Reads the body within the bounds; a Reply if it must be refused, else the bytes and the quota they took. */
async function receive(
  req: RepoRequest,
  policy: Policy,
): Promise<Reply | { body: Buffer; reserved: number }> {
  const declared = req.upload.declaredLength;
  if (declared !== undefined && declared > policy.maxUploadBytes) return status(413, { close: true });
  const quota = policy.quota;
  if (quota && declared !== undefined && !quota.reserve(declared)) {
    // Read and drop the body (it is bounded) so the client sees the 413 instead of a reset connection.
    await req.upload.read(policy.maxUploadBytes);
    return status(413);
  }
  let reserved = quota && declared !== undefined ? declared : 0;
  const body = await req.upload.read(policy.maxUploadBytes);
  if (body === undefined) {
    quota?.release(reserved);
    return status(413, { close: true });
  }
  if (quota && declared === undefined) {
    if (!quota.reserve(body.length)) return status(413);
    reserved = body.length;
  }
  return { body, reserved };
}

async function save(req: RepoRequest, policy: Policy, h: Handle): Promise<Reply> {
  const got = await receive(req, policy);
  if ('status' in got) return got;
  const { body } = got;
  let reserved = got.reserved;
  try {
    // Names are sha256 of the content: a mismatch is a corrupted upload and must never land.
    if (policy.verifyUpload && h.type !== 'config' && hashId(body) !== h.name) return status(400);
    const existing = await statOrUndefined(req.backend, h);
    if (existing && (h.type === 'config' || policy.appendOnly)) {
      // No overwriting here; resending the same bytes (a retried upload) is not an overwrite.
      const same = existing.size === body.length && (await req.backend.read(h)).equals(body);
      return status(same ? 200 : 403);
    }
    await req.backend.write(h, body);
    if (existing) policy.quota?.release(existing.size);
    reserved = 0;
    return status(200);
  } finally {
    if (reserved > 0) policy.quota?.release(reserved);
  }
}

async function remove(req: RepoRequest, policy: Policy, h: Handle): Promise<Reply> {
  // Append-only: a client may add backups but never destroy them; only its own locks may go.
  if (policy.appendOnly && h.type !== 'locks') return status(403);
  const size = policy.quota ? (await statOrUndefined(req.backend, h))?.size : undefined;
  await req.backend.remove(h);
  if (size !== undefined) policy.quota?.release(size);
  return status(200);
}
