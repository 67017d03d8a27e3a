import * as tf from "@tensorflow/tfjs";
import { ParamSpec } from "./model";

/** Parameters of a fully connected layer: kernel [in, out] (x @ W) and bias [out]. */
export function denseParams(name: string, fanIn: number, fanOut: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [fanIn, fanOut], init: { kind: "kaiming-normal", fanIn }, prunable: true },
    { name: `${name}.bias`, shape: [fanOut], init: { kind: "fan-in-uniform", fanIn }, prunable: false },
  ];
}

export function dense(params: Record<string, tf.Tensor>, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, params[`${name}.weight`] as tf.Tensor2D), params[`${name}.bias`]);
}
