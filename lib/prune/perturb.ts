import { HostParams } from "../models/params";
import { Mask } from "./mask";
import { fillNormal, rng } from "../util/rng";
import { UserError } from "../util/errors";

/** Gaussian noise added to a run's starting weights, scaled to an exact L2 norm. */
export interface Perturbation {
  seed: number;
  /** L2 norm of the noise over the perturbed weights. */
  norm: number;
}

export function validatePerturbation(p: Perturbation): void {
  if (!(p.norm >= 0 && Number.isFinite(p.norm))) throw new UserError(`perturbation norm ${p.norm} must be a finite number >= 0.`);
  if (!Number.isInteger(p.seed)) throw new UserError(`perturbation seed ${p.seed} must be an integer.`);
}

/**
 * Adds noise of exactly `p.norm` to the weights that `mask` keeps (in the masked parameters only), so
 * the perturbation never revives a pruned weight.
 */
export function perturb(weights: HostParams, mask: Mask, p: Perturbation): HostParams {
  validatePerturbation(p);
  const names = Object.keys(mask);
  const noise = names.map((name, i) => {
    const n = fillNormal(rng(p.seed, i, 0x9e7b), new Float32Array(mask[name].data.length));
    mask[name].data.forEach((m, j) => (n[j] *= m));
    return n;
  });
  const total = Math.sqrt(noise.reduce((s, n) => s + n.reduce((a, v) => a + v * v, 0), 0));
  const c = total > 0 ? p.norm / total : 0;
  const out: HostParams = { ...weights };
  names.forEach((name, i) => {
    out[name] = { shape: weights[name].shape, data: weights[name].data.map((w, j) => w + c * noise[i][j]) };
  });
  return out;
}
