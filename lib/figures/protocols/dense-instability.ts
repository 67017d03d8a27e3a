import { method, FigureResult } from "../figure";
import { sideLabel } from "../claims";
import { stabilitySide } from "../../lmc/stability";
import { errorBars, hline, meanBand, spreadCaption } from "../plot-helpers";
import { DataConfig } from "../../data/registry";
import { BatchNormPath } from "../../lmc/bn-statistics";
import { TrainHparams } from "../../train/hparams";
import { denseRun } from "../../lottery/subnetworks";
import { branchAt, copies } from "../../lmc/instability";
import { runTasks } from "../../parallel/pool";
import { PathResult } from "../../lmc/path";
import { evenAlphas, STABILITY_THRESHOLD } from "../../lmc/barrier";
import { meanPm, meanStd, meanStdSeries, plural } from "../../util/stats";
import { UserError } from "../../util/errors";

/** Instability of the dense network vs the step k at which the two copies are made. */
export interface DenseInstabilityConfig {
  model: string;
  data: DataConfig;
  train: TrainHparams;
  /** Branch steps k. */
  ks: number[];
  /** One parent network per initialisation seed. */
  initSeeds: number[];
  /** Pairs of copies (data-order seeds) per parent and k. */
  pairs: number;
  /** Number of evenly spaced interpolation points, endpoints included. */
  alphas: number;
  /** Training error is measured on the first this many training examples (null: all). */
  trainEvalSubset: number | null;
  /** Batch-norm statistics along paths (models with batch norm; absent: recomputed, DEFAULT_BATCH_NORM_PATH). */
  batchNorm?: BatchNormPath | null;
}

export interface Replicate {
  k: number;
  initSeed: number;
  pair: number;
  childSeeds: [number, number];
  path: PathResult;
}

export interface KSummary {
  k: number;
  n: number;
  testInstability: { mean: number; std: number };
  trainInstability: { mean: number; std: number };
  testLinearBarrier: { mean: number; std: number };
  /** Test error of the trained copies (the endpoints). */
  endpointTestError: { mean: number; std: number };
  stable: boolean;
}


function validate(c: DenseInstabilityConfig): void {
  for (const k of c.ks) {
    if (!Number.isInteger(k) || k < 0 || k >= c.train.steps) throw new UserError(`branch step k = ${k} must be an integer in 0..${c.train.steps - 1}.`);
  }
  if (!(Number.isInteger(c.pairs) && c.pairs >= 1)) throw new UserError(`pairs = ${c.pairs} must be a positive integer.`);
  if (c.initSeeds.length < 1) throw new UserError("at least one initialisation seed is needed.");
}

/** The parents and the pairs of copies a config asks for (configs only: cheap, and the same in every step). */
function plan(c: DenseInstabilityConfig) {
  const parents = c.initSeeds.map((s) => denseRun(c, s));
  const cells = parents.flatMap((parent, i) =>
    c.ks.flatMap((k) =>
      Array.from({ length: c.pairs }, (_, pair) => {
        const childSeeds: [number, number] = [2 * pair + 1, 2 * pair + 2];
        return { k, initSeed: c.initSeeds[i], pair, childSeeds, runs: copies(branchAt(parent, k), childSeeds) };
      }),
    ),
  );
  return { parents, cells };
}

/**
 * The analysis in four steps (the notebook's cells; `runDenseInstability` runs them in one go). Each wave of
 * independent work is spread over the worker pool.
 */
export const DENSE_INSTABILITY = method<DenseInstabilityConfig>()
  .step(
    "parents",
    "Train one parent network per initialisation seed from W0 with data order 0, saving its weights W_k at every branch step k.",
    async (c) => {
      validate(c);
      return runTasks(plan(c).parents.map((config, i) => ({ kind: "run" as const, config, checkpoints: c.ks, label: `parent init ${c.initSeeds[i]}` })));
    },
  )
  .step(
    "copies",
    "For every parent, k and pair, train two copies from W_k to the end with different data orders (2p+1 and 2p+2): the learning-rate schedule continues from k, the optimizer starts fresh.",
    async (c) => {
      const { cells } = plan(c);
      return runTasks(cells.flatMap((cell) => cell.runs.map((config, j) => ({ kind: "run" as const, config, label: `init ${cell.initSeed} k=${cell.k} pair ${cell.pair} copy ${j + 1}` }))));
    },
  )
  .step(
    "paths",
    "Evaluate the error along the linear path between the two copies of every pair, at evenly spaced alphas, on the test set and a training subset.",
    async (c) => {
      const alphas = evenAlphas(c.alphas);
      return runTasks(plan(c).cells.map((cell) => ({ kind: "path" as const, a: cell.runs[0], b: cell.runs[1], options: { alphas, trainEvalSubset: c.trainEvalSubset, batchNorm: c.batchNorm } })));
    },
  )
  .step(
    "summarise",
    "Instability of each pair: the largest error on the path minus the mean of its endpoints' errors; then its mean and spread at every k, and whether it is below the 2-point threshold.",
    async (c, done) => {
      const paths = done.paths;
      const replicates: Replicate[] = plan(c).cells.map((cell, i) => ({ k: cell.k, initSeed: cell.initSeed, pair: cell.pair, childSeeds: cell.childSeeds, path: paths[i] }));
      const summary = c.ks.map((k): KSummary => {
        const rs = replicates.filter((r) => r.k === k);
        const test = meanStd(rs.map((r) => r.path.test.meanBarrier));
        const endpoints = rs.flatMap((r) => [r.path.test.errors[0], r.path.test.errors[r.path.test.errors.length - 1]]);
        return {
          k,
          n: rs.length,
          testInstability: test,
          trainInstability: meanStd(rs.map((r) => r.path.train.meanBarrier)),
          testLinearBarrier: meanStd(rs.map((r) => r.path.test.linearBarrier)),
          endpointTestError: meanStd(endpoints),
          stable: test.mean < STABILITY_THRESHOLD,
        };
      });
      return { replicates, summary, denseTestError: meanStd(done.parents.map((d) => d.test.error)) };
    },
  );

