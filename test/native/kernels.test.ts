import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend";
import { backendTag, nativePackage } from "../../lib/backend-choice";
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import {
  ADD_RELU,
  BATCH_NORM_RELU_TRAINING,
  BATCH_NORM_RELU_TRAINING_GRAD,
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  OPTIMIZER_UPDATE,
  RELU_GRAD,
  RUNNING_AVERAGE,
  hasKernel,
} from "../../lib/kernels/project";
import { tensorflowOpsPath } from "../../lib/kernels/tensorflow-ops";
import { addRelu } from "../../lib/models/layers";
import { BN_EPSILON, trainingMode } from "../../lib/models/batch-norm";
import { applyUpdate, slotNames } from "../../lib/train/optimizer";
import { TrainHparams } from "../../lib/train/hparams";
import { BATCH_NORM_SETTING, BATCH_NORM_TAG, TENSORFLOW_SETTINGS } from "../../lib/kernels/tensorflow-settings";
import { ensureRun } from "../../lib/materialise/run";
import { loadWeights } from "../../lib/store/runs";
import { runTasks } from "../../lib/parallel/pool";
import { tinyRun } from "../support/tiny";
import { freshResults } from "../support/env";

/**
 * The project's tfjs-node kernels (lib/kernels/tensorflow.ts) against tfjs's reference implementation, the
 * cpu backend's kernels, gradients included; and the settings that make tfjs-node's bits a function of the
 * config (tensorflow-settings.ts).
 */
if (!nativePackage()) throw new Error("tfjs-node is not installed: run `npm run native` first.");

type Arrays = { shape: number[]; values: Float32Array }[];
const host = (ts: tf.Tensor[]): Arrays => ts.map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));

/** `f` of the same host inputs on cpu (tfjs's reference kernels) and on tensorflow, as host arrays. */
async function onBoth(inputs: Arrays, f: (...xs: tf.Tensor[]) => tf.Tensor[]): Promise<{ cpu: Arrays; tensorflow: Arrays }> {
  const run = () => tf.tidy(() => host(f(...inputs.map((a) => tf.tensor(a.values, a.shape)))));
  await tf.setBackend("cpu");
  const cpu = run();
  await initBackend(); // LOTTERY_BACKEND=tensorflow in this suite
  return { cpu, tensorflow: run() };
}

/** Largest difference relative to the largest reference value, per output. */
function relativeError(a: Arrays, b: Arrays): number[] {
  return a.map((x, i) => {
    expect(b[i].shape).toEqual(x.shape);
    let diff = 0;
    let scale = 0;
    x.values.forEach((v, j) => {
      diff = Math.max(diff, Math.abs(v - b[i].values[j]));
      scale = Math.max(scale, Math.abs(v));
    });
    return diff / Math.max(scale, 1e-30);
  });
}

function random(shape: number[], seed: number, mean = 0, std = 1): Arrays[number] {
  return { shape, values: tf.tidy(() => tf.randomNormal(shape, mean, std, "float32", seed).dataSync() as Float32Array) };
}

beforeAll(async () => {
  expect(process.env.LOTTERY_BACKEND).toBe("tensorflow");
  await initBackend();
});

/** Runs `f` with tfjs-node's batch norm set to `choice` (tensorflow-settings.ts), then restores the setting. */
async function withBatchNorm<T>(choice: "project" | "tensorflow", f: () => Promise<T> | T): Promise<T> {
  const saved = process.env[BATCH_NORM_SETTING];
  process.env[BATCH_NORM_SETTING] = choice;
  try {
    await initBackend(); // registers the chosen batch norm
    return await f();
  } finally {
    if (saved === undefined) delete process.env[BATCH_NORM_SETTING];
    else process.env[BATCH_NORM_SETTING] = saved;
    await initBackend();
  }
}

