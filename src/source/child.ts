import { spawn } from 'node:child_process';
import { CairnError, errnoCode } from '../core/index.js';
import type { OpenStream } from './source.js';

/** How a source runs a program (always without a shell). */
export interface ChildOptions {
  signal?: AbortSignal;
  /** The child's whole environment (default: this process's); passwords go here, never into argv. */
  env?: NodeJS.ProcessEnv;
  /**
   * Keep the program's stderr and end a failure's message with its last line (database tools say there why they
   * failed); default: stderr stays visible on ours.
   */
  captureStderr?: boolean;
  /** What the message calls the program (default: `command NAME`). */
  label?: string;
  /** The Debian package to install when the program is missing. */
  packageHint?: string;
}

export interface RunningCommand extends OpenStream {
  /** Ends the command and everything it started (its process group), if it is still running. */
  kill(): void;
}

/**
 * Starts a program; its standard output is the stream to back up. It runs in a process group of its own, so that
 * stopping it also stops what it started: a shell's `sleep` would otherwise outlive the shell and hold the output
 * pipe open. `done` rejects with one sentence when it cannot start, exits non-zero or is killed.
 */
export function startCommand(command: string, args: string[], signalOrOptions?: AbortSignal | ChildOptions): RunningCommand {
  const o: ChildOptions = signalOrOptions instanceof AbortSignal ? { signal: signalOrOptions } : (signalOrOptions ?? {});
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', o.captureStderr === true ? 'pipe' : 'inherit'],
    shell: false,
    detached: true,
    env: o.env ?? process.env,
  });
  const stderr = o.captureStderr === true ? collectTail(child.stderr!) : () => '';
  // Node resumes (and so drops) the unread output of a child that exits unless someone listens for 'readable': keep
  // it buffered until the archiver gets to read it (it reads a few streams at a time); a full pipe makes the child wait.
  child.stdout!.on('readable', () => undefined);
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(startError(command, err, o)));
    child.once('close', (code, sig) => {
      if (code === 0) return resolve();
      reject(new CairnError('fatal', failure(command, o, sig !== null ? `was killed by ${sig}` : `exited with status ${code ?? -1}`, stderr())));
    });
  });
  // The archiver awaits `done`; keep an early rejection from counting as unhandled meanwhile.
  done.catch(() => undefined);
  const kill = (): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
  };
  o.signal?.addEventListener('abort', kill, { once: true });
  if (o.signal?.aborted) kill();
  // Nothing but the reader takes the output (no 'data' listener), and each pipe read is a new buffer.
  return { stream: child.stdout!, done, kill, freshPieces: true };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to its end, feeding it `input` (a stream or text), and returns its status and output. A program
 * that cannot start rejects with one sentence (naming `packageHint` when it is missing).
 */
export function runCommand(
  command: string,
  args: string[],
  o: ChildOptions & { input?: AsyncIterable<Uint8Array> | string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], shell: false, env: o.env ?? process.env, ...(o.signal ? { signal: o.signal } : {}) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', (e) =>
      reject(o.signal?.aborted === true ? new CairnError('interrupted', `${o.label ?? `command ${command}`} was stopped.`) : startError(command, e, o)),
    );
    child.once('close', (code, sig) =>
      resolve({ code: code ?? (sig !== null ? 128 : -1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    // A program that exits before reading all its input closes the pipe: its status tells what went wrong.
    child.stdin.on('error', () => undefined);
    if (o.input === undefined) child.stdin.end();
    else if (typeof o.input === 'string') child.stdin.end(o.input);
    else
      void pipeInto(o.input, child.stdin).catch((e: unknown) => {
        child.kill('SIGTERM');
        reject(e instanceof Error ? e : new Error(String(e)));
      });
  });
}

async function pipeInto(input: AsyncIterable<Uint8Array>, stdin: NodeJS.WritableStream): Promise<void> {
  for await (const piece of input) {
    if (!stdin.write(piece)) await new Promise((r) => stdin.once('drain', r));
  }
  stdin.end();
}

/**
 * The line of a tool's stderr that says why it failed — the last one naming an error (psql adds a hint after it),
 * else the last one — without its `ERROR 1045 (28000):` / `psql: error:` / `FATAL:` prefix.
 */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = lines.findLast((l) => /\b(error|ERROR|FATAL)\b/.test(l)) ?? lines.at(-1) ?? '';
  return line.replace(/^(ERROR \d+ \(\w+\)( at line \d+)?:\s*|[\w-]+: (error: )?)/, '').replace(/^(FATAL|ERROR):\s*/, '');
}

function failure(command: string, o: ChildOptions, what: string, stderr: string): string {
  const line = lastLine(stderr).replace(/\.$/, '');
  return `${o.label ?? `command ${command}`} ${what}${line !== '' ? `: ${line}` : ''}.`;
}

function startError(command: string, err: Error, o: ChildOptions): CairnError {
  const code = errnoCode(err);
  const hint = code === 'ENOENT' && o.packageHint !== undefined ? `; install the Debian package ${o.packageHint}` : '';
  return new CairnError('fatal', `${o.label ?? `command ${command}`} could not be started (${code ?? err.message})${hint}.`, { cause: err });
}

/** Keeps the last 8 KiB a stream produced. */
function collectTail(stream: NodeJS.ReadableStream): () => string {
  let tail = '';
  stream.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-8192)));
  return () => tail;
}
