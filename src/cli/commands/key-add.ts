/** `cairn key add`: add a password. */
import type { Command } from 'commander';
import { addKey } from '../../app/index.js';
import type { CliRuntime } from '../runtime.js';

interface KeyAddFlags {
  newPasswordFile?: string;
  host?: string;
  user?: string;
}

export function registerKeyAdd(key: Command, rt: CliRuntime): void {
  key
    .command('add')
    .description('add a new key (password) to the repository')
    .option('--new-password-file <file>', 'file holding the new password')
    .option('--host <hostname>', 'host name recorded in the key')
    .option('--user <username>', 'user name recorded in the key')
    .action(async (flags: KeyAddFlags, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const req: Parameters<typeof addKey>[2] = { newPassword: ctx.fileOrPrompt(flags.newPasswordFile) };
        if (flags.host !== undefined) req.hostname = flags.host;
        if (flags.user !== undefined) req.username = flags.user;
        const id = await addKey(ctx.deps(), await ctx.openOptions(), req);
        if (ctx.json) ctx.printJSON({ message_type: 'key_added', id });
        else ctx.print(`saved new key with ID ${id}`);
      }),
    );
}
