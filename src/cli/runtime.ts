/** Runs one command action: builds its context, maps errors to one sentence and an exit code. */
import type { Command } from 'commander';
import { CairnError, isCairnError } from '../core/index.js';
import { maskCredentials } from '../util/index.js';
import type { CliIO } from './context.js';
import { CommandContext } from './context.js';
import { EXIT, errorMessage, exitCodeFor } from './exit-codes.js';
import type { GlobalFlags } from './global-options.js';

/** The abort reason when standard output's reader went away (`cairn ls | head`): nothing more to say then. */
export const PIPE_CLOSED = Symbol('pipe closed');

export type CommandBody = (ctx: CommandContext) => Promise<number | void>;

export class CliRuntime {
  exitCode: number = EXIT.ok;

  constructor(
    readonly io: CliIO,
    readonly signal: AbortSignal,
  ) {}

  /** The action wrapper every command uses. */
  async run(cmd: Command, body: CommandBody): Promise<void> {
    const flags = cmd.optsWithGlobals<GlobalFlags>();
    const ctx = new CommandContext(this.io, flags, this.signal, cmd.opts<{ stdin?: boolean }>().stdin === true);
    try {
      const code = await body(ctx);
      ctx.progress().done();
      this.exitCode = code ?? EXIT.ok;
    } catch (err) {
      ctx.progress().done();
      this.exitCode = this.signal.aborted ? EXIT.interrupted : exitCodeFor(err);
      this.report(err, flags.debug === true);
    }
  }

  report(err: unknown, debug: boolean): void {
    if (this.signal.aborted && this.signal.reason === PIPE_CLOSED) return;
    const interrupted = this.signal.aborted && !isCairnError(err, 'interrupted');
    const message = interrupted ? 'interrupted.' : errorMessage(err);
    this.io.stderr.write(`cairn: ${maskCredentials(message)}\n`);
    if (debug && err instanceof Error && err.stack) {
      this.io.stderr.write(`${err.stack}\n`);
      if (err instanceof CairnError && err.cause instanceof Error && err.cause.stack) {
        this.io.stderr.write(`caused by: ${err.cause.stack}\n`);
      }
    }
  }
}
