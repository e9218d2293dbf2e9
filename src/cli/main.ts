/**
 * The command line: restic's verbs and global flags on top of the app's use cases. `main` is what bin/cairn.js
 * calls; `runCli` does everything but exiting, so it can be driven in-process.
 */
import { Command, CommanderError, Option } from 'commander';
import { registerCommands } from './commands/index.js';
import type { CliIO } from './context.js';
import { processIO } from './context.js';
import { EXIT } from './exit-codes.js';
import { CliRuntime, PIPE_CLOSED } from './runtime.js';
import { versionText } from './version.js';

function increase(_: string, previous: number): number {
  return previous + 1;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function buildProgram(rt: CliRuntime): Command {
  const program = new Command('cairn')
    .description("Deduplicated, compressed, encrypted backups in restic's repository format.")
    .option('-r, --repo <url>', 'repository: a path, s3:…, sftp:… or rest:… URL (env CAIRN_REPOSITORY)')
    .option('--repository-file <file>', 'file holding the repository location (env CAIRN_REPOSITORY_FILE)')
    .option('-p, --password-file <file>', 'file holding the password (env CAIRN_PASSWORD_FILE)')
    .option('--password-command <command>', 'program printing the password (env CAIRN_PASSWORD_COMMAND)')
    .option('--cache-dir <dir>', 'metadata cache folder (default $XDG_CACHE_HOME/cairn)')
    .option('--no-cache', 'do not use a local metadata cache')
    .option('-q, --quiet', 'print only results and errors')
    .option('-v, --verbose', 'more output (repeat for even more)', increase, 0)
    .option('--json', 'machine-readable output (JSON, or JSON lines for progress)')
    .option('--no-lock', 'do not lock the repository for read-only commands')
    .option(
      '--unlock-stale-after <duration>',
      "remove other hosts' locks older than this (e.g. 2h) when locking",
    )
    .option('--key-hint <id>', 'key id to try first')
    .option('--pack-size <MiB>', 'target pack size in MiB (default 16)')
    .addOption(new Option('--compression <mode>', 'compression mode').choices(['auto', 'off', 'max']))
    .option('-o, --option <key=value>', 'backend option, e.g. s3.region=eu-west-1 (repeatable)', collect, [])
    .option('--limit-upload <KiB/s>', 'limit uploads to this many KiB per second')
    .option('--limit-download <KiB/s>', 'limit downloads to this many KiB per second')
    .option('--cacert <file>', 'trust only the CA certificates in this PEM file for HTTPS (repeatable)', collect, [])
    .option('--insecure-tls', 'skip TLS certificate verification when connecting to the repository (insecure)')
    .option('--tls-client-cert <file>', 'PEM file with a TLS client certificate and its private key')
    .option('--cleanup-cache', "remove cache folders of repositories not used for 30 days")
    .option('--debug', 'print stack traces of errors')
    .version(versionText(), '--version', 'print the version')
    .showSuggestionAfterError(true);
  program.exitOverride().configureOutput({
    writeOut: (s) => rt.io.stdout.write(s),
    writeErr: (s) => rt.io.stderr.write(s),
  });
  registerCommands(program, rt);
  return program;
}

/**
 * Runs one invocation and returns its exit code; SIGINT/SIGTERM abort the work and give 130. `stop` aborts it too
 * (main's closed pipe), and the exit code is then up to the caller.
 */
export async function runCli(argv: string[], io: CliIO = processIO(), stop?: AbortSignal): Promise<number> {
  const controller = new AbortController();
  const onStop = (): void => controller.abort(stop?.reason);
  stop?.addEventListener('abort', onStop, { once: true });
  const onSignal = (): void => {
    // A second Ctrl-C means "stop now", without waiting for the cleanup.
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
    // Cleanup (releasing the lock, writing the index) gets a bounded time; a hung stream must not keep us alive.
    setTimeout(() => process.exit(EXIT.interrupted), 30_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const rt = new CliRuntime(io, controller.signal);
  try {
    await buildProgram(rt).parseAsync(expandVerbose(argv), { from: 'user' });
    return controller.signal.aborted && rt.exitCode !== EXIT.ok ? EXIT.interrupted : rt.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.fatal;
    rt.report(err, argv.includes('--debug'));
    return EXIT.fatal;
  } finally {
    stop?.removeEventListener('abort', onStop);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * restic's `--verbose=N` as N times `--verbose` (commander counts repeats; an optional value would swallow the
 * next word, as in `-v snapshots`). Words after `--` are left alone.
 */
export function expandVerbose(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return argv.flatMap((a, i) => {
    const m = /^--verbose=(\d+)$/.exec(a);
    return m === null || (end >= 0 && i > end) ? [a] : Array<string>(Number(m[1])).fill('--verbose');
  });
}

function flush(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/**
 * Makes a command that ends without finishing (a promise nobody settles, which is a bug) exit 1 with one sentence
 * instead of silently: the process would otherwise end with 0 (or Node's 13) as soon as nothing is left to wait for.
 * Returns the callback that marks the command finished.
 */
export function reportUnfinished(stderr: NodeJS.WritableStream = process.stderr): () => void {
  let finished = false;
  process.once('exit', (code) => {
    if (finished || (code !== 0 && code !== 13)) return;
    stderr.write(
      'cairn: internal error: the command stopped before it finished (please report this bug); the repository stays ' +
        'valid, but a lock may remain until `cairn unlock` removes it or it goes stale.\n',
    );
    process.exitCode = EXIT.fatal;
  });
  return () => {
    finished = true;
  };
}

export async function main(argv: string[]): Promise<void> {
  const finished = reportUnfinished();
  // Writing into a closed pipe (`cairn ls … | head`) is the reader's choice, not an error: the command stops as on
  // Ctrl-C, so its lock is released, and exits 0.
  const pipeClosed = new AbortController();
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' || pipeClosed.signal.aborted) return;
    pipeClosed.abort(PIPE_CLOSED);
    // A backstop only: should the aborted command never settle, nobody is reading any more, so end after 30 s.
    setTimeout(() => process.exit(EXIT.ok), 30_000).unref();
  });
  const code = await runCli(argv, processIO(), pipeClosed.signal);
  if (pipeClosed.signal.aborted) {
    await flush(process.stderr);
    finished();
    process.exit(EXIT.ok);
  }
  await flush(process.stdout);
  await flush(process.stderr);
  finished();
  process.exit(code);
}
