import * as tf from "@tensorflow/tfjs";
import { BufferSpec, ForwardMode, ParamSpec } from "./model";
import { Params, disposeParams } from "./params";
import {
  BATCH_NORM_RELU_TRAINING,
  BATCH_NORM_RELU_TRAINING_GRAD,
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  BatchNormAttrs,
  RUNNING_AVERAGE,
  RunningAverageAttrs,
  hasKernel,
} from "../kernels/project";

/** PyTorch's BatchNorm2d defaults: running = (1 - momentum) * running + momentum * batch; eps inside the sqrt. */
export const BN_MOMENTUM = 0.1;
export const BN_EPSILON = 1e-5;

/**
 * Running statistics are state, not parameters: they carry PyTorch's names so a checkpoint keeps them next
 * to the weights, and anything that must leave them out (training, distances) recognises them by name.
 */
export function isBuffer(name: string): boolean {
  return name.endsWith(".running_mean") || name.endsWith(".running_var");
}

/** The trainable names of a weight set (all but the running statistics), in order. */
export function parameterNames(weights: Record<string, unknown>): string[] {
  return Object.keys(weights).filter((n) => !isBuffer(n));
}

/**
 * A batch-norm layer over `channels`: scale ("weight", U(0, 1) as the reference initialises it) and shift
 * ("bias", zero), never pruned; running mean (0) and variance (1) as buffers.
 */
export function batchNormSpecs(name: string, channels: number): { params: ParamSpec[]; buffers: BufferSpec[] } {
  return {
    params: [
      { name: `${name}.weight`, shape: [channels], init: { kind: "uniform", low: 0, high: 1 }, prunable: false },
      { name: `${name}.bias`, shape: [channels], init: { kind: "constant", value: 0 }, prunable: false },
    ],
    buffers: [
      { name: `${name}.running_mean`, shape: [channels], value: 0 },
      { name: `${name}.running_var`, shape: [channels], value: 1 },
    ],
  };
}

/**
 * Batch norm over all axes but the last (NHWC). Evaluation normalises with the running statistics; in
 * training mode (`mode` given) it normalises with the batch's and writes the updated running statistics
 * into `mode.updates` (kept tensors: they outlive the gradient tape; the caller disposes them).
 */
export function batchNorm(p: Params, name: string, x: tf.Tensor4D, mode?: ForwardMode): tf.Tensor4D {
  const scale = p[`${name}.weight`] as tf.Tensor1D;
  const shift = p[`${name}.bias`] as tf.Tensor1D;
  if (!mode) return tf.batchNorm4d(x, p[`${name}.running_mean`] as tf.Tensor1D, p[`${name}.running_var`] as tf.Tensor1D, shift, scale, BN_EPSILON);
  const n = x.shape[0] * x.shape[1] * x.shape[2];
  if (n > 1 && hasKernel(BATCH_NORM_TRAINING)) {
    const fused = fusedBatchNormTraining(x, scale, shift, false);
    mode.record(name, fused.mean, fused.variance);
    tf.dispose([fused.mean, fused.variance]);
    return fused.y;
  }
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  // Only the loss is differentiated, so these side outputs add nothing to the backward pass.
  mode.record(name, mean, tf.mul(variance, n / Math.max(n - 1, 1)));
  return batchNormTraining(x, mean, variance, scale, shift) as tf.Tensor4D;
}

/**
 * Batch norm with the batch's statistics, with the textbook backward pass in a handful of ops (tfjs's
 * generic gradient of moments and batchNorm costs dozens of kernels per layer, which dominates small
 * nets on tfjs-node): dx = scale * inv / n * (n dy - sum(dy) - xhat sum(dy xhat)). That dx already
 * carries the paths through the mean and variance, so their own gradients are zero.
 */
const batchNormTraining = tf.customGrad((...args: unknown[]) => {
  const [x, mean, variance, scale, shift, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, (t: tf.Tensor[]) => void];
  const inv = tf.rsqrt(tf.add(variance, BN_EPSILON));
  const xhat = tf.mul(tf.sub(x, mean), inv);
  save([xhat, inv, scale]);
  return {
    value: tf.add(tf.mul(xhat, scale), shift),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xh, iv, sc] = saved;
      const n = xh.shape[0]! * xh.shape[1]! * xh.shape[2]!;
      const dShift = tf.sum(dy, [0, 1, 2]);
      const dScale = tf.sum(tf.mul(dy, xh), [0, 1, 2]);
      const inner = tf.sub(tf.sub(tf.mul(dy, n), dShift), tf.mul(xh, dScale));
      const dx = tf.mul(inner, tf.mul(sc, tf.div(iv, n)));
      return [dx, tf.zerosLike(mean), tf.zerosLike(variance), dScale, dShift];
    },
  };
});

