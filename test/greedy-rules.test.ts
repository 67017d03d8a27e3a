import { describe, expect, it } from "vitest";
import { analyseRate, rateCheck, RateSeries, greedyRate, GreedyRateConfig } from "../lib/figures/gfs/size-rate";
import { plateauIteration, thresholdGrowth, greedyThreshold, GreedyThresholdConfig, GreedyThresholdData } from "../lib/figures/gfs/pretraining-threshold";
import { CheckpointMeasurement, MethodPoint } from "../lib/greedy/experiment";
import { doublingSizes } from "../lib/figures/gfs/common";

/** Claim checks of the greedy figures from synthetic numbers: no training, no backend. */

const ns = doublingSizes(64); // 1, 2, 4, ..., 64
const REF = 0.1;
const curve = (f: (n: number) => number) => ns.map((n) => REF + f(n));
const series = (gfs: number[], random: number[][], magnitude = curve((n) => 20 / n)): RateSeries => ({ ns, gfs, random, magnitude, reference: REF });
const verdictOf = (s: RateSeries, fitFrom = 4) => rateCheck(analyseRate(s, fitFrom), fitFrom, "held-out examples");

describe("gfs/size-rate: the O(1/n) claim must set GFS apart from random selection", () => {
  it("is not 'agrees' when random selection fits 1/n as well as GFS (same loss within noise)", () => {
    const gfs = curve((n) => 1 / n);
    const random = [0.98, 1.0, 1.02].map((k) => curve((n) => k / n));
    const c = verdictOf(series(gfs, random));
    expect(c.verdict).not.toBe("agrees");
    expect(c.verdict).toBe("not tested");
    expect(c.evidence).toMatch(/random selection also fits O\(1\/n\) here/);
    expect(c.evidence).toMatch(/nothing distinguishes/);
  });

  it("agrees when both fit 1/n but GFS's loss is lower beyond noise at every n, and says the rate is shared", () => {
    const gfs = curve((n) => 1 / n);
    const random = [4.8, 5, 5.2].map((k) => curve((n) => k / n));
    const c = verdictOf(series(gfs, random));
    expect(c.verdict).toBe("agrees");
    expect(c.evidence).toMatch(/random selection also fits O\(1\/n\)/);
    expect(c.evidence).toMatch(/not the rate/);
  });

  it("differs when GFS's own held-out gap falls like 1/sqrt(n), however much worse random is", () => {
    const gfs = curve((n) => 1 / Math.sqrt(n));
    const random = [9, 10, 11].map((k) => curve((n) => k / Math.sqrt(n)));
    expect(verdictOf(series(gfs, random)).verdict).toBe("differs");
  });

  it("differs when random selection is lower than GFS beyond noise at some n", () => {
    const gfs = curve((n) => (n === 4 ? 3 : 1) / n); // its own n x gap stays bounded (3 early, 1 late)
    const random = [1.9, 2, 2.1].map((k) => curve((n) => k / n));
    const c = verdictOf(series(gfs, random));
    expect(c.verdict).toBe("differs");
    expect(c.evidence).toMatch(/Random selection's loss is below GFS's beyond noise at n = 4:/);
  });

  it("with one random seed nothing is firm: at most borderline", () => {
    const gfs = curve((n) => 1 / n);
    const c = verdictOf(series(gfs, [curve((n) => 5 / n)]));
    expect(c.verdict).toBe("borderline");
    expect(c.evidence).toMatch(/one random seed/);
  });

  it("is not tested with fewer than two sizes from fitFrom on", () => {
    expect(verdictOf(series(curve((n) => 1 / n), [curve((n) => 5 / n), curve((n) => 5 / n)]), 64).verdict).toBe("not tested");
  });
});

