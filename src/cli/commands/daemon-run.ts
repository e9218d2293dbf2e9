/** `cairn run JOB`: one run of a configured job in the foreground (recorded in the history like a scheduled one). */
import type { Command } from 'commander';
import { CairnError } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CliRuntime } from '../runtime.js';
import type { DaemonFlags } from './daemon-shared.js';
import { addDaemonOptions, openDaemon } from './daemon-shared.js';

interface RunFlags extends DaemonFlags {
  drill?: boolean;
}

async function runJob(ctx: CommandContext, job: string, flags: RunFlags): Promise<number> {
  const { daemon, events } = await openDaemon(ctx, flags, { exclusive: false, notify: true });
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
    const started = daemon.trigger(job, flags.drill === true ? 'drill' : 'backup', 'manual');
    const runId = await started!;
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
  }
}

export function registerRun(program: Command, rt: CliRuntime): void {
  addDaemonOptions(program.command('run').description('run one job of the config now, in the foreground'))
    .argument('<job>', 'the job name')
    .option('--drill', "run the job's restore drill instead of its backup")
    .action(async (job: string, flags: RunFlags, cmd: Command) =>
      rt.run(cmd, (ctx) => runJob(ctx, job, flags)),
    );
}
