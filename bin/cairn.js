#!/usr/bin/env node
// Entry point: refuse an old Node with one sentence, tune the allocator, then run the compiled CLI.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 16)) {
  process.stderr.write(`cairn needs Node.js 22.16 or newer (this is ${process.version}); run it through npx or npm scripts, which use the project's pinned Node.\n`);
  process.exit(1);
}
// Chunk and pack buffers cross worker threads; with glibc's defaults every thread grows its own malloc arena and
// freed buffers stay resident. glibc reads its tunables only at process start, so the process replaces itself once
// with arena_max set (about 20 ms). Only arena_max: fixing mmap_threshold or trim_threshold turns off glibc's dynamic
// mmap threshold, so every chunk-sized buffer is mapped and unmapped again (measured: 1.7 M page faults and twice
// the wall time of a 1.5 GiB backup on 2 cores). Users' own GLIBC_TUNABLES win. A smaller young generation
// (8 MiB semi-spaces instead of V8's up to 32 MiB) trims about 40 MiB and also made restore faster here.
// check --read-data(-subset) also gets V8's --optimize-for-size (slower heap growth, earlier collection, in its
// worker threads too): ~200 instead of ~320 MiB at its peak for a few % more CPU. A backup gained 4% of memory for
// 7% more CPU and check without reading data 18 MiB for 18% more CPU, so they keep the defaults
// (docs/benchmarks.md). The words are looked for anywhere in the arguments: a false match only changes GC tuning.
if (process.platform === 'linux' && typeof process.execve === 'function' && process.env.GLIBC_TUNABLES === undefined) {
  const tunables = 'glibc.malloc.arena_max=2';
  const v8Flags = ['--max-semi-space-size=8', ...(readsData(process.argv.slice(2)) ? ['--optimize-for-size'] : [])];
  process.execve(process.execPath, [process.execPath, ...v8Flags, ...process.execArgv, ...process.argv.slice(1)], {
    ...process.env,
    GLIBC_TUNABLES: tunables,
  });
}
function readsData(args) {
  return args.includes('check') && args.some((a) => a.startsWith('--read-data'));
}
// No top-level await around main: a command that never finishes is reported by main itself (see reportUnfinished),
// not by Node's "unsettled top-level await" warning and exit code 13.
import('../dist/cli/main.js').then(({ main }) => main(process.argv.slice(2)));
