import { expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { conv, relu } from "../../lib/models/layers";
import { getModel } from "../../lib/models/registry";
import { initParams } from "../../lib/models/init";
import { toDevice, Params } from "../../lib/models/params";
import { batchNorm, trainingMode } from "../../lib/models/batch-norm";
import { crossEntropy } from "../../lib/train/loss";
import { applyUpdate, freshOptimizer } from "../../lib/train/optimizer";
import { TrainHparams } from "../../lib/train/hparams";
import { fillNormal, rng } from "../../lib/util/rng";
import { describeOnWebgpu, on, relativeError } from "./support";

/**
 * The kernels the models use, their gradients, and the project's own ops (the ReLU and training-mode batch
 * norm with hand-written gradients, the optimizer update as tensor ops), on webgpu against tfjs's cpu
 * backend. float32 on two backends agrees to rounding, not bit for bit (relative error: the largest
 * difference over the largest magnitude of each output). Largest measured on lavapipe: 4e-7 for single
 * kernels, 2.8e-6 for a whole model's gradients (ResNet-20-4); the bounds leave a margin of 10x or more.
 */
const TOLERANCE = 1e-5;
const MODEL_TOLERANCE = 3e-5;

const normal = (seed: number, shape: number[], std = 1) => tf.tensor(fillNormal(rng(seed), new Float32Array(shape.reduce((a, b) => a * b, 1)), std), shape);

/** Runs `fn` on the cpu backend and on webgpu and expects every output to agree. */
async function agrees(what: string, fn: () => tf.Tensor[], tolerance = TOLERANCE): Promise<void> {
  const want = await on("cpu", fn);
  const got = await on("webgpu", fn);
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(relativeError(got[i], w), `${what}, output ${i}`).toBeLessThan(tolerance));
}

describeOnWebgpu("webgpu kernels against the cpu backend", () => {
  it("matrix products, with every transposition", async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      await agrees(`matMul ${ta} ${tb}`, () => {
        const a = normal(1, ta ? [70, 33] : [33, 70]);
        const b = normal(2, tb ? [45, 70] : [70, 45]);
        return [tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, ta, tb)];
      });
    }
  });

  it("convolutions (stride 1, stride 2 padded as PyTorch, 1x1 stride 2) and both gradients", async () => {
    for (const [k, stride] of [[3, 1], [3, 2], [1, 2]] as const) {
      await agrees(`conv ${k}x${k} stride ${stride}`, () => {
        const x = normal(3, [2, 9, 9, 5]) as tf.Tensor4D;
        const p: Params = { "c.weight": normal(4, [k, k, 5, 6], 0.3), "c.bias": normal(5, [6]) };
        const dy = normal(6, tf.tidy(() => conv(p, "c", x, stride).shape));
        const f = (xx: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(conv({ ...p, "c.weight": w }, "c", xx as tf.Tensor4D, stride), dy));
        const [dx, dw] = tf.grads(f)([x, p["c.weight"]]);
        return [conv(p, "c", x, stride), dx, dw];
      });
    }
  });

  it("pooling, the project's ReLU and cross-entropy, with their gradients", async () => {
    await agrees("pooling, relu, cross-entropy", () => {
      const x = normal(7, [3, 8, 8, 4]) as tf.Tensor4D;
      const labels = tf.tensor1d([1, 0, 3], "int32");
      const f = (xx: tf.Tensor) => {
        const a = relu(tf.maxPool(xx as tf.Tensor4D, 2, 2, "valid"));
        const b = tf.avgPool(a, 2, 2, "valid");
        return crossEntropy(tf.reshape(tf.mean(b, [1, 2]), [3, 4]) as tf.Tensor2D, labels);
      };
      return [f(x), tf.grad(f)(x)];
    });
  });

  it("training-mode batch norm: output, gradients and running statistics", async () => {
    await agrees("batch norm", () => {
      const x = normal(8, [4, 5, 5, 3], 2) as tf.Tensor4D;
      const p: Params = { "bn.weight": normal(9, [3]), "bn.bias": normal(10, [3]), "bn.running_mean": tf.zeros([3]), "bn.running_var": tf.ones([3]) };
      const training = trainingMode(p);
      // A random projection of the output: sum(y^2) would have a gradient in x that cancels to rounding noise.
      const r = normal(11, [4, 5, 5, 3]);
      const { value, grads } = tf.valueAndGrads((xx: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(batchNorm({ ...p, "bn.weight": w, "bn.bias": b }, "bn", xx as tf.Tensor4D, training.mode), r)),
      )([x, p["bn.weight"], p["bn.bias"]]);
      return [value, ...grads, training.updates["bn.running_mean"], training.updates["bn.running_var"]];
    });
  });

  it("the loss and every parameter's gradient of LeNet, Conv-2 and a narrow ResNet-20", async () => {
    // Conv-2 and the ResNet on images of half their usual side: the same layers at a quarter of the cpu backend's time.
    for (const [name, shape] of [["lenet-300-100", [28, 28, 1]], ["conv-2", [14, 14, 1]], ["resnet-20-4", [16, 16, 3]]] as const) {
      const model = getModel(name, [...shape], 10);
      const host = initParams(model, 1);
      await agrees(name, () => {
        const params = toDevice(host);
        const names = Object.keys(params).filter((n) => !/running_/.test(n));
        const x = normal(12, [4, ...shape]);
        const y = tf.tensor1d([0, 3, 7, 9], "int32");
        const training = trainingMode(params);
        const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => {
          const p: Params = { ...params };
          names.forEach((n, i) => (p[n] = ps[i]));
          return crossEntropy(model.forward(p, x, model.buffers?.length ? training.mode : undefined), y);
        })(names.map((n) => params[n]));
        return [value, ...grads, ...Object.values(training.updates)];
      }, MODEL_TOLERANCE);
    }
  }, 300_000);

  it("the optimizer update (SGD with momentum and weight decay, Adam), masked", async () => {
    for (const optimizer of ["sgd", "adam"] as const) {
      const h: TrainHparams = { optimizer, lr: 0.1, momentum: 0.9, weightDecay: 1e-3, batchSize: 1, steps: 1, warmupSteps: 0, lrDropSteps: [], lrDropFactor: 1 };
      await agrees(optimizer, () => {
        const p = normal(12, [50, 20]);
        const mask = tf.cast(tf.greater(normal(13, [50, 20]), 0), "float32");
        let slots = freshOptimizer(h, { w: p }).slots;
        let w = p;
        for (let t = 1; t <= 3; t++) {
          const next: Record<string, tf.Tensor> = {};
          w = applyUpdate(h, { name: "w", p: w, grad: normal(20 + t, [50, 20]), mask }, h.lr, t, slots, next);
          slots = next;
        }
        return [w, ...Object.values(slots)];
      });
    }
  });
});
