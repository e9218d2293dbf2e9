import { readXattrsRecursive, type XattrMap } from '../source/index.js';
import type { WalkContext } from './context.js';
import { settle } from './walk.js';

interface XattrProblem {
  message: string;
  item?: string;
}

/**
 * Starts listing the extended attributes below `roots` into `ctx.xattrs`. What cannot be read is kept back until
 * `reportXattrProblems`: by then the walk knows which items it excluded or already reported as unreadable.
 */
export function startXattrs(ctx: WalkContext, roots: string[]): XattrProblem[] {
  const problems: XattrProblem[] = [];
  const warn = (message: string, item?: string): void =>
    void problems.push(item === undefined ? { message } : { message, item });
  const p = readXattrsRecursive(roots, ctx.signal, warn).catch((err: unknown) => {
    warn(`extended attributes are missing from this backup: ${String(err)}`);
    return new Map() as XattrMap;
  });
  ctx.xattrs = settle(p);
  return problems;
}

/**
 * Warns about what getfattr could not read, once the listing is over; an item that `--exclude` leaves out or that
 * the walk already reported as unreadable (a folder it cannot list) is not mentioned again.
 */
export async function reportXattrProblems(ctx: WalkContext, problems: XattrProblem[]): Promise<void> {
  await ctx.xattrs;
  if (ctx.signal.aborted) return;
  const reported = new Set(ctx.sourceErrors.map((e) => e.item));
  for (const { message, item } of problems) {
    if (item !== undefined && (reported.has(item) || ctx.excluder.excludedByName(item))) continue;
    ctx.emit({ kind: 'warning', message });
  }
}
