import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { defaultBackend } from "../lib/backend-choice";
import { getModel } from "../lib/models/registry";
import { initParams } from "../lib/models/init";
import { HostParams, countParams, toDevice, toHost } from "../lib/models/params";
import { BN_MOMENTUM, isBuffer, trainingMode } from "../lib/models/batch-norm";
import { Model } from "../lib/models/model";
import { Specs } from "../lib/models/layers";
import { batchNorm } from "../lib/models/batch-norm";
import { prunableNames } from "../lib/prune/mask";
import { recomputeStatistics } from "../lib/lmc/bn-statistics";
import { l2Distance } from "../lib/lmc/distance";
import { ensureRun } from "../lib/materialise/run";
import { loadWeights, readState, splitState, writeState } from "../lib/store/runs";
import { deviceData } from "../lib/data/device";
import { freshOptimizer } from "../lib/train/optimizer";
import { TrainState, trainTo } from "../lib/train/train";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunConfig } from "../lib/store/run-config";
import { linearPath } from "../lib/lmc/path";
import { ensureMask } from "../lib/materialise/run";
import { freshResults } from "./support/env";
import { tinyRun } from "./support/tiny";

const trainable = (m: Model) => m.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
const bufferSize = (m: Model) => (m.buffers ?? []).reduce((n, b) => n + b.shape.reduce((a, c) => a * c, 1), 0);

/** A tiny ResNet run: the narrowest ResNet-20 on 256 MNIST examples, SGD with momentum. */
function resnetRun(over: Partial<RunConfig> = {}): RunConfig {
  return tinyRun({ model: "resnet-20-4", data: { dataset: "mnist", trainSubset: 256, testSubset: 256 }, ...over }, { batchSize: 32, steps: 6, warmupSteps: 0, lrDropSteps: [4] });
}

/** One batch-norm layer over 2 input channels, then the output layer: small enough to check by hand. */
function tinyBnModel(): Model {
  const s = new Specs();
  s.batchNorm("bn", 2);
  s.dense("fc", 2, 2);
  return {
    name: "tiny-bn",
    inputShape: [1, 1, 2],
    classes: 2,
    params: s.params,
    buffers: s.buffers,
    pruningExclusions: [],
    forward(p, x, mode) {
      const a = batchNorm(p, "bn", tf.reshape(x, [x.shape[0], 1, 1, 2]), mode);
      return tf.add(tf.matMul(tf.reshape(a, [x.shape[0], 2]), p["fc.weight"] as tf.Tensor2D), p["fc.bias"]);
    },
  };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const unbiasedVar = (v: number[]) => v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1);

