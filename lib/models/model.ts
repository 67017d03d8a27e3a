import * as tf from "@tensorflow/tfjs";
import { HostParams, Params } from "./params";

/** How a parameter is initialised. */
export type Init =
  /** Kaiming (He) normal, fan-in mode, ReLU gain: N(0, 2 / fanIn). */
  | { kind: "kaiming-normal"; fanIn: number }
  /** Uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)): the usual default for biases. */
  | { kind: "fan-in-uniform"; fanIn: number }
  | { kind: "uniform"; low: number; high: number }
  | { kind: "constant"; value: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  /** Conv and dense kernels are prunable; biases and normalisation parameters never are. */
  prunable: boolean;
}

/** State that is not trained by gradient (batch norm's running statistics): initial value, shape, name. */
export interface BufferSpec {
  name: string;
  shape: number[];
  value: number;
}

/**
 * Training mode of a forward pass: batch norm normalises with the batch's statistics and reports them
 * (mean and unbiased variance, outside the gradient) through `record`.
 */
export interface ForwardMode {
  record(layer: string, mean: tf.Tensor, unbiasedVariance: tf.Tensor): void;
}

/** A model: named parameters and a pure forward function from them to logits. */
export interface Model {
  name: string;
  /** Shape of one input example, [height, width, channels]. */
  inputShape: [number, number, number];
  classes: number;
  params: ParamSpec[];
  /** Buffers (batch-norm running statistics), kept with the weights under their own names; none for most models. */
  buffers?: BufferSpec[];
  /** Prunable parameters that the reference implementation leaves dense by default (e.g. the output layer). */
  pruningExclusions: string[];
  /**
   * Logits for a batch `x` of shape [batch, height, width, channels]. `params` holds the buffers too.
   * Without `mode` this is evaluation (running statistics); with it, training mode.
   */
  forward(params: Params, x: tf.Tensor, mode?: ForwardMode): tf.Tensor2D;
}

export type ModelFactory = (inputShape: [number, number, number], classes: number) => Model;

export type { HostParams };
