import type { RunConfig } from "../store/run-config";
import { Scope } from "./magnitude";
import { RandomMode } from "./random";
import { UserError } from "../util/errors";

/**
 * Iterative magnitude pruning with rewinding, as run configs. Level 0 is the dense network trained from
 * its initialisation. Level L >= 1 prunes `fraction` of the weights level L-1 kept, by the magnitude of
 * level L-1's final weights, rewinds the survivors to the dense run's weights at `rewindStep` (0 is
 * the original lottery ticket procedure), and retrains to the end with a fresh optimizer state.
 * Each level is a cached run named by its config, so extending 10 levels to 15 reuses the first 10.
 */
export interface ImpSpec {
  dense: RunConfig;
  rewindStep: number;
  /** Fraction of the remaining weights pruned per level (0.2 in the papers). */
  fraction: number;
  scope: Scope;
  /** Prunable parameters left dense (null: the model's default, e.g. LeNet's output layer). */
  exclude?: string[] | null;
}

/** Hard limit on levels: 0.8^100 of any network is below one weight. */
export const MAX_LEVELS = 100;

export function impLevel(spec: ImpSpec, level: number): RunConfig {
  if (!Number.isInteger(level) || level < 0 || level > MAX_LEVELS) throw new UserError(`IMP level ${level} must be an integer in 0..${MAX_LEVELS}.`);
  if (spec.dense.mask || spec.dense.from) throw new Error("IMP starts from a dense run trained from initialisation (no mask, no branch)");
  if (level === 0) return spec.dense;
  const k = spec.rewindStep;
  if (!Number.isInteger(k) || k < 0 || k >= spec.dense.train.steps) throw new UserError(`rewind step ${k} must be an integer in 0..${spec.dense.train.steps - 1}.`);
  return {
    ...spec.dense,
    from: { run: spec.dense, step: k },
    mask: { kind: "magnitude", source: impLevel(spec, level - 1), fraction: spec.fraction, scope: spec.scope, exclude: spec.exclude ?? null },
  };
}

/** The expected density (kept fraction of prunable weights) at a level: (1 - fraction)^level, before rounding. */
export function nominalDensity(fraction: number, level: number): number {
  return (1 - fraction) ** level;
}

/** The first level whose nominal density is at most `density`. */
export function levelForDensity(fraction: number, density: number): number {
  if (!(density > 0 && density <= 1)) throw new UserError(`target density ${density} must be in (0, 1].`);
  const level = Math.ceil(Math.log(density) / Math.log(1 - fraction) - 1e-9);
  if (level > MAX_LEVELS) throw new UserError(`density ${density} needs ${level} levels of ${fraction} pruning, more than the ${MAX_LEVELS} allowed.`);
  return Math.max(level, 0);
}

/** Baseline: a random mask with the IMP mask's kept counts (per layer or in total), rewound like IMP. */
export function randomPruned(spec: ImpSpec, level: number, seed: number, mode: RandomMode = "layerwise"): RunConfig {
  const imp = impLevel(spec, level);
  if (!imp.mask) throw new UserError("random pruning needs a pruned level (level >= 1).");
  return { ...imp, mask: { kind: "random", like: imp.mask, seed, mode } };
}

/** Baseline: the IMP mask with fresh random weights (initialisation seed `initSeed`), trained from step 0. */
export function randomReinit(spec: ImpSpec, level: number, initSeed: number): RunConfig {
  const imp = impLevel(spec, level);
  if (!imp.mask) throw new UserError("random reinitialisation needs a pruned level (level >= 1).");
  if (initSeed === spec.dense.initSeed) throw new UserError(`random reinitialisation needs an initialisation seed other than the dense run's (${initSeed}).`);
  return { ...spec.dense, initSeed, from: null, mask: imp.mask };
}
