import { method, defineFigure, FigureResult, Preset } from "../figure";
import { check, combine, matchingThreshold, thresholdCheck } from "../claims";
import { color, densityAxis, hline, spreadCaption } from "../plot-helpers";
import { SparseSetup, denseRun } from "../../lottery/subnetworks";
import { UNMASKING_NOTES, UNMASKING_SETUP } from "../settings/lenet-mnist";
import { runTasks } from "../../parallel/pool";
import { impLevel, nominalDensity } from "../../prune/imp";
import { magnitudePrune } from "../../prune/magnitude";
import { Mask, applyMask, denseMask, prunableNames } from "../../prune/mask";
import { ensureMask, maskOf } from "../../materialise/run";
import { cachedJson } from "../../store/cached";
import { loadWeights } from "../../store/runs";
import { modelFor } from "../../materialise/run";
import { runHash } from "../../store/run-config";
import { deviceData } from "../../data/device";
import { toDevice, disposeParams, HostParams } from "../../models/params";
import { evaluate } from "../../train/evaluate";
import { meanPm, meanStd, plural } from "../../util/stats";

/** IMP vs pruning repeatedly without retraining, and the magnitudes of the weights each level prunes. */
export interface RetrainingConfig extends SparseSetup {
  rewindStep: number;
  maxLevel: number;
}

/** Quartiles and fences for a Plotly box drawn from precomputed statistics. */
function quartiles(values: number[]): { q1: number; median: number; q3: number; lowerfence: number; upperfence: number } {
  const s = values.slice().sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
  return { q1: q(0.25), median: q(0.5), q3: q(0.75), lowerfence: q(0.01), upperfence: q(0.99) };
}

/** |w| of the weights that `keep` removes from `current`, and of those it keeps, in `weights`. */
function magnitudes(weights: HostParams, current: Mask, keep: Mask) {
  const pruned: number[] = [];
  const kept: number[] = [];
  for (const [name, m] of Object.entries(keep)) {
    const w = weights[name].data;
    m.data.forEach((k, i) => {
      if (current[name].data[i] !== 1) return;
      (k === 1 ? kept : pruned).push(Math.abs(w[i]));
    });
  }
  return { pruned, kept };
}

const overlap = (a: Mask, b: Mask) => {
  let both = 0;
  let total = 0;
  for (const [name, t] of Object.entries(a)) t.data.forEach((v, i) => {
    total += v;
    both += v * b[name].data[i];
  });
  return both / total;
};

const impSpecOf = (c: RetrainingConfig, initSeed: number) => ({ dense: denseRun(c, initSeed), rewindStep: c.rewindStep, fraction: c.fraction, scope: c.scope });
const levelsOf = (c: RetrainingConfig) => Array.from({ length: c.maxLevel }, (_, l) => l + 1);

/** The dense solution W_T of an initialisation, with its model and data. */
function denseSolution(c: RetrainingConfig, initSeed: number) {
  const dense = denseRun(c, initSeed);
  return { dense, model: modelFor(dense), data: deviceData(dense.data), final: loadWeights(dense, dense.train.steps) };
}

export interface RetrainingRow {
  initSeed: number;
  level: number;
  density: number;
  impAccuracy: number;
  noRetrainAccuracy: number;
  pruned: ReturnType<typeof quartiles>;
  kept: ReturnType<typeof quartiles>;
  overlapWithOneShot: number;
}

/**
 * The comparison in steps (the notebook's cells; `runRetraining` runs them in one go). IMP chains go one
 * task per chain over the worker pool; pruning without retraining is cached per dense network.
 */
