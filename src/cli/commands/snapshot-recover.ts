/** `cairn recover`: a snapshot of the trees no snapshot references (restic's `recover`). */
import type { Command } from 'commander';
import { recoverTrees } from '../../app/index.js';
import type { CliRuntime } from '../runtime.js';

export function registerRecover(program: Command, rt: CliRuntime): void {
  program
    .command('recover')
    .description('save a new snapshot "/recover" holding every tree that no snapshot references')
    .action(async (_flags: unknown, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const r = await recoverTrees(ctx.deps(), await ctx.openOptions(), ctx.json ? undefined : (m) => ctx.print(m));
        if (ctx.json) {
          ctx.printJSON({ message_type: 'recover', roots: r.roots, ...(r.snapshotId ? { snapshot_id: r.snapshotId } : {}) });
          return;
        }
        if (ctx.verbose > 1) for (const id of r.roots) ctx.print(`found root tree ${id.slice(0, 8)}`);
        ctx.print(`\nfound ${r.roots.length} unreferenced roots`);
        ctx.print(r.snapshotId === undefined ? 'no snapshot to write.' : `saved new snapshot ${r.snapshotId.slice(0, 8)}`);
      }),
    );
}
