/** What `serve`, `run` and `status` share: finding the config and the data directory, opening the daemon. */
import path from 'node:path';
import type { CairnConfig, LoadedConfig } from '../../config/index.js';
import { loadConfig } from '../../config/index.js';
import { Daemon, EventNotifier, createLogger, ensureDefaultConfig } from '../../daemon/index.js';
import type { Logger } from '../../daemon/index.js';
import { defaultLocations } from '../../app/index.js';
import type { CommandContext } from '../context.js';

export interface DaemonFlags {
  config?: string;
  dataDir?: string;
}

export function addDaemonOptions<T extends { option(flags: string, description: string): T }>(cmd: T): T {
  return cmd
    .option(
      '--config <file>',
      'the config file (env CAIRN_CONFIG; default: cairn.yaml in the data directory)',
    )
    .option(
      '--data-dir <dir>',
      'history, lock and caches (env CAIRN_DATA_DIR; default $XDG_DATA_HOME/cairn/daemon)',
    );
}

export function dataDirOf(ctx: CommandContext, flags: DaemonFlags): string {
  const env = ctx.io.env.CAIRN_DATA_DIR;
  if (flags.dataDir !== undefined) return path.resolve(flags.dataDir);
  if (env !== undefined && env !== '') return path.resolve(env);
  return path.join(path.dirname(defaultLocations(ctx.io.env, ctx.io.home).repository), 'daemon');
}

/**
 * The config to use: --config / CAIRN_CONFIG, else `cairn.yaml` in the data directory, which is written with the
 * embedded default (backing up `defaultSource`) when it does not exist and a default source is given.
 */
export async function configOf(
  ctx: CommandContext,
  flags: DaemonFlags,
  defaultSource?: string,
): Promise<LoadedConfig & { created: boolean }> {
  const given = flags.config ?? (ctx.io.env.CAIRN_CONFIG || undefined);
  if (given !== undefined) return { ...(await loadConfig(given, ctx.io.env)), created: false };
  const file = path.join(dataDirOf(ctx, flags), 'cairn.yaml');
  let created = false;
  if (defaultSource !== undefined) {
    const d = defaultLocations(ctx.io.env, ctx.io.home);
    created = await ensureDefaultConfig(file, {
      source: path.resolve(defaultSource),
      repository: d.repository,
      passwordFile: d.passwordFile,
      listen: '127.0.0.1:8420',
    });
  }
  return { ...(await loadConfig(file, ctx.io.env)), created };
}

export function daemonLogger(ctx: CommandContext, level: string): Logger {
  return createLogger(ctx.quiet ? 'warn' : level, ctx.io.stderr);
}

/**
 * Opens the daemon on the config. With `notify` (`serve` and `run`), its events also go to the notification channels
 * of the `notifications` section (`events`: the caller syncs it after a reload, drains and closes it at the end); a
 * channel whose file cannot be read stops the start with one sentence.
 */
export async function openDaemon(
  ctx: CommandContext,
  flags: DaemonFlags,
  opts: { exclusive: boolean; notify: boolean; defaultSource?: string; inProcess?: boolean },
): Promise<{ daemon: Daemon; created: boolean; events?: EventNotifier }> {
  const loaded = await configOf(ctx, flags, opts.defaultSource);
  const logger = daemonLogger(ctx, loaded.config.log.level);
  // `config()` is read only once events flow, when `daemon` exists; it changes on SIGHUP.
  const events: EventNotifier | undefined = opts.notify
    ? new EventNotifier({ config: (): CairnConfig => daemon.config, logger })
    : undefined;
  const daemon: Daemon = new Daemon({
    loaded,
    dataDir: dataDirOf(ctx, flags),
    logger,
    env: ctx.io.env,
    ...(opts.inProcess ? { inProcess: true } : {}),
    ...(events ? { onEvent: events.handle } : {}),
  });
  await events?.open();
  try {
    daemon.open({ exclusive: opts.exclusive });
  } catch (err) {
    await events?.close();
    throw err;
  }
  return { daemon, created: loaded.created, ...(events ? { events } : {}) };
}
