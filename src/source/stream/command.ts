import { spawn } from 'node:child_process';
import { CairnError, errnoCode } from '../../core/index.js';
import type { OpenStream } from '../source.js';
import type { CommandSpec } from '../spec.js';
import { StreamSource } from './stream-source.js';

/** `backup --stdin-from-command`: one file node holding the program's standard output. */
export function commandSource(spec: CommandSpec): StreamSource {
  let running: RunningCommand | undefined;
  return new StreamSource(
    spec.filename,
    (signal) => (running = startCommand(spec.command, spec.args, signal)),
    () => running?.kill(),
  );
}

export interface RunningCommand extends OpenStream {
  /** Ends the command and everything it started (its process group), if it is still running. */
  kill(): void;
}

/**
 * Starts a program without a shell; its standard output is the stream to back up, its stderr stays visible. It runs
 * in a process group of its own, so that stopping it also stops what it started: a shell's `sleep` would otherwise
 * outlive the shell and hold the output pipe open.
 */
export function startCommand(command: string, args: string[], signal?: AbortSignal): RunningCommand {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], shell: false, detached: true });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) =>
      reject(new CairnError('fatal', `command ${command} could not be started (${errnoCode(err) ?? err.message}).`, { cause: err })),
    );
    child.once('close', (code, sig) => {
      if (code === 0) resolve();
      else if (sig !== null) reject(new CairnError('fatal', `command ${command} was killed by ${sig}.`));
      else reject(new CairnError('fatal', `command ${command} exited with status ${code ?? -1}.`));
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
  signal?.addEventListener('abort', kill, { once: true });
  if (signal?.aborted) kill();
  return { stream: child.stdout, done, kill };
}
