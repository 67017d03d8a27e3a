import { beforeAll, describe, expect, it } from "vitest";
import { loadWeights } from "../lib/store/runs";
import { ensureRun } from "../lib/materialise/run";
import { linearPath } from "../lib/lmc/path";
import { impLevel } from "../lib/prune/imp";
import { ensureMask } from "../lib/materialise/run";
import { perturb } from "../lib/prune/perturb";
import { l2Distance } from "../lib/lmc/distance";
import { applyMask } from "../lib/prune/mask";
import { getFigure } from "../lib/figures/registry";
import { runFigure } from "../lib/figures/run-figure";
import { tinyRun } from "./support/tiny";
import { freshResults } from "./support/env";

const spec = { dense: tinyRun({ initSeed: 31 }), rewindStep: 0, fraction: 0.5, scope: "global" as const };

describe("Unmasking analyses", () => {
  beforeAll(() => {
    freshResults();
  });

  it("the path from a level to itself has zero barrier, under its own mask or not", async () => {
    const level = impLevel(spec, 1);
    for (const mask of [null, level.mask]) {
      const p = await linearPath(level, level, { alphas: [0, 0.25, 0.5, 0.75, 1], trainEvalSubset: 200, mask });
      expect(p.test.meanBarrier).toBe(0);
      expect(p.test.linearBarrier).toBe(0);
      expect(new Set(p.test.errors).size).toBe(1);
    }
  });

  it("successive levels interpolate under the sparser mask: the endpoints are masked exactly", async () => {
    const [a, b] = [impLevel(spec, 1), impLevel(spec, 2)];
    const p = await linearPath(a, b, { alphas: [0, 1], trainEvalSubset: 200, mask: b.mask });
    const q = await linearPath(b, b, { alphas: [0, 1], trainEvalSubset: 200 });
    expect(p.test.errors[0]).toBe(q.test.errors[0]); // alpha = 0 is level 2 itself, already inside its mask
  });

  it("perturbations have exactly the requested norm and only touch unpruned weights", async () => {
    const level = impLevel(spec, 1);
    await ensureRun(level, { checkpoints: [0] });
    const mask = await ensureMask(level.mask!);
    const w = loadWeights(level, 0);
    const p = perturb(w, mask, { seed: 3, norm: 2.5 });
    expect(l2Distance(p, w)).toBeCloseTo(2.5, 4);
    expect(applyMask(p, mask)["fc1.weight"].data).toEqual(p["fc1.weight"].data);
    expect(p["fc.weight"].data).toEqual(w["fc.weight"].data); // the unmasked output layer is left alone
    const perturbed = { ...level, perturbation: { seed: 3, norm: 2.5 } };
    await ensureRun(perturbed, { checkpoints: [0] });
    expect(l2Distance(loadWeights(perturbed, 0), w)).toBeCloseTo(2.5, 4);
  });

  it.each([
    ["unmasking/perturbation", { scales: [0] }, /noise scale 0 must be positive/],
    ["unmasking/perturbation", { levels: [0] }, /level 0 must be an integer >= 1/],
    ["unmasking/flatness", { fractions: [1.5] }, /prune fraction 1.5 must be strictly between 0 and 1/],
    ["unmasking/successive-levels", { maskChoice: "sideways" }, /mask choice "sideways" must be "child" or "parent"/],
    ["unmasking/successive-levels", { maxLevel: 0 }, /maxLevel 0 must be a positive integer/],
  ])("%s rejects bad parameters %j", async (id, overrides, pattern) => {
    expect(getFigure(id).id).toBe(id);
    await expect(runFigure(id, "quick", { overrides })).rejects.toThrow(pattern);
  });
});
