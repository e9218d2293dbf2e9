import { CairnError, errnoCode } from '../core/index.js';

/** Any error as one sentence for the history and the events (no stack traces). */
export function errorMessageOf(err: unknown): string {
  if (err instanceof CairnError) return err.message;
  if (err instanceof Error) {
    const code = errnoCode(err);
    return code !== undefined && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
