/** Per-invocation state of the CLI: streams, environment, global flags, the interrupt signal, and app wiring. */
import os from 'node:os';
import type { AppDeps, OpenOptions, PasswordSource, RepositoryTarget } from '../app/index.js';
import { defaultLocations } from '../app/index.js';
import type { BackendContext, LimitOptions } from '../registry.js';
import { openBackend, openSource } from '../registry.js';
import type { Clock } from '../util/index.js';
import { systemClock } from '../util/index.js';
import type { Env, GlobalFlags } from './global-options.js';
import {
  parseBackendOptions,
  parseDuration,
  parseRateLimit,
  resolveCacheDir,
  resolvePasswordSpec,
  resolveRepositorySpec,
} from './global-options.js';
import { jsonLine } from './output/json.js';
import { ProgressView } from './output/progress.js';
import { parseCompression, parsePackSize } from './parse.js';
import type { SecretContext } from './password.js';
import {
  loadPassword,
  PASSWORD_COMMAND_TIMEOUT_MS,
  promptHidden,
  readPipedLine,
  readSecretFile,
} from './password.js';

export interface CliIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: Env;
  home: string;
  clock: Clock;
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    home: os.homedir(),
    clock: systemClock,
  };
}

function currentUser(env: Env): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry for this uid (containers): fall back to the environment.
    return env.USER ?? env.LOGNAME ?? '';
  }
}

export class CommandContext {
  private progressView: ProgressView | undefined;
  private toldDefault = false;

  constructor(
    readonly io: CliIO,
    readonly flags: GlobalFlags,
    readonly signal: AbortSignal,
    /** Whether standard input is the command's data (`backup --stdin`), so never a password. */
    readonly stdinIsData = false,
  ) {}

  get json(): boolean {
    return this.flags.json === true;
  }
  get quiet(): boolean {
    return this.flags.quiet === true;
  }
  get verbose(): number {
    return this.flags.verbose ?? 0;
  }

