import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { History } from './history.js';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-history-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('History', () => {
  it('keeps runs with their steps and logs, marks runs a crash left running, and prunes by age', () => {
    const file = path.join(dir, 'h.sqlite');
    let h = new History(file, 0);
    const old = h.start({ job: 'j', kind: 'backup', trigger: 'schedule', at: 1000 });
    const step = h.start({
      job: 'j',
      kind: 'copy',
      trigger: 'schedule',
      parentId: old,
      repository: 'b',
      at: 2000,
    });
    h.log(step, 2500, 'info', 'copied');
    h.end(step, { outcome: 'succeeded', at: 3000, snapshotIds: ['abc'] });
    h.end(old, { outcome: 'succeeded', at: 4000, files: 3, bytesAdded: 10, bytesTotal: 100 });
    const crashed = h.start({ job: 'j', kind: 'backup', trigger: 'manual', at: 10_000 });
    h.close();

    h = new History(file, 20_000);
    expect(h.get(crashed)).toMatchObject({ outcome: 'interrupted', endedAt: new Date(20_000).toISOString() });
    expect(h.lastSuccess('j', 'backup')).toMatchObject({ id: old, files: 3, durationSeconds: 3 });
    expect(h.steps(old)).toMatchObject([{ kind: 'copy', repository: 'b', snapshotIds: ['abc'] }]);
    expect(h.logOf(old).map((l) => l.message)).toEqual(['copied']);
    expect(h.runs('j').map((r) => r.id)).toEqual([crashed, old]);

    expect(h.pruneOlderThan(5000)).toBe(1);
    expect(h.get(old)).toBeUndefined();
    expect(h.get(step)).toBeUndefined();
    expect(h.logOf(old)).toEqual([]);
    expect(h.get(crashed)).toBeDefined();
    h.close();
  });

  it('keeps the audit log newest first, and prunes it with the runs', () => {
    const h = new History(path.join(dir, 'audit.sqlite'));
    h.audit(1000, 'ann', 'login', 'ann', 'from 127.0.0.1');
    h.audit(9000, 'token', 'run', 'j', 'run 1');
    h.audit(9000, 'anonymous', 'cancel', 'j');
    expect(h.auditLog(2)).toEqual([
      { at: new Date(9000).toISOString(), user: 'anonymous', action: 'cancel', target: 'j', detail: null },
      { at: new Date(9000).toISOString(), user: 'token', action: 'run', target: 'j', detail: 'run 1' },
    ]);
    h.pruneOlderThan(5000);
    expect(h.auditLog(10).map((e) => e.action)).toEqual(['cancel', 'run']);
    h.close();
  });
});
