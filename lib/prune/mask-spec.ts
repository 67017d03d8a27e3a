import type { RunConfig } from "../store/run-config";
import { Scope, SCOPES, validateFraction } from "./magnitude";
import { RANDOM_MODES, RandomMode } from "./random";
import { UserError } from "../util/errors";

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
