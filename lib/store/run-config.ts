import { DataConfig, DATASET_NAMES } from "../data/registry";
import { TrainHparams, validateHparams } from "../train/hparams";
import { MODEL_NAMES } from "../models/registry";
import { UserError } from "../util/errors";
import { validateAugment } from "../data/augment";
import { configHash } from "../util/hash";
import { backendTag } from "../backend-choice";
import { Scope, SCOPES, validateFraction } from "../prune/magnitude";
import { RANDOM_MODES, RandomMode } from "../prune/random";
import { Perturbation, validatePerturbation } from "../prune/perturb";

/**
 * Everything that determines a training run. Its hash names the run's folder, so two requests for the
 * same config share one run. Optional fields default to null, which the hash ignores: adding one does
 * not rename existing runs.
 */
export interface RunConfig {
  model: string;
  data: DataConfig;
  train: TrainHparams;
  /** Seed of the initial weights. */
  initSeed: number;
  /** Seed of the data order (the SGD noise). */
  dataSeed: number;
  /**
   * Start from the weights of another run at one of its steps instead of a fresh initialisation; the
   * learning-rate schedule continues from that step and the optimizer state starts fresh.
   */
  from?: { run: RunConfig; step: number } | null;
  /** Train a subnetwork: weights outside this mask are zero from the start and stay zero. */
  mask?: MaskSpec | null;
  /** Gaussian noise of a given norm added to the starting weights (on the weights the mask keeps). */
  perturbation?: Perturbation | null;
  /**
   * Factors that multiply named parameters' starting weights (after the mask and any perturbation): e.g. a pruned
   * layer under batch norm given back its dense norm, which leaves the function unchanged and shrinks SGD's step on it.
   */
  rescale?: Record<string, number> | null;
}

/** A run's name in the cache: its config and, for backends other than wasm, the backend (see backend-choice.ts). */
export function runHash(config: RunConfig): string {
  return configHash({ ...config, ...backendTag(config.model) });
}

export function startStep(config: RunConfig): number {
  return config.from ? config.from.step : 0;
}

/** How many rounds of magnitude pruning a mask is from the dense network (a random mask: its model's). */
export function pruningLevel(spec: MaskSpec | null | undefined): number {
  if (!spec) return 0;
  return spec.kind === "magnitude" ? 1 + pruningLevel(spec.source.mask) : pruningLevel(spec.like);
}

/** The runs a run needs before it can start: the run it branches from, and the runs its mask is pruned from. */
export function runDependencies(config: RunConfig): RunConfig[] {
  const sources = (spec: MaskSpec): RunConfig[] => (spec.kind === "magnitude" ? [spec.source] : sources(spec.like));
  return [...(config.from ? [config.from.run] : []), ...(config.mask ? sources(config.mask) : [])];
}

export function validateRunConfig(c: RunConfig): void {
  if (!MODEL_NAMES.includes(c.model)) throw new UserError(`unknown model "${c.model}"; choose one of: ${MODEL_NAMES.join(", ")}.`);
  if (!DATASET_NAMES.includes(c.data.dataset)) throw new UserError(`unknown data set "${c.data.dataset}"; choose one of: ${DATASET_NAMES.join(", ")}.`);
  validateHparams(c.train);
  if (c.data.augment) validateAugment(c.data.augment);
  if (c.from) {
    const k = c.from.step;
    if (!(Number.isInteger(k) && k >= 0 && k <= c.from.run.train.steps)) {
      throw new UserError(`branch step ${k} must be an integer in 0..${c.from.run.train.steps} (the parent's training length).`);
    }
    if (k > c.train.steps) throw new UserError(`branch step ${k} is past the end of training (${c.train.steps} steps).`);
    validateRunConfig(c.from.run);
  }
  if (c.mask) validateMaskSpec(c.mask);
  if (c.perturbation) validatePerturbation(c.perturbation);
  for (const [name, f] of Object.entries(c.rescale ?? {})) if (!(f > 0 && Number.isFinite(f))) throw new UserError(`rescale factor ${f} of ${name} must be a finite number > 0.`);
}

/**
 * How a mask is derived, so that a run's config (and hash) says exactly which subnetwork it trains:
 * - "magnitude": prune `fraction` of the weights that `source`'s own mask keeps (all prunable weights,
 *   minus `exclude`, when it has none), by the magnitude of `source`'s final weights;
 * - "random": a random mask with the same kept counts as `like` (per layer, or in total).
 */
export type MaskSpec =
  | { kind: "magnitude"; source: RunConfig; fraction: number; scope: Scope; exclude?: string[] | null }
  | { kind: "random"; like: MaskSpec; seed: number; mode: RandomMode };

export function validateMaskSpec(spec: MaskSpec): void {
  if (spec.kind === "magnitude") {
    validateFraction(spec.fraction);
    if (!(SCOPES as readonly string[]).includes(spec.scope)) throw new UserError(`unknown pruning scope "${spec.scope}"; use one of: ${SCOPES.join(", ")}.`);
  } else if (spec.kind === "random") {
    if (!(RANDOM_MODES as readonly string[]).includes(spec.mode)) throw new UserError(`unknown random pruning mode "${spec.mode}"; use one of: ${RANDOM_MODES.join(", ")}.`);
    validateMaskSpec(spec.like);
  } else {
    throw new UserError(`unknown pruning strategy "${(spec as { kind: string }).kind}"; use "magnitude" or "random".`);
  }
}
