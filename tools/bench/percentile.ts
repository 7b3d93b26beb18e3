// The one percentile rule of the benchmark tools: the sample at floor(p * n) of the sorted samples.

/** `sorted` ascending; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}
