import { method, FigureResult, FigureProtocol } from "../figure";
import { impLevelsStep, parentsStep, referenceStep } from "./sparse-steps";
import { STABILITY, check, combine, iffCheck, iffCounts, sideLabel, thresholdCheck } from "../claims";
import { stabilitySide } from "../../lmc/stability";
import { color, densityAxis, hline, spreadCaption } from "../plot-helpers";
import { SparseSetup, subnetwork } from "../../lottery/subnetworks";
import { marginText, matchingLabel, matchingVerdict } from "../../lottery/matching";
import { runTasks } from "../../parallel/pool";
import { evenAlphas, STABILITY_THRESHOLD } from "../../lmc/barrier";
import { PathResult } from "../../lmc/path";
import { nominalDensity } from "../../prune/imp";
import { meanPm, meanStd, plural } from "../../util/stats";
import { UserError } from "../../util/errors";

/** Barriers between the solutions of successive IMP levels (Paul et al. 2023). */
export interface SuccessiveLevelsConfig extends SparseSetup {
  rewindSteps: number[];
  maxLevel: number;
  /** Interpolate under the sparser level's mask ("child") or with both solutions as they are ("parent": level L's superset mask). */
  maskChoice: "child" | "parent";
}

export interface LevelPair {
  k: number;
  initSeed: number;
  level: number;
  path: PathResult;
  /** Test error of level + 1. */
  nextError: number;
}

function validate(c: SuccessiveLevelsConfig): void {
  if (!(Number.isInteger(c.maxLevel) && c.maxLevel >= 1)) throw new UserError(`maxLevel ${c.maxLevel} must be a positive integer.`);
  if (c.maskChoice !== "child" && c.maskChoice !== "parent") throw new UserError(`mask choice "${c.maskChoice}" must be "child" or "parent".`);
}

/** The IMP chains and the level pairs a config asks for (configs only: cheap, and the same in every step). */
function plan(c: SuccessiveLevelsConfig) {
  const chains = c.rewindSteps.flatMap((k) => c.initSeeds.map((s) => subnetwork(c, "imp", s, k, c.maxLevel)));
  const cells = c.rewindSteps.flatMap((k) => c.initSeeds.flatMap((initSeed) => Array.from({ length: c.maxLevel }, (_, level) => ({ k, initSeed, level }))));
  const ends = cells.map(({ k, initSeed, level }) => [subnetwork(c, "imp", initSeed, k, level), subnetwork(c, "imp", initSeed, k, level + 1)] as const);
  return { chains, cells, ends };
}

/**
 * The analysis in steps (the notebook's cells; `runSuccessiveLevels` runs them in one go). Each wave of
 * independent work is spread over the worker pool; IMP chains go one task per chain.
 */
export const SUCCESSIVE_LEVELS = method<SuccessiveLevelsConfig>()
  .add(parentsStep(validate))
  .add(referenceStep("a level"))
  .add(impLevelsStep(
    "For every initialisation and rewind step k, run IMP to the deepest level: each level prunes the given fraction of the weights the previous level kept, by the magnitude of its trained weights, rewinds the survivors to W_k and trains to the end with data order 0. Every level's mask and trained network are cached.",
    (c) => plan(c).chains,
  ))
  .step(
    "paths",
    "For every k and level L, evaluate the error along the linear path between the trained solutions of levels L and L+1: under level L+1's mask (`maskChoice: \"child\"`) or as trained, inside level L's mask (`\"parent\"`).",
    async (c) => {
      const alphas = evenAlphas(c.alphas);
      return runTasks(plan(c).ends.map(([a, b]) => ({ kind: "path" as const, a, b, options: { alphas, trainEvalSubset: c.trainEvalSubset, batchNorm: c.batchNorm, mask: c.maskChoice === "child" ? b.mask : null } })));
    },
  )
  .step(
    "summarise",
    "Per level pair: the test error barrier (the largest error on the path minus the mean of its endpoints) and the test error of level L+1; with the dense reference's errors, from which matching is judged.",
    async (c, done): Promise<{ pairs: LevelPair[]; denseErrors: number[] }> => {
      const { cells, ends } = plan(c);
      const paths = done.paths;
      const next = await runTasks(ends.map(([, b]) => ({ kind: "run" as const, config: b })));
      const pairs: LevelPair[] = cells.map((cell, i) => ({ ...cell, path: paths[i], nextError: next[i].test.error }));
      return { pairs, denseErrors: done.reference.map((d) => d.test.error) };
    },
  );

