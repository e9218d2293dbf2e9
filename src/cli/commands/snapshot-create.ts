/** `cairn backup`: back up files, folders, standard input or a command's output. */
import type { Command } from 'commander';
import type { BackupOutcome, BackupRequest, ExcludeOptions } from '../../app/index.js';
import { SnapshotSavedError, runBackup } from '../../app/index.js';
import { CairnError } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { backupSummaryJSON, backupSummaryText } from '../output/backup-summary.js';
import { collect, flattenTags, parseBackupTime, parseSize } from '../parse.js';
import type { CliRuntime } from '../runtime.js';

export interface BackupFlags {
  exclude: string[];
  iexclude: string[];
  excludeFile: string[];
  iexcludeFile: string[];
  excludeIfPresent: string[];
  excludeCaches?: boolean;
  excludeLargerThan?: string;
  oneFileSystem?: boolean;
  parent?: string;
  force?: boolean;
  ignoreInode?: boolean;
  ignoreCtime?: boolean;
  withAtime?: boolean;
  tag: string[];
  host?: string;
  time?: string;
  stdin?: boolean;
  stdinFilename: string;
  stdinFromCommand?: boolean;
  dryRun?: boolean;
  filesFrom: string[];
  filesFromVerbatim: string[];
  filesFromRaw: string[];
  pre?: string;
  post?: string;
  stopContainers?: boolean;
}

export function excludesFrom(f: BackupFlags): ExcludeOptions {
  const e: ExcludeOptions = {};
  if (f.exclude.length > 0) e.exclude = f.exclude;
  if (f.iexclude.length > 0) e.iexclude = f.iexclude;
  if (f.excludeFile.length > 0) e.excludeFiles = f.excludeFile;
  if (f.iexcludeFile.length > 0) e.iexcludeFiles = f.iexcludeFile;
  if (f.excludeIfPresent.length > 0) e.excludeIfPresent = f.excludeIfPresent;
  if (f.excludeCaches === true) e.excludeCaches = true;
  if (f.excludeLargerThan !== undefined)
    e.excludeLargerThan = parseSize(f.excludeLargerThan, '--exclude-larger-than');
  if (f.oneFileSystem === true) e.oneFileSystem = true;
  return e;
}

/** Pure: the app's request from the parsed command line. */
export function backupRequest(args: string[], f: BackupFlags, stdin: NodeJS.ReadableStream): BackupRequest {
  if (f.stdin === true && f.stdinFromCommand === true) {
    throw new CairnError('invalid-argument', '--stdin and --stdin-from-command cannot be used together.');
  }
  const req: BackupRequest = { paths: args, excludes: excludesFrom(f), tags: flattenTags(f.tag) };
  if (f.filesFrom.length + f.filesFromVerbatim.length + f.filesFromRaw.length > 0) {
    req.filesFrom = { globs: f.filesFrom, verbatim: f.filesFromVerbatim, raw: f.filesFromRaw };
  }
  if (f.stdin === true) {
    req.stdin = { filename: f.stdinFilename, stream: stdin };
  }
  if (f.stdinFromCommand === true) {
    const [command, ...cmdArgs] = args;
    if (command === undefined) {
      throw new CairnError('invalid-argument', '--stdin-from-command needs a command after "--".');
    }
    req.paths = [];
    req.stdinCommand = { filename: f.stdinFilename, command, args: cmdArgs };
  }
  if (f.host !== undefined) req.host = f.host;
  if (f.time !== undefined) req.time = parseBackupTime(f.time);
  if (f.parent !== undefined) req.parent = f.parent;
  if (f.force === true) req.force = true;
  if (f.ignoreInode === true || f.ignoreCtime === true || f.withAtime === true) {
    req.change = { ignoreInode: f.ignoreInode === true, ignoreCtime: f.ignoreCtime === true, withAtime: f.withAtime === true };
  }
  if (f.dryRun === true) req.dryRun = true;
  if (f.stopContainers === true) req.stopContainers = true;
  if (f.pre !== undefined || f.post !== undefined) {
    req.hooks = {};
    if (f.pre !== undefined) req.hooks.pre = f.pre;
    if (f.post !== undefined) req.hooks.post = f.post;
  }
  return req;
}

