import { method, defineFigure, FigureResult } from "../figure";
import { check, Verdict } from "../claims";
import { color } from "../plot-helpers";
import { GreedySetup, SelectionSpec, CheckpointMeasurement, measureCheckpoint, pretrain, pretrainRun } from "../../greedy/experiment";
import { geometricSteps } from "../../greedy/checkpoints";
import { at, randomAt, SETUP_METHOD, spec, stepAxis, stepX } from "./common";
import { greedySetup } from "../settings/mean-field-mnist";
import { meanPm } from "../../util/stats";

/** GFS vs magnitude pruning vs random selection of the same number of neurons, from the same checkpoints. */
export interface GreedyBaselinesConfig {
  setup: GreedySetup;
  /** Training-set size of the pre-trained network. */
  size: number;
  spec: SelectionSpec;
}

export interface GreedyBaselinesData {
  steps: number[];
  denseTestAccuracy: number;
  checkpoints: CheckpointMeasurement[];
}

/** The figure in steps (the notebook's cells; `compute` runs them in one go). */
export const GREEDY_BASELINES = method<GreedyBaselinesConfig>()
  .step(
    "pretrain",
    "Pre-train the mean-field network by SGD on the first `size` training examples, saving checkpoints at iterations 0, 1, 2, 4, ..., T.",
    async (c) => (await pretrain(c.setup, [c.size], geometricSteps(c.setup.train.steps)))[0],
  )
  .step(
    "select",
    "At every checkpoint: greedy forward selection to the target size n, magnitude pruning and random selection at every evaluation size, and the dense network, each measured by its loss on the selection examples and on the test set (cached per checkpoint).",
    async (c, done): Promise<GreedyBaselinesData> => {
      const steps = geometricSteps(c.setup.train.steps);
      const checkpoints: CheckpointMeasurement[] = [];
      for (const step of steps) {
        const m = await measureCheckpoint(c.setup, pretrainRun(c.setup, c.size), step, c.spec);
        console.error(`[gfs] step ${step}: GFS ${m.gfs.losses[m.gfs.losses.length - 1].toFixed(4)}, magnitude ${at(m.magnitude, c.spec.size).trainLoss.toFixed(4)}`);
        checkpoints.push(m);
      }
      return { steps, denseTestAccuracy: done.pretrain.test.accuracy, checkpoints };
    },
  );

export const GREEDY_BASELINES_STEPS = GREEDY_BASELINES.steps;

const compute: (c: GreedyBaselinesConfig) => Promise<GreedyBaselinesData> = GREEDY_BASELINES.compute;

