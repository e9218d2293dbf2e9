// `npm start [-- FOLDER]`: the main job on the embedded default repository — back up a folder, list the
// snapshots, restore the newest one into a fresh folder and verify it. FOLDER defaults to examples/app-data.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const source = path.resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2] ?? path.join(root, 'examples/app-data'));
const cairn = (...args) => {
  console.log(`\n$ cairn ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [path.join(root, 'bin/cairn.js'), ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

cairn('backup', source);
cairn('snapshots');
const target = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-restore-'));
cairn('restore', 'latest', '--target', target, '--verify');
console.log(`\nRestored and verified into ${target}`);
