/** `cairn hash-password`: the scrypt hash string of a dashboard password, for server.users in cairn.yaml. */
import type { Command } from 'commander';
import { CairnError } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import { promptHidden, readPipedLine } from '../password.js';
import type { CliRuntime } from '../runtime.js';
import { daemonModule } from './daemon-shared.js';

/** Asked twice on a terminal (without echo), else the first line of standard input. */
async function readNewPassword(ctx: CommandContext): Promise<string> {
  const { stdin, stderr } = ctx.io;
  let password: string | undefined;
  if (stdin.isTTY) {
    password = await promptHidden('password for the dashboard user: ', stdin, stderr);
    if ((await promptHidden('the same password again: ', stdin, stderr)) !== password)
      throw new CairnError('invalid-argument', 'The passwords do not match.');
  } else password = await readPipedLine(stdin, ctx.signal);
  if (password === undefined || password === '')
    throw new CairnError('invalid-argument', 'No password given: an empty password is not allowed.');
  return password;
}

export function registerHashPassword(program: Command, rt: CliRuntime): void {
  program
    .command('hash-password')
    .description(
      'print the scrypt hash of a dashboard password for server.users (asked on a terminal, else read from standard input)',
    )
    .action(async (_flags: unknown, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const password = await readNewPassword(ctx);
        ctx.write(`${await (await daemonModule()).hashPassword(password)}\n`);
      }),
    );
}