  /** Normal output on stdout (suppressed by --quiet). */
  print(text: string): void {
    if (!this.quiet) this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
  /** Results that --quiet must not hide (JSON, dumps, listings). */
  write(text: string | Uint8Array): void {
    this.io.stdout.write(text);
  }
  printJSON(value: unknown): void {
    this.io.stdout.write(jsonLine(value));
  }
  warn(message: string): void {
    this.progress().warn(message);
  }

  progress(): ProgressView {
    this.progressView ??= new ProgressView(this.io, {
      json: this.json,
      quiet: this.quiet,
      verbose: this.verbose,
      tty: this.io.stderr.isTTY === true,
      now: () => this.io.clock.now(),
    });
    return this.progressView;
  }

  deps(): AppDeps {
    const deps: AppDeps = {
      openBackend: (url) => openBackend(url, this.backendContext(url)),
      openSource,
      clock: this.io.clock,
      hostname: os.hostname(),
      username: currentUser(this.io.env),
      warn: (m) => this.warn(m),
    };
    if (process.getuid) deps.uid = process.getuid();
    if (process.getgid) deps.gid = process.getgid();
    return deps;
  }

  /**
   * `-o` options, rate limits and the environment for the repository's backend. With the repository's `url`, an
   * option meant for another kind of repository (`s3.region` for a local one) is left out with a warning: restic
   * ignores those, so shared scripts and environments pass them.
   */
  backendContext(url?: string): BackendContext {
    const limits: LimitOptions = {};
    const up = parseRateLimit(this.flags.limitUpload, '--limit-upload');
    const down = parseRateLimit(this.flags.limitDownload, '--limit-download');
    if (up !== undefined) limits.uploadBytesPerSecond = up;
    if (down !== undefined) limits.downloadBytesPerSecond = down;
    return {
      options: url === undefined ? parseBackendOptions(this.flags.option) : this.optionsFor(url),
      limits,
      env: this.io.env,
      tls: {
        ...(this.flags.cacert !== undefined && this.flags.cacert.length > 0 ? { caCertFiles: this.flags.cacert } : {}),
        ...(this.flags.insecureTls === true ? { insecure: true } : {}),
        ...(this.flags.tlsClientCert !== undefined ? { clientCertFile: this.flags.tlsClientCert } : {}),
      },
      ...(this.io.stdin.isTTY ? { askPassphrase: (prompt: string) => promptHidden(prompt, this.io.stdin, this.io.stderr) } : {}),
      // Retries are normal on a flaky network; they are shown with -v, and the final failure is one sentence.
      onRetry: (r) => {
        if (this.verbose < 1) return;
        const reason = r.error instanceof Error ? r.error.message.replace(/\.$/, '') : String(r.error);
        const wait = (r.delayMs / 1000).toFixed(1);
        this.warn(
          `${r.operation} failed (${reason}); retrying in ${wait} s (attempt ${r.attempt + 1} of ${r.attempts})`,
        );
      },
    };
  }

  private optionsFor(url: string): Record<string, string> {
    const scheme = /^([a-z][a-z0-9]*):(?!\\)/i.exec(url)?.[1]?.toLowerCase() ?? 'local';
    const options = parseBackendOptions(this.flags.option);
    for (const key of Object.keys(options)) {
      if (key.split('.')[0]?.toLowerCase() === scheme) continue;
      this.warn(`option -o ${key} is not for this repository (${scheme}) and is ignored`);
      delete options[key];
    }
    return options;
  }

  /** What reading a secret needs: the interrupt, the password command's time limit, the warning sink. */
  secretContext(): SecretContext {
    const raw = this.io.env.CAIRN_PASSWORD_COMMAND_TIMEOUT;
    const timeoutMs =
      raw === undefined || raw === ''
        ? PASSWORD_COMMAND_TIMEOUT_MS
        : parseDuration(raw, 'CAIRN_PASSWORD_COMMAND_TIMEOUT');
    return { signal: this.signal, timeoutMs, warn: (m) => this.warn(m) };
  }

  /** The password from flags or environment, with a terminal prompt as the last resort. */
  passwordSource(): PasswordSource {
    const spec = resolvePasswordSpec(this.flags, this.io.env);
    const src: PasswordSource = {
      configured: async () => (spec ? loadPassword(spec, this.secretContext()) : undefined),
    };
    if (this.io.stdin.isTTY) src.ask = (prompt) => promptHidden(prompt, this.io.stdin, this.io.stderr);
    else if (!this.stdinIsData) src.piped = () => readPipedLine(this.io.stdin, this.signal);
    return src;
  }

  /** A password given in a file by a command flag (`--new-password-file`), else the prompt. */
  fileOrPrompt(file: string | undefined): PasswordSource {
    const src: PasswordSource = {
      configured: async () =>
        file === undefined ? undefined : readSecretFile(file, 'new password file', this.secretContext()),
    };
    if (this.io.stdin.isTTY) src.ask = (prompt) => promptHidden(prompt, this.io.stdin, this.io.stderr);
    return src;
  }

  async target(): Promise<RepositoryTarget> {
    const spec = resolveRepositorySpec(this.flags, this.io.env);
    if (spec.kind === 'url') return { url: spec.url, isDefault: false };
    if (spec.kind === 'file')
      return { url: await readSecretFile(spec.file, 'repository file'), isDefault: false };
    const d = defaultLocations(this.io.env, this.io.home);
    // restic stops here ("Please specify repository location"); Cairn has a default, and says which one it takes.
    if (!this.quiet && !this.toldDefault) {
      this.toldDefault = true;
      this.io.stderr.write(
        `using the default repository ${d.repository} (choose another with -r or CAIRN_REPOSITORY)\n`,
      );
    }
    return { url: d.repository, isDefault: true, passwordFile: d.passwordFile };
  }

  /** The metadata cache folder (`--cache-dir`, the environment, the default), undefined with `--no-cache`. */
  cacheDir(): string | undefined {
    return resolveCacheDir(this.flags, this.io.env, defaultLocations(this.io.env, this.io.home).cacheDir);
  }

  async openOptions(withProgress = false): Promise<OpenOptions> {
    const f = this.flags;
    const opts: OpenOptions = {
      target: await this.target(),
      password: this.passwordSource(),
      signal: this.signal,
    };
    const cacheDir = this.cacheDir();
    if (cacheDir !== undefined) opts.cacheDir = cacheDir;
    if (f.cleanupCache === true) opts.cleanupCache = true;
    const env = (name: string): string | undefined =>
      this.io.env[`CAIRN_${name}`] || this.io.env[`RESTIC_${name}`] || undefined;
    const keyHint = f.keyHint ?? env('KEY_HINT');
    const packSize = f.packSize ?? env('PACK_SIZE');
    const compression = f.compression ?? env('COMPRESSION');
    if (keyHint !== undefined) opts.keyHint = keyHint;
    if (packSize !== undefined) opts.packSize = parsePackSize(packSize);
    if (compression !== undefined) opts.compression = parseCompression(compression);
    if (f.lock === false) opts.noLock = true;
    if (f.unlockStaleAfter !== undefined) {
      opts.unlockStaleAfterMs = parseDuration(f.unlockStaleAfter, '--unlock-stale-after');
    }
    if (withProgress) {
      opts.onProgress = this.progress().listener;
      if (!this.progress().showsStatus) opts.progressStatus = false;
    } else {
      opts.onProgress = (e) => {
        if (e.kind === 'warning' || e.kind === 'source-error') this.progress().listener(e);
      };
    }
    return opts;
  }
}
