/**
 * `cairn run JOB`: one run of a configured job in the foreground (recorded in the history like a scheduled one).
 * With `cairn serve` on the data directory the daemon runs it (daemon-run-remote.ts); without, this command holds
 * the data directory's lock for the run's length.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Run } from '../../api/index.js';
import type { CairnConfig } from '../../config/index.js';
import { CairnError } from '../../core/index.js';
import type { LockHolder, Trigger } from '../../daemon/index.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CliRuntime } from '../runtime.js';
import type { DaemonFlags } from './daemon-shared.js';
import { addDaemonOptions, configOf, daemonModule, dataDirOf, openDaemon } from './daemon-shared.js';
import { runThroughDaemon } from './daemon-run-remote.js';

interface RunFlags extends DaemonFlags {
  drill?: boolean;
  /** Set by the daemon for a low-priority job's run (src/daemon/child-run.ts): the run's trigger. */
  asChild?: Trigger;
}

/** succeeded 0, partial 3 (a destination failed), cancelled 130, else 1. */
function exitOf(outcome: Run['outcome']): number {
  if (outcome === 'succeeded') return EXIT.ok;
  if (outcome === 'partial') return EXIT.sourceErrors;
  return outcome === 'cancelled' ? EXIT.interrupted : EXIT.fatal;
}

function report(ctx: CommandContext, job: string, run: Run, steps: Run[]): number {
  if (ctx.json) ctx.printJSON({ ...run, steps });
  else ctx.print(`run ${run.id} of job ${job}: ${run.outcome}${run.error ? `: ${run.error}` : ''}`);
  return exitOf(run.outcome);
}

function checkJob(config: CairnConfig, file: string, job: string, drill: boolean): void {
  if (!(job in config.jobs)) {
    throw new CairnError(
      'invalid-argument',
      `There is no job "${job}" in ${file} (jobs: ${Object.keys(config.jobs).join(', ')}).`,
    );
  }
  if (drill && !config.jobs[job]!.drill)
    throw new CairnError('invalid-argument', `The job "${job}" has no drill.`);
}

/** The `cairn serve` that holds the data directory, once it says where it listens (it may be starting). */
async function servingDaemon(dataDir: string): Promise<(LockHolder & { url: string }) | undefined> {
  const { PidLock } = await daemonModule();
  const deadline = Date.now() + 15_000;
  for (;;) {
    const h = PidLock.holder(dataDir);
    if (h?.role !== 'serve') return undefined;
    if (h.url !== undefined) return { ...h, url: h.url };
    if (Date.now() > deadline)
      throw new CairnError(
        'lock-failed',
        `cairn serve (pid ${h.pid}) holds the data directory ${dataDir} but has not said where it listens.`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runJob(ctx: CommandContext, job: string, flags: RunFlags): Promise<number> {
  // As the daemon's child, the daemon notifies: events and progress go to it over the IPC channel.
  const child = flags.asChild !== undefined && process.send !== undefined;
  if (!child) {
    // With a daemon on the data directory, the job is its to run: asked through the API, never beside it.
    const { file, config } = await configOf(ctx, flags);
    checkJob(config, file, job, flags.drill === true);
    const serving = await servingDaemon(config.data_dir ?? dataDirOf(ctx, flags));
    if (serving !== undefined) {
      const run = await runThroughDaemon(ctx, config, job, flags.drill === true ? 'drill' : 'backup', serving);
      return report(ctx, job, run, run.steps);
    }
  }
  // Without one, this run holds the data directory's lock while it lasts: a daemon starting meanwhile waits.
  const { daemon, events } = await openDaemon(ctx, flags, {
    exclusive: !child,
    notify: !child,
    inProcess: child,
    role: 'run',
  });
  if (child) daemon.subscribe((name, data) => process.send!({ name, data }));
  try {
    checkJob(daemon.config, daemon.configFile, job, flags.drill === true);
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
    return report(ctx, job, daemon.runs.get(runId)!, daemon.runs.steps(runId));
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
