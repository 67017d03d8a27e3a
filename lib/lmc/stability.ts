import { MeanStd } from "../util/stats";
import { STABILITY_THRESHOLD } from "./barrier";

/** Instabilities this close to the 2 pp threshold are borderline whatever their spread (0.2 pp). */
export const STABILITY_MIN_BAND = 0.002;

/**
 * A mean compared with a threshold, with its margin: borderline when the threshold lies within one
 * sample std of the mean (n > 1) or within `minBand` of it, so a verdict near it is never stated as firm.
 */
export function thresholdSide(value: MeanStd, n: number, threshold: number, minBand: number): { below: boolean; borderline: boolean; margin: number } {
  const margin = value.mean - threshold;
  const band = Math.max(n > 1 ? value.std : 0, minBand);
  return { below: margin < 0, borderline: Math.abs(margin) <= band, margin };
}

/** The stability rule applied to an instability or barrier: below 2 pp, and whether that is within the noise. */
export function stabilitySide(value: MeanStd, n: number): { below: boolean; borderline: boolean; margin: number } {
  return thresholdSide(value, n, STABILITY_THRESHOLD, STABILITY_MIN_BAND);
}
