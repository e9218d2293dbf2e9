/** One daemon per data directory: a lock file holding the pid, taken atomically; a dead owner's file is replaced. */
import fs from 'node:fs';
import path from 'node:path';
import { CairnError, errnoCode } from '../core/index.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

export class PidLock {
  private constructor(readonly file: string) {}

  static acquire(dataDir: string): PidLock {
    const file = path.join(dataDir, 'cairn-serve.pid');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
        return new PidLock(file);
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST')
          throw new CairnError(
            'fatal',
            `The lock file ${file} cannot be written (${errnoCode(err) ?? String(err)}).`,
          );
      }
      const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
        throw new CairnError(
          'lock-failed',
          `Another cairn serve (pid ${pid}) already uses the data directory ${dataDir}.`,
        );
      }
      // The owner is gone (a crash or SIGKILL): its file is stale.
      fs.rmSync(file, { force: true });
    }
    throw new CairnError('lock-failed', `The lock file ${file} could not be taken.`);
  }

  release(): void {
    try {
      if (fs.readFileSync(this.file, 'utf8').trim() === String(process.pid))
        fs.rmSync(this.file, { force: true });
    } catch {
      // already gone
    }
  }
}
