import * as tf from "@tensorflow/tfjs";
import { ModelFactory } from "./model";
import { Specs, addRelu, block, cifarModel, conv, convBnRelu } from "./layers";
import { dense } from "./dense";
import { batchNorm } from "./batch-norm";

/**
 * The CIFAR ResNet of He et al. (2016) as the lottery-ticket papers use it: a 3x3 conv of `width`
 * channels, then 3 stages of (depth - 2) / 6 basic blocks with width, 2 width and 4 width channels (the
 * first block of stages 2 and 3 halves the resolution with stride 2 and has a 1x1 conv + batch-norm
 * shortcut), global average pooling and a fully connected output layer. Convs have no bias (batch norm
 * follows each). "resnet-20" is depth 20, width 16 (272,474 trainable parameters).
 *
 * Names follow the reference implementation: conv, bn, blocks.<i>.conv1/bn1/conv2/bn2,
 * blocks.<i>.shortcut.conv/bn, fc.
 */
export function cifarResNet(name: string, depth: number, width: number): ModelFactory {
  if ((depth - 2) % 6 !== 0 || depth < 8) throw new Error(`${name}: a CIFAR ResNet's depth is 6n + 2 (8, 14, 20, 32, 56, ...), not ${depth}`);
  const perStage = (depth - 2) / 6;
  return (inputShape, classes) => {
    const [height, widthPx, channels] = inputShape;
    const s = new Specs();
    s.conv("conv", 3, channels, width);
    s.batchNorm("bn", width);
    const blocks: { id: string; stride: number; shortcut: boolean }[] = [];
    let inC = width;
    for (let stage = 0; stage < 3; stage++) {
      const outC = width * 2 ** stage;
      for (let j = 0; j < perStage; j++) {
        const id = `blocks.${blocks.length}`;
        const stride = stage > 0 && j === 0 ? 2 : 1;
        const shortcut = stride !== 1 || inC !== outC;
        s.conv(`${id}.conv1`, 3, inC, outC);
        s.batchNorm(`${id}.bn1`, outC);
        s.conv(`${id}.conv2`, 3, outC, outC);
        s.batchNorm(`${id}.bn2`, outC);
        if (shortcut) {
          s.conv(`${id}.shortcut.conv`, 1, inC, outC);
          s.batchNorm(`${id}.shortcut.bn`, outC);
        }
        blocks.push({ id, stride, shortcut });
        inC = outC;
      }
    }
    s.dense("fc", inC, classes);
    return cifarModel(name, inputShape, classes, s, (p, x, mode) => {
      let a = block(() => convBnRelu(p, "conv", "bn", tf.reshape(x, [x.shape[0], height, widthPx, channels]), mode));
      for (const b of blocks) {
        const input = a;
        a = block(() => {
          const o = batchNorm(p, `${b.id}.bn2`, conv(p, `${b.id}.conv2`, convBnRelu(p, `${b.id}.conv1`, `${b.id}.bn1`, input, mode, b.stride)), mode);
          const short = b.shortcut ? batchNorm(p, `${b.id}.shortcut.bn`, conv(p, `${b.id}.shortcut.conv`, input, b.stride), mode) : input;
          return addRelu(o, short);
        });
      }
      return dense(p, "fc", tf.mean(a, [1, 2]) as tf.Tensor2D);
    });
  };
}
