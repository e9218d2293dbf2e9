import { CairnError } from '../../core/index.js';
import type { OpenStream } from '../source.js';

/**
 * A stream entry's bytes from `produce` (started when first read); `done` resolves once `produce` finished, and
 * rejects when it failed or when the stream was left before its end. `what` names the data in that message.
 */
export function producedStream(produce: () => AsyncIterable<Uint8Array>, what: string): OpenStream {
  let settle!: (err?: Error) => void;
  const done = new Promise<void>(
    (resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))),
  );
  // The archiver awaits `done`; an early rejection must not count as unhandled meanwhile.
  done.catch(() => undefined);
  async function* run(): AsyncGenerator<Uint8Array> {
    try {
      yield* produce();
      settle();
    } catch (err) {
      settle(err instanceof Error ? err : new CairnError('fatal', `Reading ${what} failed.`, { cause: err }));
      throw err;
    } finally {
      settle(new CairnError('interrupted', `${what} was not read to its end.`));
    }
  }
  return { stream: run(), done };
}
