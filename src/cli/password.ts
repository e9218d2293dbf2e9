/** Reading secrets: password files, password commands (no shell), and a no-echo terminal prompt. */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { CairnError, errnoCode, throwIfAborted } from '../core/index.js';
import { secretFileText, trimSpace } from '../app/index.js';
import type { PasswordSpec } from './global-options.js';
import { splitCommandLine } from './parse.js';

/** How secrets are fetched: the interrupt signal, the password command's time limit, and where warnings go. */
export interface SecretContext {
  signal?: AbortSignal;
  /** How long a password command may run (default PASSWORD_COMMAND_TIMEOUT_MS). */
  timeoutMs?: number;
  warn?: (message: string) => void;
}

/** Two minutes: time to type a password manager's master password, not to hang a nightly job forever. */
export const PASSWORD_COMMAND_TIMEOUT_MS = 120_000;

export async function readSecretFile(file: string, what: string, ctx: SecretContext = {}): Promise<string> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      // Only password files are secrets; a repository file names where, not how to open.
      const { mode } = await handle.stat();
      if (what.includes('password') && (mode & 0o004) !== 0) {
        ctx.warn?.(`the ${what} ${file} is readable by every user (mode 0${(mode & 0o777).toString(8)}); run chmod 600 ${file}`);
      }
      return secretFileText(await handle.readFile());
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = errnoCode(err);
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable'
          : `cannot be read (${code ?? String(err)})`;
    throw new CairnError('invalid-argument', `The ${what} ${file} ${why}.`, { cause: err });
  }
}

/**
 * Runs a password command without a shell and returns its output without surrounding white space, as restic. It is
 * killed when Cairn is interrupted or exits, and after `timeoutMs` (one sentence says so).
 */
export async function runPasswordCommand(commandLine: string, ctx: SecretContext = {}): Promise<string> {
  const [cmd, ...args] = splitCommandLine(commandLine);
  if (cmd === undefined) throw new CairnError('invalid-argument', 'The password command is empty.');
  throwIfAborted(ctx.signal);
  const timeoutMs = ctx.timeoutMs ?? PASSWORD_COMMAND_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'inherit'], shell: false });
    const out: Buffer[] = [];
    let failure: CairnError | undefined;
    // Settles when the command has ended ('exit', not 'close': a grandchild holding the output pipe must not keep
    // Cairn waiting); one that ignores SIGTERM gets SIGKILL.
    const stop = (why: CairnError): void => {
      if (failure) return;
      failure = why;
      const settle = (): void => {
        done();
        reject(why);
      };
      // It may have ended already, leaving a grandchild on its output.
      if (child.exitCode !== null || child.signalCode !== null) return settle();
      child.once('exit', settle);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    };
    const onAbort = (): void => stop(new CairnError('interrupted', 'Interrupted while the password command ran.'));
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      const seconds = Math.round(timeoutMs / 1000);
      stop(
        new CairnError(
          'invalid-argument',
          `The password command ${cmd} gave no password within ${seconds} s and was stopped (set CAIRN_PASSWORD_COMMAND_TIMEOUT to allow longer).`,
        ),
      );
    }, timeoutMs);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    process.once('exit', killOnExit);
    const done = (): void => {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      process.off('exit', killOnExit);
    };
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.once('error', (err) => {
      done();
      if (failure) return;
      reject(
        new CairnError(
          'invalid-argument',
          `The password command ${cmd} could not be started (${errnoCode(err) ?? err.message}).`,
        ),
      );
    });
    child.once('close', (code) => {
      done();
      if (failure) return;
      if (code === 0) resolve(trimSpace(Buffer.concat(out).toString('utf8')));
      else
        reject(
          new CairnError('invalid-argument', `The password command ${cmd} exited with status ${code ?? -1}.`),
        );
    });
  });
}

export async function loadPassword(spec: PasswordSpec, ctx: SecretContext = {}): Promise<string> {
  let pw: string;
  if (spec.kind === 'file') pw = await readSecretFile(spec.file, 'password file', ctx);
  else if (spec.kind === 'command') pw = await runPasswordCommand(spec.command, ctx);
  else pw = spec.value;
  if (pw === '') throw new CairnError('invalid-argument', `The password from ${spec.source} is empty.`);
  return pw;
}

/**
 * The first line of a piped standard input (without its line end, as Go's line scanner gives restic), or undefined
 * when the input is empty. Ctrl-C stops the wait.
 */
export async function readPipedLine(input: NodeJS.ReadableStream, signal?: AbortSignal): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let seen = false;
  throwIfAborted(signal);
  const aborted = new Promise<never>((_, reject) =>
    signal?.addEventListener('abort', () => reject(new CairnError('interrupted', 'Interrupted while reading the password.')), {
      once: true,
    }),
  );
  aborted.catch(() => undefined);
  const read = (async (): Promise<void> => {
    for await (const chunk of input) {
      seen = true;
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      chunks.push(b);
      if (b.includes(0x0a)) break;
    }
  })();
  await Promise.race([read, aborted]);
  if (!seen) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  const end = text.indexOf('\n');
  return (end < 0 ? text : text.slice(0, end)).replace(/\r$/, '');
}

/** Asks for a secret on the terminal without echoing it; Ctrl-C interrupts. */
export function promptHidden(
  prompt: string,
  input: NodeJS.ReadStream,
  output: NodeJS.WritableStream,
): Promise<string> {
  output.write(prompt);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let buf = '';
    const cleanup = (): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
    };
    const onData = (d: Buffer): void => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          cleanup();
          resolve(buf);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          reject(new CairnError('interrupted', 'Interrupted while asking for the password.'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    input.on('data', onData);
  });
}
