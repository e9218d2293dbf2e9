/** Pre/post hooks: shell commands run with /bin/sh in their own process group, ended when the run is cancelled. */
import { spawn } from 'node:child_process';
import { CairnError } from '../core/index.js';

export function runHook(
  command: string,
  env: Record<string, string>,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const kill = (): void => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    };
    signal.addEventListener('abort', kill, { once: true });
    let out = '';
    const collect = (d: Buffer): void => {
      out += d.toString('utf8');
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const l of lines) if (l !== '') log(l);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (err) => {
      signal.removeEventListener('abort', kill);
      reject(new CairnError('fatal', `The hook "${command}" could not be started (${err.message}).`));
    });
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', kill);
      if (out !== '') log(out);
      if (code === 0) resolve();
      else
        reject(
          new CairnError(
            signal.aborted ? 'interrupted' : 'fatal',
            `The hook "${command}" ${code === null ? `was ended by ${sig}` : `exited with status ${code}`}.`,
          ),
        );
    });
  });
}
