/** What `serve`, `run` and `status` share: finding the config and the data directory, opening the daemon. */
import path from 'node:path';
import type { DaemonEvent } from '../../api/index.js';
import type { CairnConfig, LoadedConfig } from '../../config/index.js';
import { loadConfig } from '../../config/index.js';
import { Daemon, createLogger, ensureDefaultConfig } from '../../daemon/index.js';
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
 * Where the daemon's events go besides its log and SSE (`serve` and `run` alike): the notifier (src/notify) plugs
 * in here, reading the `notifications` section of the current config (`config()` changes on SIGHUP).
 */
function eventSink(config: () => CairnConfig, logger: Logger): ((event: DaemonEvent) => void) | undefined {
  void config;
  void logger;
  return undefined;
}

export async function openDaemon(
  ctx: CommandContext,
  flags: DaemonFlags,
  exclusive: boolean,
  defaultSource?: string,
): Promise<{ daemon: Daemon; created: boolean }> {
  const loaded = await configOf(ctx, flags, defaultSource);
  const logger = daemonLogger(ctx, loaded.config.log.level);
  // Called only once events flow, when `daemon` exists.
  const onEvent = eventSink(() => daemon.config, logger);
  const daemon = new Daemon({
    loaded,
    dataDir: dataDirOf(ctx, flags),
    logger,
    env: ctx.io.env,
    ...(onEvent ? { onEvent } : {}),
  });
  daemon.open({ exclusive });
  return { daemon, created: loaded.created };
}
