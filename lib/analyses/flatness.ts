import { initBackend } from "../backend";
import { RunConfig } from "../store/run-config";
import { loadWeights } from "../store/runs";
import { ensureRun, modelFor } from "../materialise/run";
import { ensureMask, maskOf } from "../materialise/run";
import { cachedJson, cachedPath } from "../store/cached";
import { runHash } from "../store/run-config";
import { deviceData, trainEvalSplit } from "../data/device";
import { applyMask } from "../prune/mask";
import { toDevice, disposeParams, HostParams } from "../models/params";
import { evaluate } from "../train/evaluate";
import { l2Norm } from "../lmc/distance";
import { hessianTopEigenvalue } from "./hessian";

/**
 * Flatness at the end of an IMP level and the cost of the next pruning step (Paul et al. 2023): the
 * top Hessian eigenvalue lambda_max of the training loss over the unpruned weights (Lanczos), the norm of the
 * weights the next level prunes, the second-order estimate of the loss rise 0.5 lambda_max |delta|^2
 * (an upper estimate along the worst direction), and the actual rise.
 */
export interface LevelFlatness {
  /** The top eigenvalue (Lanczos' top Ritz value). */
  lambdaMax: number;
  /** Its residual |H y - lambda y|: some eigenvalue lies within it. */
  residual: number;
  /** Whether the residual is within `tol` of |lambdaMax|; unconverged values are reported, never averaged into a headline. */
  converged: boolean;
  iterations: number;
  /** The smallest Ritz value (negative where the loss curves down somewhere) and its residual. */
  lambdaMin: number;
  residualMin: number;
  prunedNorm: number;
  predictedRise: number;
  lossBefore: number;
  lossAfter: number;
  actualRise: number;
}

export interface FlatnessOptions {
  /** Training examples the loss and its Hessian are computed on (the first n). */
  subset: number;
  maxIterations: number;
  /** Convergence: residual at most tol |lambda_max|. */
  tol: number;
  seed: number;
  /** Names the eigen-solver in the cache key, so values from the earlier power iteration are never reused. */
  method: "lanczos";
}

const flatnessKey = (level: RunConfig, next: RunConfig, o: FlatnessOptions) => ({ level: runHash(level), next: runHash(next), ...o });

export function flatnessCachePath(level: RunConfig, next: RunConfig, o: FlatnessOptions): string {
  return cachedPath("flatness", flatnessKey(level, next, o));
}

export async function levelFlatness(level: RunConfig, next: RunConfig, o: FlatnessOptions): Promise<LevelFlatness> {
  return cachedJson("flatness", flatnessKey(level, next, o), async () => {
    await ensureRun(level);
    await initBackend(level.model);
    const model = modelFor(level);
    const split = trainEvalSplit(deviceData(level.data), o.subset);
    const weights = loadWeights(level, level.train.steps);
    const current = await maskOf(level);
    const nextMask = await ensureMask(next.mask!);
    const eig = await hessianTopEigenvalue(model, split, weights, { mask: current, seed: o.seed, maxIterations: o.maxIterations, tol: o.tol });
    const removed: HostParams = {};
    for (const [name, t] of Object.entries(nextMask)) removed[name] = { shape: t.shape, data: t.data.map((m, i) => (current[name].data[i] === 1 && m === 0 ? 1 : 0)) };
    const prunedNorm = l2Norm(weights, Object.keys(removed), removed);
    const loss = async (w: HostParams) => {
      const p = toDevice(w);
      try {
        return (await evaluate(model, p, split)).loss;
      } finally {
        disposeParams(p);
      }
    };
    const lossBefore = await loss(weights);
    const lossAfter = await loss(applyMask(weights, nextMask));
    return {
      lambdaMax: eig.lambda,
      residual: eig.residual,
      converged: eig.converged,
      iterations: eig.iterations,
      lambdaMin: eig.lambdaMin,
      residualMin: eig.residualMin,
      prunedNorm,
      predictedRise: 0.5 * eig.lambda * prunedNorm ** 2,
      lossBefore,
      lossAfter,
      actualRise: lossAfter - lossBefore,
    };
  });
}
