import * as tf from "@tensorflow/tfjs";
import { TrainHparams } from "./hparams";
import { isBuffer } from "../models/batch-norm";
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS, OPTIMIZER_UPDATE, OptimizerUpdateAttrs, hasKernel } from "../kernels/project";

type UpdateScalars = Omit<OptimizerUpdateAttrs, "rule">;

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
  for (const slot of slotNames(h)) for (const [name, p] of Object.entries(params)) if (!isBuffer(name)) slots[`${slot}/${name}`] = tf.zerosLike(p);
  return { t: 0, slots };
}

/** One parameter's update: its values, gradient and (when pruned) 0/1 mask. */
export interface UpdateInputs {
  name: string;
  p: tf.Tensor;
  grad: tf.Tensor;
  mask?: tf.Tensor;
}

/**
 * One update of a parameter; returns the new parameter (exactly zero where masked) and writes its new
 * slots into `next`. Must run inside tf.tidy; `t` is the 1-based count of this update. Where the backend
 * has the project's fused kernel (wasm) it runs as one pass; elsewhere as tensor ops, with the same numbers.
 */
export function applyUpdate(
  h: TrainHparams,
  u: UpdateInputs,
  lr: number,
  t: number,
  slots: Record<string, tf.Tensor>,
  next: Record<string, tf.Tensor>,
  fused = hasKernel(OPTIMIZER_UPDATE),
): tf.Tensor {
  const s: UpdateScalars = {
    lr,
    weightDecay: h.weightDecay,
    momentum: h.momentum,
    correction1: 1 - ADAM_BETA1 ** t,
    correction2: 1 - ADAM_BETA2 ** t,
  };
  const names = slotNames(h);
  const held = names.map((slot) => slots[`${slot}/${u.name}`]);
  const [p, ...updated] = fused ? fusedUpdate(h, u, held, s) : tensorUpdate(h, u, held, s);
  names.forEach((slot, i) => (next[`${slot}/${u.name}`] = updated[i]));
  return p;
}

function fusedUpdate(h: TrainHparams, u: UpdateInputs, [m, v]: tf.Tensor[], s: UpdateScalars): tf.Tensor[] {
  const attrs: OptimizerUpdateAttrs = { ...s, rule: h.optimizer === "adam" ? "adam" : "sgd" };
  const inputs = { p: u.p, grad: u.grad, ...(u.mask && { mask: u.mask }), ...(m && { m }), ...(v && { v }) };
  return tf.engine().runKernel(OPTIMIZER_UPDATE, inputs, attrs as never) as unknown as tf.Tensor[];
}

/** The update as tfjs ops; `kernels/update-wasm.ts` repeats these op for op. Returns the parameter, then the slots. */
function tensorUpdate(h: TrainHparams, u: UpdateInputs, [m, v]: tf.Tensor[], s: UpdateScalars): tf.Tensor[] {
  const masked = u.mask ? tf.mul(u.grad, u.mask) : u.grad;
  const g = h.weightDecay > 0 ? tf.add(masked, tf.mul(u.p, h.weightDecay)) : masked;
  const finish = (step: tf.Tensor) => {
    const next = tf.sub(u.p, tf.mul(s.lr, step));
    return u.mask ? tf.mul(next, u.mask) : next;
  };
  if (h.optimizer === "adam") {
    const m1 = tf.add(tf.mul(m, ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1));
    const v1 = tf.add(tf.mul(v, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2));
    const denom = tf.add(tf.sqrt(tf.div(v1, s.correction2)), ADAM_EPS);
    return [finish(tf.div(tf.div(m1, s.correction1), denom)), m1, v1];
  }
  if (h.momentum > 0) {
    const buf = tf.add(tf.mul(m, h.momentum), g);
    return [finish(buf), buf];
  }
  return [finish(g)];
}
