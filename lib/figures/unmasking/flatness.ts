import { method, defineFigure, FigureResult, Preset } from "../figure";
import { ClaimCheck, check } from "../claims";
import { color, densityAxis } from "../plot-helpers";
import { SparseSetup, denseRun } from "../../lottery/subnetworks";
import { isMatching } from "../../lottery/matching";
import { UNMASKING_NOTES, UNMASKING_SETUP } from "../settings/lenet-mnist";
import { runTasks } from "../../parallel/pool";
import { evenAlphas, STABILITY_THRESHOLD } from "../../lmc/barrier";
import { impLevel, levelForDensity, nominalDensity } from "../../prune/imp";
import { LevelFlatness } from "../../analyses/flatness";
import { meanPm, meanStd, plural } from "../../util/stats";
import { UserError } from "../../util/errors";

/** lambda_max vs the per-level prune fraction (Paul et al. 2023). */
export interface FlatnessConfig extends Omit<SparseSetup, "fraction"> {
  rewindStep: number;
  /** Per-level prune fractions compared. */
  fractions: number[];
  /** Run each fraction's IMP until this density. */
  targetDensity: number;
  /** Examples of the training set the Hessian is computed on. */
  hessianSubset: number;
  /** Lanczos iterations at most (one Hessian-vector product, i.e. two gradients, each). */
  hessianIterations: number;
  /** Converged when the top Ritz pair's residual is at most this times |lambda_max|. */
  hessianTol: number;
}

export interface Cell extends LevelFlatness {
  fraction: number;
  initSeed: number;
  level: number;
  nextDensity: number;
  nextAccuracy: number;
  barrier: number;
}

function validate(c: FlatnessConfig): void {
  for (const f of c.fractions) if (!(f > 0 && f < 1)) throw new UserError(`prune fraction ${f} must be strictly between 0 and 1.`);
}

/** The IMP chains and the (level, level + 1) pairs a config asks for (configs only: cheap, and the same in every step). */
function plan(c: FlatnessConfig) {
  const spec = (fraction: number, initSeed: number) => ({ dense: denseRun(c, initSeed), rewindStep: c.rewindStep, fraction, scope: c.scope });
  const levels = (f: number) => levelForDensity(f, c.targetDensity);
  const chains = c.fractions.flatMap((f) => c.initSeeds.map((s) => ({ fraction: f, config: impLevel(spec(f, s), levels(f)) })));
  const cells = c.fractions.flatMap((fraction) => c.initSeeds.flatMap((initSeed) => Array.from({ length: levels(fraction) }, (_, level) => ({ fraction, initSeed, level }))));
  const ends = cells.map((x) => [impLevel(spec(x.fraction, x.initSeed), x.level), impLevel(spec(x.fraction, x.initSeed), x.level + 1)] as const);
  return { chains, cells, ends };
}

/**
 * The analysis in steps (the notebook's cells; `runFlatness` runs them in one go). Each wave of
 * independent work is spread over the worker pool; IMP chains go one task per chain.
 */
