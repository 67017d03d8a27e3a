import * as tf from "@tensorflow/tfjs";
import { HostParams, Params } from "./params";

/** How a parameter is initialised. */
export type Init =
  /** Kaiming (He) normal, fan-in mode, ReLU gain: N(0, 2 / fanIn). */
  | { kind: "kaiming-normal"; fanIn: number }
  /** Uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)): the usual default for biases. */
  | { kind: "fan-in-uniform"; fanIn: number }
  | { kind: "constant"; value: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  /** Conv and dense kernels are prunable; biases and normalisation parameters never are. */
  prunable: boolean;
}

/** A model: named parameters and a pure forward function from them to logits. */
export interface Model {
  name: string;
  /** Shape of one input example, [height, width, channels]. */
  inputShape: [number, number, number];
  classes: number;
  params: ParamSpec[];
  /** Prunable parameters that the reference implementation leaves dense by default (e.g. the output layer). */
  pruningExclusions: string[];
  /** Logits for a batch `x` of shape [batch, height, width, channels]. */
  forward(params: Params, x: tf.Tensor): tf.Tensor2D;
}

export type ModelFactory = (inputShape: [number, number, number], classes: number) => Model;

export type { HostParams };
