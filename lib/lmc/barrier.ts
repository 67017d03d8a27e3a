/**
 * Error barriers along a linear path W(alpha) = alpha W1 + (1 - alpha) W2, from errors measured at
 * `alphas` (which must include 0 and 1). E(0) is the error of W2 and E(1) that of W1.
 */
export interface Curve {
  alphas: number[];
  errors: number[];
}

function endpoints(c: Curve): { e0: number; e1: number } {
  const i0 = c.alphas.indexOf(0);
  const i1 = c.alphas.indexOf(1);
  if (i0 < 0 || i1 < 0) throw new Error("a barrier needs the errors at alpha = 0 and alpha = 1");
  if (c.alphas.length !== c.errors.length) throw new Error("alphas and errors differ in length");
  return { e0: c.errors[i0], e1: c.errors[i1] };
}

/** The LMC paper's instability: max over alpha of E(alpha) minus the mean of the endpoints' errors. */
export function meanBarrier(c: Curve): number {
  const { e0, e1 } = endpoints(c);
  return Math.max(...c.errors) - (e0 + e1) / 2;
}

/** The alpha-weighted barrier: max over alpha of E(alpha) - (alpha E(1) + (1 - alpha) E(0)). */
export function linearBarrier(c: Curve): number {
  const { e0, e1 } = endpoints(c);
  return Math.max(...c.errors.map((e, i) => e - (c.alphas[i] * e1 + (1 - c.alphas[i]) * e0)));
}

/** The LMC paper's threshold: a network is stable when its instability is below 2 percentage points. */
export const STABILITY_THRESHOLD = 0.02;

/** `n` evenly spaced alphas from 0 to 1 inclusive. */
export function evenAlphas(n: number): number[] {
  if (!Number.isInteger(n) || n < 2) throw new Error(`the number of interpolation points must be an integer >= 2 (got ${n})`);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : i / (n - 1)));
}
