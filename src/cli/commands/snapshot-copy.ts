/** `cairn copy [SNAPSHOT…] --from-repo SRC`: copy snapshots from another repository into this one (restic 0.17). */
import type { Command } from 'commander';
import type { CopyEvents, CopyOutcome, CopyStatus } from '../../app/index.js';
import { copySnapshots } from '../../app/index.js';
import type { StoredSnapshot } from '../../core/index.js';
import { shortId } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import type { FromRepoFlags } from '../global-options.js';
import { formatBytes, formatDuration, formatLocalTime } from '../output/format.js';
import { StatusLine } from '../output/status-line.js';
import type { CliRuntime } from '../runtime.js';
import { addFromRepoOptions, fromRepoOpenOptions } from './from-repository.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

const DESCRIPTION = [
  'copy snapshots from one repository to another',
  '',
  'The destination is the repository given with -r/--repo (or its environment variables), the source the one ' +
    'given with --from-repo. Snapshots the destination already holds a copy of are skipped, so running copy ' +
    'again copies only what is new; an interrupted copy resumes where it stopped.',
  '',
  'Blobs are decrypted and encrypted again but not re-chunked: initialise the destination with ' +
    '"init --copy-chunker-params" so that it deduplicates like the source.',
].join('\n');

export function copyStatusText(s: CopyStatus): string {
  return (
    `[${formatDuration(s.secondsElapsed)}] ${s.snapshotsDone}/${s.snapshotsTotal} snapshots, ` +
    `${s.packsDone}/${s.packsTotal} packs, ${s.treeBlobs + s.dataBlobs} blobs, ${formatBytes(s.bytesAdded)} added`
  );
}

export function copySummaryText(o: CopyOutcome): string {
  const n = (k: number, what: string): string => `${k} ${what}${k === 1 ? '' : 's'}`;
  return (
    `copied ${n(o.copied.length, 'snapshot')}, skipped ${o.skipped.length}; ` +
    `${n(o.treeBlobs + o.dataBlobs, 'blob')}, ${formatBytes(o.bytesAdded)} added`
  );
}

export function copySummaryJSON(o: CopyOutcome): Record<string, unknown> {
  return {
    message_type: 'summary',
    snapshots_copied: o.copied.length,
    snapshots_skipped: o.skipped.length,
    tree_blobs: o.treeBlobs,
    data_blobs: o.dataBlobs,
    bytes_added: o.bytesAdded,
    bytes_copied: o.bytesCopied,
    copied: o.copied,
    skipped: o.skipped,
  };
}

function describe(s: StoredSnapshot): string {
  const who = `${s.username ?? ''}@${s.hostname ?? ''}`;
  return `snapshot ${shortId(s.id)} of [${s.paths.join(' ')}] at ${formatLocalTime(s.time)} by ${who}`;
}

/** restic's lines in text mode, one JSON message per snapshot with --json; status ~4×/s on a terminal, 1/s in JSON. */
function copyEvents(ctx: CommandContext): { events: CopyEvents; done(): void } {
  const now = (): number => ctx.io.clock.now();
  const tty = ctx.io.stderr.isTTY === true && !ctx.json && !ctx.quiet;
  const line = tty ? new StatusLine(ctx.io.stderr, now) : undefined;
  let lastJSON = -Infinity;
  const out = (text: string): void => {
    line?.clear();
    ctx.print(text);
  };
  const done = (): void => line?.clear();
  if (ctx.json) {
    const events: CopyEvents = {
      onSkipped: (s, e) => ctx.printJSON({ message_type: 'snapshot_skipped', source: s.id, existing: e.id }),
      onCopied: (s, id) => ctx.printJSON({ message_type: 'snapshot_copied', source: s.id, id }),
      onStatus: (s) => {
        if (ctx.quiet || now() - lastJSON < 1000) return;
        lastJSON = now();
        ctx.printJSON(copyStatusJSON(s));
      },
    };
    return { events, done };
  }
  const events: CopyEvents = {
    onSkipped: (s, e) => {
      if (ctx.verbose >= 1) out(`skipping ${describe(s)}, already copied to snapshot ${shortId(e.id)}`);
    },
    onStarted: (s) => out(`\n${describe(s)}\n  copy started, this may take a while...`),
    onCopied: (_s, id) => out(`snapshot ${shortId(id)} saved`),
    onStatus: (s) => line?.update(copyStatusText(s)),
  };
  return { events, done };
}

/** The `status` JSON line of a copy. */
export function copyStatusJSON(s: CopyStatus): Record<string, unknown> {
  return {
    message_type: 'status',
    seconds_elapsed: Math.floor(s.secondsElapsed),
    snapshots_done: s.snapshotsDone,
    snapshots_total: s.snapshotsTotal,
    packs_done: s.packsDone,
    packs_total: s.packsTotal,
    tree_blobs: s.treeBlobs,
    data_blobs: s.dataBlobs,
    bytes_added: s.bytesAdded,
    bytes_copied: s.bytesCopied,
  };
}

export function registerCopy(program: Command, rt: CliRuntime): void {
  const cmd = program
    .command('copy')
    .summary('copy snapshots from one repository to another')
    .description(DESCRIPTION)
    .argument('[snapshots...]', 'snapshots to copy (default: all that pass the filter)');
  addSnapshotFilterOptions(addFromRepoOptions(cmd, 'to copy snapshots from')).action(
    async (snapshots: string[], flags: FilterFlags & FromRepoFlags, c: Command) =>
      rt.run(c, async (ctx) => {
        const from = await fromRepoOpenOptions(ctx, flags);
        const view = copyEvents(ctx);
        let outcome: CopyOutcome;
        try {
          const req = { from, snapshots, filter: filterFrom(flags) };
          outcome = await copySnapshots(ctx.deps(), await ctx.openOptions(), req, view.events);
        } finally {
          view.done();
        }
        if (ctx.json) ctx.printJSON(copySummaryJSON(outcome));
        else ctx.print(`\n${copySummaryText(outcome)}`);
      }),
  );
}
