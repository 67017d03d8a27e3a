import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { contributions, Contributions, disposeContributions } from "../lib/greedy/contributions";
import { candidateScores, crossEntropyScoresTensor } from "../lib/greedy/score";
import { greedySelect } from "../lib/greedy/select";
import { SelectionLoss } from "../lib/greedy/loss";
import { subnetworkLoss, subnetworkMetrics } from "../lib/greedy/evaluate";
import { checkpointWeights, geometricSteps } from "../lib/greedy/checkpoints";
import { magnitudeOrder, randomOrder } from "../lib/greedy/baselines";
import { measureCheckpoint, pretrainRun, seedSetup, validateSetup } from "../lib/greedy/experiment";
import { greedyThreshold, GreedyThresholdData, thresholdIteration } from "../lib/figures/gfs/pretraining-threshold";
import { greedySetup } from "../lib/figures/settings/mean-field-mnist";
import { ensureRun } from "../lib/materialise/run";
import { UserError } from "../lib/util/errors";
import { fillNormal, rng } from "../lib/util/rng";
import { freshResults } from "./support/env";

/** A random two-layer problem: x [m, d], w [d, N], a [N, C], labels in 0..C-1. */
function problem(seed: number, m: number, d: number, N: number, C: number) {
  const r = rng(seed);
  const x = fillNormal(r, new Float32Array(m * d));
  const w = fillNormal(r, new Float32Array(d * N));
  const a = fillNormal(r, new Float32Array(N * C), 2);
  const y = Int32Array.from({ length: m }, () => Math.floor(r() * C));
  return { x, w, a, y, m, d, N, C };
}

async function contributionsOf(p: ReturnType<typeof problem>): Promise<Contributions> {
  const inputs = [tf.tensor2d(p.w, [p.d, p.N]), tf.tensor2d(p.a, [p.N, p.C]), tf.tensor2d(p.x, [p.m, p.d]), tf.tensor1d(p.y, "int32")] as const;
  try {
    return await contributions({ w: inputs[0], a: inputs[1] }, inputs[2], inputs[3]);
  } finally {
    inputs.forEach((t) => t.dispose());
  }
}

/** The loss of the averaged subnetwork of a multiset, computed plainly: one forward pass over its neurons. */
function plainLoss(p: ReturnType<typeof problem>, picks: number[], loss: SelectionLoss): number {
  let total = 0;
  for (let x = 0; x < p.m; x++) {
    const f = new Array(p.C).fill(0);
    for (const i of picks) {
      let h = 0;
      for (let k = 0; k < p.d; k++) h += p.x[x * p.d + k] * p.w[k * p.N + i];
      h = Math.max(h, 0);
      for (let c = 0; c < p.C; c++) f[c] += (h * p.a[i * p.C + c]) / picks.length;
    }
    if (loss === "squared") total += f.reduce((s, v, c) => s + (v - (c === p.y[x] ? 1 : 0)) ** 2, 0);
    else {
      const max = Math.max(...f);
      total += max + Math.log(f.reduce((s, v) => s + Math.exp(v - max), 0)) - f[p.y[x]];
    }
  }
  return total / p.m;
}

/** Greedy selection by its definition: at every step, try every neuron (a forward pass per candidate). */
function enumeratedGreedy(p: ReturnType<typeof problem>, n: number, loss: SelectionLoss): number[] {
  const picks: number[] = [];
  for (let k = 0; k < n; k++) {
    let best = -1;
    let bestLoss = Infinity;
    for (let i = 0; i < p.N; i++) {
      const l = plainLoss(p, [...picks, i], loss);
      if (l < bestLoss) [best, bestLoss] = [i, l];
    }
    picks.push(best);
  }
  return picks;
}

beforeAll(async () => {
  freshResults();
  await initBackend();
});

describe("batched candidate scores", () => {
  it.each([["cross-entropy", "host"], ["cross-entropy", "tensor"], ["squared", "host"]] as const)("equal a per-candidate loop (%s, %s), at every step of a multiset", async (loss, mode) => {
    const p = problem(3, 40, 7, 25, 4);
    const c = await contributionsOf(p);
    try {
      const chosen = [4, 11, 4];
      const sum = new Float32Array(p.m * p.C);
      for (let k = 0; k <= chosen.length; k++) {
        const scores = await candidateScores(c, sum, k, loss, mode);
        for (let i = 0; i < p.N; i++) expect(scores[i]).toBeCloseTo(plainLoss(p, [...chosen.slice(0, k), i], loss), 4);
        if (mode === "tensor") {
          // In chunks of 3 candidates (the last one shorter): the same scores.
          const chunked = await crossEntropyScoresTensor(c, sum, k, 3 * p.m * p.C);
          for (let i = 0; i < p.N; i++) expect(chunked[i]).toBeCloseTo(scores[i], 5);
        }
        if (k < chosen.length) {
          const i = chosen[k];
          const hT = c.host.hT;
          for (let x = 0; x < p.m; x++) for (let j = 0; j < p.C; j++) sum[x * p.C + j] += hT[i * p.m + x] * p.a[i * p.C + j];
        }
      }
    } finally {
      disposeContributions(c);
    }
  });
});

