/** What `serve`, `run` and `status` share: finding the config and the data directory, opening the daemon. */
import fs from 'node:fs';
import path from 'node:path';
import type { CairnConfig, LoadedConfig } from '../../config/index.js';
import type * as ConfigModule from '../../config/index.js';
import type { Daemon, EventNotifier, RotatingLogFile } from '../../daemon/index.js';
import type * as DaemonModule from '../../daemon/index.js';
import { defaultLocations } from '../../app/index.js';
import { CairnError, errnoCode, parseSize } from '../../core/index.js';
import type { CommandContext } from '../context.js';

/**
 * The daemon and the config loader, imported only by the commands that use them: with pino, yaml, zod and nodemailer
 * they are about half of the CLI's modules, which every other command (a backup) would load for nothing.
 */
export const daemonModule = async (): Promise<typeof DaemonModule> => import('../../daemon/index.js');
export const configModule = async (): Promise<typeof ConfigModule> => import('../../config/index.js');

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
  const { loadConfig } = await configModule();
  const given = flags.config ?? (ctx.io.env.CAIRN_CONFIG || undefined);
  if (given !== undefined) return { ...(await loadConfig(given, ctx.io.env)), created: false };
  const file = path.join(dataDirOf(ctx, flags), 'cairn.yaml');
  let created = false;
  if (defaultSource !== undefined) {
    const d = defaultLocations(ctx.io.env, ctx.io.home);
    created = await (await daemonModule()).ensureDefaultConfig(file, {
      source: path.resolve(defaultSource),
      repository: d.repository,
      passwordFile: d.passwordFile,
      listen: '127.0.0.1:8420',
    });
  }
  return { ...(await loadConfig(file, ctx.io.env)), created };
}

/** `log.file` of the config, opened (its folder created) for `cairn serve`; undefined without one. */
function openLogFile(config: CairnConfig, mod: typeof DaemonModule): RotatingLogFile | undefined {
  const { file, max_size, keep } = config.log;
  if (file === undefined) return undefined;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return new mod.RotatingLogFile(file, parseSize(max_size), keep);
  } catch (err) {
    throw new CairnError(
      'invalid-argument',
      `The log file ${file} cannot be opened (${errnoCode(err) ?? String(err)}); fix log.file or its folder's permissions.`,
    );
  }
}

/**
 * Opens the daemon on the config. With `notify` (`serve` and `run`), its events also go to the notification channels
 * of the `notifications` section (`events`: the caller syncs it after a reload, drains and closes it at the end); a
 * channel whose file cannot be read stops the start with one sentence.
 */
export async function openDaemon(
  ctx: CommandContext,
  flags: DaemonFlags,
  opts: {
    exclusive: boolean;
    notify: boolean;
    defaultSource?: string;
    inProcess?: boolean;
    logFile?: boolean;
    /** With `exclusive`: who holds the lock (`run`: a `cairn run` without a daemon). */
    role?: 'serve' | 'run';
  },
): Promise<{ daemon: Daemon; created: boolean; events?: EventNotifier; logFile?: RotatingLogFile }> {
  const loaded = await configOf(ctx, flags, opts.defaultSource);
  const mod = await daemonModule();
  const { Daemon, EventNotifier, createLogger } = mod;
  // Only the serving daemon writes `log.file`: a foreground `cairn run` logs to the terminal it was started from.
  const logFile = opts.logFile === true ? openLogFile(loaded.config, mod) : undefined;
  const logger = createLogger(ctx.quiet ? 'warn' : loaded.config.log.level, logFile ?? ctx.io.stderr);
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
    daemon.open({ exclusive: opts.exclusive, ...(opts.role ? { role: opts.role } : {}) });
  } catch (err) {
    await events?.close();
    logFile?.close();
    throw err;
  }
  return { daemon, created: loaded.created, ...(events ? { events } : {}), ...(logFile ? { logFile } : {}) };
}
