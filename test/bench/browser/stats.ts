/** Order statistics for the benchmark's samples. */

/**
 * The value at fraction `q` of the sorted samples, interpolated between the two nearest (as
 * numpy and R do by default), so the median of an even count is the mean of the middle two.
 */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const below = sorted[Math.floor(position)] as number;
  const above = sorted[Math.ceil(position)] as number;
  return below + (above - below) * (position - Math.floor(position));
}

export const median = (samples: readonly number[]) => quantile(samples, 0.5);
export const p90 = (samples: readonly number[]) => quantile(samples, 0.9);
