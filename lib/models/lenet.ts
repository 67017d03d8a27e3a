import * as tf from "@tensorflow/tfjs";
import { Model, ModelFactory } from "./model";
import { dense, denseParams } from "./dense";
import { batchNorm, batchNormSpecs } from "./batch-norm";

/**
 * A fully connected network with ReLU hidden layers: "lenet-300-100" has hidden sizes 300 and 100,
 * as in the lottery ticket papers. Layers are named fc1, fc2, ..., and the output layer "fc".
 * With `batchNorm`, each hidden layer is linear (no bias: the normalisation removes it), batch norm
 * (bn1, bn2, ...: the ResNets' layer, over features), then ReLU: the component the papers' unstable
 * sparse networks have and a plain MLP lacks.
 */
export function fullyConnected(name: string, hidden: number[], options: { batchNorm?: boolean } = {}): ModelFactory {
  return (inputShape, classes) => {
    const inputs = inputShape[0] * inputShape[1] * inputShape[2];
    const sizes = [inputs, ...hidden];
    const layers = hidden.map((_, i) => `fc${i + 1}`);
    const norms = options.batchNorm ? hidden.map((width, i) => batchNormSpecs(`bn${i + 1}`, width)) : [];
    const params = [
      ...layers.flatMap((layer, i) => (options.batchNorm ? denseParams(layer, sizes[i], sizes[i + 1]).filter((q) => q.prunable) : denseParams(layer, sizes[i], sizes[i + 1]))),
      ...norms.flatMap((n) => n.params),
      ...denseParams("fc", sizes[sizes.length - 1], classes),
    ];
    const model: Model = {
      name,
      inputShape,
      classes,
      params,
      ...(options.batchNorm ? { buffers: norms.flatMap((n) => n.buffers) } : {}),
      pruningExclusions: ["fc.weight"],
      forward(p, x, mode) {
        let h = tf.reshape(x, [x.shape[0], inputs]) as tf.Tensor2D;
        for (const [i, layer] of layers.entries()) {
          if (!options.batchNorm) {
            h = tf.relu(dense(p, layer, h));
            continue;
          }
          // Features as channels of a 1x1 image: the ResNets' batch norm, unchanged.
          const linear = tf.matMul(h, p[`${layer}.weight`] as tf.Tensor2D);
          const normed = batchNorm(p, `bn${i + 1}`, tf.reshape(linear, [h.shape[0], 1, 1, sizes[i + 1]]) as tf.Tensor4D, mode);
          h = tf.relu(tf.reshape(normed, [h.shape[0], sizes[i + 1]])) as tf.Tensor2D;
        }
        return dense(p, "fc", h);
      },
    };
    return model;
  };
}