async function backupCommand(ctx: CommandContext, args: string[], flags: BackupFlags): Promise<number> {
  const req = backupRequest(args, flags, ctx.io.stdin);
  let outcome: BackupOutcome;
  let saved: SnapshotSavedError | undefined;
  try {
    outcome = await runBackup(ctx.deps(), await ctx.openOptions(true), req);
  } catch (err) {
    if (!(err instanceof SnapshotSavedError)) throw err;
    // The snapshot is shown as usual; the error (a container left stopped) still fails the command, below.
    saved = err;
    outcome = err.outcome;
  }
  ctx.progress().done();
  const dryRun = req.dryRun === true;
  const summary = { ...outcome.summary };
  if (outcome.snapshotId !== undefined) summary.snapshot_id = outcome.snapshotId;
  if (ctx.json) ctx.printJSON(backupSummaryJSON(summary, dryRun));
  else {
    if (ctx.verbose > 0 || !ctx.quiet) {
      ctx.print(
        outcome.parent
          ? `using parent snapshot ${outcome.parent.id.slice(0, 8)}`
          : 'no parent snapshot found, will read all files',
      );
      ctx.print('');
    }
    ctx.print(backupSummaryText(summary, dryRun));
  }
  if (saved !== undefined) throw saved;
  // Skipped paths make the snapshot incomplete just as unreadable files do (exit 3, as restic ≥ 0.19 does).
  if (outcome.sourceErrors.length > 0 || outcome.skippedPaths.length > 0) {
    if (!ctx.json) ctx.io.stderr.write('Warning: at least one source file could not be read\n');
    return EXIT.sourceErrors;
  }
  return EXIT.ok;
}

export function registerBackup(program: Command, rt: CliRuntime): void {
  program
    .command('backup')
    .description('create a new snapshot of files, folders and databases')
    .argument(
      '[paths...]',
      'files, folders and source URIs (mysql://, postgres://, sqlite:///, command:, docker-volume:, ' +
        'docker-container:) to back up ' +
        '(with --stdin-from-command: the command and its arguments)',
    )
    .option('-e, --exclude <pattern>', 'exclude a pattern (repeatable)', collect, [])
    .option('--iexclude <pattern>', 'like --exclude, ignoring case (repeatable)', collect, [])
    .option('--exclude-file <file>', 'read exclude patterns from a file (repeatable)', collect, [])
    .option('--iexclude-file <file>', 'like --exclude-file, ignoring case (repeatable)', collect, [])
    .option(
      '--exclude-if-present <file[:header]>',
      'skip folders holding this file (repeatable)',
      collect,
      [],
    )
    .option('--exclude-caches', 'skip folders with a CACHEDIR.TAG')
    .option('--exclude-larger-than <size>', 'skip files larger than this (e.g. 1K, 2M, 3G, 4T)')
    .option('-x, --one-file-system', 'do not cross file-system boundaries')
    .option('--parent <snapshot>', 'use this parent snapshot (default: latest with the same host and paths)')
    .option('-f, --force', 're-read all files, ignoring the parent')
    .option('--ignore-inode', 'ignore inode number (and ctime) changes when checking for modified files')
    .option('--ignore-ctime', 'ignore ctime changes when checking for modified files')
    .option('--with-atime', 'store the atime of files and folders (default: atime = mtime, as restic)')
    .option('--tag <tag[,tag]>', 'add tags to the new snapshot (repeatable)', collect, [])
    .option('-H, --host <hostname>', 'host name to record (default: this machine)')
    .option('--time <time>', 'time to record, "YYYY-MM-DD HH:MM:SS" (default: now)')
    .option('--stdin', 'back up standard input')
    .option('--stdin-filename <name>', 'file name for --stdin / --stdin-from-command', 'stdin')
    .option('--stdin-from-command', 'back up the output of the command given after "--"')
    .option('-n, --dry-run', 'do not write anything, only report')
    .option(
      '--files-from <file>',
      "read paths to back up from a file, each line a glob as restic's (repeatable)",
      collect,
      [],
    )
    .option(
      '--files-from-verbatim <file>',
      'read paths from a file, each line taken as it is (repeatable)',
      collect,
      [],
    )
    .option(
      '--files-from-raw <file>',
      'read NUL-separated paths from a file, e.g. find -print0 (repeatable)',
      collect,
      [],
    )
    .option('--pre <command>', 'run this shell command first; if it fails, nothing is backed up')
    .option(
      '--stop-containers',
      'stop the running containers that use a docker-volume: source while it is read',
    )
    .option(
      '--post <command>',
      'run this shell command afterwards, after success and failure (CAIRN_OUTCOME)',
    )
    .action(async (args: string[], flags: BackupFlags, cmd: Command) =>
      rt.run(cmd, (ctx) => backupCommand(ctx, args, flags)),
    );
}
