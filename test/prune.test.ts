import { describe, expect, it } from "vitest";
import { magnitudePrune, pruneCount } from "../lib/prune/magnitude";
import { randomMaskLike } from "../lib/prune/random";
import { applyMask, countKept, denseMask, prunableNames, sparsityReport } from "../lib/prune/mask";
import { impLevel, levelForDensity, nominalDensity, randomPruned, randomReinit } from "../lib/prune/imp";
import { getModel } from "../lib/models/registry";
import { runHash } from "../lib/store/run-config";
import { tinyRun } from "./support/tiny";

const t = (values: number[], shape = [values.length]) => ({ shape, data: Float32Array.from(values) });
const ones = (n: number) => t(Array(n).fill(1));

describe("masks", () => {
  const model = getModel("lenet-300-100", [28, 28, 1], 10);

  it("cover conv and dense kernels only, minus the model's exclusions", () => {
    expect(prunableNames(model)).toEqual(["fc1.weight", "fc2.weight"]);
    expect(prunableNames(model, [])).toEqual(["fc1.weight", "fc2.weight", "fc.weight"]);
    expect(() => prunableNames(model, ["fc9.weight"])).toThrow(/no such parameter/);
  });

  it("report sparsity per layer, over prunable weights and over the whole model", () => {
    const mask = denseMask(model, prunableNames(model));
    mask["fc2.weight"].data.fill(0, 0, 15000);
    const r = sparsityReport(model, mask);
    expect(r.layers.map((l) => [l.name, l.kept])).toEqual([["fc1.weight", 235200], ["fc2.weight", 15000]]);
    expect(r.prunable).toEqual({ total: 265200, kept: 250200, density: 250200 / 265200 });
    expect(r.model.total).toBe(266610);
    expect(r.model.kept).toBe(266610 - 15000);
  });

  it("multiply weights and leave unmasked parameters alone", () => {
    const w = { a: t([1, 2, 3]), b: t([4]) };
    expect(applyMask(w, { a: t([1, 0, 1]) })).toEqual({ a: t([1, 0, 3]), b: t([4]) });
  });
});

describe("magnitude pruning", () => {
  it("prunes ceil(fraction x remaining) of the kept weights, smallest magnitude first, globally", () => {
    const w = { a: t([0.5, -0.1, 0.3, 0.05]), b: t([-0.2, 0.9]) };
    const m = magnitudePrune(w, { a: ones(4), b: ones(2) }, 0.5, "global");
    expect(Array.from(m.a.data)).toEqual([1, 0, 1, 0]);
    expect(Array.from(m.b.data)).toEqual([0, 1]);
    expect(pruneCount(0.2, 10)).toBe(2);
    expect(pruneCount(0.2, 11)).toBe(3);
  });

  it("prunes within each layer when layer-wise", () => {
    const w = { a: t([0.5, -0.1, 0.3, 0.05]), b: t([-0.2, 0.9]) };
    const m = magnitudePrune(w, { a: ones(4), b: ones(2) }, 0.5, "layerwise");
    expect(Array.from(m.a.data)).toEqual([1, 0, 1, 0]);
    expect(Array.from(m.b.data)).toEqual([0, 1]);
    const m2 = magnitudePrune({ a: t([1, 2, 3, 4]), b: t([0.01, 0.02]) }, { a: ones(4), b: ones(2) }, 0.25, "layerwise");
    expect(countKept({ a: m2.a })).toBe(3);
    expect(countKept({ b: m2.b })).toBe(1); // ceil(0.25 * 2) = 1
  });

  it("only considers weights still kept, and breaks ties by position", () => {
    const w = { a: t([0, 0, 0, 0, 0, 1]) };
    const m = magnitudePrune(w, { a: t([0, 1, 1, 1, 1, 1]) }, 0.4, "global");
    expect(Array.from(m.a.data)).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it("rejects impossible fractions and unknown scopes", () => {
    const w = { a: t([1, 2]) };
    expect(() => magnitudePrune(w, { a: ones(2) }, 1.2, "global")).toThrow(/strictly between 0 and 1/);
    expect(() => magnitudePrune(w, { a: ones(2) }, 0, "global")).toThrow(/strictly between 0 and 1/);
    expect(() => magnitudePrune(w, { a: ones(2) }, 0.2, "sideways" as never)).toThrow(/unknown pruning scope "sideways"/);
  });
});

describe("random pruning", () => {
  const like = { a: t([1, 0, 0, 0, 1, 0, 0, 0]), b: t([1, 1, 1, 0]) };
  it("keeps each layer's density when layer-wise", () => {
    const m = randomMaskLike(like, 3, "layerwise");
    expect(countKept({ a: m.a })).toBe(2);
    expect(countKept({ b: m.b })).toBe(3);
    expect(randomMaskLike(like, 3, "layerwise")).toEqual(m);
  });
  it("keeps the total count when global", () => {
    const big = { a: t(Array.from({ length: 1000 }, (_, i) => (i < 100 ? 1 : 0))), b: t(Array(1000).fill(1)) };
    const m = randomMaskLike(big, 1, "global");
    expect(countKept(m)).toBe(1100);
    expect(Math.abs(countKept({ a: m.a }) - 550)).toBeLessThan(60); // spread uniformly, not per layer
  });
});

describe("IMP levels as run configs", () => {
  const spec = { dense: tinyRun(), rewindStep: 10, fraction: 0.2, scope: "global" as const };
  it("rewind to the dense run at k and prune from the previous level", () => {
    expect(impLevel(spec, 0)).toBe(spec.dense);
    const l2 = impLevel(spec, 2);
    expect(l2.from).toEqual({ run: spec.dense, step: 10 });
    expect(l2.mask).toMatchObject({ kind: "magnitude", fraction: 0.2, source: impLevel(spec, 1) });
    expect(runHash(impLevel({ ...spec }, 2))).toBe(runHash(l2));
  });
  it("give baselines their own configs", () => {
    expect(randomPruned(spec, 2, 7).mask).toMatchObject({ kind: "random", seed: 7, like: impLevel(spec, 2).mask });
    expect(randomReinit(spec, 2, 9)).toMatchObject({ initSeed: 9, from: null, mask: impLevel(spec, 2).mask });
  });
  it("reject bad requests clearly", () => {
    expect(() => impLevel(spec, -1)).toThrow(/IMP level -1 must be an integer/);
    expect(() => impLevel({ ...spec, rewindStep: 60 }, 1)).toThrow(/rewind step 60 must be an integer in 0..59/);
    expect(() => randomPruned(spec, 0, 1)).toThrow(/needs a pruned level/);
    expect(() => randomReinit(spec, 1, spec.dense.initSeed)).toThrow(/seed other than/);
    expect(() => levelForDensity(0.2, 0)).toThrow(/density 0 must be in/);
    expect(() => levelForDensity(0.2, 1e-12)).toThrow(/more than the 100 allowed/);
  });
  it("reach the papers' densities: 0.8^15 = 3.5 %", () => {
    expect(levelForDensity(0.2, 0.036)).toBe(15);
    expect(nominalDensity(0.2, 15)).toBeCloseTo(0.0352, 4);
    expect(levelForDensity(0.2, 1)).toBe(0);
  });
});
