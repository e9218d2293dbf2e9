// npm does not link a package's own bin into its node_modules/.bin, and `npx cairn` would then fetch an
// unrelated registry package of that name. Link it here (run by `prepare`) so `npx cairn` runs this checkout.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const binDir = path.join(root, 'node_modules', '.bin');
const link = path.join(binDir, 'cairn');
fs.mkdirSync(binDir, { recursive: true });
fs.rmSync(link, { force: true });
fs.symlinkSync(path.relative(binDir, path.join(root, 'bin', 'cairn.js')), link);
