import { method, defineFigure, FigureResult } from "../figure";
import { copiesStep, impLevelsStep, pairPathsStep } from "../protocols/sparse-steps";
import { ClaimCheck, STABILITY, iffCheck, matchingThreshold, sideLabel, thresholdCheck } from "../claims";
import { stabilitySide, thresholdSide } from "../../lmc/stability";
import { lenetPaperTraining } from "../../train/recipes";
import { hline, meanBand, spreadCaption } from "../plot-helpers";
import { KIND_LABELS, Measured, SparseSetup, SUBNETWORKS, SubnetworkKind, accuracyOf, copyPairs, denseRun, instabilityOf, subnetwork } from "../../lottery/subnetworks";
import { isMatching } from "../../lottery/matching";
import { runTasks } from "../../parallel/pool";
import { evenAlphas } from "../../lmc/barrier";
import { levelForDensity, nominalDensity } from "../../prune/imp";
import { MeanStd, meanPm, meanStd, meanStdSeries, plural } from "../../util/stats";
import { UserError } from "../../util/errors";

/** IMP, random pruning and random reinitialisation at one sparsity, rewound to k. */
export interface SparseAtKConfig extends SparseSetup {
  /** Target density of the prunable weights; the IMP level is the first that reaches it. */
  density: number;
  rewindStep: number;
}

export interface Row {
  kind: SubnetworkKind;
  perInit: Measured[];
}

function plan(c: SparseAtKConfig) {
  const level = levelForDensity(c.fraction, c.density);
  const starts = SUBNETWORKS.flatMap((kind) => c.initSeeds.map((s) => ({ kind, config: subnetwork(c, kind, s, c.rewindStep, level) })));
  const chains = c.initSeeds.map((s) => subnetwork(c, "imp", s, c.rewindStep, level));
  return { level, starts, chains, pairs: copyPairs(c, starts.map((x) => x.config)) };
}

/**
 * The comparison in steps (the notebook's cells; `runSparseAtK` runs them in one go). Each wave of
 * independent work is spread over the worker pool; the IMP chains go first, one task per chain.
 */
export const SPARSE_AT_K = method<SparseAtKConfig>()
  .step(
    "dense",
    "Train one dense network per initialisation seed from W0 with data order 0, saving its weights W_k at the rewind step k: its accuracy is what a subnetwork has to match.",
    async (c) => {
      if (plan(c).level < 1) throw new UserError(`density ${c.density} needs no pruning; choose a density below 1.`);
      return runTasks(c.initSeeds.map((s) => ({ kind: "run" as const, config: denseRun(c, s), checkpoints: [c.rewindStep] })));
    },
  )
  .add(impLevelsStep(
    "For every initialisation, run IMP to the first level that reaches the target density: each level prunes the given fraction of the weights the previous level kept, by the magnitude of its trained weights, rewinds the survivors to W_k and trains to the end.",
    (c) => plan(c).chains,
  ))
  .step(
    "subnetworks",
    "Train the three subnetworks at that level with data order 0: IMP's, random pruning (a random mask with IMP's per-layer densities, rewound to the same W_k) and random reinitialisation (IMP's mask, fresh weights).",
    async (c) => runTasks(plan(c).starts.map((x) => ({ kind: "run" as const, config: x.config, label: "subnetwork" }))),
  )
  .add(copiesStep("Train pairs of copies of every subnetwork from its starting weights to the end with different data orders (2p+1 and 2p+2).", (c) => plan(c).pairs))
  .add(pairPathsStep((c) => plan(c).pairs))
  .step(
    "summarise",
    "Per kind of subnetwork and initialisation: its test error and its instability paths; the dense networks' mean accuracy, against which matching is judged.",
    async (c, done) => {
      const { level, starts, pairs } = plan(c);
      const summaries = done.subnetworks;
      const paths = done.paths;
      const measured: Measured[] = starts.map((_, i) => ({ testError: summaries[i].test.error, paths: paths.filter((_, j) => pairs[j].start === i) }));
      const rows: Row[] = SUBNETWORKS.map((kind) => ({ kind, perInit: measured.filter((_, i) => starts[i].kind === kind) }));
      const denseAccuracy = meanStd(done.dense.map((d) => d.test.accuracy));
      return { level, density: nominalDensity(c.fraction, level), denseAccuracy, rows };
    },
  );

