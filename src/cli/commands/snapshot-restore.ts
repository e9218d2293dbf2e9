/** `cairn restore SNAPSHOT[:DIR] --target DIR`. */
import type { Command } from 'commander';
import type { RestoreRequest } from '../../app/index.js';
import { runRestore, runRestoreInto } from '../../app/index.js';
import { openRestoreTarget } from '../../registry.js';
import { CairnError } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { formatBytes, formatDuration } from '../output/format.js';
import { collect } from '../parse.js';
import type { CliRuntime } from '../runtime.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

interface RestoreFlags extends FilterFlags {
  target?: string;
  include: string[];
  exclude: string[];
  iinclude: string[];
  iexclude: string[];
  verify?: boolean;
  dryRun?: boolean;
  sparse?: boolean;
  to?: string;
  force?: boolean;
}

/** `restore SNAPSHOT[:FILE] --to URI`: loads a dump of the snapshot into a database or database file, or a volume's folder into a Docker volume. */
async function restoreIntoCommand(ctx: CommandContext, snapshot: string, flags: RestoreFlags, to: string): Promise<number> {
  if (flags.target !== undefined) throw new CairnError('invalid-argument', '--to and --target cannot be used together.');
  const req: Parameters<typeof runRestoreInto>[2] = { snapshot, to, filter: filterFrom(flags) };
  if (flags.force === true) req.force = true;
  const started = ctx.io.clock.now();
  const r = await runRestoreInto(ctx.deps(), await ctx.openOptions(true), req, openRestoreTarget);
  ctx.progress().done();
  const seconds = (ctx.io.clock.now() - started) / 1000;
  if (ctx.json) {
    ctx.printJSON({ message_type: 'summary', seconds_elapsed: Math.floor(seconds), snapshot_id: r.snapshot.id, path: r.path, target: r.target, bytes_restored: r.bytes });
  } else {
    ctx.print(`restored ${r.path} of snapshot ${r.snapshot.id.slice(0, 8)} into ${r.target} (${formatBytes(r.bytes)} in ${formatDuration(seconds)})`);
  }
  return EXIT.ok;
}

async function restoreCommand(ctx: CommandContext, snapshot: string, flags: RestoreFlags): Promise<number> {
  if (flags.to !== undefined) return restoreIntoCommand(ctx, snapshot, flags, flags.to);
  if (flags.force === true) throw new CairnError('invalid-argument', '--force applies only to restore --to.');
  if (flags.target === undefined || flags.target === '') {
    throw new CairnError('invalid-argument', 'Please give a target folder with --target.');
  }
  if (
    (flags.include.length > 0 || flags.iinclude.length > 0) &&
    (flags.exclude.length > 0 || flags.iexclude.length > 0)
  ) {
    throw new CairnError(
      'invalid-argument',
      '--include/--iinclude and --exclude/--iexclude cannot be combined.',
    );
  }
  const req: RestoreRequest = {
    snapshot,
    target: flags.target,
    filter: filterFrom(flags),
    include: flags.include,
    exclude: flags.exclude,
    iinclude: flags.iinclude,
    iexclude: flags.iexclude,
  };
  if (flags.verify === true) req.verify = true;
  if (flags.dryRun === true) req.dryRun = true;
  if (flags.sparse === true) req.sparse = true;
  const started = ctx.io.clock.now();
  const r = await runRestore(ctx.deps(), await ctx.openOptions(true), req);
  ctx.progress().done();
  const seconds = (ctx.io.clock.now() - started) / 1000;
  for (const v of r.verifyFailures) ctx.io.stderr.write(`verify: ${v.item}: ${v.message}\n`);
  if (ctx.json) {
    ctx.printJSON({
      message_type: 'summary',
      seconds_elapsed: Math.floor(seconds),
      total_files: r.filesRestored + r.dirsRestored,
      files_restored: r.filesRestored + r.dirsRestored,
      total_bytes: r.bytesRestored,
      bytes_restored: r.bytesRestored,
      dry_run: req.dryRun === true || undefined,
    });
  } else {
    const s = r.snapshot;
    ctx.print(
      `restoring snapshot ${s.id.slice(0, 8)} of [${s.paths.join(' ')}] at ${s.time} by ${s.username ?? ''}@${s.hostname ?? ''} to ${flags.target}`,
    );
    const verb = req.dryRun === true ? 'Would restore' : 'Restored';
    ctx.print(
      `Summary: ${verb} ${r.filesRestored + r.dirsRestored} files/dirs (${formatBytes(r.bytesRestored)}) in ${formatDuration(seconds)}`,
    );
    if (req.verify === true && r.verifyFailures.length === 0)
      ctx.print(`verified ${r.filesRestored} files in ${flags.target}`);
  }
  if (r.verifyFailures.length > 0) {
    throw new CairnError(
      'verify-failed',
      `${r.verifyFailures.length} restored files differ from the snapshot.`,
    );
  }
  if (r.errors.length > 0)
    throw new CairnError('fatal', `There were ${r.errors.length} errors while restoring.`);
  return EXIT.ok;
}

export function registerRestore(program: Command, rt: CliRuntime): void {
  addSnapshotFilterOptions(
    program
      .command('restore')
      .description('restore a snapshot (or a folder of it: SNAPSHOT:DIR) into a target folder')
      .argument('<snapshot>', "snapshot id, unique prefix or 'latest', optionally followed by :DIR")
      .option('-t, --target <dir>', 'folder to restore into')
      .option(
        '--to <uri>',
        'load a dump into a database instead (mysql://…/db, postgres://…/db, sqlite:///path), or a volume folder into docker-volume:NAME',
      )
      .option('--force', 'with --to: replace what a database, file or volume that is not empty holds')
      .option('-i, --include <pattern>', 'restore only matching paths (repeatable)', collect, [])
      .option('-e, --exclude <pattern>', 'do not restore matching paths (repeatable)', collect, [])
      .option('--iinclude <pattern>', 'like --include, ignoring case (repeatable)', collect, [])
      .option('--iexclude <pattern>', 'like --exclude, ignoring case (repeatable)', collect, [])
      .option('--verify', 'read the restored files back and compare them with the snapshot')
      .option('--sparse', 'leave runs of zeros (all-zero blobs) as holes in the restored files')
      .option('-n, --dry-run', 'only report what would be restored'),
    "snapshots for 'latest'",
  ).action(async (snapshot: string, flags: RestoreFlags, cmd: Command) =>
    rt.run(cmd, (ctx) => restoreCommand(ctx, snapshot, flags)),
  );
}
