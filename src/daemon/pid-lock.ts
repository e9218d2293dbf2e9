/**
 * One owner per data directory: a lock file taken atomically, holding the owner's pid, its role (`serve`, or `run`
 * for a `cairn run` without a daemon) and, once `cairn serve` listens, its API's URL, so that a `cairn run` can hand
 * its job to the daemon instead of running it beside it. A dead owner's file is replaced.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CairnError, errnoCode } from '../core/index.js';

export type LockRole = 'serve' | 'run';

export interface LockHolder {
  pid: number;
  role: LockRole;
  /** The API of `cairn serve`, once it listens. */
  url?: string;
}

const FILE = 'cairn-serve.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/** `PID\nROLE\nURL\n`; a file of an older version holds only the pid (a daemon's). */
function parse(text: string): LockHolder | undefined {
  const [pid, role, url] = text.split('\n').map((l) => l.trim());
  const n = Number.parseInt(pid ?? '', 10);
  if (!Number.isInteger(n)) return undefined;
  return { pid: n, role: role === 'run' ? 'run' : 'serve', ...(url ? { url } : {}) };
}

function format(h: LockHolder): string {
  return `${h.pid}\n${h.role}\n${h.url ?? ''}\n`;
}

export class PidLock {
  private constructor(
    readonly file: string,
    private readonly role: LockRole,
  ) {}

  /** The live owner of the data directory, if any. */
  static holder(dataDir: string): LockHolder | undefined {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dataDir, FILE), 'utf8');
    } catch {
      return undefined;
    }
    const h = parse(text);
    return h !== undefined && h.pid !== process.pid && alive(h.pid) ? h : undefined;
  }

  static acquire(dataDir: string, role: LockRole = 'serve'): PidLock {
    const file = path.join(dataDir, FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, format({ pid: process.pid, role }), { flag: 'wx', mode: 0o600 });
        return new PidLock(file, role);
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST')
          throw new CairnError(
            'fatal',
            `The lock file ${file} cannot be written (${errnoCode(err) ?? String(err)}).`,
          );
      }
      const h = parse(fs.readFileSync(file, 'utf8'));
      if (h !== undefined && h.pid !== process.pid && alive(h.pid)) {
        throw new CairnError(
          'lock-failed',
          h.role === 'serve'
            ? `Another cairn serve (pid ${h.pid}) already uses the data directory ${dataDir}.`
            : `A cairn run (pid ${h.pid}) is running a job with the data directory ${dataDir}; try again when it has ended.`,
        );
      }
      // The owner is gone (a crash or SIGKILL): its file is stale.
      fs.rmSync(file, { force: true });
    }
    throw new CairnError('lock-failed', `The lock file ${file} could not be taken.`);
  }

  /** Writes the API's URL into the lock file (replaced by a rename, so the lock is never absent). */
  advertise(url: string): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, format({ pid: process.pid, role: this.role, url }), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  release(): void {
    try {
      if (parse(fs.readFileSync(this.file, 'utf8'))?.pid === process.pid)
        fs.rmSync(this.file, { force: true });
    } catch {
      // already gone
    }
  }
}