export const RETRAINING = method<RetrainingConfig>()
  .step(
    "impLevels",
    "For every initialisation, run IMP one level past the deepest level compared (training the dense network first): each level prunes the given fraction of the weights the previous level kept, by the magnitude of its trained weights, rewinds the survivors to W_k and retrains to the end. Every level's mask and trained network are cached.",
    async (c) => {
      return runTasks(c.initSeeds.map((s) => ({ kind: "run" as const, config: impLevel(impSpecOf(c, s), c.maxLevel + 1), label: "IMP chain" })));
    },
  )
  .step(
    "impAccuracy",
    "The test accuracy of every IMP level (read from the chains' trained runs).",
    async (c) => runTasks(c.initSeeds.flatMap((s) => levelsOf(c).map((l) => ({ kind: "run" as const, config: impLevel(impSpecOf(c, s), l) })))),
  )
  .step(
    "noRetraining",
    "Without retraining the weights never change, so each level prunes the dense solution W_T further: prune the same fraction by magnitude, level after level, and evaluate the pruned W_T directly on the test set.",
    async (c) => {
      const accuracies: number[][] = [];
      for (const initSeed of c.initSeeds) {
        const { dense, model, data, final } = denseSolution(c, initSeed);
        accuracies.push(
          await cachedJson("no-retraining", { dense: runHash(dense), fraction: c.fraction, scope: c.scope, levels: c.maxLevel }, async () => {
            let mask = denseMask(model, prunableNames(model));
            const out: number[] = [];
            for (const _ of levelsOf(c)) {
              mask = magnitudePrune(final, mask, c.fraction, c.scope);
              const p = toDevice(applyMask(final, mask));
              out.push((await evaluate(model, p, data.test)).accuracy);
              disposeParams(p);
            }
            return out;
          }),
        );
      }
      return accuracies;
    },
  )
  .step(
    "magnitudes",
    "For every IMP level: the magnitudes (in that level's trained weights) of the weights the next level prunes and of those it keeps, as quartiles; and the overlap of what the next level keeps with one-shot magnitude pruning of W_T at the same density (would the dense solution have pruned the same weights?).",
    async (c, done) => {
      const { impAccuracy: imp, noRetraining: noRetrain } = done;
      const levels = levelsOf(c);
      const rows: RetrainingRow[] = [];
      for (const [i, initSeed] of c.initSeeds.entries()) {
        const { model, final } = denseSolution(c, initSeed);
        for (const [j, level] of levels.entries()) {
          const config = impLevel(impSpecOf(c, initSeed), level);
          const current = await maskOf(config);
          const next = await ensureMask(impLevel(impSpecOf(c, initSeed), level + 1).mask!);
          const m = magnitudes(loadWeights(config, config.train.steps), current, next);
          let oneShot = denseMask(model, prunableNames(model));
          for (let l = 0; l <= level; l++) oneShot = magnitudePrune(final, oneShot, c.fraction, c.scope);
          rows.push({
            initSeed,
            level,
            density: nominalDensity(c.fraction, level),
            impAccuracy: imp[i * levels.length + j].test.accuracy,
            noRetrainAccuracy: noRetrain[i][j],
            pruned: quartiles(m.pruned),
            kept: quartiles(m.kept),
            overlapWithOneShot: overlap(next, oneShot),
          });
        }
      }
      return rows;
    },
  )
  .step(
    "summarise",
    "The rows of every level, with the dense networks' mean test accuracy.",
    async (c, done) => {
      const dense = await runTasks(c.initSeeds.map((s) => ({ kind: "run" as const, config: denseRun(c, s) })));
      return { rows: done.magnitudes, denseAccuracy: meanStd(dense.map((d) => d.test.accuracy)) };
    },
  );

export const RETRAINING_STEPS = RETRAINING.steps;

export const runRetraining = RETRAINING.compute;

