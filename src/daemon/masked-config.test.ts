import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { maskedConfig } from './masked-config.js';

describe('maskedConfig', () => {
  it('shows no password, token, credential in a URL or notification secret', () => {
    const config = parseConfig(
      `server: { tokens: ["tok-0123456789abcdef"] }
repositories:
  a: { url: "rest:https://user:pw-in-url@host:8000/x", password: pw-plain, options: { s3.secret: k } }
  b: { url: /srv/b, password_command: "pass show cairn" }
jobs:
  j: { sources: [/x], schedule: { every: 1h }, repositories: [a, b] }
notifications:
  channels:
    mail: { type: email, smtp: { host: mx, password: smtp-pw } }
    hook: { type: webhook, url: https://hooks.example/T0/B0/secret }
`,
      'c.yaml',
      {},
    );
    const text = JSON.stringify(maskedConfig(config));
    for (const secret of [
      'tok-0123456789abcdef',
      'pw-in-url',
      'pw-plain',
      'smtp-pw',
      'hooks.example',
      '"k"',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('pass show cairn'); // a command is no secret, and says where the password comes from
    expect(text).toContain('"host":"mx"');
  });
});