export const SUCCESSIVE_LEVELS_STEPS = SUCCESSIVE_LEVELS.steps;
export const runSuccessiveLevels = SUCCESSIVE_LEVELS.compute;

export type SuccessiveLevelsData = Awaited<ReturnType<typeof runSuccessiveLevels>>;

function render(c: SuccessiveLevelsConfig, r: SuccessiveLevelsData): FigureResult {
  const dense = meanStd(r.denseErrors.map((e) => 1 - e));
  const levels = Array.from({ length: c.maxLevel }, (_, l) => l);
  const x = levels.map((l) => 100 * nominalDensity(c.fraction, l + 1));
  const at = (k: number, level: number) => r.pairs.filter((p) => p.k === k && p.level === level);
  const series = (value: (p: LevelPair) => number) => (k: number) => levels.map((l) => meanStd(at(k, l).map(value)));
  const trace = (k: number, i: number, s: { mean: number; std: number }[]) => ({
    x,
    y: s.map((v) => 100 * v.mean),
    error_y: { type: "data", array: s.map((v) => 100 * v.std), visible: true },
    name: `k = ${k}`,
    mode: "lines+markers",
    line: { color: color(i) },
    type: "scatter",
  });
  const axis = densityAxis("density of level L+1 (%, log scale)", x);
  const nInit = c.initSeeds.length;
  const barrierPlot = {
    id: "barrier-vs-density",
    title: `Test error barrier between IMP levels L and L+1 (${c.maskChoice === "child" ? "under level L+1's mask" : "as trained"})`,
    data: c.rewindSteps.map((k, i) => trace(k, i, series((p) => p.path.test.meanBarrier)(k))),
    layout: { xaxis: axis, yaxis: { title: { text: "barrier (pp)" }, rangemode: "tozero" }, shapes: [hline(100 * STABILITY_THRESHOLD, "2 pp threshold: connected below")] },
    caption: spreadCaption("initialisations", nInit, "Barrier: the largest test error on the path from level L to level L+1 minus the mean of the two ends. Dashed line: the 2 pp threshold."),
  };
  const accuracyPlot = {
    id: "accuracy-vs-density",
    title: "Test accuracy of level L+1",
    data: c.rewindSteps.map((k, i) => trace(k, i, series((p) => 1 - p.nextError)(k))),
    layout: { xaxis: axis, yaxis: { title: { text: "test accuracy (%)" } }, shapes: [hline(100 * dense.mean, "dense network's mean accuracy")] },
    caption: spreadCaption("initialisations", nInit, "Dashed line: the dense networks' mean accuracy."),
  };
  const matchAt = dense.mean - (c.matchingTolerance ?? dense.std);
  const measured = c.rewindSteps.flatMap((k) =>
    levels.map((l) => {
      const barrier = meanStd(at(k, l).map((p) => p.path.test.meanBarrier));
      const acc = meanStd(at(k, l).map((p) => 1 - p.nextError));
      const verdict = matchingVerdict(acc, at(k, l).length, dense, r.denseErrors.length, c.matchingTolerance);
      // The figure's one rule for "connected" (claims.ts): below 2 pp, borderline within one std (or 0.2 pp) of it.
      const side = stabilitySide(barrier, at(k, l).length);
      return { k, l, n: at(k, l).length, barrier, acc, verdict, matching: verdict.matching, connected: side.below, side };
    }),
  );
  const label = (m: (typeof measured)[number]) => `k = ${m.k}, ${m.l} -> ${m.l + 1} (${(100 * nominalDensity(c.fraction, m.l + 1)).toFixed(1)} %)`;
  const rows = measured.map((m) => [m.k, `${m.l} -> ${m.l + 1}`, (100 * nominalDensity(c.fraction, m.l + 1)).toFixed(1), meanPm(m.barrier, m.n), meanPm(m.acc, m.n), marginText(m.verdict), matchingLabel(m.verdict), sideLabel(m.side, "yes", "no")]);
  const iffCells = measured.map((m) => ({
    name: label(m),
    a: m.connected,
    aBorderline: m.side.borderline,
    b: m.matching,
    bBorderline: m.verdict.borderline,
    detail: `${m.matching ? "matching" : "not matching"} (margin ${marginText(m.verdict)} pp), barrier ${meanPm(m.barrier, m.n)} pp`,
  }));
  const counts = iffCounts(iffCells);
  const table = {
    id: "levels",
    title: `Successive IMP levels: barrier between L and L+1, and whether L+1 matches the dense accuracy (${meanPm(dense, r.denseErrors.length)} %)`,
    columns: ["k", "levels", "density of L+1 (%)", "test barrier (pp)", "accuracy of L+1 (%)", "margin to matching (pp)", "L+1 matching", "barrier < 2 pp"],
    rows,
    note: `a ± b: mean ± one sample standard deviation over ${plural(nInit, "initialisation")}; a single value shows (n = 1). Matching: accuracy at least ${(100 * matchAt).toFixed(2)} % (the mean of ${plural(r.denseErrors.length, "dense run")} minus ${c.matchingTolerance === null ? "their std" : "the tolerance"}); margin: accuracy minus that threshold ± two standard errors; borderline: the margin is within that noise (or 0.1 pp), or the barrier within one std (or 0.2 pp) of 2 pp.`,
  };
  const findings = [
    `Linearly connected (barrier < 2 pp) and matching agree for ${counts.both.length + counts.neither.length} of ${measured.length} level pairs: ${counts.both.length} both, ${counts.neither.length} neither; ${counts.nonTrivial} non-trivial (not both)${counts.exercised ? "" : `: every pair is ${counts.both.length ? "both" : "neither"}, so "connected exactly when matching" is not exercised`}${[...counts.aOnly, ...counts.bOnly].length ? `; the exceptions: ${[...counts.aOnly, ...counts.bOnly].map((x) => `${x.name} (${x.detail}${x.aBorderline || x.bBorderline ? ", borderline" : ""})`).join("; ")}` : ""}.`,
    ...c.rewindSteps.map((k) => {
      const firstUnmatched = measured.find((m) => m.k === k && !m.matching);
      const firstBarrier = measured.find((m) => m.k === k && !m.connected);
      const mark = (m: (typeof measured)[number]) => `${label(m)}, ${meanPm(m.barrier, m.n)} pp${m.side.borderline ? " (borderline: within the noise of 2 pp)" : ""}`;
      return `k = ${k}: first non-matching level ${firstUnmatched ? `${label(firstUnmatched)}${firstUnmatched.verdict.borderline ? " (borderline)" : ""}` : "none"}; first barrier above 2 pp ${firstBarrier ? mark(firstBarrier) : "none"}.`;
    }),
  ];
  const notMatching = measured.filter((m) => !m.matching);
  const checks = [
    iffCheck("connected-iff-matching", iffCells, { cell: "level pair", cells: "level pairs", a: "connected", b: "matching", both: "both connected and matching", neither: "neither" }),
    combine("connected-while-matching", measured.filter((m) => m.matching).map((m) => thresholdCheck("connected-while-matching", `${label(m)}: barrier`, m.barrier, m.n, STABILITY, true)), "no level pair has a matching level L+1."),
    notMatching.length
      ? combine("barrier-where-not-matching", notMatching.map((m) => thresholdCheck("barrier-where-not-matching", `${label(m)}: barrier`, m.barrier, m.n, STABILITY, false)))
      : check("barrier-where-not-matching", "not tested", `every measured level matches (down to ${(100 * nominalDensity(c.fraction, c.maxLevel)).toFixed(1)} %), so the high-sparsity regime is not reached.`),
  ];
  return { plots: [barrierPlot, accuracyPlot], tables: [table], findings, checks };
}


