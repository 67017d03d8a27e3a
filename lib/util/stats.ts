export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1); 0 for a single value. */
export function std(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Element-wise mean and std of equally long series. */
export function meanStdSeries(series: number[][]): { mean: number[]; std: number[] } {
  const n = series[0]?.length ?? 0;
  const col = (i: number) => series.map((s) => s[i]);
  return { mean: Array.from({ length: n }, (_, i) => mean(col(i))), std: Array.from({ length: n }, (_, i) => std(col(i))) };
}

/** "12.3 ± 0.4" in percentage points of a fraction. */
export function pp(m: number, s?: number, digits = 2): string {
  return s === undefined ? `${(100 * m).toFixed(digits)}` : `${(100 * m).toFixed(digits)} ± ${(100 * s).toFixed(digits)}`;
}

export interface MeanStd {
  mean: number;
  std: number;
}

export function meanStd(xs: number[]): MeanStd {
  return { mean: mean(xs), std: std(xs) };
}

/** "1 pair", "9 pairs". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * A mean and its spread for reports: "12.30 ± 0.40" (± one sample std over n > 1 values) or
 * "12.30 (n = 1)", since one value has no spread. `scale` 100 turns fractions into percent or pp.
 */
export function meanPm(m: MeanStd, n: number, scale = 100, digits = 2): string {
  const v = (x: number) => (scale * x).toFixed(digits);
  return n > 1 ? `${v(m.mean)} ± ${v(m.std)}` : `${v(m.mean)} (n = 1)`;
}

/** meanPm of raw values. */
export function pmOf(xs: number[], scale = 100, digits = 2): string {
  return meanPm(meanStd(xs), xs.length, scale, digits);
}
