import { initBackend } from "../backend";
import { RunConfig, runHash } from "../store/run-config";
import { loadWeights } from "../store/runs";
import { ensureRun } from "../materialise/run";
import { cachedJson, cachedPath } from "../store/cached";
import { ensureMask } from "../materialise/run";
import { MaskSpec } from "../store/run-config";
import { applyMask } from "../prune/mask";
import { configHash } from "../util/hash";
import { deviceData, trainEvalSplit } from "../data/device";
import { getModel, hasBatchNorm } from "../models/registry";
import { Params } from "../models/params";
import { BatchNormPath, DEFAULT_BATCH_NORM_PATH, recomputeStatistics, validateBatchNormPath } from "./bn-statistics";
import { evaluatePath } from "./interpolate";
import { linearBarrier, meanBarrier } from "./barrier";

/** Errors and losses along the linear path between two runs' final weights, with both barriers. */
export interface PathResult {
  /** Run hashes of the endpoints: alpha = 1 is `a`, alpha = 0 is `b`. */
  a: string;
  b: string;
  alphas: number[];
  test: SplitPath;
  train: SplitPath;
  /** How batch-norm statistics were set along the path (models with batch norm only). */
  batchNorm?: BatchNormPath;
}

export interface SplitPath {
  errors: number[];
  losses: number[];
  /** Max error minus the mean of the endpoints' errors (the LMC paper's instability). */
  meanBarrier: number;
  /** Max of the error above the straight line between the endpoints' errors. */
  linearBarrier: number;
}

export interface PathOptions {
  alphas: number[];
  /** Evaluate the training error on the first this many training examples (null: all). */
  trainEvalSubset: number | null;
  /** Multiply both endpoints by this mask before interpolating (e.g. the sparser level's mask). */
  mask?: MaskSpec | null;
  /** Batch-norm statistics along the path (models with batch norm; default: recomputed, DEFAULT_BATCH_NORM_PATH). */
  batchNorm?: BatchNormPath | null;
}

/** The batch-norm treatment a path of this model uses: null for models without batch norm (so their path keys are unchanged). */
function batchNormOf(config: RunConfig, o: PathOptions): BatchNormPath | null {
  if (!hasBatchNorm(config.model)) return null;
  const b = o.batchNorm ?? DEFAULT_BATCH_NORM_PATH;
  validateBatchNormPath(b);
  return b;
}

const pathKey = (a: RunConfig, b: RunConfig, o: PathOptions) => ({
  a: runHash(a),
  b: runHash(b),
  alphas: o.alphas,
  trainEvalSubset: o.trainEvalSubset,
  data: a.data,
  mask: o.mask ? configHash(o.mask) : null,
  batchNorm: batchNormOf(a, o),
});

/** Where a path's result is cached. */
export function pathCachePath(a: RunConfig, b: RunConfig, o: PathOptions): string {
  return cachedPath("path", pathKey(a, b, o));
}

/** Interpolates between the final weights of two runs of the same model and data (cached on disk). */
export async function linearPath(a: RunConfig, b: RunConfig, o: PathOptions): Promise<PathResult> {
  if (a.model !== b.model || a.data.dataset !== b.data.dataset) throw new Error("both endpoints of a path must be runs of the same model on the same data set");
  const key = pathKey(a, b, o);
  return cachedJson("path", key, async () => {
    await ensureRun(a);
    await initBackend(a.model);
    await ensureRun(b);
    const data = deviceData(a.data);
    const model = getModel(a.model, data.dataset.shape, data.dataset.classes);
    const mask = o.mask ? await ensureMask(o.mask) : null;
    const endpoint = (r: RunConfig) => (mask ? applyMask(loadWeights(r, r.train.steps), mask) : loadWeights(r, r.train.steps));
    const bn = key.batchNorm;
    const statistics = bn?.mode === "recompute" ? (p: Params) => recomputeStatistics(model, p, data.train, bn) : undefined;
    const metrics = await evaluatePath(model, endpoint(a), endpoint(b), o.alphas, {
      test: data.test,
      train: trainEvalSplit(data, o.trainEvalSubset),
    }, statistics);
    const split = (name: string): SplitPath => {
      const errors = metrics[name].map((m) => m.error);
      const curve = { alphas: o.alphas, errors };
      return { errors, losses: metrics[name].map((m) => m.loss), meanBarrier: meanBarrier(curve), linearBarrier: linearBarrier(curve) };
    };
    return { a: key.a, b: key.b, alphas: o.alphas, test: split("test"), train: split("train"), ...(bn ? { batchNorm: bn } : {}) };
  });
}
