import * as tf from "@tensorflow/tfjs";
import { BufferSpec, ForwardMode, Model, ParamSpec } from "./model";
import { Params } from "./params";
import { batchNorm, batchNormRelu, batchNormSpecs } from "./batch-norm";
import { ADD_RELU, RELU_GRAD, hasKernel } from "../kernels/project";

/** Collects a model's parameter and buffer specs in declaration order. */
export class Specs {
  readonly params: ParamSpec[] = [];
  readonly buffers: BufferSpec[] = [];

  /** A k x k conv kernel [k, k, in, out] (tfjs's HWIO layout), Kaiming normal, prunable; optionally a bias. */
  conv(name: string, k: number, inChannels: number, outChannels: number, bias = false): void {
    const fanIn = k * k * inChannels;
    this.params.push({ name: `${name}.weight`, shape: [k, k, inChannels, outChannels], init: { kind: "kaiming-normal", fanIn }, prunable: true });
    if (bias) this.params.push({ name: `${name}.bias`, shape: [outChannels], init: { kind: "fan-in-uniform", fanIn }, prunable: false });
  }

  batchNorm(name: string, channels: number): void {
    const s = batchNormSpecs(name, channels);
    this.params.push(...s.params);
    this.buffers.push(...s.buffers);
  }

  /** A fully connected layer: kernel [in, out] (Kaiming normal, prunable) and bias. */
  dense(name: string, inputs: number, outputs: number): void {
    this.params.push({ name: `${name}.weight`, shape: [inputs, outputs], init: { kind: "kaiming-normal", fanIn: inputs }, prunable: true });
    this.params.push({ name: `${name}.bias`, shape: [outputs], init: { kind: "fan-in-uniform", fanIn: inputs }, prunable: false });
  }
}

/**
 * Conv with PyTorch's symmetric zero padding of (k - 1) / 2 (TensorFlow's "same" pads stride-2 convs on one
 * side only, which would sample other pixels than the reference).
 */
export function conv(p: Params, name: string, x: tf.Tensor4D, stride = 1): tf.Tensor4D {
  const w = p[`${name}.weight`] as tf.Tensor4D;
  const pad = (w.shape[0] - 1) / 2;
  // tfjs-node takes only "same" and "valid": "same" is symmetric at stride 1 (odd k); otherwise pad explicitly.
  const y =
    stride === 1 || pad === 0
      ? tf.conv2d(x, w, stride, pad === 0 ? "valid" : "same")
      : tf.conv2d(tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]), w, stride, "valid");
  const b = p[`${name}.bias`];
  return b ? tf.add(y, b) : y;
}

/**
 * ReLU whose gradient is dy * (y > 0): one kernel where the backend has the project's (tfjs-node's
 * ReluGrad), else three (tfjs-node's Step, which the stock gradient uses, costs five); the same values as
 * tf.relu's gradient everywhere but at exactly 0, where both give 0.
 */
export const relu = tf.customGrad((...args: unknown[]) => {
  const [x, save] = args as [tf.Tensor, (t: tf.Tensor[]) => void];
  const y = tf.relu(x);
  save([y]);
  return { value: y, gradFunc: (dy: tf.Tensor, [out]: tf.Tensor[]) => reluGrad(dy, out) };
}) as <T extends tf.Tensor>(x: T) => T;

const reluGrad = (dy: tf.Tensor, y: tf.Tensor): tf.Tensor =>
  hasKernel(RELU_GRAD) ? (tf.engine().runKernel(RELU_GRAD, { dy, y }, {}) as tf.Tensor) : tf.mul(dy, tf.cast(tf.greater(y, 0), "float32"));

/**
 * relu(a + b) for a and b of one shape (a residual block's output): one kernel where the backend has the
 * project's (the same values as the two); the gradient is relu's, passed to both.
 */
export const addRelu = tf.customGrad((...args: unknown[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, (t: tf.Tensor[]) => void];
  const y = hasKernel(ADD_RELU) ? (tf.engine().runKernel(ADD_RELU, { a, b }, {}) as tf.Tensor) : tf.relu(tf.add(a, b));
  save([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, [out]: tf.Tensor[]) => {
      const g = reluGrad(dy, out);
      return [g, tf.clone(g)];
    },
  };
}) as <T extends tf.Tensor>(a: T, b: T) => T;

/**
 * One block of a deep net's forward pass. When no gradient tape records (evaluation), its intermediates are
 * freed as soon as its output exists: a 5,000-image evaluation batch through ResNet-20 would otherwise hold
 * every activation of the pass at once (about 60 of 160-330 MB each). The same ops, so the same bits.
 */
export function block<T extends tf.Tensor>(f: () => T): T {
  const taping = (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
  return taping ? f() : tf.tidy(f);
}

/** Conv, batch norm, ReLU. */
export function convBnRelu(p: Params, convName: string, bnName: string, x: tf.Tensor4D, mode?: ForwardMode, stride = 1): tf.Tensor4D {
  const y = conv(p, convName, x, stride);
  return batchNormRelu(p, bnName, y, mode) ?? relu(batchNorm(p, bnName, y, mode));
}

/**
 * A CIFAR network of `Specs` layers ending in the dense layer "fc", which stays dense as in the reference
 * (pruning_layers_to_ignore = fc.weight); every conv kernel, 1x1 shortcuts included, is prunable.
 */
export function cifarModel(name: string, inputShape: Model["inputShape"], classes: number, s: Specs, forward: Model["forward"]): Model {
  return { name, inputShape, classes, params: s.params, buffers: s.buffers, pruningExclusions: ["fc.weight"], forward };
}
