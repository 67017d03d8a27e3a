import { defineFigure, FigureResult } from "./figure";
import { lenetPaperTraining } from "./lenet-presets";
import { hline, meanBand } from "./plot-helpers";
import {
  KIND_LABELS, Measured, SparseSetup, SUBNETWORKS, SubnetworkKind, accuracyOf, denseRun, instabilityOf, isMatching, measure, subnetwork,
} from "./subnetworks";
import { runTasks } from "../parallel/pool";
import { evenAlphas, STABILITY_THRESHOLD } from "../lmc/barrier";
import { levelForDensity, nominalDensity } from "../prune/imp";
import { meanStd, meanStdSeries, pp } from "../util/stats";
import { UserError } from "../util/errors";

/** IMP, random pruning and random reinitialisation at one sparsity, rewound to k. */
export interface SparseAtKConfig extends SparseSetup {
  /** Target density of the prunable weights; the IMP level is the first that reaches it. */
  density: number;
  rewindStep: number;
}

interface Row {
  kind: SubnetworkKind;
  perInit: Measured[];
}

export async function runSparseAtK(c: SparseAtKConfig) {
  const level = levelForDensity(c.fraction, c.density);
  if (level < 1) throw new UserError(`density ${c.density} needs no pruning; choose a density below 1.`);
  const dense = await runTasks(c.initSeeds.map((s) => ({ kind: "run" as const, config: denseRun(c, s), checkpoints: [c.rewindStep] })));
  const starts = SUBNETWORKS.flatMap((kind) => c.initSeeds.map((s) => ({ kind, config: subnetwork(c, kind, s, c.rewindStep, level) })));
  const chains = c.initSeeds.map((s) => subnetwork(c, "imp", s, c.rewindStep, level));
  const measured = await measure(c, starts.map((x) => x.config), chains);
  const rows: Row[] = SUBNETWORKS.map((kind) => ({ kind, perInit: measured.filter((_, i) => starts[i].kind === kind) }));
  const denseAccuracy = meanStd(dense.map((d) => d.test.accuracy));
  return { level, density: nominalDensity(c.fraction, level), denseAccuracy, rows };
}

function render(c: SparseAtKConfig, r: Awaited<ReturnType<typeof runSparseAtK>>): FigureResult {
  const alphas = evenAlphas(c.alphas);
  const pathPlot = {
    id: "paths",
    title: `Test error along the path between two copies, at ${(100 * r.density).toFixed(1)} % density, k = ${c.rewindStep}`,
    data: r.rows.flatMap((row, i) => {
      const curves = row.perInit.flatMap((m) => m.paths.map((p) => p.test.errors.map((e) => 100 * e)));
      const { mean, std } = meanStdSeries(curves);
      return meanBand(KIND_LABELS[row.kind], alphas, mean, std, i);
    }),
    layout: {
      xaxis: { title: { text: "interpolation α" } },
      yaxis: { title: { text: "test error (%)" } },
      shapes: [hline(100 * (1 - r.denseAccuracy.mean), "dense network")],
    },
  };
  const stats = r.rows.map((row) => {
    const accuracy = accuracyOf(row.perInit);
    const instability = instabilityOf(row.perInit);
    return { row, accuracy, instability, matching: isMatching(accuracy, r.denseAccuracy, c.matchingTolerance), stable: instability.mean < STABILITY_THRESHOLD };
  });
  const table = {
    id: "summary",
    title: `Subnetworks at ${(100 * r.density).toFixed(2)} % density (IMP level ${r.level}), rewound to k = ${c.rewindStep}; dense accuracy ${pp(r.denseAccuracy.mean, r.denseAccuracy.std)} %`,
    columns: ["subnetwork", "test accuracy (%)", "matching", "test instability (pp)", "train instability (pp)", "stable (< 2 pp)"],
    rows: stats.map((s) => [
      KIND_LABELS[s.row.kind],
      pp(s.accuracy.mean, s.accuracy.std),
      s.matching ? "yes" : "no",
      pp(s.instability.mean, s.instability.std),
      pp(instabilityOf(s.row.perInit, "train").mean, instabilityOf(s.row.perInit, "train").std),
      s.stable ? "yes" : "no",
    ]),
  };
  const imp = stats[0];
  const findings = [
    `Dense ${c.model}: ${pp(r.denseAccuracy.mean, r.denseAccuracy.std)} % test accuracy over ${c.initSeeds.length} initialisation(s).`,
    ...stats.map(
      (s) =>
        `${KIND_LABELS[s.row.kind]} at ${(100 * r.density).toFixed(2)} %: ${pp(s.accuracy.mean, s.accuracy.std)} % (${s.matching ? "matching" : "not matching"}), instability ${pp(s.instability.mean, s.instability.std)} pp (${s.stable ? "stable" : "unstable"}).`,
    ),
    imp.matching === imp.stable
      ? `As the paper predicts, the IMP subnetwork is ${imp.matching ? "both matching and stable" : "neither matching nor stable"}.`
      : `Unlike the paper's finding (matching exactly when stable), the IMP subnetwork is ${imp.matching ? "matching but unstable" : "stable but not matching"} here.`,
  ];
  return { data: { config: c, ...r }, plots: [pathPlot], tables: [table], findings };
}

