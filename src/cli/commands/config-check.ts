/** `cairn config check FILE`: validates a config file without starting anything. */
import type { Command } from 'commander';
import type { CliRuntime } from '../runtime.js';
import { configModule } from './daemon-shared.js';

export function registerConfig(program: Command, rt: CliRuntime): void {
  const config = program.command('config').description('work with the config file of `cairn serve`');
  config
    .command('check')
    .description('validate a config file: every problem is listed with its line and key')
    .argument('<file>', 'the config file (cairn.yaml)')
    .action(async (file: string, _flags: unknown, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const { config: c } = await (await configModule()).loadConfig(file, ctx.io.env);
        const jobs = Object.keys(c.jobs);
        ctx.print(
          `${file}: valid (${Object.keys(c.repositories).length} repositories, ${jobs.length} jobs: ${jobs.join(', ')})`,
        );
      }),
    );
}