export const DENSE_INSTABILITY_STEPS = DENSE_INSTABILITY.steps;
export const runDenseInstability = DENSE_INSTABILITY.compute;

export type DenseInstabilityData = Awaited<ReturnType<typeof runDenseInstability>>;

/** The plots, table and numeric findings of a dense instability analysis, whatever the paper's claims about it. */
export function denseInstabilityViews(c: DenseInstabilityConfig, r: DenseInstabilityData): Omit<FigureResult, "checks"> {
  const alphas = evenAlphas(c.alphas);
  const nPairs = r.summary[0]?.n ?? 0;
  const curvePlot = (split: "test" | "train") => ({
    id: `path-${split}`,
    title: `${split === "test" ? "Test" : "Train"} error along the linear path between the two copies`,
    data: c.ks.flatMap((k, i) => {
      const { mean: m, std: s } = meanStdSeries(r.replicates.filter((x) => x.k === k).map((x) => x.path[split].errors.map((e) => 100 * e)));
      return meanBand(`k = ${k}`, alphas, m, s, i);
    }),
    layout: { xaxis: { title: { text: "interpolation α" } }, yaxis: { title: { text: `${split} error (%)` } } },
    caption: spreadCaption("pairs of copies", nPairs, "α = 0 and α = 1 are the two trained copies; the instability is the highest point of a curve minus the mean of its ends.", "shaded bands"),
  });
  const kLabels = c.ks.map(String);
  const instabilityPlot = {
    id: "instability-vs-k",
    title: "Instability of the dense network vs the step k of the copy",
    data: [
      errorBars("test", kLabels, r.summary.map((s) => 100 * s.testInstability.mean), r.summary.map((s) => 100 * s.testInstability.std), 0),
      errorBars("train", kLabels, r.summary.map((s) => 100 * s.trainInstability.mean), r.summary.map((s) => 100 * s.trainInstability.std), 1),
    ],
    layout: {
      xaxis: { title: { text: "k (training step at which the copies are made)" }, type: "category" },
      yaxis: { title: { text: "instability (percentage points)" }, rangemode: "tozero" },
      shapes: [hline(100 * STABILITY_THRESHOLD, "stability threshold: stable below 2 pp")],
    },
    caption: spreadCaption("pairs of copies", nPairs, "Dashed line: the LMC paper's 2 pp stability threshold."),
  };
  const table = {
    id: "summary",
    title: "Instability (max error on the path minus the mean of the endpoints), percentage points",
    columns: ["k", "replicates", "test instability", "train instability", "test α-weighted barrier", "copies' test error (%)", "stable (< 2 pp)"],
    rows: r.summary.map((s) => [
      s.k,
      s.n,
      meanPm(s.testInstability, s.n),
      meanPm(s.trainInstability, s.n),
      meanPm(s.testLinearBarrier, s.n),
      meanPm(s.endpointTestError, 2 * s.n),
      sideLabel(stabilitySide(s.testInstability, s.n), "yes", "no"),
    ]),
    note: "a ± b: mean ± one sample standard deviation over the pairs (column replicates; the copies' error over both copies of every pair); one pair shows its value and (n = 1). Stable: test instability below 2 pp; borderline: within one std (or 0.2 pp) of it. The α-weighted barrier is the largest error above the straight line between the two endpoints' errors; the instability (the highest error on the path minus the mean of the endpoints') is at least half the gap between the endpoints, even on a path that never rises above that line.",
  };
  const nInit = c.initSeeds.length;
  const denseAccuracy = { mean: 1 - r.denseTestError.mean, std: r.denseTestError.std };
  const findings = [
    `Dense ${c.model} test accuracy after ${c.train.steps} steps: ${meanPm(denseAccuracy, nInit)} % over ${plural(nInit, "initialisation")}.`,
    ...r.summary.map(
      (s) => `k = ${s.k}: test instability ${meanPm(s.testInstability, s.n)} pp, train ${meanPm(s.trainInstability, s.n)} pp over ${plural(s.n, "pair")}: ${sideLabel(stabilitySide(s.testInstability, s.n), "stable", "unstable")}.`,
    ),
  ];
  return { plots: [curvePlot("test"), curvePlot("train"), instabilityPlot], tables: [table], findings };
}
