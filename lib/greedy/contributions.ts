import * as tf from "@tensorflow/tfjs";
import { UserError } from "../util/errors";

/** The two layers of a mean-field network f(x) = (1/N) sum_i a_i relu(w_i . x). */
export interface TwoLayerWeights {
  /** [inputs, N]: column i is w_i. */
  w: tf.Tensor2D;
  /** [N, classes]: row i is a_i. */
  a: tf.Tensor2D;
}

/**
 * Every neuron's contribution on a fixed set of m examples, computed once per checkpoint: neuron i adds
 * a_i * h_i(x) to the sum over a subnetwork, with h_i(x) = relu(w_i . x). The contributions are held
 * factorised (h and a), since the full tensor is N x m x classes; scoring rebuilds it in chunks.
 */
export interface Contributions {
  /** [N, m]: h_i(x) for every neuron i and example x. */
  hT: tf.Tensor2D;
  /** [N, classes]. */
  a: tf.Tensor2D;
  /** [m] integer labels and their one-hot [m, classes]. */
  y: tf.Tensor1D;
  onehot: tf.Tensor2D;
  /** [N, classes]: sum_x h_i(x) onehot(y_x), so that the label term of every candidate is one product. */
  hY: tf.Tensor2D;
  /** [N]: sum_x h_i(x)^2 (the squared loss's quadratic term). */
  hSq: tf.Tensor1D;
  width: number;
  count: number;
  classes: number;
  /** The same numbers on the host, for the fused cross-entropy scoring loop: hT [N * m], a [N * C], labels [m], hY [N * C]. */
  host: { hT: Float32Array; a: Float32Array; y: Int32Array; hY: Float32Array };
}

/**
 * Contributions of every neuron of `weights` on examples `x` [m, inputs] (any shape with m rows) with labels `y`.
 * Asynchronous: the host copies are read with `data()`, since a synchronous read fails on GPU-resident tensors in Node.
 */
export async function contributions(weights: TwoLayerWeights, x: tf.Tensor, y: tf.Tensor1D): Promise<Contributions> {
  const count = x.shape[0];
  if (!(count >= 1)) throw new UserError("the training subset for greedy selection is empty: it needs at least one example.");
  if (y.shape[0] !== count) throw new Error(`${count} examples but ${y.shape[0]} labels`);
  const [inputs, width] = weights.w.shape;
  const [aRows, classes] = weights.a.shape;
  if (aRows !== width) throw new Error(`first layer has ${width} neurons but the output layer ${aRows}`);
  const t = tf.tidy(() => {
    const flat = tf.reshape(x, [count, inputs]) as tf.Tensor2D;
    const hT = tf.relu(tf.matMul(weights.w, flat, true, true)) as tf.Tensor2D; // [N, m]
    const onehot = tf.oneHot(y, classes).toFloat() as tf.Tensor2D;
    return {
      hT,
      a: tf.clone(weights.a),
      y: tf.clone(y),
      onehot,
      hY: tf.matMul(hT, onehot) as tf.Tensor2D,
      hSq: tf.sum(tf.square(hT), 1) as tf.Tensor1D,
      width,
      count,
      classes,
    };
  });
  try {
    const [hT, a, labels, hY] = await Promise.all([t.hT.data(), t.a.data(), t.y.data(), t.hY.data()]);
    return { ...t, host: { hT: hT as Float32Array, a: a as Float32Array, y: labels as Int32Array, hY: hY as Float32Array } };
  } catch (e) {
    for (const k of ["hT", "a", "y", "onehot", "hY", "hSq"] as const) t[k].dispose();
    throw e;
  }
}

export function disposeContributions(c: Contributions): void {
  for (const t of [c.hT, c.a, c.y, c.onehot, c.hY, c.hSq]) t.dispose();
}
