// The example configs of examples/ as end-to-end tests run them: the file as written, with its absolute
// folders (/srv, /etc/cairn, /var/lib/cairn) moved below the sandbox and the servers' addresses replaced, each
// replacement an exact string that must occur (so an edit of the example cannot silently escape the test).
import fs from 'node:fs';
import path from 'node:path';
import type { Sandbox } from './cli.js';
import { ROOT } from './cli.js';

/** Writes examples/NAME into the sandbox with the folders moved and `replace` applied; returns the copy's path. */
export function localExample(sb: Sandbox, name: string, replace: [from: string, to: string][]): string {
  let text = fs.readFileSync(path.join(ROOT, 'examples', name), 'utf8');
  for (const [from, to] of replace) {
    if (!text.includes(from)) throw new Error(`examples/${name} no longer contains ${from}`);
    text = text.split(from).join(to);
  }
  // A folder starts a value: after a space, `[`, a quote or `=` (a source URI's password-file=…).
  text = text.replace(/(?<=[\s["=])\/(srv|etc\/cairn|var\/lib\/cairn)(?=[/\s\]"]|$)/gm, (_, root: string) =>
    sb.path(root),
  );
  return sb.write(name, text);
}
