import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { getModel, hasBatchNorm } from "../lib/models/registry";
import { initParams } from "../lib/models/init";
import { toDevice } from "../lib/models/params";
import { trainingMode } from "../lib/models/batch-norm";
import { averagePool } from "../lib/data/dataset";
import { loadDataset } from "../lib/data/registry";
import { ensureRun } from "../lib/materialise/run";
import { loadWeights } from "../lib/store/runs";
import { SPARSE_CANDIDATES, SPARSE_STAGES, measureSparse } from "../lib/search/sparse-unstable";
import { impLevel } from "../lib/prune/imp";
import { rewindScales } from "../lib/search/rewind-scale";
import { freshResults } from "./support/env";
import { tinyRun } from "./support/tiny";
import { script } from "./support/cli";

beforeAll(async () => {
  freshResults();
  await initBackend("lenet-300-100-bn");
});

describe("the MLP with batch norm", () => {
  it("has batch norm after each hidden layer, no hidden bias, and prunes only the dense kernels", () => {
    const m = getModel("lenet-300-100-bn", [28, 28, 1], 10);
    expect(m.params.map((p) => p.name)).toEqual(["fc1.weight", "fc2.weight", "bn1.weight", "bn1.bias", "bn2.weight", "bn2.bias", "fc.weight", "fc.bias"]);
    expect(m.params.filter((p) => p.prunable).map((p) => p.name)).toEqual(["fc1.weight", "fc2.weight", "fc.weight"]);
    expect((m.buffers ?? []).map((b) => b.name)).toEqual(["bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var"]);
    expect(hasBatchNorm("lenet-300-100-bn")).toBe(true);
    expect(hasBatchNorm("lenet-300-100")).toBe(false);
  });

  it("normalises each hidden feature over the batch in training mode and records its statistics", () => {
    const m = getModel("lenet-300-100-bn", [4, 4, 1], 3);
    const p = toDevice(initParams(m, 1));
    const x = tf.randomNormal([32, 4, 4, 1], 0, 1, "float32", 3);
    const { mode, updates } = trainingMode(p);
    const logits = m.forward(p, x, mode);
    expect(logits.shape).toEqual([32, 3]);
    // running mean moves from 0 toward the batch mean of fc1's outputs (momentum 0.1)
    const pre = tf.matMul(tf.reshape(x, [32, 16]), p["fc1.weight"] as tf.Tensor2D);
    const expected = tf.mul(tf.mean(pre, 0), 0.1).arraySync() as number[];
    const got = updates["bn1.running_mean"].arraySync() as number[];
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    // evaluation uses the running statistics: a different function of the same input
    const evalLogits = m.forward(p, x);
    expect(tf.max(tf.abs(tf.sub(evalLogits, logits))).arraySync()).toBeGreaterThan(1e-3);
  });

  it("trains, and IMP keeps its pruned weights at exactly zero", async () => {
    const run = tinyRun({ model: "lenet-300-100-bn" });
    const dense = await ensureRun(run);
    expect(dense.test.error).toBeLessThan(0.5);
    const level = impLevel({ dense: run, rewindStep: 5, fraction: 0.5, scope: "global" }, 1);
    await ensureRun(level);
    const w = loadWeights(level, level.train.steps);
    const zeros = Array.from(w["fc1.weight"].data as Float32Array).filter((v) => v === 0).length;
    expect(zeros / (w["fc1.weight"].data as Float32Array).length).toBeGreaterThan(0.3);
  });
});

