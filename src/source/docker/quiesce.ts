import { CairnError } from '../../core/index.js';
import type { ContainerSummary, DockerClient } from './client.js';

/** A container with this label set to `true` is stopped while a volume it uses is backed up or restored. */
export const STOP_LABEL = 'cairn.stop-during-backup';

/** Containers stopped for a backup or restore, to be started again whatever happens. */
export class StoppedContainers {
  private pending: ContainerSummary[] = [];

  constructor(private readonly client: DockerClient) {}

  /**
   * Stops the running containers that use any of `volumes`: all of them when `all`, otherwise those labelled
   * `cairn.stop-during-backup=true`. A container counts as stopped before its stop is asked for, so that an
   * interrupted stop is still undone by `startAgain`.
   */
  async stopUsers(volumes: readonly string[], all: boolean, signal?: AbortSignal): Promise<void> {
    const seen = new Set(this.pending.map((c) => c.Id));
    for (const volume of volumes) {
      for (const c of await this.client.containersUsingVolume(volume, signal)) {
        if (c.State !== 'running' || seen.has(c.Id)) continue;
        if (!all && c.Labels?.[STOP_LABEL] !== 'true') continue;
        seen.add(c.Id);
        this.pending.push(c);
        await this.client.stopContainer(c.Id, 10, signal);
      }
    }
  }

  /**
   * Runs `work` (which stops containers with `stopUsers`), then `cleanup`, then always starts the stopped containers
   * again. When `work` failed and a container does not start either, the error tells both: why it failed, then which
   * container is left stopped. The names of the containers stopped.
   */
  async around(work: () => Promise<void>, cleanup?: () => Promise<void>): Promise<string[]> {
    let failure: Error | undefined;
    try {
      await work();
    } catch (err) {
      failure = err instanceof Error ? err : new CairnError('fatal', 'The restore failed.', { cause: err });
    }
    const names = this.names;
    await cleanup?.();
    try {
      await this.startAgain();
    } catch (err) {
      const restart =
        err instanceof Error ? err : new CairnError('fatal', 'A container could not be started again.', { cause: err });
      failure =
        failure === undefined
          ? restart
          : new CairnError('fatal', `${failure.message} ${restart.message}`, { cause: failure });
    }
    if (failure !== undefined) throw failure;
    return names;
  }

  /** The names of the containers stopped so far. */
  get names(): string[] {
    return this.pending.map(containerName);
  }

  /**
   * Starts every stopped container again (last stopped first), also when an earlier one fails; safe to call twice.
   * Never takes the backup's signal: an aborted backup must still restart them.
   * @throws CairnError naming each container that could not be started.
   */
  async startAgain(): Promise<void> {
    const todo = this.pending.reverse();
    this.pending = [];
    const failed: string[] = [];
    for (const c of todo) {
      try {
        await this.client.startContainer(c.Id);
      } catch (err) {
        failed.push(
          `${containerName(c)} (${err instanceof Error ? err.message.replace(/\.$/, '') : String(err)})`,
        );
      }
    }
    if (failed.length > 0) {
      throw new CairnError(
        'fatal',
        `Docker container ${failed.join(', ')} could not be started again; start it by hand.`,
      );
    }
  }
}

function containerName(c: ContainerSummary): string {
  return (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
}
