import { describe, expect, it } from 'vitest';
import { routeSchema } from './config.js';
import type { NotifyEventKind } from './event.js';
import { expandJobRoutes, pickChannels } from './routing.js';

const route = (r: unknown) => routeSchema.parse(r);
const pick = (routes: unknown[], kind: NotifyEventKind, job = 'web') =>
  pickChannels(routes.map(route), { kind, job });

describe('pickChannels', () => {
  const failureOnly = [{ channels: ['mail'], on: ['failure'] }];

  it('sends failures, and only failures, to a failure-only route', () => {
    expect(pick(failureOnly, 'run-failed')).toEqual(['mail']);
    for (const k of ['run-started', 'run-succeeded', 'run-warning', 'size-drop', 'recovered'] as const) {
      expect(pick(failureOnly, k)).toEqual([]);
    }
  });

  it('counts the dead-man alerts (job or drill overdue) as failures', () => {
    expect(pick(failureOnly, 'job-overdue')).toEqual(['mail']);
    expect(pick(failureOnly, 'drill-overdue')).toEqual(['mail']);
  });

  it('sends a recovery to a route that asks for recovery, and a size drop to one that asks for warnings', () => {
    expect(pick([{ channels: ['chat'], on: ['recovery'] }], 'recovered')).toEqual(['chat']);
    expect(pick([{ channels: ['chat'], on: ['warning'] }], 'size-drop')).toEqual(['chat']);
  });

  it('defaults `on` to failure, warning and recovery', () => {
    const r = [{ channels: ['x'] }];
    expect(['run-failed', 'run-warning', 'recovered'].map((k) => pick(r, k as NotifyEventKind))).toEqual([
      ['x'],
      ['x'],
      ['x'],
    ]);
    expect(pick(r, 'run-succeeded')).toEqual([]);
    expect(pick(r, 'run-started')).toEqual([]);
  });

  it('applies a route with a job list only to those jobs', () => {
    const r = [{ channels: ['dba'], on: ['failure'], jobs: ['mysql'] }];
    expect(pick(r, 'run-failed', 'mysql')).toEqual(['dba']);
    expect(pick(r, 'run-failed', 'media')).toEqual([]);
  });

  it('names each channel once, in the order of first mention', () => {
    const r = [
      { channels: ['b', 'a'], on: ['failure'] },
      { channels: ['a', 'c'], on: ['failure', 'success'] },
    ];
    expect(pick(r, 'run-failed')).toEqual(['b', 'a', 'c']);
    expect(pick(r, 'run-succeeded')).toEqual(['a', 'c']);
  });
});

describe('expandJobRoutes', () => {
  it('reads a bare channel name as that channel on the default classes', () => {
    const routes = expandJobRoutes(['ops-mail', route({ channels: ['hc'], on: ['start', 'success'] })]);
    expect(pickChannels(routes, { kind: 'run-failed', job: 'web' })).toEqual(['ops-mail']);
    expect(pickChannels(routes, { kind: 'run-started', job: 'web' })).toEqual(['hc']);
  });
});