describe("downsampled data", () => {
  it("average-pools each channel over blocks, by hand", () => {
    // one 2x4 image with 2 channels: channel 0 holds 0..7, channel 1 holds 10 * that
    const x = new Float32Array(16);
    for (let i = 0; i < 8; i++) (x[2 * i] = i), (x[2 * i + 1] = 10 * i);
    const { split, shape } = averagePool({ x, y: new Int32Array([3]), count: 1 }, [2, 4, 2], 2);
    expect(shape).toEqual([1, 2, 2]);
    // block (0,0) holds pixels 0,1,4,5 -> 2.5; block (0,1) holds 2,3,6,7 -> 4.5
    expect(Array.from(split.x)).toEqual([2.5, 25, 4.5, 45]);
    expect(Array.from(split.y)).toEqual([3]);
  });

  it("changes the data set's shape, and rejects a factor that does not divide the image in one line", () => {
    const d = loadDataset({ dataset: "mnist", downsample: 2, trainSubset: 100 });
    expect(d.shape).toEqual([14, 14, 1]);
    expect(d.train.x.length).toBe(100 * 14 * 14);
    expect(() => loadDataset({ dataset: "mnist", downsample: 3 })).toThrow(/data\.downsample 3 must be a positive integer that divides the image size 28x28 of mnist; use e\.g\. 2 for 14x14\./);
  });
});

describe("the sparse-instability search", () => {
  it("measures dense and IMP cells at k = 0 and the late steps, and calls the result shown only by its rule", async () => {
    const c = { ...SPARSE_CANDIDATES[0], data: { dataset: "mnist", trainSubset: 600 }, train: { ...SPARSE_CANDIDATES[0].train, steps: 40, lrDropSteps: [30], batchSize: 60 } };
    const plan = { initSeeds: [1], pairs: 1, fraction: 0.5, levels: [1], lateFraction: 0.1, laterFractions: [0.25], alphas: 3, trainEvalSubset: 100, batchNorm: { mode: "recompute" as const, batches: 2, batchSize: 60 } };
    const m = await measureSparse(c, plan);
    expect(m.lateK).toBe(4);
    expect(m.laterKs).toEqual([10]);
    expect(m.denseRuns).toBe(3);
    expect(m.cells.map((x) => [x.k, x.level, x.density])).toEqual([[0, 1, 0.5], [4, 1, 0.5], [10, 1, 0.5]]);
    for (const x of m.cells) expect(x.instabilities).toHaveLength(1);
    const [early, ...lates] = m.cells;
    const rescued = lates.some((late) => late.stable === "yes" && late.matching.matching && !late.matching.borderline);
    const firm = early.stable === "no" && !early.matching.matching && !early.matching.borderline && rescued;
    expect(m.shows).toBe(firm);
    for (const x of m.cells) expect(x.scales.map((l) => l.layer)).toEqual(["fc1.weight", "fc2.weight"]); // the output layer stays dense
  });

  it("names the search's stages, and rejects an unknown one in one line", () => {
    expect(SPARSE_STAGES.map((s) => [s.stage, s.file])).toEqual([[1, "sparse-unstable.json"], [2, "sparse-unstable-stage2.json"], [3, "sparse-unstable-stage3.json"]]);
    expect(SPARSE_STAGES[1].plan.laterFractions).toEqual([0.2]);
    const r = script("search-sparse-unstable", ["--stage", "9"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe("error: --stage 9 is not a stage of the search; choose from: 1, 2, 3.");
  });

  it("measures what the mask keeps of a layer's norm at the rewind point, by hand", () => {
    const weights = { "a.weight": { data: new Float32Array([3, 4, 0, 0]), shape: [4] }, "b.weight": { data: new Float32Array([1, 1]), shape: [2] } };
    const mask = { "a.weight": { data: new Float32Array([1, 0, 1, 1]), shape: [4] }, "b.weight": { data: new Float32Array([1, 1]), shape: [2] } };
    const [a, ...rest] = rewindScales(weights, mask, 0.1);
    expect(rest).toEqual([]); // an unpruned layer is not listed
    expect(a.layer).toBe("a.weight");
    expect(a.density).toBe(0.75);
    expect(a.normKept).toBeCloseTo(3 / 5, 12);
    expect(a.effectiveStepRatio).toBeCloseTo(25 / 9, 12);
    expect(a.denseEffectiveStep).toBeCloseTo(0.1 / 25, 12);
  });
});
