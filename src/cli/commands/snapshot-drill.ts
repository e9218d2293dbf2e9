/** `cairn drill [SNAPSHOT|latest]`: a restore drill — restore, verify, time, clean up, report. */
import type { Command } from 'commander';
import type { DrillOutcome, DrillRequest } from '../../app/index.js';
import { parseDrillSample, runDatabaseDrill, runDrill } from '../../app/index.js';
import { openRestoreTarget } from '../../registry.js';
import { CairnError } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { formatBytes } from '../output/format.js';
import type { CliRuntime } from '../runtime.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

interface DrillFlags extends FilterFlags {
  sample?: string;
  all?: boolean;
  seed?: string;
  target?: string;
  into?: string;
  query?: string;
}

/** `drill SNAPSHOT[:DUMP] --into mysql://…/`: load the dump into a scratch database, check it, drop it. */
async function databaseDrillCommand(ctx: CommandContext, snapshot: string, flags: DrillFlags, into: string): Promise<number> {
  if (flags.sample !== undefined || flags.all === true || flags.target !== undefined || flags.seed !== undefined) {
    throw new CairnError('invalid-argument', '--into cannot be combined with --sample, --all, --seed or --target.');
  }
  const req: Parameters<typeof runDatabaseDrill>[2] = { snapshot, into, filter: filterFrom(flags) };
  if (flags.query !== undefined) req.query = flags.query;
  const r = await runDatabaseDrill(ctx.deps(), await ctx.openOptions(!ctx.json), req, openRestoreTarget);
  ctx.progress().done();
  const rows = r.check.map((l) => l.split('\t'));
  if (ctx.json) {
    ctx.printJSON({
      message_type: 'drill',
      snapshot_id: r.snapshot.id,
      path: r.path,
      scratch_database: r.scratch,
      bytes_loaded: r.bytes,
      load_seconds: round3(r.loadSeconds),
      ...(flags.query === undefined ? { tables: Object.fromEntries(rows.map(([t, n]) => [t ?? '', Number(n)])) as Record<string, number> } : { query_output: r.check }),
      ok: true,
    });
  } else {
    ctx.print(`drill of ${r.path} of snapshot ${r.snapshot.id.slice(0, 8)}: loaded ${formatBytes(r.bytes)} into ${r.scratch} in ${r.loadSeconds.toFixed(2)} s`);
    if (flags.query === undefined) for (const [t, n] of rows) ctx.print(`  ${t}: ${n} rows`);
    else for (const l of r.check) ctx.print(`  ${l}`);
    ctx.print(`scratch database ${r.scratch} dropped`);
  }
  return EXIT.ok;
}

/** Problems named in the final sentence; all of them are listed above it. */
const NAMED = 5;

const mibPerSecond = (r: DrillOutcome): number | null =>
  r.restoreSeconds > 0 ? Math.round((r.bytesRestored / 2 ** 20 / r.restoreSeconds) * 100) / 100 : null;

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

async function drillCommand(ctx: CommandContext, snapshot: string, flags: DrillFlags): Promise<number> {
  if (flags.into !== undefined) return databaseDrillCommand(ctx, snapshot, flags, flags.into);
  if (flags.query !== undefined) throw new CairnError('invalid-argument', '--query applies only to drill --into.');
  if (flags.sample !== undefined && flags.all === true) {
    throw new CairnError('invalid-argument', '--sample and --all cannot be combined.');
  }
  const req: DrillRequest = { snapshot, filter: filterFrom(flags) };
  if (flags.sample !== undefined) req.sample = parseDrillSample(flags.sample);
  if (flags.seed !== undefined) req.seed = flags.seed;
  if (flags.target !== undefined) {
    if (flags.target === '') throw new CairnError('invalid-argument', 'Please give a folder with --target.');
    req.target = flags.target;
  }
  const r = await runDrill(ctx.deps(), await ctx.openOptions(!ctx.json), req);
  ctx.progress().done();
  for (const p of r.problems) ctx.io.stderr.write(`problem: ${p.path}: ${p.message}\n`);
  const rate = mibPerSecond(r);
  if (ctx.json) {
    ctx.printJSON({
      message_type: 'drill',
      snapshot_id: r.snapshot.id,
      snapshot_time: r.snapshot.time,
      hostname: r.snapshot.hostname ?? '',
      paths: r.snapshot.paths,
      sample: r.sample,
      seed: r.seed ?? null,
      files_in_snapshot: r.filesInSnapshot,
      files_checked: r.filesChecked,
      dirs_checked: r.dirsChecked,
      bytes_checked: r.bytesChecked,
      bytes_restored: r.bytesRestored,
      restore_seconds: round3(r.restoreSeconds),
      verify_seconds: round3(r.verifySeconds),
      mib_per_second: rate,
      target: r.target,
      problems: r.problems,
      ok: r.problems.length === 0,
    });
  } else {
    const s = r.snapshot;
    const which = r.sample === 'all' ? 'all' : `a sample (${r.sample}, seed ${r.seed ?? ''}) of`;
    ctx.print(`drill of snapshot ${s.id.slice(0, 8)} of [${s.paths.join(' ')}] at ${s.time} by ${s.username ?? ''}@${s.hostname ?? ''}`);
    ctx.print(
      `checked ${r.filesChecked} files and ${r.dirsChecked} folders (${formatBytes(r.bytesChecked)}): ${which} ${r.filesInSnapshot} files`,
    );
    const speed = rate === null ? '' : ` (${rate.toFixed(2)} MiB/s)`;
    ctx.print(`restore took ${r.restoreSeconds.toFixed(2)} s${speed}, verification ${r.verifySeconds.toFixed(2)} s`);
    if (r.problems.length === 0) ctx.print('no problems: every checked file was restored exactly as it was saved');
  }
  if (r.problems.length > 0) {
    const paths = [...new Set(r.problems.map((p) => p.path))];
    const named = paths.slice(0, NAMED).join(', ') + (paths.length > NAMED ? ` and ${paths.length - NAMED} more` : '');
    throw new CairnError('verify-failed', `The drill found ${r.problems.length} problems, in ${named}.`);
  }
  return EXIT.ok;
}

export function registerDrill(program: Command, rt: CliRuntime): void {
  addSnapshotFilterOptions(
    program
      .command('drill')
      .description('restore drill: restore a snapshot into a temporary folder, verify every file, time it, clean up')
      .argument('[snapshot]', "snapshot id, unique prefix or 'latest'", 'latest')
      .option('--sample <n|x%>', 'check only this many files, or this percentage of them, chosen at random')
      .option('--all', 'check every file (the default)')
      .option('--seed <text>', "seed of the random sample (default: the snapshot's id)")
      .option('-t, --target <dir>', 'restore into this empty or new folder instead of a temporary one')
      .option('--into <uri>', 'drill a database dump: load it into a scratch database on this server (mysql://…/, postgres://…/)')
      .option('--query <sql>', 'with --into: the check to run (default: rows of every table)'),
    "snapshots for 'latest'",
  ).action(async (snapshot: string, flags: DrillFlags, cmd: Command) =>
    rt.run(cmd, (ctx) => drillCommand(ctx, snapshot, flags)),
  );
}
