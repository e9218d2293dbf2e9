/** docs/openapi.json, generated from the zod contract so that the two cannot drift apart. */
import { z } from 'zod';
import * as c from './contract.js';

const json = (schema: z.ZodType, description: string): Record<string, unknown> => ({
  description,
  content: {
    'application/json': { schema: z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) },
  },
});
const errors = {
  '401': json(c.apiError, 'not logged in, or a wrong bearer token'),
  '403': json(c.apiError, 'a POST of a session (or of open mode) without its X-CSRF-Token header'),
  '404': json(c.apiError, 'no such job, run or repository'),
};
const nameParam = (name: string): Record<string, unknown> => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
});
const query = (name: string, type = 'string', description?: string): Record<string, unknown> => ({
  name,
  in: 'query',
  schema: { type },
  ...(description !== undefined ? { description } : {}),
});
const pathParam = query('path', 'string', 'absolute path inside the snapshot, such as /home/a/b.txt');
const body = (schema: z.ZodType): Record<string, unknown> => ({
  content: {
    'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
  },
});
const busy = { '409': json(c.apiError, 'the repository or job is busy with another run') };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } };

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cairn daemon API',
      version,
      description:
        'Served by `cairn serve` (127.0.0.1 by default). Callers send a bearer token (server.tokens) or the session ' +
        'cookie of POST /api/v1/login (server.users); requests of a session change nothing without the header ' +
        '`X-CSRF-Token` from GET /api/v1/session. With neither users nor tokens configured (open mode) no login is ' +
        'needed, but the CSRF header still is. docs/security.md.',
    },
    components: {
      securitySchemes: {
        token: { type: 'http', scheme: 'bearer' },
        session: { type: 'apiKey', in: 'cookie', name: 'cairn_session' },
      },
    },
    security: [{ token: [] }, { session: [] }],
    paths: {
      '/api/v1/session': {
        get: {
          responses: { '200': json(c.session, 'who is logged in, and the CSRF token to send'), ...errors },
        },
      },
      '/api/v1/login': {
        post: {
          security: [],
          requestBody: { content: { 'application/json': { schema: z.toJSONSchema(c.loginRequest) } } },
          responses: {
            '200': json(c.session, 'logged in: Set-Cookie cairn_session (HttpOnly, SameSite=Strict)'),
            '401': json(c.apiError, 'wrong user name or password (the same sentence for both)'),
            '429': json(c.apiError, 'too many failed logins from this address: wait Retry-After seconds'),
          },
        },
      },
      '/api/v1/logout': {
        post: { security: [], responses: { '204': { description: 'logged out; the cookie is cleared' } } },
      },
      '/api/v1/audit': {
        get: {
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', default: 200, maximum: 1000 } },
          ],
          responses: { '200': json(z.array(c.auditEntry), 'who did what, newest first'), ...errors },
        },
      },
      '/healthz': { get: { security: [], responses: { '200': { description: 'the daemon runs' } } } },
      '/metrics': {
        get: {
          responses: {
            '200': { description: 'Prometheus text format', content: { 'text/plain': {} } },
            ...errors,
          },
        },
      },
      '/api/v1/config': {
        get: {
          responses: {
            '200': {
              description: 'the effective config (defaults filled in) with every secret replaced by ***',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            ...errors,
          },
        },
      },
      '/api/v1/jobs': { get: { responses: { '200': json(z.array(c.job), 'every job'), ...errors } } },
      '/api/v1/jobs/{name}/runs': {
        get: {
          parameters: [nameParam('name'), { name: 'limit', in: 'query', schema: { type: 'integer' } }],
          responses: { '200': json(z.array(c.run), "the job's runs, newest first"), ...errors },
        },
      },
      '/api/v1/jobs/{name}/run': {
        post: {
          parameters: [nameParam('name')],
          responses: {
            '202': json(c.startedRun, 'the run started'),
            '409': json(c.apiError, 'the job runs already'),
            ...errors,
          },
        },
      },
      '/api/v1/runs/{id}': {
        get: {
          parameters: [idParam],
          responses: { '200': json(c.runWithLog, 'the run, its steps and its log'), ...errors },
        },
      },
      '/api/v1/runs/{id}/cancel': {
        post: {
          parameters: [idParam],
          responses: {
            '202': json(c.startedRun, 'cancelling'),
            '409': json(c.apiError, 'the run is not running'),
            ...errors,
          },
        },
      },
      '/api/v1/overview': {
        get: {
          description:
            'jobs, repositories (cached figures) and alerts in one answer; never reads a repository',
          responses: { '200': json(c.overview, 'the overview'), ...errors },
        },
      },
      '/api/v1/repositories': {
        get: {
          responses: {
            '200': json(z.array(c.repository), 'every repository with the figures of its last refresh'),
            ...errors,
          },
        },
      },
      '/api/v1/repositories/{name}/stats-history': {
        get: {
          parameters: [nameParam('name'), query('limit', 'integer')],
          responses: {
            '200': json(z.array(c.repositoryStatsPoint), 'the figures over time, oldest first'),
            ...errors,
          },
        },
      },
      '/api/v1/repositories/{name}/locks': {
        get: {
          parameters: [nameParam('name')],
          responses: {
            '200': json(z.array(c.repositoryLock), 'the lock files in the repository'),
            ...errors,
          },
        },
      },
      '/api/v1/repositories/{name}/runs': {
        get: {
          parameters: [nameParam('name'), query('limit', 'integer')],
          responses: {
            '200': json(
              z.array(c.run),
              'runs on this repository (check, prune, drill, restore), newest first',
            ),
            ...errors,
          },
        },
      },
      '/api/v1/repositories/{name}/check': {
        post: {
          parameters: [nameParam('name')],
          requestBody: body(c.checkRequest),
          responses: { '202': json(c.startedRun, 'the check run started'), ...busy, ...errors },
        },
      },
      '/api/v1/repositories/{name}/prune': {
        post: {
          parameters: [nameParam('name')],
          responses: { '202': json(c.startedRun, 'the prune run started'), ...busy, ...errors },
        },
      },
      '/api/v1/jobs/{name}/drill': {
        post: {
          parameters: [nameParam('name')],
          responses: { '202': json(c.startedRun, 'the drill run started'), ...busy, ...errors },
        },
      },
      '/api/v1/repositories/{name}/snapshots': {
        get: {
          parameters: [
            nameParam('name'),
            query('host'),
            query('tag'),
            query('job'),
            query('from', 'string', 'ISO 8601 date or time'),
            query('to', 'string', 'ISO 8601 date or time'),
          ],
          responses: { '200': json(z.array(c.snapshotListed), 'snapshots, oldest first'), ...errors },
        },
      },
      '/api/v1/repositories/{name}/snapshots/{id}/tree': {
        get: {
          parameters: [
            nameParam('name'),
            nameParam('id'),
            pathParam,
            query('offset', 'integer', 'first entry of the page (default 0)'),
            query('limit', 'integer', 'entries in the page (default: all from offset)'),
          ],
          responses: {
            '200': json(c.treeListing, 'one page of a folder, folders first; total counts all its entries'),
            ...errors,
          },
        },
      },
      '/api/v1/repositories/{name}/snapshots/{id}/file': {
        get: {
          parameters: [
            nameParam('name'),
            nameParam('id'),
            pathParam,
            query('download', 'string', '1: as attachment'),
          ],
          responses: {
            '200': {
              description: 'the bytes; HTML and SVG only as text/plain or as an attachment',
              content: { 'application/octet-stream': {} },
            },
            ...errors,
          },
        },
      },
      '/api/v1/repositories/{name}/snapshots/{id}/archive': {
        get: {
          parameters: [
            nameParam('name'),
            nameParam('id'),
            pathParam,
            query('format', 'string', 'tar (default) or zip'),
          ],
          responses: {
            '200': {
              description: 'the folder as an archive, names relative to it',
              content: { 'application/x-tar': {}, 'application/zip': {} },
            },
            ...errors,
          },
        },
      },
      '/api/v1/repositories/{name}/snapshots/{id}/restore': {
        post: {
          parameters: [nameParam('name'), nameParam('id')],
          requestBody: body(c.restoreRequest),
          responses: {
            '200': json(c.restorePlan, 'dry run: what the restore would write and replace'),
            '202': json(c.startedRun, 'the restore run started'),
            ...busy,
            ...errors,
            '403': json(
              c.apiError,
              'the target is outside server.restore_roots, or a session POST without its X-CSRF-Token header',
            ),
          },
        },
      },
      '/api/v1/repositories/{name}/diff': {
        get: {
          parameters: [nameParam('name'), query('from'), query('to')],
          responses: {
            '200': json(c.diffResult, 'the changes (at most 10,000) and their totals'),
            ...errors,
          },
        },
      },
      '/api/v1/events': {
        get: {
          description:
            'Server-sent events: `progress` (ProgressMessage) while backups run, and every DaemonEvent under its type.',
          responses: {
            '200': {
              description: 'text/event-stream',
              content: {
                'text/event-stream': {
                  schema: z.toJSONSchema(z.union([c.daemonEvent, c.progressMessage]), {
                    unrepresentable: 'any',
                  }),
                },
              },
            },
            ...errors,
          },
        },
      },
    },
  };
}