export const successiveLevelsProtocol: FigureProtocol<SuccessiveLevelsConfig, SuccessiveLevelsData> = {
  source: "Paul et al. 2023, Unmasking the Lottery Ticket Hypothesis (successive-level linear mode connectivity)",
  claim:
    "The solution of IMP level L+1 is linearly connected to that of level L (barrier about 0) exactly when level L+1 is matching; at high sparsity, where IMP stops matching, a barrier appears between successive levels.",
  claims: [
    { id: "connected-iff-matching", text: "The solutions of IMP levels L and L+1 are linearly connected (barrier about 0, below 2 pp) exactly when level L+1 is matching." },
    { id: "connected-while-matching", text: "While level L+1 is matching, the barrier between L and L+1 is below 2 pp." },
    { id: "barrier-where-not-matching", text: "At high sparsity, where level L+1 stops matching, a barrier (2 pp or more) appears between L and L+1." },
  ],
  method:
    "For each rewind step k and level L, interpolate between the trained solutions of levels L and L+1 (under level L+1's mask by default; `maskChoice: \"parent\"` interpolates them as trained, inside level L's superset mask) and measure the test error barrier (max error minus the mean of the endpoints). Compare with whether level L+1 is matching (within one std of the dense accuracy).",
  compute: runSuccessiveLevels,
  steps: SUCCESSIVE_LEVELS_STEPS,
  render,
};
