// Writes docs/cairn.schema.json (the config's JSON Schema) and docs/openapi.json (the HTTP API) from the zod
// schemas in dist/ (run `npm run build` first; `npm run schemas` does both). A test keeps the files up to date.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const { configJsonSchema } = await import(path.join(root, 'dist/config/index.js'));
const { openApiDocument } = await import(path.join(root, 'dist/api/index.js'));
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const write = (file, value) => {
  fs.writeFileSync(path.join(root, file), `${JSON.stringify(value, null, 2)}\n`);
  console.log(`wrote ${file}`);
};
write('docs/cairn.schema.json', configJsonSchema());
write('docs/openapi.json', openApiDocument(version));