/** A measurement whose GFS, magnitude and random subnetworks have the given in-sample and held-out losses at every n. */
function measurement(step: number, loss: { gfs: [number[], number[]]; random: [number[], number[]][]; magnitude: [number[], number[]]; dense: [number, number] }): CheckpointMeasurement {
  const metrics = (l: number) => ({ loss: l, accuracy: 0.9 });
  const points = ([inS, held]: [number[], number[]]): MethodPoint[] => ns.map((n, i) => ({ n, trainLoss: inS[i], heldOut: metrics(held[i]), test: metrics(held[i]) }));
  const size = ns[ns.length - 1];
  const trajectory = Array.from({ length: size }, (_, k) => {
    const i = ns.findIndex((n) => n >= k + 1);
    return loss.gfs[0][i];
  });
  return {
    step,
    dense: { trainLoss: loss.dense[0], heldOut: metrics(loss.dense[1]), test: metrics(loss.dense[1]) },
    heldOutCount: 1000,
    gfs: { picks: Array.from({ length: size }, (_, i) => i), losses: trajectory, secondsPerStep: 0.01, distinct: size, points: points(loss.gfs) },
    magnitude: points(loss.magnitude),
    random: loss.random.map(points),
    seconds: 1,
  };
}

describe("gfs/size-rate render: judged on the held-out loss", () => {
  it("a GFS that is far better than random in-sample but not held-out is not 'agrees'; both losses are reported", () => {
    const config: GreedyRateConfig = { ...greedyRate.presets.quick, spec: { size: 64, evalSizes: ns, randomSeeds: [1, 2, 3] }, fitFrom: 4 };
    const m = measurement(64, {
      gfs: [curve((n) => 1 / n), curve((n) => 5 / n)],
      random: [4.8, 5, 5.2].map((k) => [curve((n) => k / n), curve((n) => k / n)] as [number[], number[]]),
      magnitude: [curve((n) => 20 / n), curve((n) => 20 / n)],
      dense: [REF, REF],
    });
    const r = greedyRate.render(config, { step: 64, measurement: m });
    expect(r.checks).toHaveLength(1);
    expect(r.checks[0].verdict).toBe("not tested");
    expect(r.findings.join(" ")).toMatch(/In-sample loss .* the same rule would say "agrees"/);
    expect(r.plots.map((p) => p.id)).toEqual(["loss-gap-vs-n", "heldout-gap-vs-n"]);
    expect(r.tables[0].columns).toContain("GFS held-out");
    expect(r.tables[0].columns).toContain("GFS in-sample");
  });
});