export const SPARSE_AT_K_STEPS = SPARSE_AT_K.steps;

export const runSparseAtK = SPARSE_AT_K.compute;

/**
 * "IMP subnetworks are matching exactly where they are stable" over this figure's IMP subnetworks (one density, one k):
 * tested only where the two properties vary across IMP cells (claims.ts's iffCheck). The random baselines are not IMP
 * subnetworks; their own claims check them.
 */
function matchingIffStable(stats: { row: Row; accuracy: MeanStd; instability: MeanStd; nPaths: number; matching: boolean; matchBorderline: boolean; stable: boolean; stableSide: { borderline: boolean } }[], density: number): ClaimCheck {
  const imp = stats.filter((s) => s.row.kind === "imp");
  const base = iffCheck(
    "matching-iff-stable",
    imp.map((s) => ({
      name: `IMP at ${(100 * density).toFixed(2)} %`,
      a: s.matching,
      aBorderline: s.matchBorderline,
      b: s.stable,
      bBorderline: s.stableSide.borderline,
      detail: `${meanPm(s.accuracy, s.row.perInit.length)} % (${s.matching ? "matching" : "not matching"}), instability ${meanPm(s.instability, s.nPaths)} pp`,
    })),
    { cell: "IMP cell", cells: "IMP cells", a: "matching", b: "stable", both: "both matching and stable", neither: "neither" },
  );
  const others = stats.filter((s) => s.row.kind !== "imp" && s.matching !== s.stable);
  const aside = others.length ? ` (Not IMP subnetworks, so outside this claim: ${others.map((s) => `${KIND_LABELS[s.row.kind]} is ${s.matching ? "matching" : "not matching"} yet ${s.stable ? "stable" : "unstable"}`).join("; ")}.)` : "";
  return { ...base, evidence: `${base.evidence}${aside}` };
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
      shapes: [hline(100 * (1 - r.denseAccuracy.mean), "dense network's mean test error")],
    },
    caption: spreadCaption("paths (initialisations x pairs of copies)", r.rows[0]?.perInit.reduce((n, m) => n + m.paths.length, 0) ?? 0, "Dashed line: the dense networks' mean test error.", "shaded bands"),
  };
  const nInit = c.initSeeds.length;
  const matchAt = r.denseAccuracy.mean - (c.matchingTolerance ?? r.denseAccuracy.std);
  const stats = r.rows.map((row) => {
    const accuracy = accuracyOf(row.perInit);
    const instability = instabilityOf(row.perInit);
    const nPaths = row.perInit.reduce((n, m) => n + m.paths.length, 0);
    // The rules of this figure's claims (claims.ts): matching within 0.1 pp of its threshold, and stability within
    // one std (or 0.2 pp) of 2 pp, are borderline, in the table and findings as in the checks.
    const matchSide = thresholdSide(accuracy, row.perInit.length, matchAt, matchingThreshold(matchAt).minBand);
    const stableSide = stabilitySide(instability, nPaths);
    return { row, accuracy, instability, nPaths, matching: isMatching(accuracy, r.denseAccuracy, c.matchingTolerance), matchBorderline: matchSide.borderline, stable: stableSide.below, stableSide };
  });
  const table = {
    id: "summary",
    title: `Subnetworks at ${(100 * r.density).toFixed(2)} % density (IMP level ${r.level}), rewound to k = ${c.rewindStep}; dense accuracy ${meanPm(r.denseAccuracy, nInit)} %`,
    columns: ["subnetwork", "test accuracy (%)", "matching", "test instability (pp)", "train instability (pp)", "stable (< 2 pp)"],
    rows: stats.map((s) => [
      KIND_LABELS[s.row.kind],
      meanPm(s.accuracy, s.row.perInit.length),
      `${s.matching ? "yes" : "no"}${s.matchBorderline ? " (borderline)" : ""}`,
      meanPm(s.instability, s.nPaths),
      meanPm(instabilityOf(s.row.perInit, "train"), s.nPaths),
      sideLabel(s.stableSide, "yes", "no"),
    ]),
    note: `a ± b: mean ± one sample standard deviation; accuracy over ${plural(nInit, "initialisation")}, instability over ${plural(stats[0]?.nPaths ?? 0, "pair")} of copies. Matching: accuracy at least ${(100 * matchAt).toFixed(2)} % (the dense mean minus ${c.matchingTolerance === null ? "one std of the dense runs" : "the tolerance"}); borderline: within 0.1 pp of it (matching) or within one std of the pairs (or 0.2 pp) of 2 pp (stable).`,
  };
  const findings = [
    `Dense ${c.model}: ${meanPm(r.denseAccuracy, nInit)} % test accuracy over ${plural(nInit, "initialisation")}.`,
    ...stats.map(
      (s) =>
        `${KIND_LABELS[s.row.kind]} at ${(100 * r.density).toFixed(2)} %: ${meanPm(s.accuracy, s.row.perInit.length)} % (${s.matching ? "matching" : "not matching"}${s.matchBorderline ? ", borderline" : ""}), instability ${meanPm(s.instability, s.nPaths)} pp over ${plural(s.nPaths, "pair")} (${sideLabel(s.stableSide, "stable", "unstable")}).`,
    ),
  ];
  const of = (kind: SubnetworkKind) => stats.find((s) => s.row.kind === kind)!;
  const matchCheck = (id: string, kind: SubnetworkKind, expect: boolean) =>
    thresholdCheck(id, `${KIND_LABELS[kind]} test accuracy`, of(kind).accuracy, of(kind).row.perInit.length, matchingThreshold(matchAt), !expect);
  const stableCheck = (id: string, kind: SubnetworkKind, expect: boolean) => thresholdCheck(id, `${KIND_LABELS[kind]} test instability`, of(kind).instability, of(kind).nPaths, STABILITY, expect);
  const checks: ClaimCheck[] = [
    matchCheck("imp-matching", "imp", true),
    stableCheck("imp-stable", "imp", true),
    matchCheck("random-pruning-not-matching", "random-pruning", false),
    stableCheck("random-pruning-unstable", "random-pruning", false),
    matchCheck("random-reinit-not-matching", "random-reinit", false),
    stableCheck("random-reinit-unstable", "random-reinit", false),
    matchingIffStable(stats, r.density),
  ];
  return { plots: [pathPlot], tables: [table], findings, checks };
}

