/** `cairn key passwd`: change the password of the key in use. */
import type { Command } from 'commander';
import { changePassword } from '../../app/index.js';
import type { CliRuntime } from '../runtime.js';

export function registerKeyPasswd(key: Command, rt: CliRuntime): void {
  key
    .command('passwd')
    .description('change the password of the key in use')
    .option('--new-password-file <file>', 'file holding the new password')
    .action(async (flags: { newPasswordFile?: string }, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const id = await changePassword(ctx.deps(), await ctx.openOptions(), {
          newPassword: ctx.fileOrPrompt(flags.newPasswordFile),
        });
        ctx.print(`saved new key as ${id}`);
      }),
    );
}
