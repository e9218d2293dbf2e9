/** `cairn key remove ID`: remove a password (not the one in use). */
import type { Command } from 'commander';
import { removeKey } from '../../app/index.js';
import type { CliRuntime } from '../runtime.js';

export function registerKeyRemove(key: Command, rt: CliRuntime): void {
  key
    .command('remove')
    .description('remove a key (not the one in use)')
    .argument('<id>', 'key id or unique prefix')
    .action(async (id: string, _flags: unknown, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const removed = await removeKey(ctx.deps(), await ctx.openOptions(), id);
        ctx.print(`removed key ${removed}`);
      }),
    );
}
