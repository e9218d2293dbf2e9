/** `cairn serve`: the daemon in the foreground — scheduler, history, HTTP API; SIGHUP reloads, SIGTERM stops. */
import path from 'node:path';
import type { Command } from 'commander';
import { CairnError, errnoCode } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import type { CliRuntime } from '../runtime.js';
import type { DaemonFlags } from './daemon-shared.js';
import { addDaemonOptions, configModule, daemonModule, openDaemon } from './daemon-shared.js';

/** The project's example data (from dist/cli/commands): what the default config backs up without --source. */
const EXAMPLE_DATA = path.resolve(import.meta.dirname, '../../../examples/app-data');

interface ServeFlags extends DaemonFlags {
  source?: string;
  listen?: string;
}

async function serve(ctx: CommandContext, flags: ServeFlags): Promise<number> {
  const { daemon, created, events, logFile } = await openDaemon(ctx, flags, {
    exclusive: true,
    notify: true,
    logFile: true,
    defaultSource: flags.source ?? EXAMPLE_DATA,
  });
  const [{ isLoopbackHost }, { ApiServer, isOpen }] = await Promise.all([configModule(), daemonModule()]);
  const listen = flags.listen ?? daemon.config.server.listen;
  const host = listen.replace(/:\d+$/, '');
  if (host !== '' && !isLoopbackHost(host) && isOpen(daemon.config.server)) {
    await daemon.stop();
    await events?.close();
    throw new CairnError(
      'invalid-argument',
      `Refusing to listen on ${listen} without a login: add server.users (cairn hash-password) or server.tokens to ${daemon.configFile}, or listen on 127.0.0.1.`,
    );
  }
  const server = new ApiServer(daemon);
  let url: string;
  try {
    url = await server.listen(listen);
  } catch (err) {
    await daemon.stop();
    await events?.close();
    logFile?.close();
    if (errnoCode(err) === 'EADDRINUSE' || errnoCode(err) === 'EACCES') {
      throw new CairnError(
        'invalid-argument',
        `Cannot listen on ${listen} (${errnoCode(err)}): another program may use it; set server.listen in ${daemon.configFile} or give --listen.`,
      );
    }
    throw err;
  }
  daemon.advertise(url);
  ctx.print(`cairn serve: ${url}/  (config ${daemon.configFile}, data ${daemon.dataDir})`);
  if (created) {
    ctx.print(
      `wrote the default config ${daemon.configFile}: one job backing up ${daemon.config.jobs.sample?.sources.join(', ')}; edit it and send SIGHUP to reload`,
    );
  }
  // The notifier follows the new config at once, so that a channel file that cannot be read is said now.
  // The log file is reopened first, so that what the reload says lands in the new file.
  const reload = (): void => {
    logFile?.reopen();
    void daemon.reload().then(() => events?.sync());
  };
  process.on('SIGHUP', reload);
  daemon.schedule();
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  process.off('SIGHUP', reload);
  daemon.logger.info('stopping: aborting the running jobs');
  await server.close();
  await daemon.stop();
  await events?.close();
  daemon.logger.info('stopped');
  logFile?.close();
  return 0;
}

export function registerServe(program: Command, rt: CliRuntime): void {
  addDaemonOptions(
    program
      .command('serve')
      .description(
        'run the scheduler daemon with its HTTP API (config: --config, or a default one in the data directory)',
      ),
  )
    .option(
      '--source <dir>',
      "the folder the default config backs up when it is first written (default: the project's examples/app-data)",
    )
    .option('--listen <addr>', 'override server.listen (HOST:PORT; port 0 picks a free one)')
    .action(async (flags: ServeFlags, cmd: Command) => rt.run(cmd, (ctx) => serve(ctx, flags)));
}
