// `npm start [-- FOLDER] [--listen HOST:PORT]`: the daemon with the embedded default config. On the first start
// `cairn serve` writes cairn.yaml into its data directory: one local repository (the default one, its password
// generated into a 0600 file), a sample job backing up FOLDER (default: examples/app-data) once now and then
// nightly, with a daily restore drill. The URL comes first; Ctrl-C stops it cleanly within seconds.
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const listenAt = args.indexOf('--listen');
const listen = listenAt >= 0 ? args.splice(listenAt, 2)[1] : undefined;
const source = path.resolve(
  process.env.INIT_CWD ?? process.cwd(),
  args[0] ?? path.join(root, 'examples/app-data'),
);

const child = spawn(
  process.execPath,
  [path.join(root, 'bin/cairn.js'), 'serve', '--source', source, ...(listen ? ['--listen', listen] : [])],
  { stdio: 'inherit' },
);
// Ctrl-C reaches the whole process group, cairn included; a SIGTERM sent to this script alone is passed on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
