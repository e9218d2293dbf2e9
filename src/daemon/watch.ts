/** The dead-man's switch and the size-drop warning, computed from the history. */

/** A backup `dropPercent` smaller than the average of the previous ones, or undefined. */
export function sizeDrop(previous: number[], bytes: number, thresholdPercent: number): { previousAverage: number; dropPercent: number } | undefined {
  if (previous.length === 0) return undefined;
  const previousAverage = previous.reduce((a, b) => a + b, 0) / previous.length;
  if (previousAverage <= 0) return undefined;
  const dropPercent = ((previousAverage - bytes) / previousAverage) * 100;
  return dropPercent >= thresholdPercent ? { previousAverage, dropPercent } : undefined;
}
