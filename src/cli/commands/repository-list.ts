/** `cairn list TYPE`: the ids of a repository's objects, as restic lists them. */
import type { Command } from 'commander';
import { listRepository } from '../../app/index.js';
import type { CliRuntime } from '../runtime.js';

export function registerList(program: Command, rt: CliRuntime): void {
  program
    .command('list')
    .description('list object ids of a type: blobs ("TYPE ID" lines), packs, index, snapshots, keys or locks')
    .argument('<type>', 'blobs, packs, index, snapshots, keys or locks')
    .action(async (type: string, _flags: unknown, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        await listRepository(ctx.deps(), await ctx.openOptions(), type, (line) => ctx.write(`${line}\n`));
      }),
    );
}
