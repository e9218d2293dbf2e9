// `cairn serve` as a child process for end-to-end tests: started on a config, its URL read from its first line.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Sandbox } from './cli.js';
import { ROOT } from './cli.js';

export interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number>;
}

/** `config`: the config file, or the arguments after `serve` (e.g. the embedded default's `--source DIR`). */
export function serveDaemon(
  sb: Sandbox,
  config: string | string[],
  env: Record<string, string>,
): Promise<Served> {
  const args = typeof config === 'string' ? ['--config', config] : config;
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/cairn.js'), 'serve', ...args], {
    cwd: sb.dir,
    env: sb.env(env),
    stdio: 'pipe',
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 15 s: ${out}`)), 15_000);
    const look = (): void => {
      const m = /cairn serve: (http:\/\/[^/]+)\//.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off('data', look);
      resolve({ child, url: m[1]!, output: () => out, exited });
    };
    child.stdout.on('data', look);
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

/** Polls `fn` every 200 ms until it returns a value. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 40_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