describe("gfs/pretraining-threshold: the plateau threshold", () => {
  const steps = [0, 1, 2, 4, 8, 16];
  it("is the first checkpoint after which no later one improves the loss by the fraction or more (by hand)", () => {
    // At 4 (0.5): the best later loss 0.47 is above 0.9 x 0.5 = 0.45; at 2 (0.6): 0.47 <= 0.54.
    expect(plateauIteration(steps, [2.0, 1.0, 0.6, 0.5, 0.48, 0.47], 0.1)).toBe(4);
    // A flat start followed by a drop is not a plateau: every later checkpoint counts, not just the next.
    expect(plateauIteration(steps, [2.0, 1.98, 1.97, 0.5, 0.49, 0.48], 0.1)).toBe(4);
    // A blip up does not count; still improving by >= 10 % until 8 (0.3 -> 0.29).
    expect(plateauIteration(steps, [2.0, 1.0, 1.2, 0.5, 0.3, 0.29], 0.1)).toBe(8);
    // Halving at every checkpoint: only the last would qualify, and nothing confirms it.
    expect(plateauIteration(steps, [2, 1, 0.5, 0.25, 0.12, 0.06], 0.1)).toBeNull();
    // A looser fraction plateaus earlier; a loss that rises afterwards has plateaued.
    expect(plateauIteration(steps, [2.0, 1.0, 0.6, 0.5, 0.48, 0.47], 0.5)).toBe(2);
    expect(plateauIteration([0, 1, 2, 4], [1, 0.5, 0.6, 0.7], 0.1)).toBe(1);
  });

  it("growth over sizes with two seeds: agrees only when the seeds of the extreme sizes separate", () => {
    expect(thresholdGrowth("p", [{ size: 7500, ts: [100, 150] }, { size: 60000, ts: [300, 400] }], 50).verdict).toBe("agrees");
    const overlap = thresholdGrowth("p", [{ size: 7500, ts: [100, 350] }, { size: 60000, ts: [300, 900] }], 50);
    expect(overlap.verdict).toBe("borderline"); // means 225 -> 600 (x 2.7), but seed 300 < seed 350
    expect(overlap.evidence).toMatch(/seeds of the smallest and largest sizes overlap/);
    expect(thresholdGrowth("p", [{ size: 7500, ts: [400, 500] }, { size: 60000, ts: [300, 400] }], 50).verdict).toBe("differs");
    expect(thresholdGrowth("p", [{ size: 7500, ts: [10, 12] }, { size: 60000, ts: [30, 40] }], 50).verdict).toBe("not tested"); // all inside the first epoch
    const unreached = thresholdGrowth("p", [{ size: 7500, ts: [100, 150] }, { size: 15000, ts: [200, null] }, { size: 60000, ts: [300, 400] }], 50);
    expect(unreached.evidence).toMatch(/not reached by every seed for 15000/);
  });

  it("render: one row per size and seed, plateau and held-out columns, the post-hoc choices disclosed", () => {
    const dSteps = [0, 1, 2, 4, 8, 16, 32, 64];
    const config: GreedyThresholdConfig = { ...greedyThreshold.presets.cpu, sizes: [7500, 60000], spec: { size: 64, evalSizes: ns, randomSeeds: [1] } };
    const mk = (losses: number[], held: number[]) =>
      dSteps.map((s, j) => measurement(s, { gfs: [ns.map(() => losses[j]), ns.map(() => held[j])], random: [[curve(() => 1), curve(() => 1)]], magnitude: [curve(() => 1), curve(() => 1)], dense: [0.01, 0.05] }));
    // Plateaus by hand (10 %): 7500: in-sample at 16, held-out at 8; 60000: in-sample at 32, held-out at 16.
    const small = [2, 1, 0.6, 0.4, 0.3, 0.2, 0.19, 0.185];
    const smallHeld = [2, 1, 0.7, 0.5, 0.4, 0.39, 0.38, 0.38];
    const large = [2, 1, 0.6, 0.4, 0.3, 0.2, 0.1, 0.095];
    const largeHeld = [2, 1, 0.7, 0.5, 0.45, 0.35, 0.34, 0.34];
    const data: GreedyThresholdData = {
      steps: dSteps,
      results: [
        { size: 7500, seed: 0, denseTestAccuracy: 0.95, checkpoints: mk(small, smallHeld) },
        { size: 7500, seed: 1, denseTestAccuracy: 0.95, checkpoints: mk(small, smallHeld) },
        { size: 60000, seed: 0, denseTestAccuracy: 0.97, checkpoints: mk(large, largeHeld) },
        { size: 60000, seed: 1, denseTestAccuracy: 0.97, checkpoints: mk(large, largeHeld) },
      ],
    };
    const r = greedyThreshold.render(config, data);
    const t = r.tables[0];
    expect(t.rows).toHaveLength(4);
    const col = (name: string) => t.columns.indexOf(name);
    expect(t.rows.map((row) => [row[col("seed")], row[col("plateau, in-sample (10 %)")], row[col("plateau, held-out (10 %)")]])).toEqual([
      [0, "16", "8"],
      [1, "16", "8"],
      [0, "32", "16"],
      [1, "32", "16"],
    ]);
    expect(t.columns).toContain("GFS held-out loss, last checkpoint");
    const text = [...r.findings, ...r.checks.map((c) => c.evidence)].join(" ");
    expect(text).toMatch(/the levels 0\.2 and 0\.1 and the rule .* first epoch .* were added after the first cpu results/);
    expect(r.checks.map((c) => c.claim)).toEqual(["threshold-exists", "threshold-log-size"]);
    expect(r.checks[1].evidence).toMatch(/in-sample plateau \(10 %\): thresholds 7500: 16 \(seeds 16, 16\), 60000: 32 \(seeds 32, 32\)/);
    expect(greedyThreshold.method).toMatch(/Disclosure/);
    expect(greedyThreshold.presetNotes.cpu).toMatch(/chosen after seeing/);
  });

  it("the cpu preset has at least two pre-training seeds per size", () => {
    expect(greedyThreshold.presets.cpu.seeds).toBeGreaterThanOrEqual(2);
    expect(greedyThreshold.presets.cpu.setup.heldOutExamples).toBeGreaterThan(0);
    // gfs/baselines reuses the largest size's seed-0 selections: the same setup, so the same cache key.
    expect(greedyThreshold.presets.cpu.setup.heldOutExamples + greedyThreshold.presets.cpu.setup.selectionExamples).toBeLessThanOrEqual(Math.min(...greedyThreshold.presets.cpu.sizes));
  });
});
