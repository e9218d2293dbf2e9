import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { daemonEvent, openApiDocument } from './index.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('the API contract', () => {
  it('docs/openapi.json is generated from it (npm run schemas)', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      version: string;
    };
    const committed: unknown = JSON.parse(fs.readFileSync(path.join(root, 'docs/openapi.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(openApiDocument(version))));
  });

  it('rejects an event without the fields the notifier relies on', () => {
    const ok = {
      type: 'job-overdue',
      job: 'j',
      at: '2026-01-01T00:00:00.000Z',
      routes: [],
      kind: 'backup',
      lastSuccessAt: null,
      expectedWithinSeconds: 60,
    };
    expect(daemonEvent.safeParse(ok).success).toBe(true);
    expect(daemonEvent.safeParse({ ...ok, routes: undefined }).success).toBe(false);
  });
});
