import { describe, expect, it } from "vitest";
import { angularDistance } from "../lib/lmc/distance";
import { atBatchSize, runBatchGrid } from "../lib/figures/protocols/batch-grid";
import { BATCH_GRID } from "../lib/figures/settings/lenet-fashion-batch";
import { sgdTraining } from "../lib/search/unstable";
import { HostParams } from "../lib/models/params";

const params = (...values: number[][]): HostParams => Object.fromEntries(values.map((v, i) => [`w${i}`, { shape: [v.length], data: Float32Array.from(v) }]));

describe("angular distance (2 * angle / pi)", () => {
  it("is 0 for identical, 1 for orthogonal and 2 for opposite weight vectors, across parameters", () => {
    const a = params([1, 2], [3]);
    expect(angularDistance(a, params([1, 2], [3]))).toBeCloseTo(0, 6);
    expect(angularDistance(a, params([2, 4], [6]))).toBeCloseTo(0, 6); // scale does not matter
    expect(angularDistance(params([1, 0], [0]), params([0, 1], [0]))).toBeCloseTo(1, 6);
    expect(angularDistance(a, params([-1, -2], [-3]))).toBeCloseTo(2, 6);
  });

  it("counts only the weights a mask keeps", () => {
    const mask = params([1, 0], [1]);
    // Outside the mask the vectors are opposite; inside they agree.
    expect(angularDistance(params([1, 5], [2]), params([1, -5], [2]), ["w0", "w1"], mask)).toBeCloseTo(0, 6);
  });

  it("refuses a zero vector instead of returning NaN", () => {
    expect(() => angularDistance(params([0, 0]), params([1, 0]))).toThrow("zero weight vector");
  });
});

describe("the same epochs at another batch size", () => {
  it("scales steps, rate drops and warm-up by 1 / batch and holds the rate", () => {
    const base = { ...sgdTraining(0.1, 128, 3000, [2000]), warmupSteps: 300 };
    const big = atBatchSize(base, 2048);
    expect(big).toMatchObject({ batchSize: 2048, lr: 0.1, steps: 188, lrDropSteps: [125], warmupSteps: 19, momentum: 0.9 });
    expect(atBatchSize(base, 128)).toEqual(base);
    expect(() => atBatchSize(base, 0)).toThrow("batch size 0 must be a positive integer.");
  });

  it("rejects levels outside the IMP rounds and an empty batch list, in one line", async () => {
    await expect(runBatchGrid({ ...BATCH_GRID.quick, levels: [3] })).rejects.toThrow("level 3 must be an integer in 1..2 (maxLevel).");
    await expect(runBatchGrid({ ...BATCH_GRID.quick, batchSizes: [] })).rejects.toThrow("batchSizes is empty");
  });
});
