/** `cairn init`: create a repository. */
import type { Command } from 'commander';
import { initRepository } from '../../app/index.js';
import { CairnError } from '../../core/index.js';
import type { FromRepoFlags } from '../global-options.js';
import type { CliRuntime } from '../runtime.js';
import { addFromRepoOptions, fromRepoOpenOptions } from './from-repository.js';

interface InitFlags extends FromRepoFlags {
  copyChunkerParams?: boolean;
  repositoryVersion: string;
}

/** restic's `--repository-version`: 1, 2, 'latest' or 'stable' (both 2 in restic 0.14). */
export function parseRepositoryVersion(text: string): 1 | 2 {
  const t = text.trim();
  if (t === 'latest' || t === 'stable' || t === '2') return 2;
  if (t === '1') return 1;
  if (/^\d+$/.test(t)) {
    throw new CairnError('invalid-argument', `--repository-version ${t}: only repository versions 1 and 2 exist.`);
  }
  throw new CairnError('invalid-argument', `--repository-version "${t}" is not 1, 2, latest or stable.`);
}

export function registerInit(program: Command, rt: CliRuntime): void {
  const cmd = program
    .command('init')
    .description('create a new repository')
    .option(
      '--copy-chunker-params',
      'copy the chunker polynomial from the --from-repo repository (so both deduplicate alike)',
    )
    .option('--repository-version <version>', 'format version: 1 (no compression), 2, latest or stable (= 2)', 'stable');
  addFromRepoOptions(cmd, 'to copy chunker parameters from').action(async (flags: InitFlags, c: Command) =>
    rt.run(c, async (ctx) => {
      const version = parseRepositoryVersion(flags.repositoryVersion);
      const from = flags.copyChunkerParams === true ? await fromRepoOpenOptions(ctx, flags) : undefined;
      const r = await initRepository(ctx.deps(), await ctx.openOptions(), from, version);
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
