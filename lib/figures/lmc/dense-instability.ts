import { defineFigure, FigureResult } from "../figure";
import { STABILITY, check, combine, thresholdCheck } from "../claims";
import { DENSE_INSTABILITY_STEPS, DenseInstabilityConfig, DenseInstabilityData, denseInstabilityViews, runDenseInstability } from "../protocols/dense-instability";
import { DataConfig } from "../../data/registry";
import { lenetPaperTraining } from "../../train/recipes";
import { meanPm } from "../../util/stats";

/** The paper's dense LeNet-300-100 accuracy (LMC paper, Table 1: 98.3 % after 24K iterations). */
const PAPER_ACCURACY = 0.983;

function render(c: DenseInstabilityConfig, r: DenseInstabilityData): FigureResult {
  const nInit = c.initSeeds.length;
  const denseAccuracy = { mean: 1 - r.denseTestError.mean, std: r.denseTestError.std };
  const k0 = r.summary.find((s) => s.k === 0);
  const later = r.summary.filter((s) => s.k > 0);
  const accuracyGap = denseAccuracy.mean - PAPER_ACCURACY;
  const checks = [
    check(
      "accuracy",
      Math.abs(accuracyGap) <= Math.max(nInit > 1 ? denseAccuracy.std : 0, 0.001) ? "agrees" : "differs",
      `${meanPm(denseAccuracy, nInit)} % after ${c.train.steps} steps, ${Math.abs(100 * accuracyGap).toFixed(2)} pp ${accuracyGap < 0 ? "below" : "above"} the paper's 98.3 %${c.train.steps < 24000 ? ` (this preset trains ${c.train.steps} of the paper's 24,000 steps)` : ""}.`,
    ),
    k0 ? thresholdCheck("stable-at-init", "test instability at k = 0:", k0.testInstability, k0.n, STABILITY, true) : check("stable-at-init", "not tested", "k = 0 was not measured."),
    later.length
      ? combine("stable-later", later.map((s) => thresholdCheck("stable-later", `test instability at k = ${s.k}:`, s.testInstability, s.n, STABILITY, true)))
      : check("stable-later", "not tested", "no k > 0 was measured."),
  ];
  return { ...denseInstabilityViews(c, r), checks };
}

const mnist: DataConfig = { dataset: "mnist" };

export const denseInstability = defineFigure({
  id: "lmc/dense-instability",
  title: "Instability of dense LeNet-300-100 on MNIST",
  source: "Frankle et al. 2020, Linear Mode Connectivity and the Lottery Ticket Hypothesis, Figs. 2-3 (LeNet)",
  claim:
    "Two copies of LeNet-300-100 trained from the same weights with different SGD noise are linearly connected already at initialisation (k = 0): the error barrier along the path between them is about 0, below the 2 percentage-point threshold.",
  claims: [
    { id: "accuracy", text: "Dense LeNet-300-100 reaches 98.3 % test accuracy on MNIST (24K iterations)." },
    { id: "stable-at-init", text: "LeNet-300-100 is stable at initialisation: the instability of two copies made at k = 0 is below 2 pp." },
    { id: "stable-later", text: "It stays stable for copies made later in training (every k > 0)." },
  ],
  method:
    "Train a parent network from its initialisation W0 to step k. Copy it twice and train each copy to the end with a different data order (different SGD noise); the learning-rate schedule continues from k and each copy's optimizer starts fresh. Evaluate the error along the straight line between the two final networks. The *instability* is the largest error on that path minus the mean error of the two endpoints; the network is *stable* when it is below 2 percentage points.",
  presetNotes: {
    quick: "Smoke size: 5,000 training examples, 300 steps, one parent and one pair at k = 0 and 100, 7 interpolation points. Not a result.",
    cpu: "Full MNIST and the paper's optimizer (Adam 1.2e-3, batch 60), but 6,000 steps (6 epochs) instead of 24,000; 3 initialisations x 3 data-order pairs as in the paper; k in {0, 100, 500, 2000}; 30 interpolation points; train error on a fixed 10,000-example subset.",
    paper: "The paper's settings: 24,000 steps, 3 initialisations x 3 pairs, k in {0, 100, 500, 2000}, 30 points, full training set.",
  },
  presets: {
    quick: { model: "lenet-300-100", data: { dataset: "mnist", trainSubset: 5000 }, train: lenetPaperTraining(300), ks: [0, 100], initSeeds: [1], pairs: 1, alphas: 7, trainEvalSubset: 2000 },
    cpu: { model: "lenet-300-100", data: mnist, train: lenetPaperTraining(6000), ks: [0, 100, 500, 2000], initSeeds: [1, 2, 3], pairs: 3, alphas: 30, trainEvalSubset: 10000 },
    paper: { model: "lenet-300-100", data: mnist, train: lenetPaperTraining(24000), ks: [0, 100, 500, 2000], initSeeds: [1, 2, 3], pairs: 3, alphas: 30, trainEvalSubset: null },
  },
  compute: runDenseInstability,
  steps: DENSE_INSTABILITY_STEPS,
  render,
});
