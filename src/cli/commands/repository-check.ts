/** `cairn check`: verify the repository (and with --read-data, every byte). */
import type { Command } from 'commander';
import type { CheckOutcome } from '../../app/index.js';
import { runCheck } from '../../app/index.js';
import { CairnError } from '../../core/index.js';
import type { CliRuntime } from '../runtime.js';

/** "snapshot 1a2b3c4d: /path uses damaged data blob … (pack …)", then how many more there are. */
function affectedLines(r: CheckOutcome): string[] {
  const lines = r.affected.map((a) => `snapshot ${a.snapshot.slice(0, 8)}: ${a.path} uses ${a.uses}`);
  const more = r.affectedTotal - r.affected.length;
  if (more > 0) lines.push(`… and ${more} more files or folders of snapshots use damaged or missing data`);
  return lines;
}

export function registerCheck(program: Command, rt: CliRuntime): void {
  program
    .command('check')
    .description('check the repository for errors')
    .option('--read-data', 'read and verify all data blobs')
    .option('--read-data-subset <subset>', "read a subset of packs: 'n/t' (part n of t), 'x%' or a size like 500M (random packs)")
    .option('--with-cache', 'use and refresh the local cache instead of a fresh temporary one')
    .action(async (flags: { readData?: boolean; readDataSubset?: string; withCache?: boolean }, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const req: Parameters<typeof runCheck>[2] = {
          onStep: (m) => {
            if (!ctx.json) ctx.print(m);
          },
        };
        if (flags.readData === true) req.readData = true;
        if (flags.readDataSubset !== undefined) req.readDataSubset = flags.readDataSubset;
        if (flags.withCache === true) req.withCache = true;
        const r = await runCheck(ctx.deps(), await ctx.openOptions(true), req);
        for (const w of r.warnings) ctx.warn(w);
        for (const e of r.errors) ctx.io.stderr.write(`error: ${e}\n`);
        if (ctx.json) {
          ctx.printJSON({
            message_type: 'summary',
            num_errors: r.errors.length,
            broken_packs: r.damagedPacks,
            missing_packs: r.missingPacks,
            affected: r.affected,
            affected_total: r.affectedTotal,
          });
        } else {
          for (const line of affectedLines(r)) ctx.io.stderr.write(`${line}\n`);
          if (r.errors.length === 0) ctx.print('no errors were found');
        }
        if (r.errors.length > 0) {
          const named = (what: string, ids: string[]): string =>
            ids.length > 0 ? `; ${what}: ${ids.map((p) => p.slice(0, 8)).join(', ')}` : '';
          const packs = named('damaged packs', r.damagedPacks) + named('missing packs', r.missingPacks);
          throw new CairnError('check-failed', `the repository contains errors${packs}.`);
        }
      }),
    );
}
