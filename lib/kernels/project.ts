import * as tf from "@tensorflow/tfjs";

/**
 * The project's own kernels, by name: what the models and the optimizer ask the engine for, whichever backend
 * implements them (wasm: optimizer-update.ts; tfjs-node: tensorflow.ts, with native/lottery_ops.cc). Where the active backend has none of
 * them, the callers compute the same numbers with tensor ops.
 */

/** One optimizer update of one parameter in a single pass (wasm; tfjs-node with the project's ops). */
export const OPTIMIZER_UPDATE = "LotteryOptimizerUpdate";
/**
 * Batch norm in training mode, forward and backward, each one fused kernel (tfjs-node). Outputs y, the batch
 * mean, the batch's unbiased variance, then what the gradient reads (reserve1, reserve2, ...).
 */
export const BATCH_NORM_TRAINING = "LotteryBatchNormTraining";
export const BATCH_NORM_TRAINING_GRAD = "LotteryBatchNormTrainingGrad";
/** The same followed by a ReLU, in the same two kernels (tfjs-node with the project's batch norm); the gradient also reads y. */
export const BATCH_NORM_RELU_TRAINING = "LotteryBatchNormReluTraining";
export const BATCH_NORM_RELU_TRAINING_GRAD = "LotteryBatchNormReluTrainingGrad";
/** ReLU's gradient as one kernel (tfjs-node). */
export const RELU_GRAD = "LotteryReluGrad";
/** relu(a + b), a residual block's output, as one kernel (tfjs-node with the project's ops). */
export const ADD_RELU = "LotteryAddRelu";
/** A batch-norm layer's two running statistics, running * keep + batch * mix, as one kernel (the same). */
export const RUNNING_AVERAGE = "LotteryRunningAverage";

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPS = 1e-8;

export interface OptimizerUpdateAttrs {
  rule: "adam" | "sgd";
  lr: number;
  weightDecay: number;
  momentum: number;
  /** Adam's bias corrections 1 - beta^t for this update. */
  correction1: number;
  correction2: number;
}

export interface BatchNormAttrs {
  epsilon: number;
}

export interface RunningAverageAttrs {
  keep: number;
  mix: number;
}

/** Whether the active backend has the project's kernel `name`. */
export const hasKernel = (name: string): boolean => tf.getKernel(name, tf.getBackend()) !== undefined;