// Both batch norms, over 5 channels (the project's one-channel-at-a-time path), 8 (its SIMD path, four at a
// time) and a mean far from zero against a small spread (where a one-pass variance would cancel).
describe.each([
  ["TensorFlow's", "tensorflow", [16, 6, 6, 5], 0.7, 2],
  ["the project's", "project", [16, 6, 6, 5], 0.7, 2],
  ["the project's", "project", [32, 4, 4, 8], -1.5, 0.5],
  ["the project's", "project", [8, 4, 4, 8], 300, 0.01],
] as const)("%s batch norm in training mode (tfjs-node), x of shape %j", (_, choice, shape, mean, std) => {
  const c = shape[3];
  const inputs = [random([...shape], 1, mean, std), random([c], 2, 0.5, 0.2), random([c], 3), random([...shape], 4)];
  const n = shape[0] * shape[1] * shape[2];
  const reference = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
    const { mean: m, variance } = tf.moments(x, [0, 1, 2]);
    return { y: tf.batchNorm4d(x as tf.Tensor4D, m as tf.Tensor1D, variance as tf.Tensor1D, offset as tf.Tensor1D, scale as tf.Tensor1D, BN_EPSILON), mean: m, variance };
  };

  it("normalises with the batch's statistics as the reference does, and gives the mean and unbiased variance", async () => {
    const { cpu, tensorflow } = await withBatchNorm(choice, () =>
      onBoth(inputs, (x, scale, offset) => {
        if (tf.getBackend() === "cpu") {
          const r = reference(x, scale, offset);
          return [r.y, r.mean, tf.mul(r.variance, n / (n - 1))];
        }
        return (tf.engine().runKernel(BATCH_NORM_TRAINING, { x, scale, offset }, { epsilon: BN_EPSILON } as never) as unknown as tf.Tensor[]).slice(0, 3);
      }),
    );
    for (const e of relativeError(cpu, tensorflow)) expect(e).toBeLessThan(1e-5);
  });

  it("has the gradients of the reference's batch norm with batch statistics (x, scale and offset)", async () => {
    const { cpu, tensorflow } = await withBatchNorm(choice, () =>
      onBoth(inputs, (x, scale, offset, dy) => {
        if (tf.getBackend() === "cpu") return tf.grads((xs: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(reference(xs, s, o).y, dy)))([x, scale, offset]);
        const [, , , ...reserve] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x, scale, offset }, { epsilon: BN_EPSILON } as never) as unknown as tf.Tensor[];
        const reserves = Object.fromEntries(reserve.map((t, i) => [`reserve${i + 1}`, t]));
        return tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy, x, scale, ...reserves }, { epsilon: BN_EPSILON } as never) as unknown as tf.Tensor[];
      }),
    );
    for (const e of relativeError(cpu, tensorflow)) expect(e).toBeLessThan(1e-4);
  });

  it.runIf(choice === "project")("with the ReLU fused, gives relu(batch norm) and its gradients", async () => {
    const { cpu, tensorflow } = await withBatchNorm(choice, () =>
      onBoth(inputs, (x, scale, offset, dy) => {
        const f = (xs: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.relu(reference(xs, s, o).y);
        if (tf.getBackend() === "cpu") return [f(x, scale, offset), ...tf.grads((xs: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(f(xs, s, o), dy)))([x, scale, offset])];
        const [y, , , ...reserve] = tf.engine().runKernel(BATCH_NORM_RELU_TRAINING, { x, scale, offset }, { epsilon: BN_EPSILON } as never) as unknown as tf.Tensor[];
        const reserves = Object.fromEntries(reserve.map((t, i) => [`reserve${i + 1}`, t]));
        return [y, ...(tf.engine().runKernel(BATCH_NORM_RELU_TRAINING_GRAD, { dy, x, scale, y, ...reserves }, { epsilon: BN_EPSILON } as never) as unknown as tf.Tensor[])];
      }),
    );
    for (const e of relativeError(cpu, tensorflow)) expect(e).toBeLessThan(1e-4);
  });
});

describe("the choice of batch norm on tfjs-node", () => {
  it("is named in the run identity, and selects the kernels", async () => {
    expect(backendTag("resnet-20-4")).toEqual({ backend: "tensorflow/onednn-avx2-1thread-lottery-bn" });
    expect(tf.getKernel(BATCH_NORM_RELU_TRAINING, "tensorflow")).toBeDefined();
    await withBatchNorm("tensorflow", () => {
      expect(backendTag("resnet-20-4")).toEqual({ backend: "tensorflow/onednn-avx2-1thread" });
      expect(tf.getKernel(BATCH_NORM_RELU_TRAINING, "tensorflow")).toBeUndefined();
    });
    expect(tf.getKernel(BATCH_NORM_RELU_TRAINING, "tensorflow")).toBeDefined();
  });

  // The bits of the project's batch norm on fixed inputs: a change to its arithmetic must change BATCH_NORM_TAG
  // (the cache would otherwise mix its old and new bits), and then this fixture.
  it("the project's gives the bits its tag stands for", async () => {
    const [x, scale, offset, dy] = [random([16, 4, 4, 8], 1, 0.3, 1.7), random([8], 2, 0.5, 0.2), random([8], 3), random([16, 4, 4, 8], 4)].map((a) => tf.tensor(a.values, a.shape));
    const outs = tf.tidy(() => {
      const [y, mean, variance, ...reserve] = tf.engine().runKernel(BATCH_NORM_RELU_TRAINING, { x, scale, offset }, { epsilon: BN_EPSILON } as never) as unknown as tf.Tensor[];
      const reserves = Object.fromEntries(reserve.map((t, i) => [`reserve${i + 1}`, t]));
      return [y, mean, variance, ...(tf.engine().runKernel(BATCH_NORM_RELU_TRAINING_GRAD, { dy, x, scale, y, ...reserves }, { epsilon: BN_EPSILON } as never) as unknown as tf.Tensor[])];
    });
    const hash = createHash("sha256");
    for (const b of bits(outs)) hash.update(Buffer.from(new Uint32Array(b).buffer));
    expect(BATCH_NORM_TAG).toBe("-lottery-bn");
    expect(hash.digest("hex").slice(0, 16)).toBe("520405e834f745e4");
  });
});