describe("greedy forward selection", () => {
  it.each(["cross-entropy", "squared"] as const)("picks the sequence found by trying every neuron at every step (%s)", async (loss) => {
    const p = problem(5, 30, 6, 8, 3);
    const c = await contributionsOf(p);
    try {
      const g = await greedySelect(c, { size: 5, loss });
      expect(g.picks).toEqual(enumeratedGreedy(p, 5, loss));
      g.picks.forEach((_, k) => expect(g.losses[k]).toBeCloseTo(plainLoss(p, g.picks.slice(0, k + 1), loss), 4));
      // The first pick is the best single neuron by enumeration.
      const singles = Array.from({ length: p.N }, (_, i) => plainLoss(p, [i], loss));
      expect(g.picks[0]).toBe(singles.indexOf(Math.min(...singles)));
      expect(await subnetworkLoss(c, g.picks, loss)).toBeCloseTo(g.losses[4], 4);
    } finally {
      disposeContributions(c);
    }
  });

  it("selects with replacement: a neuron can be picked more than once", async () => {
    // Neuron 0 pushes every example toward its label but too weakly; neuron 1 pushes the wrong way.
    // Averaging neuron 0 with itself keeps its (best) output, so it is picked at every step.
    const p = { m: 2, d: 2, N: 2, C: 2, x: Float32Array.from([1, 0, 0, 1]), w: Float32Array.from([1, 1, 1, 1]), a: Float32Array.from([1, -1, -3, 3]), y: Int32Array.from([0, 0]) };
    const c = await contributionsOf(p);
    try {
      const g = await greedySelect(c, { size: 3, loss: "cross-entropy" });
      expect(g.picks).toEqual([0, 0, 0]);
    } finally {
      disposeContributions(c);
    }
    // On a random problem, the greedy sequence repeats a neuron too (checked against the definition).
    const q = problem(11, 30, 5, 6, 3);
    const cq = await contributionsOf(q);
    try {
      const g = await greedySelect(cq, { size: 8, loss: "cross-entropy" });
      expect(g.picks).toEqual(enumeratedGreedy(q, 8, "cross-entropy"));
      expect(new Set(g.picks).size).toBeLessThan(8);
    } finally {
      disposeContributions(cq);
    }
  });

  it("factorised and direct subnetwork losses agree; baselines are orders of all neurons", async () => {
    const p = problem(7, 50, 6, 12, 3);
    const c = await contributionsOf(p);
    try {
      const picks = [3, 3, 7, 1];
      const host = { "fc1.weight": { shape: [p.d, p.N], data: p.w }, "fc.weight": { shape: [p.N, p.C], data: p.a } };
      const direct = await subnetworkMetrics(host, picks, tf.tensor2d(p.x, [p.m, p.d]), tf.tensor1d(p.y, "int32"), "cross-entropy", 17);
      expect(direct.loss).toBeCloseTo(plainLoss(p, picks, "cross-entropy"), 4);
      expect(await subnetworkLoss(c, picks, "cross-entropy")).toBeCloseTo(direct.loss, 4);
      const order = magnitudeOrder(host);
      expect([...order].sort((i, j) => i - j)).toEqual(Array.from({ length: p.N }, (_, i) => i));
      expect(randomOrder(p.N, 1)).toEqual(randomOrder(p.N, 1));
      expect(randomOrder(p.N, 1)).not.toEqual(randomOrder(p.N, 2));
    } finally {
      disposeContributions(c);
    }
  });
});

describe("bad input", () => {
  it("rejects a target size < 1 and an empty training subset with one clear line", async () => {
    const p = problem(1, 10, 3, 4, 2);
    const c = await contributionsOf(p);
    try {
      await expect(greedySelect(c, { size: 0, loss: "squared" })).rejects.toThrow(UserError);
      await expect(greedySelect(c, { size: 0, loss: "squared" })).rejects.toThrow(/target size n = 0 must be an integer >= 1/);
      await expect(greedySelect(c, { size: 2.5, loss: "squared" })).rejects.toThrow(UserError);
    } finally {
      disposeContributions(c);
    }
    await expect(contributions({ w: tf.zeros([3, 4]) as tf.Tensor2D, a: tf.zeros([4, 2]) as tf.Tensor2D }, tf.zeros([0, 3]), tf.tensor1d([], "int32"))).rejects.toThrow(/training subset for greedy selection is empty/);
    expect(() => validateSetup({ ...greedySetup(16, 4, 0, null) })).toThrow(/training subset for greedy selection is empty/);
  });

  it("rejects a checkpoint that does not exist, naming the saved ones; measures one that does", async () => {
    const setup = { ...greedySetup(16, 4, 50, 200), train: { ...greedySetup(16, 4, 50, 200).train, batchSize: 16 } };
    const run = pretrainRun(setup, 200);
    await ensureRun(run, { checkpoints: geometricSteps(4) });
    expect(() => checkpointWeights(run, 3)).toThrow(UserError);
    expect(() => checkpointWeights(run, 3)).toThrow(/no checkpoint at step 3 \(saved: 0, 1, 2, 4\)/);
    await expect(measureCheckpoint(setup, run, 3, { size: 4, evalSizes: [4], randomSeeds: [1] })).rejects.toThrow(/no checkpoint at step 3/);
    await expect(measureCheckpoint(setup, run, 4, { size: 0, evalSizes: [], randomSeeds: [1] })).rejects.toThrow(/target size n = 0/);
    const m = await measureCheckpoint(setup, run, 4, { size: 6, evalSizes: [1, 6], randomSeeds: [1, 2] });
    expect(m.gfs.picks).toHaveLength(6);
    expect(m.gfs.points[1].trainLoss).toBeCloseTo(m.gfs.losses[5], 4);
    expect(m.gfs.losses[5]).toBeLessThanOrEqual(m.gfs.losses[0] + 1e-6); // each greedy step can only keep or lower the best
    expect(m.random).toHaveLength(2);
  });
});