const lenet = (steps: number) => ({ model: "lenet-300-100", train: lenetPaperTraining(steps), fraction: 0.2, scope: "global" as const, matchingTolerance: null });

export const sparseAtInit = defineFigure<SparseAtKConfig>({
  id: "lmc/sparse-k0",
  title: "IMP subnetworks vs random baselines at k = 0 (LeNet-300-100, 3.5 % density)",
  source: "Frankle et al. 2020, Linear Mode Connectivity and the Lottery Ticket Hypothesis, Table 2 and Fig. 5 (LeNet)",
  claim:
    "At 3.5 % density, the LeNet-300-100 subnetwork found by IMP and reset to initialisation is stable and matching, while random pruning and random reinitialisation are neither: IMP subnetworks match exactly where they are stable.",
  method:
    "Iterative magnitude pruning (IMP) with rewinding to k = 0: train the dense network, prune 20 % of the remaining fc1/fc2 weights with the smallest final magnitudes (globally), reset the survivors to their initial values, retrain, and repeat until 3.5 % remain. Baselines at the same density: *random pruning* (a random mask with IMP's per-layer densities, same initial weights) and *random reinitialisation* (IMP's mask, fresh random weights). For each subnetwork, report test accuracy (trained with data order 0), whether it is *matching* (accuracy within one std of the dense networks'), and its instability: two copies trained from its starting weights with different data orders, and the error barrier between them.",
  presetNotes: {
    quick: "Smoke size: 5,000 examples, 200 steps, 3 IMP levels of 50 % (12.5 % density), one initialisation, one pair. Not a result.",
    cpu: "Full MNIST, Adam 1.2e-3, batch 60, 6,000 steps per level (paper: 24,000); 15 levels of 20 % global pruning (3.5 % of fc1/fc2; the output layer stays dense, as in the reference); 2 initialisations x 1 pair of copies (paper: 3 x 3); matching = within one std of the dense accuracy.",
    paper: "The paper's settings: 24,000 steps per level, 15 levels (3.5 %), 3 initialisations x 3 pairs, full training set for the train error.",
  },
  presets: {
    quick: { ...lenet(200), fraction: 0.5, data: { dataset: "mnist", trainSubset: 5000 }, initSeeds: [1], pairs: 1, alphas: 5, trainEvalSubset: 2000, density: 0.125, rewindStep: 0 },
    cpu: { ...lenet(6000), data: { dataset: "mnist" }, initSeeds: [1, 2], pairs: 1, alphas: 30, trainEvalSubset: 10000, density: 0.036, rewindStep: 0 },
    paper: { ...lenet(24000), data: { dataset: "mnist" }, initSeeds: [1, 2, 3], pairs: 3, alphas: 30, trainEvalSubset: null, density: 0.036, rewindStep: 0 },
  },
  async run(config) {
    return render(config, await runSparseAtK(config));
  },
});
