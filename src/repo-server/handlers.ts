/**
 * restic's REST protocol (v1 and v2) on one repository folder, as rest-server answers it. Each handler turns a
 * parsed request into a Reply; file-system errors propagate and become statuses in errors.ts.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import fs from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError } from './errors.js';
import type { Quota } from './quota.js';
import { parseRange } from './range.js';
import type { ObjectType, Route } from './routes.js';
import type { RepoFolder, StoredFile } from './store.js';
import type { Upload } from './upload.js';

export const MIME_V1 = 'application/vnd.x.restic.rest.v1';
export const MIME_V2 = 'application/vnd.x.restic.rest.v2';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** A byte range of an open file to stream as the body (the server closes the handle). */
  file?: { handle: FileHandle; start: number; length: number };
  /** Close the connection after replying (an unread oversized body must not be drained). */
  close?: boolean;
}

export interface RepoRequest {
  method: string;
  route: Route;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  upload: Upload;
  folder: RepoFolder;
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
      await req.folder.create();
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
  const files = await req.folder.list(type);
  const v2 = (req.headers.accept ?? '').includes(MIME_V2);
  const body = JSON.stringify(v2 ? files : files.map((f) => f.name));
  return status(200, { headers: { 'Content-Type': v2 ? MIME_V2 : MIME_V1 }, body });
}

async function file(req: RepoRequest, policy: Policy, f: StoredFile): Promise<Reply> {
  switch (req.method) {
    case 'HEAD': {
      const size = await req.folder.stat(f);
      return size === undefined ? status(404) : status(200, { headers: { 'Content-Length': String(size) } });
    }
    case 'GET':
      return get(req, f);
    case 'POST':
      return save(req, policy, f);
    case 'DELETE':
      return remove(req, policy, f);
    default:
      return notAllowed(['HEAD', 'GET', 'POST', 'DELETE']);
  }
}

/** Streams the file (or one range of it) from an open handle, so a file replaced meanwhile is still served whole. */
async function get(req: RepoRequest, f: StoredFile): Promise<Reply> {
  const handle = await req.folder.open(f);
  try {
    const { size } = await handle.stat();
    const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
    };
    if (range.kind === 'unsatisfiable') {
      await handle.close();
      return status(416, { headers: { 'Content-Range': `bytes */${size}` } });
    }
    if (range.kind === 'full') return status(200, { headers, file: { handle, start: 0, length: size } });
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    return status(206, {
      headers,
      file: { handle, start: range.start, length: range.end - range.start + 1 },
    });
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Streams the body to a temporary file, then links it into place. Every way out gives back the quota it reserved
 * and removes the temporary file; only a new name keeps its bytes counted.
 */
async function save(req: RepoRequest, policy: Policy, f: StoredFile): Promise<Reply> {
  const declared = req.upload.declaredLength;
  if (declared !== undefined && declared > policy.maxUploadBytes) return status(413, { close: true });
  const quota = policy.quota;
  // Sending an existing object again stores nothing new: it is compared, not counted.
  const exists = (await req.folder.stat(f)) !== undefined;
  let reserved = 0;
  if (quota && !exists && declared !== undefined) {
    if (!quota.reserve(declared)) {
      await req.upload.discard();
      return status(413);
    }
    reserved = declared;
  }
  const onChunk =
    quota && !exists && declared === undefined
      ? (bytes: number): void => {
          if (!quota.reserve(bytes)) throw new HttpError(413, 'The repository is full (--max-size).');
          reserved += bytes;
        }
      : undefined;
  const tmp = req.folder.tempPathOf(f);
  try {
    const got = await req.upload.receive(tmp, policy.maxUploadBytes, onChunk);
    // Names are sha256 of the content: a mismatch is a corrupted upload and must never land.
    if (policy.verifyUpload && f.type !== 'config' && got.sha256 !== f.name) return status(400);
    if (await req.folder.commit(tmp, f)) {
      // Counted now; a name that appeared between the check and the link was not reserved for.
      if (quota && reserved === 0) quota.add(got.size);
      reserved = 0;
      return status(200);
    }
    // The name exists: never replaced. A retried upload of the same bytes is not an overwrite.
    return status((await sha256Of(req.folder.pathOf(f))) === got.sha256 ? 200 : 403);
  } finally {
    if (reserved > 0) quota?.release(reserved);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await fs.open(file, 'r');
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

async function remove(req: RepoRequest, policy: Policy, f: StoredFile): Promise<Reply> {
  // Append-only: a client may add backups but never destroy them; only its own locks may go.
  if (policy.appendOnly && f.type !== 'locks') return status(403);
  const size = policy.quota ? await req.folder.stat(f) : undefined;
  await req.folder.remove(f);
  if (size !== undefined) policy.quota?.release(size);
  return status(200);
}
