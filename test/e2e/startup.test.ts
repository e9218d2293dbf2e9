// The CLI's start-up (every command, a backup too) must not load the daemon's modules: pino, yaml, zod schemas of the
// config and nodemailer were ~0.15 s of CPU in each no-change backup. They load when a daemon command runs.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../harness/cli.js';

/** The URLs of every module that importing dist/cli/main.js resolves. */
function startupModules(): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.push(r.url); return r; } });
    await import(${JSON.stringify(path.join(ROOT, 'dist/cli/main.js'))});
    process.stdout.write(JSON.stringify(seen));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

describe('cli start-up', () => {
  it('loads neither the daemon, the config loader nor the REST server', () => {
    const modules = startupModules();
    expect(modules.some((u) => u.includes('/dist/archiver/'))).toBe(true);
    const heavy = modules.filter((u) => /\/dist\/(daemon|config|notify|repo-server)\/|\/node_modules\/(pino|yaml|nodemailer|bcryptjs|croner)\//.test(u));
    expect(heavy).toEqual([]);
  });
});
