import type { ExtendedAttributes, XattrMap } from '../source/index.js';
import type { WalkContext } from './context.js';
import { settle } from './walk.js';

type XattrProblem = ExtendedAttributes['problems'][number];

/**
 * Starts listing the source's extended attributes into `ctx.xattrs`. What cannot be read is kept back until
 * `reportXattrProblems`: by then the walk knows which items it already reported as unreadable.
 */
export function startXattrs(ctx: WalkContext): XattrProblem[] {
  const problems: XattrProblem[] = [];
  if (!ctx.source.extendedAttributes) return problems;
  const p = ctx.source.extendedAttributes(ctx.signal).then(
    (found) => {
      problems.push(...found.problems);
      return found.attributes;
    },
    (err: unknown) => {
      problems.push({ message: `extended attributes are missing from this backup: ${String(err)}` });
      return new Map() as XattrMap;
    },
  );
  ctx.xattrs = settle(p);
  return problems;
}

/**
 * Warns about what could not be read, once the listing is over; an item the walk already reported as unreadable
 * (a folder it cannot list) is not mentioned again. (The source leaves out what its excludes leave out.)
 */
export async function reportXattrProblems(ctx: WalkContext, problems: XattrProblem[]): Promise<void> {
  await ctx.xattrs;
  if (ctx.signal.aborted) return;
  const reported = new Set(ctx.sourceErrors.map((e) => e.item));
  for (const { message, item } of problems) {
    if (item !== undefined && reported.has(item)) continue;
    ctx.emit({ kind: 'warning', message });
  }
}
