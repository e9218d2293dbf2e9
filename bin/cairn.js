#!/usr/bin/env node
// Entry point: refuse an old Node with one sentence, then run the compiled CLI.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 16)) {
  process.stderr.write(`cairn needs Node.js 22.16 or newer (this is ${process.version}); run it through npx or npm scripts, which use the project's pinned Node.\n`);
  process.exit(1);
}
const { main } = await import('../dist/cli/main.js');
await main(process.argv.slice(2));
