/** `cairn run JOB`: one run of a configured job in the foreground (recorded in the history like a scheduled one). */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Trigger } from '../../daemon/index.js';
import { CairnError } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CliRuntime } from '../runtime.js';
import type { DaemonFlags } from './daemon-shared.js';
import { addDaemonOptions, openDaemon } from './daemon-shared.js';

interface RunFlags extends DaemonFlags {
  drill?: boolean;
  /** Set by the daemon for a low-priority job's run (src/daemon/child-run.ts): the run's trigger. */
  asChild?: Trigger;
}

async function runJob(ctx: CommandContext, job: string, flags: RunFlags): Promise<number> {
  // As the daemon's child, the daemon notifies: events and progress go to it over the IPC channel.
  const child = flags.asChild !== undefined && process.send !== undefined;
  const { daemon, events } = await openDaemon(ctx, flags, {
    exclusive: false,
    notify: !child,
    inProcess: child,
  });
  if (child) daemon.subscribe((name, data) => process.send!({ name, data }));
  try {
    if (!(job in daemon.config.jobs)) {
      throw new CairnError(
        'invalid-argument',
        `There is no job "${job}" in ${daemon.configFile} (jobs: ${Object.keys(daemon.config.jobs).join(', ')}).`,
      );
    }
    if (flags.drill === true && !daemon.config.jobs[job]!.drill)
      throw new CairnError('invalid-argument', `The job "${job}" has no drill.`);
    const cancel = (): void => {
      for (const [name] of Object.entries(daemon.config.jobs)) {
        const id = daemon.running(name)?.runId;
        if (id !== undefined) daemon.cancel(id);
      }
    };
    ctx.signal.addEventListener('abort', cancel, { once: true });
    const started = daemon.trigger(job, flags.drill === true ? 'drill' : 'backup', flags.asChild ?? 'manual');
    const runId = await started!;
    if (child) process.send!({ name: 'run-id', data: runId });
    await daemon.idle();
    const run = daemon.runs.get(runId)!;
    if (ctx.json) ctx.printJSON({ ...run, steps: daemon.runs.steps(runId) });
    else ctx.print(`run ${runId} of job ${job}: ${run.outcome}${run.error ? `: ${run.error}` : ''}`);
    if (run.outcome === 'succeeded') return EXIT.ok;
    if (run.outcome === 'partial') return EXIT.sourceErrors;
    return run.outcome === 'cancelled' ? EXIT.interrupted : EXIT.fatal;
  } finally {
    await daemon.stop();
    // The run's notifications (with their retries) are delivered before the command ends.
    await events?.drain();
    await events?.close();
    if (child) process.disconnect();
  }
}

export function registerRun(program: Command, rt: CliRuntime): void {
  addDaemonOptions(program.command('run').description('run one job of the config now, in the foreground'))
    .argument('<job>', 'the job name')
    .option('--drill', "run the job's restore drill instead of its backup")
    .addOption(new Option('--as-child <trigger>').hideHelp())
    .action(async (job: string, flags: RunFlags, cmd: Command) =>
      rt.run(cmd, (ctx) => runJob(ctx, job, flags)),
    );
}
