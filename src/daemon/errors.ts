import { CairnError, errnoCode } from '../core/index.js';
import { maskCredentials } from '../util/index.js';

/** Any error as one sentence for the history, the log and the events (no stack traces, URL passwords masked). */
export function errorMessageOf(err: unknown): string {
  if (err instanceof CairnError) return err.message; // masked when made
  if (err instanceof Error) {
    const code = errnoCode(err);
    const message = maskCredentials(err.message);
    return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
  }
  return maskCredentials(String(err));
}