const lenet = (steps: number) => ({ model: "lenet-300-100", train: lenetPaperTraining(steps), fraction: 0.2, scope: "global" as const, matchingTolerance: null });

export const sparseAtInit = defineFigure({
  id: "lmc/sparse-k0",
  title: "IMP subnetworks vs random baselines at k = 0 (LeNet-300-100, 3.5 % density)",
  source: "Frankle et al. 2020, Linear Mode Connectivity and the Lottery Ticket Hypothesis, Table 2 and Fig. 5 (LeNet)",
  claim:
    "At 3.5 % density, the LeNet-300-100 subnetwork found by IMP and reset to initialisation is stable and matching, while random pruning and random reinitialisation are neither: IMP subnetworks match exactly where they are stable.",
  claims: [
    { id: "imp-matching", text: "The IMP subnetwork at 3.5 % density, reset to k = 0, is matching (reaches the dense accuracy)." },
    { id: "imp-stable", text: "It is stable (instability below 2 pp)." },
    { id: "random-pruning-not-matching", text: "Random pruning at the same density is not matching." },
    { id: "random-pruning-unstable", text: "Random pruning is not stable." },
    { id: "random-reinit-not-matching", text: "Random reinitialisation is not matching." },
    { id: "random-reinit-unstable", text: "Random reinitialisation is not stable." },
    { id: "matching-iff-stable", text: "IMP subnetworks are matching exactly where they are stable." },
  ],
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
  compute: runSparseAtK,
  steps: SPARSE_AT_K_STEPS,
  render,
});
