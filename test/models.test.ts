import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { defaultBackend } from "../lib/backend-choice";
import { deviceData } from "../lib/data/device";
import { getModel } from "../lib/models/registry";
import { initParams } from "../lib/models/init";
import { countParams, disposeParams, toDevice } from "../lib/models/params";
import { prunableNames } from "../lib/prune/mask";
import { freshOptimizer } from "../lib/train/optimizer";
import { trainTo } from "../lib/train/train";
import { evaluate } from "../lib/train/evaluate";
import { TrainHparams } from "../lib/train/hparams";
import { UserError } from "../lib/util/errors";

const conv2 = () => getModel("conv-2", [28, 28, 1], 10);

describe("conv nets", () => {
  beforeAll(async () => {
    expect((await initBackend()).name).toBe(defaultBackend());
  });

  it("conv-2 gives logits [batch, classes], for images and for flattened rows alike", () => {
    const model = conv2();
    const params = toDevice(initParams(model, 1));
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 5);
    const logits = model.forward(params, x);
    const flat = model.forward(params, tf.reshape(x, [2, 28 * 28]));
    expect(logits.shape).toEqual([2, 10]);
    expect(flat.dataSync()).toEqual(logits.dataSync());
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, logits, flat]);
    disposeParams(params);
  });

  it("conv-2 has the hand-counted parameters on 28x28x1 MNIST", () => {
    const model = conv2();
    // conv1 3*3*1*64 + 64 = 640; conv2 3*3*64*64 + 64 = 36,928; after one 2x2 pool 14*14*64 = 12,544
    // features: fc1 12,544*256 + 256 = 3,211,520; fc2 256*256 + 256 = 65,792; fc 256*10 + 10 = 2,570.
    expect(countParams(initParams(model, 1))).toBe(640 + 36_928 + 3_211_520 + 65_792 + 2_570);
    expect(countParams(initParams(model, 1))).toBe(3_317_450);
    expect(model.params.map((p) => [p.name, p.shape])).toEqual([
      ["conv1.weight", [3, 3, 1, 64]],
      ["conv1.bias", [64]],
      ["conv2.weight", [3, 3, 64, 64]],
      ["conv2.bias", [64]],
      ["fc1.weight", [12_544, 256]],
      ["fc1.bias", [256]],
      ["fc2.weight", [256, 256]],
      ["fc2.bias", [256]],
      ["fc.weight", [256, 10]],
      ["fc.bias", [10]],
    ]);
    // Kernels are prunable, the output layer's included; biases never.
    expect(prunableNames(model)).toEqual(["conv1.weight", "conv2.weight", "fc1.weight", "fc2.weight", "fc.weight"]);
  });

  it("conv-4 and conv-6 stack their blocks, each halving the image", () => {
    const conv4 = getModel("conv-4", [28, 28, 1], 10);
    const conv6 = getModel("conv-6", [32, 32, 3], 10);
    const shapes = (m: typeof conv4) => Object.fromEntries(m.params.map((p) => [p.name, p.shape]));
    expect(shapes(conv4)["conv4.weight"]).toEqual([3, 3, 128, 128]);
    expect(shapes(conv4)["fc1.weight"]).toEqual([7 * 7 * 128, 256]);
    expect(shapes(conv6)["conv1.weight"]).toEqual([3, 3, 3, 64]);
    expect(shapes(conv6)["conv6.weight"]).toEqual([3, 3, 256, 256]);
    expect(shapes(conv6)["fc1.weight"]).toEqual([4 * 4 * 256, 256]);
  });

  it("conv-2's initial weights are determined by the seed, Kaiming-normal for kernels", () => {
    const model = conv2();
    const a = initParams(model, 7);
    const b = initParams(model, 7);
    const c = initParams(model, 8);
    // Bit-for-bit comparisons (vitest's deep equality takes seconds over 3 million floats).
    const bits = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    for (const name of Object.keys(a)) {
      expect(bits(b[name].data).equals(bits(a[name].data))).toBe(true);
      expect(bits(c[name].data).equals(bits(a[name].data))).toBe(false);
    }
    const w = a["conv2.weight"].data;
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (3 * 3 * 64)), 2);
    const bound = 1 / Math.sqrt(3 * 3 * 64);
    expect(a["conv2.bias"].data.every((v) => Math.abs(v) <= bound)).toBe(true);
  });

  it("a few SGD steps lower conv-2's loss on a small MNIST subset", async () => {
    const model = conv2();
    const data = deviceData({ dataset: "mnist", trainSubset: 120 });
    const h: TrainHparams = {
      optimizer: "sgd",
      lr: 0.02,
      momentum: 0.9,
      weightDecay: 0,
      batchSize: 30,
      steps: 10,
      warmupSteps: 0,
      lrDropSteps: [],
      lrDropFactor: 1,
    };
    const params = toDevice(initParams(model, 1));
    const before = await evaluate(model, params, data.train);
    const state = await trainTo({ step: 0, params, optimizer: freshOptimizer(h, params) }, 10, { model, hparams: h, train: data.train, dataSeed: 3 });
    const after = await evaluate(model, state.params, data.train);
    expect(Number.isFinite(after.loss)).toBe(true);
    expect(after.loss).toBeLessThan(before.loss * 0.8);
    disposeParams(state.params);
    for (const s of Object.values(state.optimizer.slots)) s.dispose();
  });

  it("getModel names the choices for an unknown model", () => {
    expect(() => getModel("conv-9", [28, 28, 1], 10)).toThrow(UserError);
    expect(() => getModel("conv-9", [28, 28, 1], 10)).toThrow(/unknown model "conv-9"; choose one of: lenet-300-100, lenet-300-100-bn, conv-2, conv-4, conv-6/);
  });
});
