import * as tf from "@tensorflow/tfjs";
import { TrainHparams } from "./hparams";

/**
 * SGD with momentum and Adam, as pure updates over named tensors (PyTorch conventions: weight decay is
 * added to the gradient; SGD's buffer is buf = m * buf + g; Adam's bias correction counts updates since
 * the optimizer was created). The state is plain named tensors so it checkpoints like the weights.
 */
export interface OptimizerState {
  /** Updates applied since the optimizer was created (Adam's bias correction). */
  t: number;
  /** Per-parameter slots: "m" (momentum or first moment), "v" (second moment, Adam). */
  slots: Record<string, tf.Tensor>;
}

export function slotNames(h: Pick<TrainHparams, "optimizer" | "momentum">): string[] {
  if (h.optimizer === "adam") return ["m", "v"];
  return h.momentum > 0 ? ["m"] : [];
}

export function freshOptimizer(h: TrainHparams, params: Record<string, tf.Tensor>): OptimizerState {
  const slots: Record<string, tf.Tensor> = {};
  for (const slot of slotNames(h)) for (const [name, p] of Object.entries(params)) slots[`${slot}/${name}`] = tf.zerosLike(p);
  return { t: 0, slots };
}

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPS = 1e-8;

/**
 * One update of parameter `name`; returns the new parameter and writes new slots into `next`.
 * Must run inside tf.tidy; `t` is the 1-based count of this update.
 */
export function applyUpdate(
  h: TrainHparams,
  name: string,
  p: tf.Tensor,
  grad: tf.Tensor,
  lr: tf.Scalar,
  t: number,
  slots: Record<string, tf.Tensor>,
  next: Record<string, tf.Tensor>,
): tf.Tensor {
  const g = h.weightDecay > 0 ? tf.add(grad, tf.mul(p, h.weightDecay)) : grad;
  if (h.optimizer === "adam") {
    const m = tf.add(tf.mul(slots[`m/${name}`], ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1));
    const v = tf.add(tf.mul(slots[`v/${name}`], ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2));
    next[`m/${name}`] = m;
    next[`v/${name}`] = v;
    const c1 = 1 - ADAM_BETA1 ** t;
    const c2 = 1 - ADAM_BETA2 ** t;
    const denom = tf.add(tf.sqrt(tf.div(v, c2)), ADAM_EPS);
    return tf.sub(p, tf.mul(lr, tf.div(tf.div(m, c1), denom)));
  }
  if (h.momentum > 0) {
    const buf = tf.add(tf.mul(slots[`m/${name}`], h.momentum), g);
    next[`m/${name}`] = buf;
    return tf.sub(p, tf.mul(lr, buf));
  }
  return tf.sub(p, tf.mul(lr, g));
}
