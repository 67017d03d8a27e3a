import { HostParams } from "../models/params";
import { Mask } from "./mask";
import { UserError } from "../util/errors";

export const SCOPES = ["global", "layerwise"] as const;
export type Scope = (typeof SCOPES)[number];

export function validateFraction(fraction: number): void {
  if (!(fraction > 0 && fraction < 1)) throw new UserError(`pruning fraction ${fraction} must be strictly between 0 and 1 (0.2 prunes 20 % of the remaining weights).`);
}

/** How many of `remaining` weights a fraction prunes: ceil, as in the reference implementation. */
export function pruneCount(fraction: number, remaining: number): number {
  return Math.min(remaining, Math.ceil(fraction * remaining));
}

interface Candidate {
  layer: number;
  index: number;
  magnitude: number;
}

/**
 * Prunes exactly pruneCount(fraction, remaining) of the weights that `mask` keeps, those of smallest
 * magnitude in `weights`: across all masked layers at once ("global") or within each layer
 * ("layerwise"). Ties go to the lower (layer, index), so the result is deterministic.
 */
export function magnitudePrune(weights: HostParams, mask: Mask, fraction: number, scope: Scope): Mask {
  validateFraction(fraction);
  if (!(SCOPES as readonly string[]).includes(scope)) throw new UserError(`unknown pruning scope "${scope}"; use one of: ${SCOPES.join(", ")}.`);
  const names = Object.keys(mask);
  const next: Mask = {};
  for (const name of names) {
    if (!weights[name]) throw new Error(`weights have no parameter ${name} to prune`);
    next[name] = { shape: mask[name].shape, data: mask[name].data.slice() };
  }
  const candidates = (layers: number[]): Candidate[] => {
    const out: Candidate[] = [];
    for (const layer of layers) {
      const m = mask[names[layer]].data;
      const w = weights[names[layer]].data;
      for (let i = 0; i < m.length; i++) if (m[i] !== 0) out.push({ layer, index: i, magnitude: Math.abs(w[i]) });
    }
    return out.sort((a, b) => a.magnitude - b.magnitude || a.layer - b.layer || a.index - b.index);
  };
  const groups = scope === "global" ? [names.map((_, i) => i)] : names.map((_, i) => [i]);
  for (const group of groups) {
    const c = candidates(group);
    const n = pruneCount(fraction, c.length);
    for (let j = 0; j < n; j++) next[names[c[j].layer]].data[c[j].index] = 0;
  }
  return next;
}
