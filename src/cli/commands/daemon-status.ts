/** `cairn status`: the jobs of the config with their last result and next run, read from the history. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { renderTable } from '../output/table.js';
import type { CliRuntime } from '../runtime.js';
import type { DaemonFlags } from './daemon-shared.js';
import { addDaemonOptions, daemonModule, openDaemon } from './daemon-shared.js';

const when = (iso: string | null): string =>
  iso === null ? '-' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

async function status(ctx: CommandContext, flags: DaemonFlags): Promise<void> {
  const { daemon } = await openDaemon(ctx, flags, { exclusive: false, notify: false });
  const { jobView } = await daemonModule();
  try {
    const jobs = Object.keys(daemon.config.jobs).map((n) => jobView(daemon, n));
    if (ctx.json) return ctx.printJSON(jobs);
    const rows = jobs.map((j) => [
      j.name,
      j.lastRun ? `${j.lastRun.outcome}${j.lastRun.error ? ` (${j.lastRun.error})` : ''}` : 'never run',
      when(j.lastRun?.startedAt ?? null),
      when(j.lastSuccessAt),
      j.running ? 'running' : when(j.nextRunAt),
    ]);
    ctx.write(
      renderTable(
        [
          { title: 'Job' },
          { title: 'Last result' },
          { title: 'Last run' },
          { title: 'Last success' },
          { title: 'Next run' },
        ],
        rows,
      ),
    );
  } finally {
    await daemon.stop();
  }
}

export function registerStatus(program: Command, rt: CliRuntime): void {
  addDaemonOptions(
    program.command('status').description("the config's jobs: last result, last success, next run"),
  ).action(async (flags: DaemonFlags, cmd: Command) => rt.run(cmd, (ctx) => status(ctx, flags)));
}
