import * as tf from "@tensorflow/tfjs";
import { Model, ModelFactory, ParamSpec } from "./model";
import { dense, denseParams } from "./dense";
import { relu } from "./layers";

/** Parameters of a 3x3 conv layer: kernel [3, 3, in, out] (tfjs's HWIO filter layout) and bias [out]. */
function convParams(name: string, inChannels: number, outChannels: number): ParamSpec[] {
  const fanIn = 3 * 3 * inChannels;
  return [
    { name: `${name}.weight`, shape: [3, 3, inChannels, outChannels], init: { kind: "kaiming-normal", fanIn }, prunable: true },
    { name: `${name}.bias`, shape: [outChannels], init: { kind: "fan-in-uniform", fanIn }, prunable: false },
  ];
}

/**
 * The Conv-2/4/6 networks of the lottery ticket papers (VGG-like): `convChannels` lists blocks of 3x3
 * same-padded conv + ReLU layers, each block followed by a 2x2 max pool (stride 2, no padding, so odd
 * sizes round down); then fully connected ReLU layers of sizes `dense` and the output layer. Conv
 * layers are named conv1, conv2, ... through all blocks, dense layers fc1, fc2, ..., and the output
 * layer "fc".
 */
export function convNet(name: string, convChannels: number[][], denseSizes: number[]): ModelFactory {
  return (inputShape, classes) => {
    const [height, width, channels] = inputShape;
    const params: ParamSpec[] = [];
    const blocks: string[][] = [];
    let inC = channels;
    let h = height;
    let w = width;
    for (const block of convChannels) {
      const layers: string[] = [];
      for (const outC of block) {
        const layer = `conv${params.length / 2 + 1}`;
        params.push(...convParams(layer, inC, outC));
        layers.push(layer);
        inC = outC;
      }
      blocks.push(layers);
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    if (h < 1 || w < 1) throw new Error(`${name}: a ${height}x${width} input is too small for ${convChannels.length} 2x2 poolings`);
    const flat = h * w * inC;
    const sizes = [flat, ...denseSizes];
    const fcs = denseSizes.map((_, i) => `fc${i + 1}`);
    params.push(...fcs.flatMap((layer, i) => denseParams(layer, sizes[i], sizes[i + 1])));
    params.push(...denseParams("fc", sizes[sizes.length - 1], classes));
    const model: Model = {
      name,
      inputShape,
      classes,
      params,
      // Unlike LeNet's, the conv nets' output layer is pruned in the papers, if at a lower rate than the
      // hidden dense layers; with no per-layer rates here it is simply left prunable like them.
      pruningExclusions: [],
      forward(p, x) {
        let a = tf.reshape(x, [x.shape[0], height, width, channels]) as tf.Tensor4D;
        for (const layers of blocks) {
          for (const layer of layers) {
            // layers.ts's ReLU: tf.relu's gradient values in fewer kernels on tfjs-node (its Step is slow).
            a = relu(tf.add(tf.conv2d(a, p[`${layer}.weight`] as tf.Tensor4D, 1, "same"), p[`${layer}.bias`])) as tf.Tensor4D;
          }
          a = tf.maxPool(a, 2, 2, "valid");
        }
        let f = tf.reshape(a, [x.shape[0], flat]) as tf.Tensor2D;
        for (const layer of fcs) f = tf.relu(dense(p, layer, f));
        return dense(p, "fc", f);
      },
    };
    return model;
  };
}