export const FLATNESS = method<FlatnessConfig>()
  .step(
    "dense",
    "Train one dense network per initialisation seed from W0 with data order 0, saving its weights W_k at the rewind step k.",
    async (c) => {
      validate(c);
      return runTasks(c.initSeeds.map((s) => ({ kind: "run" as const, config: denseRun(c, s), checkpoints: [c.rewindStep] })));
    },
  )
  .step(
    "impLevels",
    "For every prune fraction and initialisation, run IMP until the target density: each level prunes that fraction of the weights the previous level kept, by the magnitude of its trained weights, rewinds the survivors to W_k and trains to the end. Every level's mask and trained network are cached.",
    async (c) => {
      return runTasks(plan(c).chains.map((x) => ({ kind: "run" as const, config: x.config, label: `IMP chain ${x.fraction}` })));
    },
  )
  .step(
    "hessian",
    "At the end of every level L: the top (and bottom) eigenvalue of the training loss's Hessian by Lanczos on a training subset, the norm of the weights pruning to L+1 removes, the rise in loss that λ_max predicts for removing them (½ λ_max ||Δw||²) and the rise measured.",
    async (c) => {
      const options = { subset: c.hessianSubset, maxIterations: c.hessianIterations, tol: c.hessianTol, seed: 0, method: "lanczos" as const };
      return runTasks(plan(c).ends.map(([level, next]) => ({ kind: "flatness" as const, level, next, options })));
    },
  )
  .step(
    "paths",
    "Evaluate the error along the linear path between the trained solutions of levels L and L+1, under level L+1's mask.",
    async (c) => {
      const alphas = evenAlphas(c.alphas);
      return runTasks(plan(c).ends.map(([a, b]) => ({ kind: "path" as const, a, b, options: { alphas, trainEvalSubset: c.trainEvalSubset, batchNorm: c.batchNorm, mask: b.mask } })));
    },
  )
  .step(
    "summarise",
    "Per level: λ_max and the predicted and measured rises, the density and test accuracy of level L+1, and the test error barrier between L and L+1; with the dense networks' mean accuracy.",
    async (c, done) => {
      const { cells, ends } = plan(c);
      const flat = done.hessian;
      const paths = done.paths;
      const next = await runTasks(ends.map(([, b]) => ({ kind: "run" as const, config: b })));
      const out: Cell[] = cells.map((x, i) => ({ ...x, ...flat[i], nextDensity: nominalDensity(x.fraction, x.level + 1), nextAccuracy: next[i].test.accuracy, barrier: paths[i].test.meanBarrier }));
      return { cells: out, denseAccuracy: meanStd(done.dense.map((d) => d.test.accuracy)) };
    },
  );

export const FLATNESS_STEPS = FLATNESS.steps;

export const runFlatness = FLATNESS.compute;

/** Data computed before Lanczos (power iteration: the eigenvalue of largest magnitude) has no residuals. */
const byPowerIteration = (r: { cells: Cell[] }) => r.cells.some((x) => x.residual === undefined);

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2 : NaN;
};

