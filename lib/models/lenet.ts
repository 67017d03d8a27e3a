import * as tf from "@tensorflow/tfjs";
import { Model, ModelFactory } from "./model";
import { dense, denseParams } from "./dense";

/**
 * A fully connected network with ReLU hidden layers: "lenet-300-100" has hidden sizes 300 and 100,
 * as in the lottery ticket papers. Layers are named fc1, fc2, ..., and the output layer "fc".
 */
export function fullyConnected(name: string, hidden: number[]): ModelFactory {
  return (inputShape, classes) => {
    const inputs = inputShape[0] * inputShape[1] * inputShape[2];
    const sizes = [inputs, ...hidden];
    const layers = hidden.map((_, i) => `fc${i + 1}`);
    const params = [
      ...layers.flatMap((layer, i) => denseParams(layer, sizes[i], sizes[i + 1])),
      ...denseParams("fc", sizes[sizes.length - 1], classes),
    ];
    const model: Model = {
      name,
      inputShape,
      classes,
      params,
      pruningExclusions: ["fc.weight"],
      forward(p, x) {
        let h = tf.reshape(x, [x.shape[0], inputs]) as tf.Tensor2D;
        for (const layer of layers) h = tf.relu(dense(p, layer, h));
        return dense(p, "fc", h);
      },
    };
    return model;
  };
}
