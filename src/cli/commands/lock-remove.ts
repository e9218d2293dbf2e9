/** `cairn unlock [--remove-all]`: remove stale (or all) locks. */
import type { Command } from 'commander';
import { unlockRepository } from '../../app/index.js';
import type { CliRuntime } from '../runtime.js';

export function registerUnlock(program: Command, rt: CliRuntime): void {
  program
    .command('unlock')
    .description('remove stale locks (all locks with --remove-all)')
    .option('--remove-all', 'remove all locks, even those of running processes')
    .action(async (flags: { removeAll?: boolean }, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const n = await unlockRepository(ctx.deps(), await ctx.openOptions(), flags.removeAll === true);
        if (n > 0) ctx.print(`successfully removed ${n} lock${n === 1 ? '' : 's'}`);
        else ctx.print('no locks were removed');
      }),
    );
}
