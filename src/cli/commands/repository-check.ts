/** `cairn check`: verify the repository (and with --read-data, every byte). */
import type { Command } from 'commander';
import { runCheck } from '../../app/index.js';
import { CairnError } from '../../core/index.js';
import type { CliRuntime } from '../runtime.js';

export function registerCheck(program: Command, rt: CliRuntime): void {
  program
    .command('check')
    .description('check the repository for errors')
    .option('--read-data', 'read and verify all data blobs')
    .option('--read-data-subset <subset>', 'read a subset of packs: n/t or x%')
    .action(async (flags: { readData?: boolean; readDataSubset?: string }, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const req: Parameters<typeof runCheck>[2] = {
          onStep: (m) => {
            if (!ctx.json) ctx.print(m);
          },
        };
        if (flags.readData === true) req.readData = true;
        if (flags.readDataSubset !== undefined) req.readDataSubset = flags.readDataSubset;
        const r = await runCheck(ctx.deps(), await ctx.openOptions(true), req);
        for (const w of r.warnings) ctx.warn(w);
        for (const e of r.errors) ctx.io.stderr.write(`error: ${e}\n`);
        if (ctx.json) {
          ctx.printJSON({
            message_type: 'summary',
            num_errors: r.errors.length,
            broken_packs: r.damagedPacks,
          });
        } else if (r.errors.length === 0) ctx.print('no errors were found');
        if (r.errors.length > 0) {
          const packs =
            r.damagedPacks.length > 0
              ? `; damaged packs: ${r.damagedPacks.map((p) => p.slice(0, 8)).join(', ')}`
              : '';
          throw new CairnError('check-failed', `the repository contains errors${packs}.`);
        }
      }),
    );
}
