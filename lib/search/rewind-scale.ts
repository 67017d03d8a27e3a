import { HostParams } from "../models/params";
import { Mask } from "../prune/mask";

/**
 * What pruning does to the scale of a layer at the rewind point. A layer followed by batch norm is scale
 * invariant: its output does not change when its weights are scaled, and SGD's step on it acts like a
 * rate of lr / ||w||^2 (the effective step). Pruning at W_k removes part of ||w||, so if the kept norm is
 * small, the pruned network starts with a larger effective step than the dense one: a candidate reason why
 * pruning could destabilise a batch-norm network and not a plain one (where no layer is scale invariant).
 */
export interface LayerScale {
  layer: string;
  /** Kept fraction of the layer's weights. */
  density: number;
  /** ||m * W_k|| / ||W_k||. */
  normKept: number;
  /** lr / ||m * W_k||^2 over lr / ||W_k||^2: how much larger the effective step of the pruned layer is. */
  effectiveStepRatio: number;
  /** lr / ||W_k||^2 of the dense layer. */
  denseEffectiveStep: number;
}

export function rewindScales(weights: HostParams, mask: Mask, lr: number): LayerScale[] {
  return Object.keys(mask)
    .filter((name) => weights[name] && mask[name].data.some((v) => v === 0))
    .map((name) => {
      const w = weights[name].data;
      const m = mask[name].data;
      let all = 0;
      let kept = 0;
      let ones = 0;
      for (let i = 0; i < w.length; i++) {
        all += w[i] * w[i];
        if (m[i] !== 0) {
          kept += w[i] * w[i];
          ones++;
        }
      }
      return { layer: name, density: ones / w.length, normKept: Math.sqrt(kept / all), effectiveStepRatio: all / kept, denseEffectiveStep: lr / all };
    });
}
