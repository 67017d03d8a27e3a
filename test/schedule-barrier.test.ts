import { describe, expect, it } from "vitest";
import { learningRate } from "../lib/train/schedule";
import { evenAlphas, linearBarrier, meanBarrier } from "../lib/lmc/barrier";

describe("learning-rate schedule", () => {
  const h = { lr: 0.1, warmupSteps: 10, lrDropSteps: [100, 150], lrDropFactor: 0.1 };
  it("warms up linearly, then drops at the given steps", () => {
    expect(learningRate(h, 0)).toBeCloseTo(0.01);
    expect(learningRate(h, 4)).toBeCloseTo(0.05);
    expect(learningRate(h, 9)).toBeCloseTo(0.1);
    expect(learningRate(h, 99)).toBeCloseTo(0.1);
    expect(learningRate(h, 100)).toBeCloseTo(0.01);
    expect(learningRate(h, 149)).toBeCloseTo(0.01);
    expect(learningRate(h, 150)).toBeCloseTo(0.001);
  });
  it("is a function of the step alone, so a branch at k continues it", () => {
    const resumed = Array.from({ length: 60 }, (_, i) => learningRate(h, 95 + i));
    const straight = Array.from({ length: 200 }, (_, i) => learningRate(h, i)).slice(95, 155);
    expect(resumed).toEqual(straight);
    expect(learningRate({ ...h, warmupSteps: 0, lrDropSteps: [] }, 12345)).toBe(0.1);
  });
});

describe("error barriers", () => {
  const alphas = [0, 0.25, 0.5, 0.75, 1];
  it("are zero on a straight line between the endpoints", () => {
    const c = { alphas, errors: [0.1, 0.125, 0.15, 0.175, 0.2] };
    expect(linearBarrier(c)).toBeCloseTo(0, 12);
    expect(meanBarrier(c)).toBeCloseTo(0.05, 12); // max 0.2 minus the mean 0.15
  });
  it("measure a bump against each baseline", () => {
    const c = { alphas, errors: [0.1, 0.3, 0.5, 0.25, 0.2] };
    expect(meanBarrier(c)).toBeCloseTo(0.5 - 0.15, 12);
    expect(linearBarrier(c)).toBeCloseTo(0.5 - 0.15, 12);
    const skew = { alphas, errors: [0.1, 0.4, 0.2, 0.2, 0.2] };
    expect(linearBarrier(skew)).toBeCloseTo(0.4 - 0.125, 12);
    expect(meanBarrier(skew)).toBeCloseTo(0.4 - 0.15, 12);
  });
  it("may be negative when the middle is better than the endpoints", () => {
    expect(meanBarrier({ alphas: [0, 0.5, 1], errors: [0.2, 0.1, 0.2] })).toBeCloseTo(0, 12);
    expect(linearBarrier({ alphas: [0, 0.5, 1], errors: [0.2, 0.1, 0.2] })).toBeCloseTo(0, 12);
  });
  it("need both endpoints", () => {
    expect(() => meanBarrier({ alphas: [0, 0.5], errors: [0.1, 0.2] })).toThrow(/alpha = 0 and alpha = 1/);
  });
  it("use evenly spaced alphas with exact endpoints", () => {
    const a = evenAlphas(30);
    expect(a).toHaveLength(30);
    expect(a[0]).toBe(0);
    expect(a[29]).toBe(1);
    expect(a[1]).toBeCloseTo(1 / 29);
    expect(() => evenAlphas(1)).toThrow(/>= 2/);
  });
});
