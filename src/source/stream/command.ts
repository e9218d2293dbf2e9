import { startCommand, type RunningCommand } from '../child.js';
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
