import { MeanStd } from "../util/stats";

/**
 * Matching, the lottery ticket's criterion: a subnetwork matches when its accuracy reaches the dense
 * network's (within one dense std, or a tolerance), and the verdict carries its margin and noise.
 */

/** Matching: mean accuracy within the tolerance of the dense networks' mean accuracy. */
export function isMatching(accuracy: MeanStd, dense: MeanStd, tolerance: number | null): boolean {
  return accuracy.mean >= dense.mean - (tolerance ?? dense.std);
}

/** A matching verdict with its margin and the noise of that margin. */
export interface MatchingVerdict {
  matching: boolean;
  /** The margin is within its noise: the verdict could flip with other seeds. */
  borderline: boolean;
  /** Subnetwork mean accuracy minus the threshold (fractions). */
  margin: number;
  /** Two standard errors of the margin. */
  noise: number;
  threshold: number;
}

/** Margins this small are borderline whatever the spread (0.1 pp). */
const MATCHING_MIN_BAND = 0.001;

/**
 * The paper's rule (mean accuracy at least the dense mean minus one dense std, or the tolerance) with
 * its noise: two standard errors of (subnetwork mean - dense mean). One subnetwork run varies at least
 * as much as one dense run does, so the dense std is the floor of the subnetwork's spread (one or two
 * seeds estimate their own spread poorly).
 */
export function matchingVerdict(accuracy: MeanStd, nAccuracy: number, dense: MeanStd, nDense: number, tolerance: number | null): MatchingVerdict {
  const threshold = dense.mean - (tolerance ?? dense.std);
  const margin = accuracy.mean - threshold;
  const runStd = Math.max(nAccuracy > 1 ? accuracy.std : 0, dense.std);
  const noise = 2 * Math.sqrt(runStd ** 2 / Math.max(nAccuracy, 1) + dense.std ** 2 / Math.max(nDense, 1));
  return { matching: margin >= 0, borderline: Math.abs(margin) <= Math.max(noise, MATCHING_MIN_BAND), margin, noise, threshold };
}

/** "yes", "no", "yes (borderline)". */
export function matchingLabel(v: MatchingVerdict): string {
  return `${v.matching ? "yes" : "no"}${v.borderline ? " (borderline)" : ""}`;
}

/** "+0.31 ± 0.12" in pp: the margin and its noise. */
export function marginText(v: { margin: number; noise: number }): string {
  return `${v.margin >= 0 ? "+" : "-"}${Math.abs(100 * v.margin).toFixed(2)} ± ${(100 * v.noise).toFixed(2)}`;
}
