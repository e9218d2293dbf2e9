import { afterEach, describe, expect, it } from 'vitest';
import { startCommand } from '../child.js';

/** Whether a process with this id exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('startCommand', () => {
  it('streams the output and resolves on status 0', async () => {
    const c = startCommand('sh', ['-c', 'printf hello']);
    const chunks: Buffer[] = [];
    for await (const d of c.stream) chunks.push(d as Buffer);
    await c.done;
    expect(Buffer.concat(chunks).toString()).toBe('hello');
  });

  it('keeps the output of a command that ended before anyone read it (the archiver reads a few streams at a time)', async () => {
    const c = startCommand('sh', ['-c', 'printf early']);
    await until(() => false, 300);
    const chunks: Buffer[] = [];
    for await (const d of c.stream) chunks.push(d as Buffer);
    await c.done;
    expect(Buffer.concat(chunks).toString()).toBe('early');
  });

  it('rejects when the program does not exist', async () => {
    await expect(startCommand('/nonexistent/program', []).done).rejects.toThrow(/could not be started/);
  });

  it('an abort also ends what the command started, so its output ends at once', async () => {
    const ac = new AbortController();
    // The shell prints the pid of its background sleep, then waits for it: the sleep holds the output pipe.
    const c = startCommand('sh', ['-c', 'sleep 30 & echo $!; wait'], ac.signal);
    const it = c.stream[Symbol.asyncIterator]();
    const first = await it.next();
    const grandchild = Number(String(first.value).trim());
    leftovers.push(grandchild);
    expect(alive(grandchild)).toBe(true);
    const started = Date.now();
    ac.abort();
    await expect(c.done).rejects.toThrow(/killed by SIGTERM/);
    expect(await until(() => !alive(grandchild), 2000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
