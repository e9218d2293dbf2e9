// Dashboard logins end to end: `cairn hash-password` makes a hash that `config check` accepts and `cairn serve` logs
// in with; a password in place of the hash is refused; an open daemon refuses to listen beyond this machine.
import { afterAll, describe, expect, it } from 'vitest';
import { cairn, Sandbox } from '../harness/cli.js';
import { serveDaemon } from '../harness/daemon.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const config = (server: string): string =>
  sb.write(
    'cairn.yaml',
    `data_dir: ./data
server: ${server}
repositories:
  local: { url: ${sb.path('repo')}, password: pw, create: true }
jobs:
  j: { sources: [${sb.path('src')}], schedule: { every: 24h }, repositories: [local] }
`,
  );

describe('dashboard users', () => {
  it('hash-password prints a hash that config check accepts and serve logs in with', async () => {
    sb.write('src/a', 'a');
    const hashed = await cairn(sb, ['hash-password'], { input: 's3cret pass\n' });
    expect(hashed.stderr).toBe('');
    expect(hashed.code).toBe(0);
    const hash = hashed.stdout.trim();
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect((await cairn(sb, ['hash-password'], { input: 's3cret pass\n' })).stdout.trim()).not.toBe(hash);
    const file = config(`{ listen: "127.0.0.1:0", users: [{ name: ann, password_hash: "${hash}" }] }`);
    const check = await cairn(sb, ['config', 'check', file]);
    expect(check.stdout).toContain(': valid (1 repositories, 1 jobs: j)');
    const served = await serveDaemon(sb, file, {});
    try {
      const login = (password: string): Promise<Response> =>
        fetch(`${served.url}/api/v1/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user: 'ann', password }),
        });
      expect((await login('s3cret pass')).status).toBe(200);
      expect((await login('s3cret')).status).toBe(401);
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
    }
  });

  it('hash-password refuses an empty password in one sentence', async () => {
    const r = await cairn(sb, ['hash-password'], { input: '\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('cairn: No password given: an empty password is not allowed.\n');
  });

  it('config check refuses a password written where the hash belongs', async () => {
    const file = config('{ users: [{ name: ann, password_hash: "s3cret pass" }] }');
    const r = await cairn(sb, ['config', 'check', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${file}:2: server.users.0.password_hash: must be a hash printed by \`cairn hash-password\``,
    );
    expect(r.stderr).not.toContain('s3cret');
  });

  it('serve without users or tokens refuses to listen beyond this machine', async () => {
    const file = config('{ listen: "127.0.0.1:0" }');
    const r = await cairn(sb, ['serve', '--config', file, '--listen', '0.0.0.0:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `cairn: Refusing to listen on 0.0.0.0:0 without a login: add server.users (cairn hash-password) or server.tokens to ${file}, or listen on 127.0.0.1.\n`,
    );
  });
});
