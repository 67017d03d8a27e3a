import * as tf from "@tensorflow/tfjs";
import { Model } from "../models/model";
import { Params } from "../models/params";
import { statisticsCollector } from "../models/batch-norm";
import { DeviceSplit } from "../train/evaluate";
import { UserError } from "../util/errors";

/**
 * How batch norm's running statistics are set at each point of an interpolation path. The stored
 * statistics of an interpolated network are not those of its activations, so by default they are
 * recomputed: the average batch mean and (unbiased) variance over `batches` fixed training batches
 * (the first examples of the training split, no augmentation) in training mode. "interpolate" mixes the
 * endpoints' stored statistics like the weights.
 */
export interface BatchNormPath {
  mode: "recompute" | "interpolate";
  /** Training batches the statistics are recomputed on (recompute only). */
  batches: number;
  batchSize: number;
}

export const DEFAULT_BATCH_NORM_PATH: BatchNormPath = { mode: "recompute", batches: 20, batchSize: 128 };

export function validateBatchNormPath(b: BatchNormPath): void {
  if (b.mode !== "recompute" && b.mode !== "interpolate") throw new UserError(`batch-norm path mode "${b.mode}" must be "recompute" or "interpolate".`);
  for (const [what, v] of [["batches", b.batches], ["batch size", b.batchSize]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new UserError(`batch-norm recomputation ${what} ${v} must be a positive integer.`);
  }
}

/**
 * The same network with its running statistics recomputed on `train` (new buffer tensors; the parameter
 * tensors are the caller's). Every point of a path, endpoints included, is treated alike, so the barrier
 * compares networks whose statistics were measured the same way.
 */
export function recomputeStatistics(model: Model, params: Params, train: DeviceSplit, b: BatchNormPath): Params {
  if (b.batches * b.batchSize > train.count) {
    throw new UserError(`batch-norm recomputation needs ${b.batches} x ${b.batchSize} training examples, but there are ${train.count}; use fewer batches.`);
  }
  const collector = statisticsCollector();
  try {
    for (let i = 0; i < b.batches; i++) {
      tf.tidy(() => {
        model.forward(params, tf.slice(train.x, i * b.batchSize, b.batchSize), collector.mode);
      });
    }
    return { ...params, ...collector.average() };
  } finally {
    collector.dispose();
  }
}