function render(c: RetrainingConfig, r: Awaited<ReturnType<typeof runRetraining>>): FigureResult {
  const levels = [...new Set(r.rows.map((x) => x.level))];
  const nInit = c.initSeeds.length;
  const at = (l: number) => r.rows.filter((x) => x.level === l);
  const x = levels.map((l) => 100 * nominalDensity(c.fraction, l));
  const line = (name: string, pick: (row: (typeof r.rows)[number]) => number, i: number) => {
    const s = levels.map((l) => meanStd(at(l).map(pick)));
    return { x, y: s.map((v) => 100 * v.mean), error_y: { type: "data", array: s.map((v) => 100 * v.std), visible: true }, name, mode: "lines+markers", line: { color: color(i) }, type: "scatter" };
  };
  const accuracyPlot = {
    id: "accuracy",
    title: "IMP (retrain each level) vs pruning the dense solution repeatedly without retraining",
    data: [line("IMP with retraining", (row) => row.impAccuracy, 0), line("no retraining", (row) => row.noRetrainAccuracy, 1)],
    layout: { xaxis: densityAxis("density (%, log scale)", x), yaxis: { title: { text: "test accuracy (%)" } }, shapes: [hline(100 * r.denseAccuracy.mean, "dense network's mean accuracy")] },
    caption: spreadCaption("initialisations", nInit, "Dashed line: the dense networks' mean accuracy."),
  };
  const first = r.rows.filter((row) => row.initSeed === r.rows[0].initSeed);
  const box = (name: string, pick: (row: (typeof r.rows)[number]) => ReturnType<typeof quartiles>, i: number) => ({
    type: "box",
    name,
    x: first.map((row) => `L${row.level}`),
    q1: first.map((row) => pick(row).q1),
    median: first.map((row) => pick(row).median),
    q3: first.map((row) => pick(row).q3),
    lowerfence: first.map((row) => pick(row).lowerfence),
    upperfence: first.map((row) => pick(row).upperfence),
    marker: { color: color(i) },
  });
  // Box whiskers span the 1st to 99th percentiles.
  const magnitudePlot = {
    id: "pruned-magnitudes",
    title: `|w| of the weights the next level prunes vs keeps (init ${r.rows[0].initSeed})`,
    data: [box("pruned next", (row) => row.pruned, 1), box("kept", (row) => row.kept, 0)],
    layout: { boxmode: "group", xaxis: { title: { text: "IMP level" } }, yaxis: { title: { text: "|w| (log scale)" }, type: "log" } },
    caption: "One initialisation. Boxes: quartiles and median of |w| in the level's trained weights; whiskers: 1st to 99th percentiles.",
  };
  const rows = levels.map((l) => {
    const cells = at(l);
    const imp = meanStd(cells.map((row) => row.impAccuracy));
    const nr = meanStd(cells.map((row) => row.noRetrainAccuracy));
    return [l, (100 * nominalDensity(c.fraction, l)).toFixed(1), meanPm(imp, cells.length), meanPm(nr, cells.length), meanStd(cells.map((row) => row.pruned.median)).mean.toExponential(2), meanStd(cells.map((row) => row.kept.median)).mean.toExponential(2), `${(100 * meanStd(cells.map((row) => row.overlapWithOneShot)).mean).toFixed(1)} %`];
  });
  const table = {
    id: "retraining",
    title: `Retraining vs none; dense accuracy ${meanPm(r.denseAccuracy, nInit)} %`,
    columns: ["level", "density (%)", "IMP accuracy (%)", "no-retraining accuracy (%)", "median |w| pruned next", "median |w| kept", "next mask's overlap with one-shot pruning of W_T"],
    rows,
    note: `a ± b: mean ± one sample standard deviation over ${plural(nInit, "initialisation")}; a single value shows (n = 1). Medians and overlaps: means over the initialisations.`,
  };
  const last = rows[rows.length - 1];
  const findings = [
    `At ${last[1]} % density, IMP reaches ${last[2]} % while pruning the dense solution repeatedly without retraining gives ${last[3]} %.`,
    `In each level's trained weights, the weights the next level prunes have a median magnitude ${rows.map((row) => (Number(row[4]) / Number(row[5])).toFixed(2)).join(", ")} times that of the weights it keeps (levels ${levels.join(", ")}).`,
    `The mask IMP keeps overlaps with one-shot magnitude pruning of the dense solution by ${rows.map((row) => row[6]).join(", ")} of its weights (levels ${levels.join(", ")}); below 100 %, retraining has made other weights the small ones.`,
  ];
  const lastLevel = levels[levels.length - 1];
  const impLast = meanStd(at(lastLevel).map((row) => row.impAccuracy));
  const nrLast = meanStd(at(lastLevel).map((row) => row.noRetrainAccuracy));
  const overlaps = levels.map((l) => meanStd(at(l).map((row) => row.overlapWithOneShot)).mean);
  const matchAt = r.denseAccuracy.mean - (c.matchingTolerance ?? r.denseAccuracy.std);
  const checks = [
    levels.length
      ? combine("no-retraining-collapses", [
          thresholdCheck("no-retraining-collapses", `at ${last[1]} % density, no retraining: accuracy`, nrLast, at(lastLevel).length, matchingThreshold(matchAt), true),
          thresholdCheck("no-retraining-collapses", "IMP: accuracy", impLast, at(lastLevel).length, matchingThreshold(matchAt), false),
        ])
      : check("no-retraining-collapses", "not tested", "no level was measured."),
    check(
      "new-small-weights",
      overlaps.every((o) => o < 1) ? "agrees" : "differs",
      `IMP's next mask keeps ${overlaps.map((o) => `${(100 * o).toFixed(1)} %`).join(", ")} of the weights one-shot pruning of W_T keeps (levels ${levels.join(", ")}): ${overlaps.every((o) => o < 1) ? "below 100 % at every level, so retraining has made other weights the small ones" : "100 % at some level: there retraining did not change which weights are smallest"}.`,
    ),
  ];
  return { plots: [accuracyPlot, magnitudePlot], tables: [table], findings, checks };
}

const presets: Record<Preset, RetrainingConfig> = {
  quick: { ...UNMASKING_SETUP.quick, rewindStep: 0, maxLevel: 1 },
  cpu: { ...UNMASKING_SETUP.cpu, rewindStep: 0, maxLevel: 14 },
  paper: { ...UNMASKING_SETUP.paper, rewindStep: 0, maxLevel: 19 },
};

export const retraining = defineFigure({
  id: "unmasking/retraining",
  title: "The role of retraining in IMP (LeNet-300-100)",
  source: "Paul et al. 2023, Unmasking the Lottery Ticket Hypothesis (retraining makes the next pruning step small)",
  claim:
    "Retraining is what lets IMP go far: after each retraining a new set of small weights appears, so the next pruning step is a small perturbation that stays in the same low-error region; pruning repeatedly without retraining quickly destroys accuracy.",
  claims: [
    { id: "no-retraining-collapses", text: "Pruning repeatedly without retraining quickly destroys accuracy: at high sparsity it no longer reaches the dense accuracy, while IMP does." },
    { id: "new-small-weights", text: "Retraining produces a new set of small weights, so the next pruning step removes weights that were not the smallest before retraining (IMP's masks differ from one-shot magnitude pruning of the dense solution)." },
  ],
  method:
    "Compare IMP (prune 20 %, rewind to k = 0, retrain) with pruning the dense solution W_T repeatedly by magnitude without retraining (evaluated directly). For each IMP level, compare the magnitudes (in that level's trained weights) of the weights the next level prunes with those it keeps, and measure how much IMP's mask overlaps with one-shot magnitude pruning of W_T at the same density.",
  presetNotes: UNMASKING_NOTES,
  presets,
  compute: runRetraining,
  steps: RETRAINING_STEPS,
  render,
});