describe("ReLU's gradient and the 1x1 strided filter gradient (tfjs-node)", () => {
  it("ReluGrad is dy where the ReLU's output is positive, as tf.relu's gradient", async () => {
    const { cpu, tensorflow } = await onBoth([random([7, 9], 5), random([7, 9], 6)], (x, dy) =>
      tf.getBackend() === "cpu" ? [tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), dy)))(x)] : [tf.engine().runKernel(RELU_GRAD, { dy, y: tf.relu(x) }, {}) as tf.Tensor],
    );
    expect(relativeError(cpu, tensorflow)).toEqual([0]);
  });

  // The shapes of a narrow ResNet's shortcut, where TensorFlow's own kernel corrupts the heap.
  // Sizes the stride divides take the reshape-and-slice subsampling; 9 at stride 2 takes the strided copy.
  it.each([
    [4, 8, 2, 9],
    [4, 8, 2, 8],
    [3, 5, 3, 9],
    [8, 16, 2, 8],
  ])("a 1x1 filter's gradient at stride s (%i -> %i channels, s = %i, %i-pixel square input) equals the reference's", async (cin, cout, s, size) => {
    const x = random([6, size, size, cin], 7);
    const out = Math.floor((size - 1) / s) + 1;
    const dy = random([6, out, out, cout], 8);
    const { cpu, tensorflow } = await onBoth([x, dy], (xs, d) => [
      tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xs as tf.Tensor4D, w as tf.Tensor4D, s, "valid"), d)))(tf.ones([1, 1, cin, cout])),
    ]);
    for (const e of relativeError(cpu, tensorflow)) expect(e).toBeLessThan(1e-5);
  });
});

/** The raw bits of each output, so that -0 and +0 or two NaNs are told apart. */
const bits = (ts: tf.Tensor[]): number[][] => ts.map((t) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer)));

/** `f` with the project's TensorFlow ops, and again with their kernels unregistered (the tensor forms). */
function withAndWithoutOps<T>(f: () => Promise<T> | T): Promise<{ ops: T; tensorForms: T }> {
  return (async () => {
    const ops = await f();
    const kernels = OPS.map((name) => tf.getKernel(name, "tensorflow")!);
    for (const name of OPS) tf.unregisterKernel(name, "tensorflow");
    try {
      return { ops, tensorForms: await f() };
    } finally {
      for (const k of kernels) tf.registerKernel(k);
    }
  })();
}
const OPS = [ADD_RELU, RUNNING_AVERAGE, OPTIMIZER_UPDATE];