/**
 * Batch norm with the batch's statistics as the backend's one fused kernel each way (tfjs-node:
 * kernels/tensorflow.ts), also giving the batch mean and unbiased variance for the running statistics; with
 * `relu`, the ReLU after it in the same kernels.
 */
function fusedBatchNormTraining(x: tf.Tensor4D, scale: tf.Tensor1D, shift: tf.Tensor1D, relu: boolean): { y: tf.Tensor4D; mean: tf.Tensor; variance: tf.Tensor } {
  let stats: tf.Tensor[] = [];
  const attrs: BatchNormAttrs = { epsilon: BN_EPSILON };
  const [forward, backward] = relu ? [BATCH_NORM_RELU_TRAINING, BATCH_NORM_RELU_TRAINING_GRAD] : [BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD];
  const op = tf.customGrad((...args: unknown[]) => {
    const [xs, sc, sh, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, (t: tf.Tensor[]) => void];
    const [y, mean, variance, ...reserve] = tf.engine().runKernel(forward, { x: xs, scale: sc, offset: sh }, attrs as never) as unknown as tf.Tensor[];
    // The statistics leave beside the tape (only the loss is differentiated), kept past customGrad's
    // scope; the caller disposes them.
    stats = [tf.keep(mean), tf.keep(variance)];
    save([xs, sc, y, ...reserve]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [xSaved, scSaved, ySaved, ...saved]: tf.Tensor[]) => {
        const reserves = Object.fromEntries(saved.map((t, i) => [`reserve${i + 1}`, t]));
        return tf.engine().runKernel(backward, { dy, x: xSaved, scale: scSaved, y: ySaved, ...reserves }, attrs as never) as unknown as tf.Tensor[];
      },
    };
  });
  const y = op(x, scale, shift) as tf.Tensor4D;
  return { y, mean: stats[0], variance: stats[1] };
}

/**
 * relu(batch norm) in training mode as one fused kernel each way, where the backend has one (the project's
 * batch norm on tfjs-node); null elsewhere, and in evaluation, for the caller to compose the two.
 */
export function batchNormRelu(p: Params, name: string, x: tf.Tensor4D, mode?: ForwardMode): tf.Tensor4D | null {
  if (!mode || x.shape[0] * x.shape[1] * x.shape[2] <= 1 || !hasKernel(BATCH_NORM_RELU_TRAINING)) return null;
  const fused = fusedBatchNormTraining(x, p[`${name}.weight`] as tf.Tensor1D, p[`${name}.bias`] as tf.Tensor1D, true);
  mode.record(name, fused.mean, fused.variance);
  tf.dispose([fused.mean, fused.variance]);
  return fused.y;
}

/**
 * Training mode that updates the running statistics as PyTorch does (exponential average, momentum 0.1; one
 * kernel per layer where the backend has the project's); `updates` receives the new running tensors of every batch-norm layer the forward pass went through.
 */
export function trainingMode(params: Params): { mode: ForwardMode; updates: Params } {
  const updates: Params = {};
  const mode: ForwardMode = {
    record(layer, mean, variance) {
      const [m, v] = [`${layer}.running_mean`, `${layer}.running_var`];
      const attrs: RunningAverageAttrs = { keep: 1 - BN_MOMENTUM, mix: BN_MOMENTUM };
      const [newMean, newVar] = tf.tidy(() =>
        hasKernel(RUNNING_AVERAGE)
          ? (tf.engine().runKernel(RUNNING_AVERAGE, { runningMean: params[m], runningVar: params[v], mean, variance }, attrs as never) as unknown as tf.Tensor[])
          : [tf.add(tf.mul(params[m], attrs.keep), tf.mul(mean, attrs.mix)), tf.add(tf.mul(params[v], attrs.keep), tf.mul(variance, attrs.mix))],
      );
      updates[m] = tf.keep(newMean);
      updates[v] = tf.keep(newVar);
    },
  };
  return { mode, updates };
}

/**
 * Training mode that accumulates every batch's statistics, for recomputing running statistics from
 * scratch (PyTorch's momentum = None: the plain average over the batches seen).
 */
export function statisticsCollector(): { mode: ForwardMode; average(): Params; dispose(): void } {
  const sums: Params = {};
  const counts: Record<string, number> = {};
  const add = (name: string, t: tf.Tensor) => {
    const old = sums[name];
    sums[name] = tf.keep(old ? tf.add(old, t) : tf.clone(t));
    old?.dispose();
    counts[name] = (counts[name] ?? 0) + 1;
  };
  return {
    mode: {
      record(layer, mean, variance) {
        add(`${layer}.running_mean`, mean);
        add(`${layer}.running_var`, variance);
      },
    },
    average() {
      const out: Params = {};
      for (const [name, sum] of Object.entries(sums)) out[name] = tf.div(sum, counts[name]);
      return out;
    },
    dispose: () => disposeParams(sums),
  };
}
