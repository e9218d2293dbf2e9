// The machine's limit for a backup's CPU work: reads every file under DIR in 1 MiB pieces and hashes (SHA-256) and
// compresses (zstd level 3, as Cairn's and restic's auto mode) each piece, on one worker thread per core, the pieces
// dealt round-robin. No chunking, no encryption, nothing written. Prints `{"bytes":N,"files":N,"threads":N}`; the
// caller times it (bench/limits.mjs).
//   node hash-compress.mjs DIR
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import zlib from 'node:zlib';

const PIECE = 1 << 20;

function work(pieces) {
  const buf = Buffer.alloc(PIECE);
  for (const [file, offset] of pieces) {
    const fd = fs.openSync(file, 'r');
    const n = fs.readSync(fd, buf, 0, PIECE, offset);
    fs.closeSync(fd);
    const piece = buf.subarray(0, n);
    createHash('sha256').update(piece).digest();
    zlib.zstdCompressSync(piece, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } });
  }
}

if (isMainThread) {
  const dir = process.argv[2];
  const threads = os.availableParallelism();
  const pieces = [];
  let bytes = 0;
  let files = 0;
  for (const ent of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!ent.isFile()) continue;
    const file = path.join(ent.parentPath, ent.name);
    const size = fs.statSync(file).size;
    for (let offset = 0; offset < size; offset += PIECE) pieces.push([file, offset]);
    bytes += size;
    files++;
  }
  const share = (k) => pieces.filter((_, i) => i % threads === k);
  await Promise.all(
    Array.from({ length: threads }, (_, k) => {
      const w = new Worker(new URL(import.meta.url), { workerData: share(k) });
      return new Promise((resolve, reject) => w.once('exit', resolve).once('error', reject));
    }),
  );
  console.log(JSON.stringify({ bytes, files, threads }));
} else {
  work(workerData);
  parentPort.close();
}
