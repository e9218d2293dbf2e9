/** restic's `--from-*` flags: the source repository of `copy` and of `init --copy-chunker-params`. */
import type { Command } from 'commander';
import type { OpenOptions, PasswordSource } from '../../app/index.js';
import { CairnError } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import type { FromRepoFlags } from '../global-options.js';
import { resolveFromRepoSpec } from '../global-options.js';
import { loadPassword, promptHidden, readSecretFile } from '../password.js';

const NO_SOURCE_PASSWORD =
  'no password for the source repository given: use --from-password-file, --from-password-command or the ' +
  'CAIRN_FROM_PASSWORD environment variable.';

export function addFromRepoOptions(cmd: Command, usage: string): Command {
  return cmd
    .option('--from-repo <repository>', `source repository ${usage} (default: $CAIRN_FROM_REPOSITORY)`)
    .option(
      '--from-repository-file <file>',
      'file from which to read the source repository location (default: $CAIRN_FROM_REPOSITORY_FILE)',
    )
    .option(
      '--from-password-file <file>',
      'file to read the source repository password from (default: $CAIRN_FROM_PASSWORD_FILE)',
    )
    .option(
      '--from-password-command <command>',
      'command to obtain the source repository password from (default: $CAIRN_FROM_PASSWORD_COMMAND)',
    )
    .option(
      '--from-key-hint <key>',
      'key id to try first for the source repository (default: $CAIRN_FROM_KEY_HINT)',
    );
}

/** OpenOptions for the source repository; its password is asked on a terminal when none is configured. */
export async function fromRepoOpenOptions(ctx: CommandContext, flags: FromRepoFlags): Promise<OpenOptions> {
  const spec = resolveFromRepoSpec(flags, ctx.io.env);
  const url =
    spec.repository.kind === 'url'
      ? spec.repository.url
      : await readSecretFile(spec.repository.file, 'source repository file');
  const pw = spec.password;
  const { stdin, stderr } = ctx.io;
  const password: PasswordSource = {
    configured: async () => {
      if (pw !== undefined) return loadPassword(pw, ctx.secretContext());
      if (stdin.isTTY) return undefined;
      throw new CairnError('invalid-argument', NO_SOURCE_PASSWORD);
    },
  };
  if (stdin.isTTY) password.ask = () => promptHidden('enter password for source repository: ', stdin, stderr);
  // The source shares the cache folder, --no-lock and --unlock-stale-after with the destination; packing options are the destination's.
  const main = await ctx.openOptions();
  const opts: OpenOptions = { target: { url, isDefault: false }, password, signal: ctx.signal };
  if (spec.keyHint !== undefined) opts.keyHint = spec.keyHint;
  if (main.cacheDir !== undefined) opts.cacheDir = main.cacheDir;
  if (main.noLock === true) opts.noLock = true;
  if (main.unlockStaleAfterMs !== undefined) opts.unlockStaleAfterMs = main.unlockStaleAfterMs;
  return opts;
}
