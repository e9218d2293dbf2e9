/** `cairn init`: create a repository. */
import type { Command } from 'commander';
import type { OpenOptions } from '../../app/index.js';
import { initRepository } from '../../app/index.js';
import { CairnError } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import { loadPassword } from '../password.js';
import type { CliRuntime } from '../runtime.js';

interface InitFlags {
  copyChunkerParams?: boolean;
  fromRepo?: string;
  fromPasswordFile?: string;
}

async function fromRepoOptions(ctx: CommandContext, flags: InitFlags): Promise<OpenOptions | undefined> {
  if (flags.copyChunkerParams !== true) return undefined;
  if (flags.fromRepo === undefined) {
    throw new CairnError('invalid-argument', '--copy-chunker-params needs --from-repo.');
  }
  const main = await ctx.openOptions();
  const fromFile = flags.fromPasswordFile;
  return {
    target: { url: flags.fromRepo, isDefault: false },
    // Without --from-password-file the other repository is assumed to share this one's password.
    password:
      fromFile === undefined
        ? main.password
        : {
            configured: () => loadPassword({ kind: 'file', file: fromFile, source: '--from-password-file' }),
          },
    signal: ctx.signal,
  };
}

export function registerInit(program: Command, rt: CliRuntime): void {
  program
    .command('init')
    .description('create a new repository')
    .option(
      '--copy-chunker-params',
      'copy the chunker polynomial from --from-repo (so both deduplicate alike)',
    )
    .option('--from-repo <url>', 'the repository to copy chunker parameters from')
    .option('--from-password-file <file>', 'password file of --from-repo')
    .action(async (flags: InitFlags, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const from = await fromRepoOptions(ctx, flags);
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
