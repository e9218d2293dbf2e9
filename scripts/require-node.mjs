// Fails fast when a script runs under a Node without zstd (the system Node 20 here).
import zlib from 'node:zlib';
if (typeof zlib.zstdCompressSync !== 'function') {
  console.error(`Node ${process.version} lacks zstd; run through npm scripts or npx so the pinned Node 24 is used.`);
  process.exit(1);
}
