/** `cairn cat TYPE [ID]`: print a repository object (documents as JSON, blobs and packs raw). */
import type { Command } from 'commander';
import type { CatType } from '../../app/index.js';
import { CAT_TYPES, catObject } from '../../app/index.js';
import type { CliRuntime } from '../runtime.js';

export function registerCat(program: Command, rt: CliRuntime): void {
  program
    .command('cat')
    .description(`print a repository object: ${CAT_TYPES.join(', ')}`)
    .argument('<type>', CAT_TYPES.join('|'))
    .argument('[id]', 'object id or unique prefix (tree: SNAPSHOT[:PATH])')
    .action(async (type: string, id: string | undefined, _flags: unknown, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const out = await catObject(ctx.deps(), await ctx.openOptions(), type as CatType, id);
        ctx.write(out.data);
      }),
    );
}
