// The machine's limits for a backup of a set, measured in the same run as the tools: reading it (`tar cf - DIR`,
// piped, since GNU tar skips reading files when its archive is /dev/null itself) and hashing + compressing it on all
// cores (bench/hash-compress.mjs). The set is read once untimed first: the page cache is warm, as it is for the timed
// backups, which run on a fresh copy just written.
import path from 'node:path';
import { median, root, timed } from './lib.mjs';

const tar = (dir) => ['bash', '-c', 'tar cf - -C "$1" . | cat > /dev/null', 'bash', dir];

/** One measurement: the set's bytes and files, and the timed read and hash + compress. */
export function machineLimits(dir) {
  timed(tar(dir));
  const read = timed(tar(dir));
  const hash = timed([process.execPath, path.join(root, 'bench/hash-compress.mjs'), dir]);
  return { ...JSON.parse(hash.stdout), read, hash };
}

/**
 * Prints the medians of the limits in MiB/s and each tool's initial backup throughput as a share of the lower limit
 * (issue 15's target: at least 70%). `samples` are printTable's.
 */
export function printLimits(limits, samples) {
  const { bytes, files, threads } = limits[0];
  const mib = bytes / 2 ** 20;
  const rate = (secs) => mib / secs;
  const read = rate(median(limits.map((l) => l.read.secs)));
  const hash = rate(median(limits.map((l) => l.hash.secs)));
  const limit = Math.min(read, hash);
  console.log(
    `\nmachine limits on the app set (${mib.toFixed(0)} MiB in ${files} files, page cache warm), medians:`,
  );
  console.log(`  read (tar)                    ${read.toFixed(0).padStart(8)} MiB/s`);
  console.log(`  SHA-256 + zstd -3, ${threads} threads ${hash.toFixed(0).padStart(8)} MiB/s`);
  for (const [name, runs] of Object.entries(samples)) {
    const own = rate(median(runs.map((r) => r.initial.secs)));
    const share = ((100 * own) / limit).toFixed(0);
    console.log(
      `  initial backup, ${name.padEnd(12)} ${own.toFixed(0).padStart(8)} MiB/s = ${share}% of the limit (target ≥ 70%)`,
    );
  }
}
