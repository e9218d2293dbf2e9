import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { maskedConfig } from './masked-config.js';

describe('maskedConfig', () => {
  it('shows no password, token, credential in a URL or notification secret', () => {
    const config = parseConfig(
      `server:
  tokens: ["tok-0123456789abcdef"]
  users: [{ name: ann, password_hash: "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=" }]
repositories:
  a: { url: "rest:https://user:pw-in-url@host:8000/x", password: pw-plain, options: { s3.secret: k } }
  b: { url: /srv/b, password_command: "pass show cairn" }
  c: { url: "s3:https://AKIA:wJal/rX@minio:9000/bucket", password: pw-c }
jobs:
  j: { sources: [/x], schedule: { every: 1h }, repositories: [a, b] }
notifications:
  channels:
    mail: { type: smtp, host: mx, user: u, password: smtp-pw, from: a@b.c, to: [d@e.f] }
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
      'wJal',
      'aGFzaGhh',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('pass show cairn'); // a command is no secret, and says where the password comes from
    expect(text).toContain('"host":"mx"');
    expect(text).toContain('{"name":"ann","password_hash":"***"}');
    // The same masking as every CLI message: the user stays, the password goes, even one holding "/".
    expect(text).toContain('rest:https://user:***@host:8000/x');
    expect(text).toContain('s3:https://AKIA:***@minio:9000/bucket');
  });
});