function render(c: FlatnessConfig, r: Awaited<ReturnType<typeof runFlatness>>): FigureResult {
  const legacy = byPowerIteration(r);
  const method = legacy ? "power iteration (largest |eigenvalue|)" : "Lanczos (top eigenvalue)";
  const byFraction = (f: number) => r.cells.filter((x) => x.fraction === f);
  const levelsOf = (f: number) => [...new Set(byFraction(f).map((x) => x.level))].sort((a, b) => a - b);
  const cellsAt = (f: number, level: number) => byFraction(f).filter((x) => x.level === level);
  // Values from power iteration are not the top eigenvalue: none of them is used, converged or not.
  const converged = (xs: Cell[]) => (legacy ? [] : xs.filter((x) => x.converged));
  const nConverged = converged(r.cells).length;
  const lambdaPlot = {
    id: "lambda-vs-density",
    title: "Top Hessian eigenvalue at the end of each level, by prune fraction",
    data: c.fractions.flatMap((f, i) => {
      const ls = levelsOf(f).filter((l) => converged(cellsAt(f, l)).length > 0);
      const s = ls.map((l) => converged(cellsAt(f, l)).map((x) => x.lambdaMax));
      const open = byFraction(f).filter((x) => !converged([x]).length);
      return [
        { x: ls.map((l) => 100 * nominalDensity(f, l)), y: s.map((v) => meanStd(v).mean), error_y: { type: "data", array: s.map((v) => meanStd(v).std), visible: true }, name: `prune ${Math.round(100 * f)} %/level`, legendgroup: `f${f}`, mode: "lines+markers", line: { color: color(i) }, type: "scatter" },
        ...(open.length ? [{ x: open.map((x) => 100 * nominalDensity(f, x.level)), y: open.map((x) => x.lambdaMax), name: `${Math.round(100 * f)} %/level, not converged`, legendgroup: `f${f}`, mode: "markers", marker: { color: color(i), symbol: "circle-open", size: 9 }, type: "scatter" }] : []),
      ];
    }),
    layout: { xaxis: densityAxis("density of the level (%, log scale)", r.cells.map((x) => 100 * nominalDensity(x.fraction, x.level))), yaxis: { title: { text: "λ_max of the training loss" } } },
    caption: `λ_max by ${method}.${legacy ? " Power iteration's values are not the top eigenvalue: all are drawn as open circles and none enters a line." : ""} Lines: mean over the initialisations whose estimate converged (error bars ± 1 sample std where two or more did); open circles: estimates that did not converge within ${c.hessianIterations} iterations, shown as they are and left out of the means.`,
  };
  const positive = r.cells.filter((x) => x.predictedRise > 0 && x.actualRise > 0);
  const range = positive.flatMap((x) => [x.predictedRise, x.actualRise]);
  const [lo, hi] = [Math.min(...range), Math.max(...range)];
  const risePlot = {
    id: "predicted-vs-actual",
    title: "Loss rise from the next pruning step: second-order estimate 0.5 λ_max |δ|² vs actual",
    data: [
      ...c.fractions.flatMap((f, i) =>
        [true, false].map((conv) => {
          const xs = positive.filter((x) => x.fraction === f && (converged([x]).length > 0) === conv);
          return { x: xs.map((x) => x.predictedRise), y: xs.map((x) => x.actualRise), text: xs.map((x) => `init ${x.initSeed}, level ${x.level} -> ${x.level + 1}`), name: `prune ${Math.round(100 * f)} %/level${conv ? "" : ", λ not converged"}`, mode: "markers", marker: { color: color(i), symbol: conv ? "circle" : "circle-open" }, type: "scatter" };
        }).filter((t) => t.x.length > 0),
      ),
      ...(positive.length ? [{ x: [lo, hi], y: [lo, hi], name: "y = x (estimate exact)", mode: "lines", line: { dash: "dash", color: "#888" }, type: "scatter" }] : []),
    ],
    layout: { xaxis: { title: { text: "0.5 λ_max |δ|² (log scale)" }, type: "log" }, yaxis: { title: { text: "actual loss rise (log scale)" }, type: "log" } },
    caption: `One point per (initialisation, level); open markers: λ_max not converged. Dashed: y = x, where the estimate would be exact; points below it rose less than estimated. ${r.cells.length - positive.length} of ${r.cells.length} steps with a non-positive estimate or rise cannot be drawn on log axes.`,
  };
  const rows = c.fractions.flatMap((f) =>
    levelsOf(f).map((l) => {
      const cells = cellsAt(f, l);
      const conv = converged(cells);
      const acc = meanStd(cells.map((x) => x.nextAccuracy));
      const barrier = meanStd(cells.map((x) => x.barrier));
      const lambda = conv.length ? meanPm(meanStd(conv.map((x) => x.lambdaMax)), conv.length, 1, 2) : "not converged";
      return [
        f,
        `${l} -> ${l + 1}`,
        (100 * nominalDensity(f, l + 1)).toFixed(1),
        lambda,
        `${conv.length}/${cells.length}`,
        meanStd(cells.map((x) => x.prunedNorm)).mean.toFixed(2),
        meanStd(cells.map((x) => x.actualRise)).mean.toExponential(2),
        meanPm(acc, cells.length),
        isMatching(acc, r.denseAccuracy, c.matchingTolerance) ? "yes" : "no",
        barrier.mean < STABILITY_THRESHOLD ? "yes" : "no",
      ];
    }),
  );
  const table = {
    id: "flatness",
    title: `Flatness and the next pruning step; dense accuracy ${meanPm(r.denseAccuracy, c.initSeeds.length)} %`,
    columns: ["prune fraction", "levels", "density after (%)", "λ_max (converged)", "converged", "|δ| pruned", "actual loss rise", "next accuracy (%)", "next matching", "connected (< 2 pp)"],
    rows,
    note: `λ_max by ${method}: mean ± one sample std over the initialisations whose estimate converged (column converged), a single one shows (n = 1); "not converged" when none did (see the per-cell table). Accuracy: mean ± std over ${plural(c.initSeeds.length, "initialisation")}; |δ| and the loss rise: means.`,
  };
  const cellTable = {
    id: "cells",
    title: `λ_max per cell (${method})`,
    columns: ["prune fraction", "init", "level", "λ_max", "residual", "iterations", "converged", "λ_min", "0.5 λ_max |δ|²", "actual rise"],
    rows: r.cells.map((x) => [x.fraction, x.initSeed, x.level, x.lambdaMax.toFixed(3), x.residual === undefined ? "n/a" : x.residual.toExponential(1), x.iterations, x.converged ? "yes" : "no", x.lambdaMin === undefined ? "n/a" : x.lambdaMin.toFixed(3), x.predictedRise.toExponential(2), x.actualRise.toExponential(2)]),
    note: legacy
      ? "Computed by power iteration, which finds the eigenvalue of largest magnitude, and converged on the relative change of the estimate: negative values are the bottom of the spectrum, not λ_max. Recompute with the current code (Lanczos) for the top eigenvalue."
      : `Lanczos: λ_max and λ_min are the extreme Ritz values; residual |H y − λ y| (some eigenvalue lies within it of λ_max); converged when the residual is at most ${c.hessianTol} |λ_max|, within ${c.hessianIterations} iterations.`,
  };
  const negative = r.cells.filter((x) => x.lambdaMax < 0);
  const findings = [
    ...(legacy ? [`These λ_max values were computed by power iteration, which finds the eigenvalue of largest magnitude rather than the top one: ${negative.length} of ${r.cells.length} cells are negative, and convergence was judged on the change of the estimate. They are not the top eigenvalue; the figure must be recomputed with the current code.`] : []),
    legacy
      ? `By that method's own test (relative change below 1e-3), ${r.cells.filter((x) => x.converged).length} of ${r.cells.length} cells converged; none of these values enters the means, plots' lines or claims here.`
      : `λ_max converged in ${nConverged} of ${r.cells.length} cells (fraction, initialisation, level): residual at most ${c.hessianTol} |λ_max| within ${c.hessianIterations} Lanczos iterations; only converged values enter the means and the claims.`,
    ...c.fractions.map((f) => {
      const fr = rows.filter((row) => row[0] === f);
      const firstFail = fr.find((row) => row[8] === "no");
      const conv = (l: number) => converged(cellsAt(f, l)).map((x) => x.lambdaMax);
      const ls = levelsOf(f).filter((l) => conv(l).length);
      const lambda = (l: number) => `${meanStd(conv(l)).mean.toFixed(2)} at level ${l}`;
      return `Pruning ${Math.round(100 * f)} % per level: ${firstFail ? `first non-matching level ${firstFail[1]} at ${firstFail[2]} % density` : "every level matches"}; converged λ_max ${ls.length ? `${lambda(ls[0])}, ${lambda(ls[ls.length - 1])}` : "none"}.`;
    }),
  ];
  // The claims use converged cells only.
  const good = converged(r.cells);
  const ratios = good.filter((x) => x.predictedRise > 0).map((x) => x.actualRise / x.predictedRise);
  const ratio = median(ratios);
  const fStats = (f: number) => {
    const cells = byFraction(f);
    return { leaves: levelsOf(f).some((l) => { const cs = cellsAt(f, l); return !isMatching(meanStd(cs.map((x) => x.nextAccuracy)), r.denseAccuracy, c.matchingTolerance) || meanStd(cs.map((x) => x.barrier)).mean >= STABILITY_THRESHOLD; }), n: cells.length };
  };
  const [fMin, fMax] = [Math.min(...c.fractions), Math.max(...c.fractions)];
  const stay = good.filter((x) => x.barrier < STABILITY_THRESHOLD);
  const leave = good.filter((x) => x.barrier >= STABILITY_THRESHOLD);
  const maxStay = Math.max(...stay.map((x) => x.predictedRise));
  const minLeave = Math.min(...leave.map((x) => x.predictedRise));
  const checks: ClaimCheck[] = [
    ratios.length
      ? check(
          "second-order-estimate",
          ratio >= 1 / 3 && ratio <= 3 ? "agrees" : "differs",
          `over the ${ratios.length} converged cells, the actual rise is a median ${ratio.toPrecision(2)} times the estimate 0.5 λ_max |δ|² (range ${Math.min(...ratios).toPrecision(2)} to ${Math.max(...ratios).toPrecision(2)})${ratio < 1 / 3 ? ": the estimate, taken along the sharpest direction, overstates the rise; pruned directions are much flatter than the top eigenvector" : ""}.`,
        )
      : check("second-order-estimate", "not tested", legacy ? "λ_max was computed by power iteration (not the top eigenvalue); recompute." : "no cell has a converged, positive λ_max."),
    check(
      "too-much-leaves-region",
      !fStats(fMin).leaves && fStats(fMax).leaves ? "agrees" : "differs",
      `pruning ${Math.round(100 * fMin)} % per level ${fStats(fMin).leaves ? "leaves the region at some level" : "stays in the region at every level measured"}; ${Math.round(100 * fMax)} % per level ${fStats(fMax).leaves ? "leaves it (a level stops matching or a barrier of 2 pp or more appears)" : "stays in it too"}.`,
    ),
    leave.length && stay.length
      ? check(
          "flatness-bounds-fraction",
          maxStay < minLeave ? "agrees" : "differs",
          `among converged cells, steps that stay connected have estimates up to ${maxStay.toExponential(2)}, steps that leave (barrier of 2 pp or more) from ${minLeave.toExponential(2)}: ${maxStay < minLeave ? "the estimate separates them" : `they overlap (${plural(stay.filter((x) => x.predictedRise >= minLeave).length, "connected step")} at or above the smallest leaving one)`}.`,
        )
      : check("flatness-bounds-fraction", "not tested", legacy ? "λ_max was computed by power iteration (not the top eigenvalue); recompute." : `among converged cells, ${leave.length ? "no step stays connected" : "no step leaves the region (every barrier is below 2 pp)"}, so there is nothing to separate.`),
  ];
  return { plots: [lambdaPlot, risePlot], tables: [table, cellTable], findings, checks };
}

