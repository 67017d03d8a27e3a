import { describe, expect, it } from "vitest";
import { batchIndices, epochOrder, stepsPerEpoch } from "../lib/data/order";
import { fillNormal, permutation, rng } from "../lib/util/rng";
import { initParams } from "../lib/models/init";
import { getModel } from "../lib/models/registry";

describe("seeded randomness", () => {
  it("the same seed gives the same data order; other seeds and epochs differ", () => {
    expect(epochOrder(7, 0, 1000)).toEqual(epochOrder(7, 0, 1000));
    expect(epochOrder(7, 0, 1000)).not.toEqual(epochOrder(8, 0, 1000));
    expect(epochOrder(7, 0, 1000)).not.toEqual(epochOrder(7, 1, 1000));
  });

  it("an epoch order is a permutation, and batches tile it", () => {
    const order = epochOrder(3, 2, 100);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual([...Array(100).keys()]);
    expect(stepsPerEpoch(100, 30)).toBe(3);
    const perEpoch = stepsPerEpoch(100, 30);
    expect(batchIndices(3, 2 * perEpoch + 1, 100, 30)).toEqual(order.slice(30, 60));
  });

  it("normal draws have the right moments", () => {
    const x = fillNormal(rng(1), new Float32Array(100000), 2);
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.sqrt(v)).toBeCloseTo(2, 1);
    expect(permutation(rng(5), 10)).toEqual(permutation(rng(5), 10));
  });

  it("initial weights depend on the seed only, with Kaiming-normal scale", () => {
    const m = getModel("lenet-300-100", [28, 28, 1], 10);
    const a = initParams(m, 1);
    expect(initParams(m, 1)["fc1.weight"].data).toEqual(a["fc1.weight"].data);
    expect(initParams(m, 2)["fc1.weight"].data).not.toEqual(a["fc1.weight"].data);
    const w = a["fc1.weight"].data;
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 784), 3);
    expect(Math.max(...a["fc1.bias"].data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(784));
  });
});