function render(c: GreedyBaselinesConfig, d: GreedyBaselinesData): FigureResult {
  const n = c.spec.size;
  const r = c.spec.randomSeeds.length;
  const xs = d.steps.map(stepX);
  const series = (pick: (p: { trainLoss: number; test: { accuracy: number } }) => number, scale: number) => [
    { x: xs, y: d.checkpoints.map((m) => scale * pick(at(m.gfs.points, n))), name: `GFS (n = ${n}, with replacement)`, mode: "lines+markers", line: { color: color(0) }, type: "scatter" },
    { x: xs, y: d.checkpoints.map((m) => scale * pick(at(m.magnitude, n))), name: `magnitude (top ${n} by ‖a_i‖‖w_i‖)`, mode: "lines+markers", line: { color: color(1) }, type: "scatter" },
    {
      x: xs,
      y: d.checkpoints.map((m) => scale * randomAt(m, n, pick).mean),
      error_y: { type: "data", array: d.checkpoints.map((m) => scale * randomAt(m, n, pick).std), visible: r > 1 },
      name: `random ${n} neurons (${r} seeds)`,
      mode: "lines+markers",
      line: { color: color(2) },
      type: "scatter",
    },
  ];
  const lossPlot = {
    id: "loss-vs-pretraining",
    title: `Training loss of ${n}-neuron subnetworks vs pre-training iterations (${c.size} examples)`,
    data: [...series((p) => p.trainLoss, 1), { x: xs, y: d.checkpoints.map((m) => m.dense.trainLoss), name: `dense (N = ${c.setup.width})`, mode: "lines", line: { color: "#444", dash: "dot" }, type: "scatter" }],
    layout: { xaxis: stepAxis(d.steps), yaxis: { title: { text: `training loss (cross-entropy, first ${c.setup.selectionExamples} examples)` }, type: "log" } },
    caption: `One pre-training run; random selection: mean ± 1 sample std over ${r} seeds (error bars). Every subnetwork is the average (1/n) Σ a_i relu(w_i · x) over its neurons, taken from the same checkpoint.`,
  };
  const accPlot = {
    id: "test-accuracy-vs-pretraining",
    title: `Test accuracy of ${n}-neuron subnetworks vs pre-training iterations`,
    data: [...series((p) => p.test.accuracy, 100), { x: xs, y: d.checkpoints.map((m) => 100 * m.dense.test.accuracy), name: "dense", mode: "lines", line: { color: "#444", dash: "dot" }, type: "scatter" }],
    layout: { xaxis: stepAxis(d.steps), yaxis: { title: { text: "test accuracy (%)" } } },
    caption: `As above; random: mean ± 1 std over ${r} seeds.`,
  };
  const last = d.checkpoints[d.checkpoints.length - 1];
  const table = {
    id: "final-checkpoint",
    title: `At the last checkpoint (${d.steps[d.steps.length - 1]} iterations): every method at every subnetwork size`,
    columns: ["n", "GFS train loss", "magnitude train loss", "random train loss", "GFS test acc. (%)", "magnitude test acc. (%)", "random test acc. (%)"],
    rows: c.spec.evalSizes.map((k) => [
      k,
      at(last.gfs.points, k).trainLoss.toFixed(4),
      at(last.magnitude, k).trainLoss.toFixed(4),
      meanPm(randomAt(last, k, (p) => p.trainLoss), r, 1, 4),
      (100 * at(last.gfs.points, k).test.accuracy).toFixed(2),
      (100 * at(last.magnitude, k).test.accuracy).toFixed(2),
      meanPm(randomAt(last, k, (p) => p.test.accuracy), r),
    ]),
    note: `random: mean ± 1 sample std over ${r} seeds. Dense network: train loss ${last.dense.trainLoss.toFixed(4)}, test accuracy ${(100 * last.dense.test.accuracy).toFixed(2)} %.`,
  };
  // Per checkpoint (after initialisation): does GFS have the lowest training loss and the highest test accuracy?
  const trained = d.checkpoints.filter((m) => m.step > 0);
  const lossWins = trained.filter((m) => at(m.gfs.points, n).trainLoss < Math.min(at(m.magnitude, n).trainLoss, randomAt(m, n, (p) => p.trainLoss).mean));
  const accWins = trained.filter((m) => at(m.gfs.points, n).test.accuracy > Math.max(at(m.magnitude, n).test.accuracy, randomAt(m, n, (p) => p.test.accuracy).mean));
  const verdict = (wins: number, total: number): Verdict => (wins === total ? "agrees" : wins >= 0.75 * total ? "borderline" : "differs");
  const lastLine = (k: number) =>
    `at ${d.steps[d.steps.length - 1]} iterations: GFS ${at(last.gfs.points, k).trainLoss.toFixed(3)}, magnitude ${at(last.magnitude, k).trainLoss.toFixed(3)}, random ${meanPm(randomAt(last, k, (p) => p.trainLoss), r, 1, 3)}`;
  const accLine = `GFS ${(100 * at(last.gfs.points, n).test.accuracy).toFixed(2)} %, magnitude ${(100 * at(last.magnitude, n).test.accuracy).toFixed(2)} %, random ${meanPm(randomAt(last, n, (p) => p.test.accuracy), r)} % at the last checkpoint`;
  const findings = [
    `Training loss with n = ${n} neurons ${lastLine(n)} (dense ${last.dense.trainLoss.toFixed(3)}).`,
    `Test accuracy with n = ${n}: ${accLine} (dense ${(100 * last.dense.test.accuracy).toFixed(2)} %).`,
    `GFS uses ${last.gfs.distinct} distinct neurons for its ${n} picks at the last checkpoint.`,
  ];
  const checks = [
    check("gfs-lower-loss", verdict(lossWins.length, trained.length), `GFS has the lowest training loss at ${lossWins.length} of ${trained.length} checkpoints after initialisation; ${lastLine(n)}.`),
    check("gfs-higher-accuracy", verdict(accWins.length, trained.length), `GFS has the highest test accuracy at ${accWins.length} of ${trained.length} checkpoints after initialisation; ${accLine}.`),
  ];
  return { plots: [lossPlot, accPlot], tables: [table], findings, checks };
}

export const greedyBaselines = defineFigure<GreedyBaselinesConfig, GreedyBaselinesData>({
  id: "gfs/baselines",
  title: "GFS vs magnitude pruning vs random selection of neurons, from the same checkpoints",
  source: "Wolfe et al. 2021 (How Much Pre-training Is Enough to Discover a Good Subnetwork?) and Ye et al. 2020 (Good Subnetworks Provably Exist: Pruning via Greedy Forward Selection), two-layer MNIST",
  claim: "Subnetworks found by greedy forward selection have lower training loss and higher accuracy than subnetworks of the same size found by magnitude pruning or random selection.",
  claims: [
    { id: "gfs-lower-loss", text: "GFS subnetworks have lower training loss than magnitude-pruned or random subnetworks of the same size, from the same pre-trained network." },
    { id: "gfs-higher-accuracy", text: "They also have higher test accuracy." },
  ],
  method:
    SETUP_METHOD +
    " From the same checkpoints, two baselines keep n distinct neurons: *magnitude* pruning keeps the n largest ‖a_i‖·‖w_i‖ (the scale of a relu neuron's contribution), *random* selection n uniformly random neurons (several seeds). Every subnetwork is evaluated the same way, as the average (1/n) Σ a_i relu(w_i · x) over its neurons (GFS counts a neuron picked twice twice), without retraining.",
  presetNotes: {
    quick: "Smoke size: N = 256, 8,000 examples, 64 SGD steps, m = 200, n = 16, one random seed, test on 2,000 examples. Not a result.",
    cpu: "N = 1,000, all 60,000 MNIST training examples, 2,048 SGD steps (checkpoints 0, 1, 2, ..., 2,048), n = 64, m = 500 selection examples, 3 random seeds, full test set (the same runs and selections as gfs/pretraining-threshold's largest size).",
    paper: "N = 10,000, 16,384 SGD steps, n = 256, m = 5,000, 3 random seeds.",
  },
  presets: {
    quick: { setup: greedySetup(256, 64, 200, 2000, 1000), size: 8000, spec: spec(16, [1]) },
    cpu: { setup: greedySetup(1000, 2048, 500, null, 5000), size: 60000, spec: spec(64) },
    paper: { setup: greedySetup(10000, 16384, 5000, null, 10000), size: 60000, spec: spec(256) },
  },
  compute,
  steps: GREEDY_BASELINES_STEPS,
  render,
});