describe("batch-norm models", () => {
  beforeAll(async () => {
    freshResults();
    expect((await initBackend()).name).toBe(defaultBackend());
  });

  // Counts of the reference architectures in PyTorch (trainable parameters, running statistics).
  it.each([
    ["resnet-20", 272474, 1568],
    ["resnet-20-8", 68786, 784],
    ["resnet-56", 855770, 4256],
    ["vgg-16", 14728266, 8448],
  ])("%s has the reference's parameter and running-statistic counts", (name, params, buffers) => {
    const model = getModel(name, [32, 32, 3], 10);
    expect(trainable(model)).toBe(params);
    expect(bufferSize(model)).toBe(buffers);
    expect(countParams(initParams(model, 1))).toBe(params + buffers);
    // Conv kernels (shortcuts included) are pruned, the output layer and all batch-norm parameters are not.
    const names = prunableNames(model);
    expect(names).not.toContain("fc.weight");
    expect(names.every((n) => n.endsWith(".weight") && !n.includes("bn"))).toBe(true);
  });

  it("resnet-20 and vgg-16 give logits [batch, classes] on CIFAR-sized input, in both modes", () => {
    for (const name of ["resnet-20", "vgg-16"]) {
      const model = getModel(name, [32, 32, 3], 10);
      const params = toDevice(initParams(model, 1));
      const x = tf.randomUniform([2, 32, 32, 3], -1, 1, "float32", 3);
      const evalLogits = model.forward(params, x);
      const { mode, updates } = trainingMode(params);
      const trainLogits = model.forward(params, x, mode);
      expect(evalLogits.shape).toEqual([2, 10]);
      expect(trainLogits.shape).toEqual([2, 10]);
      expect(Object.keys(updates).sort()).toEqual(model.buffers!.map((b) => b.name).sort());
      expect(Array.from(trainLogits.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([evalLogits, trainLogits, ...Object.values(updates), ...Object.values(params)]);
    }
  });

  it("training mode updates running statistics as PyTorch does (momentum 0.1, unbiased variance)", async () => {
    const model = tinyBnModel();
    const params = toDevice(initParams(model, 1));
    const rows = [[1, 10], [2, 20], [6, 30]];
    const { mode, updates } = trainingMode(params);
    model.forward(params, tf.tensor(rows.flat(), [3, 1, 1, 2]), mode);
    for (const c of [0, 1]) {
      const column = rows.map((r) => r[c]);
      expect((await updates["bn.running_mean"].data())[c]).toBeCloseTo(BN_MOMENTUM * mean(column), 5);
      expect((await updates["bn.running_var"].data())[c]).toBeCloseTo((1 - BN_MOMENTUM) + BN_MOMENTUM * unbiasedVar(column), 4);
    }
  });

  it("training-mode batch norm and ReLU have the gradients of their plain tfjs formulation", async () => {
    const model = getModel("resnet-20-4", [8, 8, 3], 10);
    const params = toDevice(initParams(model, 2));
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, "float32", 9);
    const names = Object.keys(params).filter((n) => !isBuffer(n));
    const gradsOf = (forward: (p: Record<string, tf.Tensor>) => tf.Tensor) =>
      tf.grads((...ps: tf.Tensor[]) => {
        const q = { ...params };
        names.forEach((n, i) => (q[n] = ps[i]));
        return tf.sum(tf.mul(forward(q), tf.range(0, 40).reshape([4, 10])));
      })(names.map((n) => params[n]));
    const ours = gradsOf((q) => model.forward(q, x, trainingMode(q).mode));
    // The same network written with tf.moments, tf.batchNorm and tf.relu, differentiated by tfjs itself.
    const plain = (q: Record<string, tf.Tensor>, t: tf.Tensor4D, bn: string) => {
      const { mean, variance } = tf.moments(t, [0, 1, 2]);
      return tf.batchNorm4d(t, mean as tf.Tensor1D, variance as tf.Tensor1D, q[`${bn}.bias`] as tf.Tensor1D, q[`${bn}.weight`] as tf.Tensor1D, 1e-5);
    };
    const conv = (q: Record<string, tf.Tensor>, name: string, t: tf.Tensor4D, stride: number) => {
      const w = q[`${name}.weight`] as tf.Tensor4D;
      return w.shape[0] === 1 ? tf.conv2d(t, w, stride, "valid") : tf.conv2d(tf.pad(t, [[0, 0], [1, 1], [1, 1], [0, 0]]), w, stride, "valid");
    };
    const reference = gradsOf((q) => {
      let a = tf.relu(plain(q, conv(q, "conv", x as tf.Tensor4D, 1), "bn"));
      for (let i = 0; i < 9; i++) {
        const id = `blocks.${i}`;
        const stride = i === 3 || i === 6 ? 2 : 1;
        let o = tf.relu(plain(q, conv(q, `${id}.conv1`, a, stride), `${id}.bn1`));
        o = plain(q, conv(q, `${id}.conv2`, o, 1), `${id}.bn2`);
        const short = q[`${id}.shortcut.conv.weight`] ? plain(q, conv(q, `${id}.shortcut.conv`, a, stride), `${id}.shortcut.bn`) : a;
        a = tf.relu(tf.add(o, short)) as tf.Tensor4D;
      }
      return tf.add(tf.matMul(tf.mean(a, [1, 2]) as tf.Tensor2D, q["fc.weight"] as tf.Tensor2D), q["fc.bias"]);
    });
    for (let i = 0; i < names.length; i++) {
      const a = await ours[i].data();
      const b = await reference[i].data();
      const scale = Math.max(...Array.from(b, Math.abs), 1e-3);
      const worst = Math.max(...Array.from(a, (v, j) => Math.abs(v - b[j])));
      expect(worst / scale, names[i]).toBeLessThan(2e-3);
    }
  });

  it("recomputes running statistics along a path as the average over fixed training batches, by hand", async () => {
    const model = tinyBnModel();
    const params = toDevice(initParams(model, 1));
    const rows = [[1, -1], [3, 0], [5, 4], [0, 2], [2, 2], [7, -3], [9, 9]];
    const train = { x: tf.tensor(rows.flat(), [rows.length, 1, 1, 2]), y: tf.tensor1d(rows.map(() => 0), "int32"), count: rows.length };
    const out = recomputeStatistics(model, params, train, { mode: "recompute", batches: 2, batchSize: 3 });
    const batches = [rows.slice(0, 3), rows.slice(3, 6)];
    for (const c of [0, 1]) {
      const means = batches.map((b) => mean(b.map((r) => r[c])));
      const vars = batches.map((b) => unbiasedVar(b.map((r) => r[c])));
      expect((await out["bn.running_mean"].data())[c]).toBeCloseTo(mean(means), 5);
      expect((await out["bn.running_var"].data())[c]).toBeCloseTo(mean(vars), 4);
    }
    // The parameters are shared, not copied; only the statistics are new.
    expect(out["fc.weight"]).toBe(params["fc.weight"]);
    expect(() => recomputeStatistics(model, params, train, { mode: "recompute", batches: 3, batchSize: 3 })).toThrow(/needs 3 x 3 training examples/);
  });

  it("keeps running statistics out of L2 distances unless asked", () => {
    const model = tinyBnModel();
    const a = initParams(model, 1);
    const b: HostParams = { ...a, "bn.running_mean": { shape: [2], data: Float32Array.from([5, 5]) } };
    expect(l2Distance(a, b)).toBe(0);
    expect(l2Distance(a, b, ["bn.running_mean"])).toBeCloseTo(Math.sqrt(50), 5);
  });

  it("saves and restores running statistics exactly: training resumed from a checkpoint file is bit-identical", async () => {
    const config = resnetRun();
    const model = getModel(config.model, [28, 28, 1], 10);
    const data = deviceData(config.data);
    const o = { model, hparams: config.train, train: data.train, dataSeed: 0 };
    const start = (): TrainState => {
      const params = toDevice(initParams(model, 1));
      return { step: 0, params, optimizer: freshOptimizer(config.train, params) };
    };
    const straight = await toHost((await trainTo(start(), 6, o)).params);
    const half = await trainTo(start(), 3, o);
    const path = join(mkdtempSync(join(tmpdir(), "bn-")), "state.safetensors");
    writeState(path, { tensors: { ...(await toHost(half.params)), ...(await toHost(half.optimizer.slots)) }, step: 3, optimizerT: half.optimizer.t });
    const saved = readState(path)!;
    const { params, slots } = splitState(saved.tensors);
    const resumed = await toHost((await trainTo({ step: 3, params: toDevice(params), optimizer: { t: saved.optimizerT, slots: toDevice(slots) } }, 6, o)).params);
    const init = initParams(model, 1);
    const stats = Object.keys(straight).filter(isBuffer);
    expect(stats.length).toBe(model.buffers!.length);
    expect(Object.keys(params).filter(isBuffer)).toEqual(stats);
    for (const n of stats) expect(straight[n].data).not.toEqual(init[n].data);
    for (const n of Object.keys(straight)) expect(resumed[n].data).toEqual(straight[n].data);
  });

  it("rewinding copies the running statistics at k along with the weights", async () => {
    const parent = resnetRun({ initSeed: 3 });
    await ensureRun(parent, { checkpoints: [2] });
    const child = resnetRun({ initSeed: 3, dataSeed: 7, from: { run: parent, step: 2 } });
    await ensureRun(child, { checkpoints: [2] });
    const atK = loadWeights(parent, 2);
    const start = loadWeights(child, 2);
    for (const n of Object.keys(atK)) expect(start[n].data).toEqual(atK[n].data);
  });

  it("a masked ResNet keeps its pruned weights exactly zero (momentum, weight decay, augmentation)", async () => {
    const dense = resnetRun({ initSeed: 4, data: { dataset: "mnist", trainSubset: 256, testSubset: 256, augment: { padding: 4, flip: true } } });
    const mask = { kind: "magnitude" as const, source: dense, fraction: 0.5, scope: "global" as const };
    const sparse = resnetRun({ initSeed: 4, data: dense.data, mask });
    await ensureRun(sparse);
    const m = await ensureMask(mask);
    const w = loadWeights(sparse, 6);
    let pruned = 0;
    for (const [name, t] of Object.entries(m)) {
      t.data.forEach((keep, i) => {
        if (keep === 0) {
          pruned++;
          expect(Math.abs(w[name].data[i])).toBe(0);
        }
      });
    }
    expect(pruned).toBeGreaterThan(0);
  });

  it("records the path's batch-norm treatment, and the two treatments differ off the endpoints", async () => {
    const parent = resnetRun({ initSeed: 5 });
    const a = resnetRun({ initSeed: 5, dataSeed: 1, from: { run: parent, step: 0 } });
    const b = resnetRun({ initSeed: 5, dataSeed: 2, from: { run: parent, step: 0 } });
    const base = { alphas: [0, 0.5, 1], trainEvalSubset: 64 };
    const recomputed = await linearPath(a, b, { ...base, batchNorm: { mode: "recompute", batches: 2, batchSize: 32 } });
    const interpolated = await linearPath(a, b, { ...base, batchNorm: { mode: "interpolate", batches: 1, batchSize: 1 } });
    expect(recomputed.batchNorm).toEqual({ mode: "recompute", batches: 2, batchSize: 32 });
    expect(interpolated.batchNorm?.mode).toBe("interpolate");
    expect(recomputed.test.losses[1]).not.toBe(interpolated.test.losses[1]);
    // Interpolating the stored statistics reproduces the endpoints exactly.
    const summaryA = await ensureRun(a);
    expect(interpolated.test.errors[2]).toBeCloseTo(summaryA.test.error, 10);
  });
});
