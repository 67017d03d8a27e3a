import * as tf from "@tensorflow/tfjs";
import { ModelFactory } from "./model";
import { Specs, block, cifarModel, convBnRelu } from "./layers";
import { dense } from "./dense";

/** A VGG plan: conv layers by output channels, "M" for a 2x2 max pool. */
export type VggPlan = (number | "M")[];

export const VGG16_PLAN: VggPlan = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512];

/**
 * VGG for CIFAR with batch norm, as in the lottery-ticket papers' reference: 3x3 convs (with bias) each
 * followed by batch norm and ReLU, 2x2 max pools where the plan says, then a 2x2 average pool over what is
 * left of a 32x32 input and one fully connected output layer. Names: layers.<i>.conv, layers.<i>.bn, fc.
 */
export function cifarVgg(name: string, plan: VggPlan): ModelFactory {
  return (inputShape, classes) => {
    const [height, width, channels] = inputShape;
    const s = new Specs();
    const ops: (string | "M")[] = [];
    let inC = channels;
    let h = height;
    let w = width;
    for (const item of plan) {
      if (item === "M") {
        ops.push("M");
        h = Math.floor(h / 2);
        w = Math.floor(w / 2);
        continue;
      }
      const id = `layers.${ops.filter((o) => o !== "M").length}`;
      s.conv(`${id}.conv`, 3, inC, item, true);
      s.batchNorm(`${id}.bn`, item);
      ops.push(id);
      inC = item;
    }
    if (h < 2 || w < 2) throw new Error(`${name}: a ${height}x${width} input is too small for the plan's poolings`);
    const pooledH = Math.floor(h / 2);
    const pooledW = Math.floor(w / 2);
    const flat = pooledH * pooledW * inC;
    s.dense("fc", flat, classes);
    return cifarModel(name, inputShape, classes, s, (p, x, mode) => {
      let a = tf.reshape(x, [x.shape[0], height, width, channels]) as tf.Tensor4D;
      for (const op of ops) {
        const input = a;
        a = op === "M" ? tf.maxPool(input, 2, 2, "valid") : block(() => convBnRelu(p, `${op}.conv`, `${op}.bn`, input, mode));
      }
      a = tf.avgPool(a, 2, 2, "valid");
      return dense(p, "fc", tf.reshape(a, [x.shape[0], flat]) as tf.Tensor2D);
    });
  };
}