describe("the project's TensorFlow ops (lib/kernels/native/)", () => {
  it("are built by npm run native and loaded with the backend", () => {
    expect(existsSync(tensorflowOpsPath())).toBe(true);
    for (const name of OPS) expect(tf.getKernel(name, "tensorflow"), name).toBeDefined();
  });

  it("relu(a + b), its gradient and the running averages have the bits of their tensor forms", async () => {
    const shape = [8, 5, 5, 6];
    const [a, b, dy] = [1, 2, 3].map((seed) => tf.randomNormal(shape, 0, 1, "float32", seed));
    // Exact zeros and a cancellation to exactly zero in the sum, where ReLU's edge cases lie.
    const zeros = tf.concat([tf.zeros([1, 5, 5, 6]), tf.slice(a, [1, 0, 0, 0], [7, 5, 5, 6])]);
    const running = [4, 5, 6, 7].map((seed) => tf.randomUniform([256], 0, 2, "float32", seed));
    const f = () =>
      tf.tidy(() => {
        const [y, grads] = [addRelu(zeros, tf.neg(a)), tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(addRelu(x, z), dy)))([a, b])];
        const { mode, updates } = trainingMode({ "bn.running_mean": running[0], "bn.running_var": running[1] });
        mode.record("bn", running[2], running[3]);
        const out = bits([y, ...grads, updates["bn.running_mean"], updates["bn.running_var"]]);
        tf.dispose(Object.values(updates));
        return out;
      });
    const { ops, tensorForms } = await withAndWithoutOps(f);
    expect(ops).toEqual(tensorForms);
  });

  it.each([
    ["SGD with momentum and weight decay, masked", { optimizer: "sgd", momentum: 0.9, weightDecay: 1e-4 }, true],
    ["SGD with momentum, no weight decay", { optimizer: "sgd", momentum: 0.9, weightDecay: 0 }, false],
    ["plain SGD", { optimizer: "sgd", momentum: 0, weightDecay: 5e-4 }, false],
    ["Adam, masked", { optimizer: "adam", momentum: 0, weightDecay: 1e-4 }, true],
  ] as const)("the optimizer update (%s) has the bits of its tensor form", async (_, h, masked) => {
    const hp = { ...tinyRun().train, ...h } as TrainHparams;
    const p = tf.randomNormal([3, 3, 4, 8], 0, 1, "float32", 11);
    const grad = tf.randomNormal([3, 3, 4, 8], 0, 1, "float32", 12);
    const mask = masked ? tf.cast(tf.greater(tf.randomUniform([3, 3, 4, 8], 0, 1, "float32", 13), 0.5), "float32") : undefined;
    const slots = Object.fromEntries(slotNames(hp).map((s, i) => [`${s}/w`, tf.randomUniform([3, 3, 4, 8], 0, 0.1, "float32", 14 + i)]));
    const f = () =>
      tf.tidy(() => {
        const next: Record<string, tf.Tensor> = {};
        const updated = applyUpdate(hp, { name: "w", p, grad, mask }, 0.0371, 7, slots, next, hasKernel(OPTIMIZER_UPDATE));
        return bits([updated, ...Object.values(next)]);
      });
    const { ops, tensorForms } = await withAndWithoutOps(f);
    expect(ops.length).toBe(1 + slotNames(hp).length);
    expect(ops).toEqual(tensorForms);
  });

  it("train a narrow ResNet to the bits of the tensor forms", async () => {
    const config = tinyRun(
      { model: "resnet-20-4", data: { dataset: "mnist", trainSubset: 128, testSubset: 64 } },
      { batchSize: 32, steps: 3, warmupSteps: 2, lrDropSteps: [], lr: 0.1 },
    );
    const train = async () => {
      freshResults();
      await ensureRun(config);
      return loadWeights(config, 3);
    };
    const { ops, tensorForms } = await withAndWithoutOps(train);
    for (const name of Object.keys(ops)) expect(new Uint32Array(ops[name].data.buffer), name).toEqual(new Uint32Array(tensorForms[name].data.buffer));
  }, 240_000);
});

describe("tfjs-node's settings", () => {
  it("are pinned in this process and named in the run identity", async () => {
    for (const [key, value] of Object.entries(TENSORFLOW_SETTINGS)) expect(process.env[key]).toBe(value);
    expect(backendTag("resnet-20-4")).toEqual({ backend: "tensorflow/onednn-avx2-1thread-lottery-bn" });
  });

  it("give a narrow ResNet the same bits in this thread, again, and in a worker thread", async () => {
    // Batch norm, ReLU and the strided 1x1 shortcut all go through the project's kernels here.
    const config = tinyRun(
      { model: "resnet-20-4", data: { dataset: "mnist", trainSubset: 128, testSubset: 64 } },
      { batchSize: 32, steps: 4, warmupSteps: 0, lrDropSteps: [], lr: 0.1 },
    );
    freshResults();
    await ensureRun(config);
    const first = loadWeights(config, 4);
    freshResults();
    await ensureRun(config);
    const again = loadWeights(config, 4);
    freshResults();
    await runTasks([{ kind: "run", config }, { kind: "run", config: { ...config, initSeed: 2 } }], 2);
    const worker = loadWeights(config, 4);
    for (const name of Object.keys(first)) {
      expect(again[name].data, name).toEqual(first[name].data);
      expect(worker[name].data, name).toEqual(first[name].data);
    }
  }, 240_000);
});
