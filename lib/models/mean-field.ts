import * as tf from "@tensorflow/tfjs";
import { Model, ModelFactory } from "./model";

/** The hidden widths registered as "mean-field-<N>" (a name is a width; the run cache keys on the name). */
export const MEAN_FIELD_WIDTHS = [16, 64, 256, 1000, 2000, 4000, 10000] as const;

export function meanFieldName(width: number): string {
  return `mean-field-${width}`;
}

/**
 * A two-layer network in the mean-field form f(x) = (1/N) sum_i a_i relu(w_i . x), without biases:
 * `fc1.weight` [inputs, N] holds the w_i as columns (He-normal, N(0, 2 / inputs)) and `fc.weight` [N, classes]
 * the a_i as rows (standard normal: in the mean-field scaling each a_i is O(1) and the 1/N does the averaging).
 * The 1/N makes every gradient O(1/N), so SGD needs a learning rate of order N (Wolfe et al. 2021; Mei et al. 2018).
 */
export function meanField(width: number): ModelFactory {
  return (inputShape, classes) => {
    const inputs = inputShape[0] * inputShape[1] * inputShape[2];
    const model: Model = {
      name: meanFieldName(width),
      inputShape,
      classes,
      params: [
        { name: "fc1.weight", shape: [inputs, width], init: { kind: "kaiming-normal", fanIn: inputs }, prunable: true },
        // kaiming-normal with fanIn 2 is N(0, 2 / 2) = N(0, 1).
        { name: "fc.weight", shape: [width, classes], init: { kind: "kaiming-normal", fanIn: 2 }, prunable: true },
      ],
      pruningExclusions: [],
      forward(p, x) {
        const h = tf.relu(tf.matMul(tf.reshape(x, [x.shape[0], inputs]) as tf.Tensor2D, p["fc1.weight"] as tf.Tensor2D));
        return tf.mul(tf.matMul(h, p["fc.weight"] as tf.Tensor2D), 1 / width) as tf.Tensor2D;
      },
    };
    return model;
  };
}

/** Registry entries: one model per width in MEAN_FIELD_WIDTHS. */
export function meanFieldModels(): Record<string, ModelFactory> {
  return Object.fromEntries(MEAN_FIELD_WIDTHS.map((w) => [meanFieldName(w), meanField(w)]));
}
