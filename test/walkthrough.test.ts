import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { figureConfig, walkthrough } from "../lib/notebook";
import { runFigure } from "../lib/figures/run-figure";
import { DenseInstabilityConfig } from "../lib/figures/protocols/dense-instability";
import { RewindGridConfig, REWIND_GRID_STEPS } from "../lib/figures/protocols/rewind-grid";
import { UnstableDenseConfig } from "../lib/figures/protocols/dense-instability-variants";
import { BatchGridConfig } from "../lib/figures/protocols/batch-grid";
import { SparseAtKConfig } from "../lib/figures/lmc/sparse-k0";
import { SuccessiveLevelsConfig, SUCCESSIVE_LEVELS_STEPS } from "../lib/figures/protocols/successive-levels";
import { PerturbationConfig, PERTURBATION_STEPS } from "../lib/figures/protocols/perturbation";
import { PlainVsBnConfig, PlainVsBnData } from "../lib/figures/unstable-bn/plain-vs-bn";
import { FlatnessConfig } from "../lib/figures/unmasking/flatness";
import { RetrainingConfig } from "../lib/figures/unmasking/retraining";
import { GreedyThresholdConfig } from "../lib/figures/gfs/pretraining-threshold";
import { GreedyBaselinesConfig } from "../lib/figures/gfs/baselines";
import { GreedyRateConfig } from "../lib/figures/gfs/size-rate";
import { spec } from "../lib/figures/gfs/common";
import { greedySetup } from "../lib/figures/settings/mean-field-mnist";
import { FIGURES } from "../lib/figures/registry";
import { freshResults } from "./support/env";

/** The notebook's walkthrough: the figure's own steps, cell by cell, with an edited config. */
const small = (c: DenseInstabilityConfig): DenseInstabilityConfig => ({ ...c, data: { dataset: "mnist", trainSubset: 600 }, train: { ...c.train, steps: 40 }, ks: [0], alphas: 3, trainEvalSubset: 200 });

const trainedRuns = (root: string) =>
  new Map(readdirSync(join(root, "runs")).filter((d) => statSync(join(root, "runs", d, "run.json"), { throwIfNoEntry: false })).map((d) => [d, statSync(join(root, "runs", d, "run.json")).mtimeMs]));

