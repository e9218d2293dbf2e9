/** `cairn version`. */
import type { Command } from 'commander';
import type { CliRuntime } from '../runtime.js';
import { VERSION, versionText } from '../version.js';

export function registerVersion(program: Command, rt: CliRuntime): void {
  program
    .command('version')
    .description('print version information')
    .action(async (_flags: unknown, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        if (ctx.json) {
          ctx.printJSON({
            message_type: 'version',
            version: VERSION,
            node_version: process.version,
            os: process.platform,
            arch: process.arch,
          });
        } else ctx.write(`${versionText()}\n`);
      }),
    );
}
