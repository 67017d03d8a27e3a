import { describe, expect, it } from "vitest";
import { SEARCH_PLAN, UNSTABLE_CANDIDATES, getCandidate, qualifies } from "../lib/search/unstable";
import { UNSTABLE_SETTING, unstableDenseInstability } from "../lib/figures/settings/lenet-fashion-sgd";
import { denseRun } from "../lib/lottery/subnetworks";
import { branchAt, copies } from "../lib/lmc/instability";
import { validateRunConfig } from "../lib/store/run-config";
import { validateHparams } from "../lib/train/hparams";
import { UserError } from "../lib/util/errors";

describe("unstable-regime search", () => {
  it("declares well-formed candidates with unique names", () => {
    expect(UNSTABLE_CANDIDATES.length).toBeGreaterThan(0);
    expect(new Set(UNSTABLE_CANDIDATES.map((c) => c.name)).size).toBe(UNSTABLE_CANDIDATES.length);
    for (const c of UNSTABLE_CANDIDATES) {
      expect(c.note.length).toBeGreaterThan(0);
      validateHparams(c.train);
      for (const drop of c.train.lrDropSteps) expect(drop).toBeLessThan(c.train.steps);
      // Every branch the search makes is a valid run config.
      for (const k of SEARCH_PLAN.full.ks) for (const copy of copies(branchAt(denseRun(c, 1), k), [1, 2])) validateRunConfig(copy);
    }
  });

  it("plans a screen at k = 0 and a full check over a k grid from 0 with enough pairs", () => {
    const { full, screen } = SEARCH_PLAN;
    expect(full.ks[0]).toBe(0);
    expect([...full.ks].sort((a, b) => a - b)).toEqual(full.ks);
    expect(new Set(full.ks).size).toBe(full.ks.length);
    expect(full.initSeeds.length).toBeGreaterThanOrEqual(3);
    expect(full.initSeeds.length * full.pairs).toBeGreaterThanOrEqual(SEARCH_PLAN.minPairs);
    expect(screen.pairs).toBeGreaterThanOrEqual(1);
    // The screen's parent is the full check's first one, so the full check reuses it.
    expect(full.initSeeds).toContain(screen.initSeeds[0]);
    expect(SEARCH_PLAN.alphas).toBeGreaterThanOrEqual(2);
  });

  it("qualifies only a setting unstable at k = 0 that becomes stable early", () => {
    const at = (means: number[], n = 6) => [0, 100, 500, 1000].map((k, i) => ({ k, n, instability: { mean: means[i] } }));
    expect(qualifies(at([0.1, 0.01, 0.01, 0.01]), 100, 3000)).toBe(true);
    expect(qualifies(at([0.01, 0.01, 0.01, 0.01]), 0, 3000)).toBe(false);
    expect(qualifies(at([0.1, 0.1, 0.1, 0.01]), 1000, 3000)).toBe(false);
    expect(qualifies(at([0.1, 0.01, 0.01, 0.01], 2), 100, 3000)).toBe(false);
  });

  it("names an unknown setting in one clear error", () => {
    expect(() => getCandidate("nope")).toThrow(UserError);
  });

  it("exports a valid dense-instability config on the chosen setting", () => {
    const c = unstableDenseInstability;
    expect(UNSTABLE_CANDIDATES).toContain(UNSTABLE_SETTING);
    expect(c.train).toEqual(UNSTABLE_SETTING.train);
    for (const k of c.ks) expect(k).toBeLessThan(c.train.steps);
    for (const seed of c.initSeeds) validateRunConfig(branchAt(denseRun(c, seed), c.ks[c.ks.length - 1]));
    expect(c.initSeeds.length * c.pairs).toBeGreaterThanOrEqual(9);
  });
});