describe("a figure's walkthrough", () => {
  it("computes what the CLI computes, and an edited config retrains only what is new", async () => {
    const root = freshResults();
    const config = small(figureConfig<DenseInstabilityConfig>("lmc/dense-instability", "quick"));
    const walk = walkthrough("lmc/dense-instability", "quick", config);
    expect(walk.steps).toEqual(["parents", "copies", "paths", "summarise"]);
    expect(() => walk.report()).toThrow("run the steps first: parents, copies, paths, summarise");
    await expect(walk.paths()).rejects.toThrow("run the steps before paths first: parents, copies");
    // The notebook's cells: each step's call, its result named; later steps read earlier results by name.
    const parents = await walk.parents();
    expect(parents.map((p: { test: { error: number } }) => typeof p.test.error)).toEqual(config.initSeeds.map(() => "number"));
    await walk.copies();
    const paths = await walk.paths();
    const data = await walk.summarise();
    expect(data.replicates.map((r: { path: unknown }) => r.path)).toEqual(paths);
    expect(walk.results).toMatchObject({ parents, paths, summarise: data });
    const run = walk.report();
    const cli = await runFigure("lmc/dense-instability", "quick", { overrides: config as unknown as Record<string, unknown>, outDir: join(root, "cli") });
    expect(JSON.stringify(run.data)).toBe(JSON.stringify(cli.data));
    expect(Object.keys(cli.provenance.placement!.backends)).toEqual([config.model]); // where the work ran, recorded whole

    const before = trainedRuns(root);
    config.ks = [0, 20]; // the notebook's config cell, edited; then its cells below run again
    const again = walkthrough("lmc/dense-instability", "quick", config);
    for (const s of again.steps) await again.step(s);
    const after = trainedRuns(root);
    for (const [run, mtime] of before) expect(after.get(run), `run ${run} was retrained`).toBe(mtime);
    expect(after.size).toBe(before.size + 2); // the two copies made at k = 20
    const summary = (again.report().data as { summary: { k: number }[] }).summary;
    expect(summary.map((s) => s.k)).toEqual([0, 20]);
    expect(JSON.parse(readFileSync(join(run.outDir, "data.json"), "utf8")).config.ks).toEqual([0, 20]);
  });

  /** The walkthrough's steps, then the CLI on the same config: the same data (the CLI finds the runs cached). */
  const walkAndCompare = async (id: string, config: object, steps: string[]) => {
    const root = freshResults();
    const walk = walkthrough(id, "quick", config);
    expect(walk.steps).toEqual(steps);
    for (const s of walk.steps) await walk.step(s);
    const run = walk.report();
    const cli = await runFigure(id, "quick", { overrides: config as Record<string, unknown>, outDir: join(root, "cli") });
    expect(JSON.stringify(run.data)).toBe(JSON.stringify(cli.data));
    return { root, run };
  };

  it("walks through the rewind grid, the same steps for every figure built on it, and an added level trains only the new runs", async () => {
    const grid = FIGURES.filter((f) => f.steps === REWIND_GRID_STEPS).map((f) => f.id);
    expect(grid).toEqual(["lmc/rewind-k", "lmc/sparsity-sweep", "stabilizing/late-rewinding", "unstable/rewind-k", "unstable/sparsity-sweep", "unstable/late-rewinding", "unstable-bn/rewind-k", "unstable-bn/sparsity-sweep", "unstable-bn/late-rewinding", "resnet20/rewind-k", "vgg16/rewind-k"]);
    const quick = figureConfig<RewindGridConfig>("lmc/sparsity-sweep", "quick");
    const config: RewindGridConfig = { ...quick, data: { dataset: "mnist", trainSubset: 600 }, train: { ...quick.train, steps: 40 }, rewindSteps: [0, 10], levels: [1], alphas: 3, trainEvalSubset: 200 };
    const { root, run } = await walkAndCompare("lmc/sparsity-sweep", config, ["parents", "reference", "impLevels", "subnetworks", "copies", "paths", "summarise"]);
    const cells = (run.data as { cells: { kind: string; k: number; paths: unknown[]; pruningDistance: number | null }[] }).cells;
    // IMP and random pruning at both k with a pair of copies each, random reinitialisation once.
    expect(cells.map((c) => `${c.kind} ${c.k} ${c.paths.length} ${c.pruningDistance === null ? "-" : "d"}`)).toEqual(["imp 0 1 d", "imp 10 1 d", "random-pruning 0 1 d", "random-pruning 10 1 d", "random-reinit 0 0 -"]);

    const before = trainedRuns(root);
    config.levels = [1, 2];
    const again = walkthrough("stabilizing/late-rewinding", "quick", config);
    for (const s of again.steps) await again.step(s);
    const after = trainedRuns(root);
    for (const [r, mtime] of before) expect(after.get(r), `run ${r} was retrained`).toBe(mtime);
    // Level 2: IMP and random pruning at each k (4) with two copies each (8), and one random reinitialisation.
    expect(after.size).toBe(before.size + 13);
    expect(again.report().findings.length).toBeGreaterThan(0);
  }, 600_000);

  it("walks through the unstable dense analysis: the dense steps for the standard setting and each variant", async () => {
    const quick = figureConfig<UnstableDenseConfig>("unstable/dense-instability", "quick");
    const standard = { ...small(quick.standard), ks: [0, 20] };
    standard.train = { ...standard.train, lrDropSteps: [30] };
    const config: UnstableDenseConfig = { ...quick, standard, variants: quick.variants.map((v) => ({ ...v, train: { ...v.train, steps: 40, lrDropSteps: [], warmupSteps: v.train.warmupSteps ? 10 : 0 } })) };
    const { run } = await walkAndCompare("unstable/dense-instability", config, ["parents", "copies", "paths", "summarise"]);
    const data = run.data as { standard: { summary: { k: number }[] }; variants: { summary: { k: number }[] }[] };
    expect(data.standard.summary.map((s) => s.k)).toEqual([0, 20]);
    expect(data.variants.map((v) => v.summary.map((s) => s.k))).toEqual([[0], [0]]);
  }, 300_000);

  it("walks through the batch-size grid: every batch size in each step", async () => {
    const quick = figureConfig<BatchGridConfig>("maene/tickets-vs-batch", "quick");
    const config: BatchGridConfig = { ...quick, data: { dataset: "mnist", trainSubset: 600 }, train: { ...quick.train, steps: 40, lrDropSteps: [30] }, batchSizes: [128, 256], alphas: 3, trainEvalSubset: 200 };
    const { run } = await walkAndCompare("maene/successive-rounds", config, ["dense", "impRounds", "subnetworks", "copies", "paths", "summarise"]);
    const batches = (run.data as { batches: { batchSize: number; steps: number; rounds: unknown[]; instability: { barriers: number[] }[] }[] }).batches;
    expect(batches.map((b) => [b.batchSize, b.steps, b.rounds.length, b.instability.map((i) => i.barriers.length)])).toEqual([[128, 40, 2, [1]], [256, 20, 2, [1]]]);
  }, 300_000);
  /** A sparse figure's quick config at test size: 600 MNIST examples, 40 steps, 3 interpolation points. */
  const tiny = <C extends { data: unknown; train: { steps: number }; alphas: number; trainEvalSubset: number | null }>(c: C): C => ({ ...c, data: { dataset: "mnist", trainSubset: 600 }, train: { ...c.train, steps: 40 }, alphas: 3, trainEvalSubset: 200 });

  it("walks through the sparse subnetworks at k = 0: IMP and both baselines at one density", async () => {
    const config: SparseAtKConfig = { ...tiny(figureConfig<SparseAtKConfig>("lmc/sparse-k0", "quick")), density: 0.5 };
    const { run } = await walkAndCompare("lmc/sparse-k0", config, ["dense", "impLevels", "subnetworks", "copies", "paths", "summarise"]);
    const data = run.data as { level: number; rows: { kind: string; perInit: { paths: unknown[] }[] }[] };
    expect(data.level).toBe(1);
    expect(data.rows.map((r) => [r.kind, r.perInit.map((m) => m.paths.length)])).toEqual([["imp", [1]], ["random-pruning", [1]], ["random-reinit", [1]]]);
  }, 300_000);

  it("walks through the successive IMP levels, the same steps for the unstable setting", async () => {
    expect(FIGURES.filter((f) => f.steps === SUCCESSIVE_LEVELS_STEPS).map((f) => f.id)).toEqual(["unmasking/successive-levels", "unstable/successive-levels", "unstable-bn/successive-levels"]);
    const config: SuccessiveLevelsConfig = { ...tiny(figureConfig<SuccessiveLevelsConfig>("unmasking/successive-levels", "quick")), rewindSteps: [0, 10], maxLevel: 2 };
    const { run } = await walkAndCompare("unmasking/successive-levels", config, ["parents", "reference", "impLevels", "paths", "summarise"]);
    const pairs = (run.data as { pairs: { k: number; level: number }[] }).pairs;
    expect(pairs.map((p) => `${p.k} ${p.level}`)).toEqual(["0 0", "0 1", "10 0", "10 1"]);
  }, 300_000);

  it("walks through the perturbations at the rewind point, the same steps for the unstable setting", async () => {
    expect(FIGURES.filter((f) => f.steps === PERTURBATION_STEPS).map((f) => f.id)).toEqual(["unmasking/perturbation", "unstable/perturbation", "unstable-bn/perturbation"]);
    const config: PerturbationConfig = { ...tiny(figureConfig<PerturbationConfig>("unmasking/perturbation", "quick")), rewindSteps: [0], levels: [1], scales: [1, 4] };
    const { run } = await walkAndCompare("unmasking/perturbation", config, ["impLevels", "copies", "stability", "prunedNorms", "perturbed", "paths", "summarise"]);
    const data = run.data as { cells: { scale: number; norm: number; prunedNorm: number }[]; points: { level: number; instabilities: number[] }[] };
    expect(data.cells.map((x) => x.scale)).toEqual([1, 4]);
    expect(data.cells[1].norm).toBeCloseTo(4 * data.cells[0].prunedNorm);
    // The rewind point's own stability is measured: one barrier per pair of copies.
    expect(data.points.map((p) => [p.level, p.instabilities.length])).toEqual([[1, config.pairs]]);
  }, 300_000);

  it("walks through the plain vs batch-norm comparison: both grids, the plain network at the batch-norm rate, every rewind point", async () => {
    const quick = figureConfig<PlainVsBnConfig>("unstable-bn/plain-vs-bn", "quick");
    const config: PlainVsBnConfig = { ...quick, bn: tiny(quick.bn), plain: tiny(quick.plain), rewindSteps: [0, 10], levels: [1], batches: 2 };
    const { run } = await walkAndCompare("unstable-bn/plain-vs-bn", config, ["grids", "plainAtBnRate", "rewindPoints", "rescaled", "summarise"]);
    const data = run.data as PlainVsBnData;
    expect(data.subnetworks.map((x) => `${x.network} ${x.k} ${x.level} ${x.instabilities.length}`)).toEqual(["bn 0 1 1", "bn 10 1 1", "plain 0 1 1", "plain 10 1 1"]);
    expect(data.plainAtBnRate).toHaveLength(1);
    expect(data.rewindPoints.map((p) => `${p.network} ${p.k} ${p.level}`)).toEqual(["bn 0 0", "bn 0 1", "bn 10 0", "bn 10 1", "plain 0 0", "plain 0 1", "plain 10 0", "plain 10 1"]);
    for (const p of data.rewindPoints) {
      expect(p.layers.map((l) => l.layer)).toEqual(["fc1.weight", "fc2.weight"]);
      for (const l of p.layers) {
        expect(l.relativeStep).toBeCloseTo((config[p.network].train.lr * l.gradientNorm) / l.norm, 10);
        if (p.level === 0) expect(l.density).toBe(1);
        else expect(l.density).toBeLessThan(1);
      }
    }
    // The intervention: the batch-norm subnetwork at k = 0 with its dense norm back, the same function and a step smaller by the factor squared.
    expect(data.rescaled.map((x) => [x.level, x.instabilities.length])).toEqual([[1, 1]]);
    const pruned = data.rewindPoints.find((p) => p.network === "bn" && p.k === 0 && p.level === 1)!;
    const dense = data.rewindPoints.find((p) => p.network === "bn" && p.k === 0 && p.level === 0)!;
    for (const [i, l] of data.rescaled[0].layers.entries()) {
      const f = data.rescaled[0].factors[l.layer];
      expect(f).toBeGreaterThan(1);
      expect(l.norm / dense.layers[i].norm).toBeCloseTo(1, 5);
      expect((l.relativeStep * f * f) / pruned.layers[i].relativeStep).toBeCloseTo(1, 2);
    }
  }, 300_000);

  it("walks through the flatness analysis: one IMP chain per prune fraction", async () => {
    const config: FlatnessConfig = { ...tiny(figureConfig<FlatnessConfig>("unmasking/flatness", "quick")), fractions: [0.5, 0.8], targetDensity: 0.5, hessianSubset: 100, hessianIterations: 5 };
    const { run } = await walkAndCompare("unmasking/flatness", config, ["dense", "impLevels", "hessian", "paths", "summarise"]);
    const cells = (run.data as { cells: { fraction: number; level: number }[] }).cells;
    expect(cells.map((x) => `${x.fraction} ${x.level}`)).toEqual(["0.5 0", "0.8 0"]);
  }, 300_000);

  it("walks through IMP vs pruning without retraining", async () => {
    const config: RetrainingConfig = { ...tiny(figureConfig<RetrainingConfig>("unmasking/retraining", "quick")), maxLevel: 1 };
    const { run } = await walkAndCompare("unmasking/retraining", config, ["impLevels", "impAccuracy", "noRetraining", "magnitudes", "summarise"]);
    const rows = (run.data as { rows: { level: number }[] }).rows;
    expect(rows.map((r) => r.level)).toEqual([1]);
  }, 300_000);

  it("walks through the greedy forward selection figures: pre-training, then selection at the checkpoints", async () => {
    const setup = greedySetup(256, 4, 100, 500);
    const threshold: GreedyThresholdConfig = { ...figureConfig<GreedyThresholdConfig>("gfs/pretraining-threshold", "quick"), setup, sizes: [200, 400], spec: spec(4, [1]) };
    const t = await walkAndCompare("gfs/pretraining-threshold", threshold, ["pretrain", "select"]);
    const data = t.run.data as { steps: number[]; results: { size: number; checkpoints: unknown[] }[] };
    expect(data.results.map((r) => [r.size, r.checkpoints.length])).toEqual([[200, data.steps.length], [400, data.steps.length]]);
    const baselines: GreedyBaselinesConfig = { ...figureConfig<GreedyBaselinesConfig>("gfs/baselines", "quick"), setup, size: 400, spec: spec(4, [1]) };
    await walkAndCompare("gfs/baselines", baselines, ["pretrain", "select"]);
    const rate: GreedyRateConfig = { ...figureConfig<GreedyRateConfig>("gfs/size-rate", "quick"), setup, size: 400, step: null, spec: spec(4, [1]), fitFrom: 2 };
    const r = await walkAndCompare("gfs/size-rate", rate, ["pretrain", "select"]);
    expect((r.run.data as { step: number }).step).toBe(4);
  }, 300_000);
});
