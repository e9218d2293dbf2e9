/** `cairn init`: create a repository. */
import type { Command } from 'commander';
import { initRepository } from '../../app/index.js';
import type { FromRepoFlags } from '../global-options.js';
import type { CliRuntime } from '../runtime.js';
import { addFromRepoOptions, fromRepoOpenOptions } from './from-repository.js';

interface InitFlags extends FromRepoFlags {
  copyChunkerParams?: boolean;
}

export function registerInit(program: Command, rt: CliRuntime): void {
  const cmd = program
    .command('init')
    .description('create a new repository')
    .option(
      '--copy-chunker-params',
      'copy the chunker polynomial from the --from-repo repository (so both deduplicate alike)',
    );
  addFromRepoOptions(cmd, 'to copy chunker parameters from').action(async (flags: InitFlags, c: Command) =>
    rt.run(c, async (ctx) => {
      const from = flags.copyChunkerParams === true ? await fromRepoOpenOptions(ctx, flags) : undefined;
      const r = await initRepository(ctx.deps(), await ctx.openOptions(), from);
      if (ctx.json) ctx.printJSON({ message_type: 'initialized', id: r.id, repository: r.location });
      else {
        ctx.print(`created restic repository ${r.id.slice(0, 10)} at ${r.location}`);
        ctx.print(
          '\nPlease note that knowledge of your password is required to access\nthe repository. Losing your password means that your data is\nirrecoverably lost.',
        );
      }
    }),
  );
}