const { fraction: _q, ...quickSetup } = UNMASKING_SETUP.quick;
const { fraction: _c, ...cpuSetup } = UNMASKING_SETUP.cpu;
const { fraction: _p, ...paperSetup } = UNMASKING_SETUP.paper;
const presets: Record<Preset, FlatnessConfig> = {
  quick: { ...quickSetup, rewindStep: 0, fractions: [0.5, 0.8], targetDensity: 0.2, hessianSubset: 500, hessianIterations: 20, hessianTol: 1e-2 },
  cpu: { ...cpuSetup, rewindStep: 0, fractions: [0.2, 0.4, 0.6, 0.8], targetDensity: 0.036, hessianSubset: 2000, hessianIterations: 50, hessianTol: 1e-2 },
  paper: { ...paperSetup, rewindStep: 0, fractions: [0.2, 0.4, 0.6, 0.8], targetDensity: 0.036, hessianSubset: 10000, hessianIterations: 100, hessianTol: 1e-3 },
};

export const flatness = defineFigure({
  id: "unmasking/flatness",
  title: "Flatness sets how much can be pruned per level (LeNet-300-100)",
  source: "Paul et al. 2023, Unmasking the Lottery Ticket Hypothesis (Hessian flatness vs prune fraction)",
  claim:
    "The largest Hessian eigenvalue λ_max at the end of training bounds the fraction that can be pruned per level while staying in the same low-error region: the loss rise from pruning is about 0.5 λ_max |δ|²; pruning too much per level leaves the region, the next level stops matching and a barrier appears between levels.",
  claims: [
    { id: "second-order-estimate", text: "The loss rise from a pruning step is about 0.5 λ_max |δ|² (the second-order estimate with the top Hessian eigenvalue)." },
    { id: "too-much-leaves-region", text: "Pruning too large a fraction per level leaves the low-error region (the next level stops matching or a barrier appears between levels), while a small fraction stays in it." },
    { id: "flatness-bounds-fraction", text: "Flatness bounds the prunable fraction: steps whose estimated rise 0.5 λ_max |δ|² is small stay linearly connected, large ones do not." },
  ],
  method:
    "Run IMP (rewound to k = 0) with several per-level prune fractions to the same final density. At the end of each level, compute λ_max of the training loss over the unpruned weights (Lanczos on finite-difference Hessian-vector products, on a fixed training subset; the top Ritz value, converged when its residual is small), the norm |δ| of the weights the next step prunes, the second-order estimate 0.5 λ_max |δ|² and the actual loss rise, and whether the next level is matching and linearly connected to this one (barrier under the next level's mask).",
  presetNotes: { ...UNMASKING_NOTES, cpu: `${UNMASKING_NOTES.cpu} Prune fractions 20, 40, 60, 80 % per level to 3.6 % density; λ_max on 2,000 training examples by Lanczos, at most 50 iterations, converged when the residual is at most 1 % of λ_max.` },
  presets,
  compute: runFlatness,
  steps: FLATNESS_STEPS,
  render,
});