describe("thresholds and checkpoints", () => {
  it("geometric checkpoints and the threshold iteration", () => {
    expect(geometricSteps(8)).toEqual([0, 1, 2, 4, 8]);
    expect(geometricSteps(10)).toEqual([0, 1, 2, 4, 8, 10]);
    expect(() => geometricSteps(0)).toThrow(UserError);
    const steps = [0, 1, 2, 4, 8];
    expect(thresholdIteration(steps, [3, 2, 1, 0.5, 0.4], 0.5)).toBeCloseTo(4, 6);
    expect(thresholdIteration(steps, [3, 2, 1, 0.4, 0.4], 0.7)).toBeCloseTo(Math.exp(Math.log(2) + 0.5 * Math.log(2)), 6); // halfway in log between 2 and 4
    expect(thresholdIteration(steps, [3, 0.1, 2, 0.4, 0.4], 0.5)).toBeGreaterThan(2); // must stay good: the dip at 1 does not count
    expect(thresholdIteration(steps, [0.1, 0.1, 0.1, 0.1, 0.1], 0.5)).toBe(0);
    expect(thresholdIteration(steps, [3, 2, 1, 0.4, 0.6], 0.5)).toBeNull();
  });
});

describe("held-out examples and pre-training seeds", () => {
  const tiny = () => {
    const base = greedySetup(16, 4, 50, 200, 100);
    return { ...base, train: { ...base.train, batchSize: 16 } };
  };

  it("measures every subnetwork on the training examples after the selection ones, clipped to the run's subset", async () => {
    const setup = tiny();
    const run = pretrainRun(setup, 120); // 50 selection examples, so only 70 are left to hold out
    await ensureRun(run, { checkpoints: geometricSteps(4) });
    const m = await measureCheckpoint(setup, run, 4, { size: 3, evalSizes: [1, 3], randomSeeds: [1] });
    expect(m.heldOutCount).toBe(70);
    expect(m.dense.heldOut).toBeDefined();
    for (const p of [...m.gfs.points, ...m.magnitude, ...m.random[0]]) expect(p.heldOut!.loss).toBeGreaterThan(0);
    // Held out, the GFS subnetwork's loss is not its in-sample objective.
    expect(m.gfs.points[1].heldOut!.loss).not.toBeCloseTo(m.gfs.points[1].trainLoss, 4);
    const none = await measureCheckpoint({ ...setup, heldOutExamples: 0 }, run, 4, { size: 3, evalSizes: [3], randomSeeds: [1] });
    expect(none.heldOutCount).toBe(0);
    expect(none.gfs.points[0].heldOut).toBeUndefined();
    expect(() => validateSetup({ ...setup, heldOutExamples: -1 })).toThrow(/heldOutExamples = -1/);
  });

  it("pre-trains and measures every size for every seed; seed r shifts both seeds by r", async () => {
    expect(seedSetup(tiny(), 0)).toEqual(tiny());
    expect([seedSetup(tiny(), 2).initSeed, seedSetup(tiny(), 2).dataSeed]).toEqual([3, 2]);
    const config = { ...greedyThreshold.presets.quick, setup: tiny(), sizes: [200, 400], spec: { size: 3, evalSizes: [3], randomSeeds: [1] }, seeds: 2 };
    const data = (await greedyThreshold.compute(config)) as GreedyThresholdData;
    expect(data.results.map((r) => [r.size, r.seed])).toEqual([[200, 0], [200, 1], [400, 0], [400, 1]]);
    // Different initialisations: different subnetworks from the first checkpoint on.
    expect(data.results[0].checkpoints[0].gfs.losses).not.toEqual(data.results[1].checkpoints[0].gfs.losses);
    const r = greedyThreshold.render(config, data);
    expect(r.tables[0].rows).toHaveLength(4);
    expect(r.checks.map((c) => c.claim)).toEqual(["threshold-exists", "threshold-log-size"]);
    await expect(greedyThreshold.compute({ ...config, seeds: 0 })).rejects.toThrow(/seeds = 0/);
  });
});
