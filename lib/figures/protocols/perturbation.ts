import { Figure, method, defineFigure, FigureResult, Preset } from "../figure";
import { STABILITY, combine, sideLabel, thresholdCheck } from "../claims";
import { stabilitySide } from "../../lmc/stability";
import { color, hline, spreadCaption } from "../plot-helpers";
import { SparseSetup, copyPairs, pairPaths, subnetwork } from "../../lottery/subnetworks";
import { copiesStep, impLevelsStep } from "./sparse-steps";
import { runTasks } from "../../parallel/pool";
import { evenAlphas, STABILITY_THRESHOLD } from "../../lmc/barrier";
import { ensureMask } from "../../materialise/run";
import { loadWeights } from "../../store/runs";
import { RunConfig } from "../../store/run-config";
import { l2Norm } from "../../lmc/distance";
import { HostParams } from "../../models/params";
import { nominalDensity } from "../../prune/imp";
import { meanPm, meanStd, plural } from "../../util/stats";
import { UserError } from "../../util/errors";

/** Robustness of SGD at the rewind point: perturb m * W_k, retrain, and compare with the unperturbed solution. */
export interface PerturbationConfig extends SparseSetup {
  /** Rewind steps k whose rewind points m * W_k are perturbed. */
  rewindSteps: number[];
  /** IMP levels whose rewind point is perturbed (>= 1). */
  levels: number[];
  /** Noise norms as multiples of the norm of the weights the next pruning removes. */
  scales: number[];
}

/** The norm of the weights that pruning level `level` into level + 1 removes, in level's trained weights. */
export async function prunedNorm(level: RunConfig, next: RunConfig): Promise<number> {
  const keep = await ensureMask(next.mask!);
  const before = level.mask ? await ensureMask(level.mask) : null;
  const removed: HostParams = {};
  for (const [name, t] of Object.entries(keep)) {
    removed[name] = { shape: t.shape, data: t.data.map((m, i) => ((before ? before[name].data[i] : 1) === 1 && m === 0 ? 1 : 0)) };
  }
  return l2Norm(loadWeights(level, level.train.steps), Object.keys(removed), removed);
}

function validate(c: PerturbationConfig): void {
  for (const l of c.levels) if (!Number.isInteger(l) || l < 1) throw new UserError(`level ${l} must be an integer >= 1 (a pruned level).`);
  for (const s of c.scales) if (!(s > 0)) throw new UserError(`noise scale ${s} must be positive.`);
}

/** The IMP chains and the rewind points perturbed (configs only: cheap, and the same in every step). */
function plan(c: PerturbationConfig) {
  const maxLevel = Math.max(...c.levels) + 1;
  const chains = c.rewindSteps.flatMap((k) => c.initSeeds.map((s) => subnetwork(c, "imp", s, k, maxLevel)));
  const points = c.rewindSteps.flatMap((k) =>
    c.initSeeds.flatMap((initSeed) => c.levels.map((level) => ({ k, initSeed, level, base: subnetwork(c, "imp", initSeed, k, level), next: subnetwork(c, "imp", initSeed, k, level + 1) }))),
  );
  // Pairs of copies of each rewind point: whether it is stable is measured, not assumed.
  const pairs = copyPairs(c, points.map((p) => p.base));
  return { chains, points, pairs };
}

/** Every perturbed run: each rewind point at each noise scale, the noise scaled to that point's pruned norm (`norms[i]` is points[i]'s). */
function perturbedCells(c: PerturbationConfig, norms: number[]) {
  return plan(c).points.flatMap(({ k, initSeed, level, base }, i) =>
    c.scales.map((scale, j) => ({ k, initSeed, level, scale, reference: norms[i], base, perturbed: { ...base, perturbation: { seed: 100 + j, norm: scale * norms[i] } } as RunConfig })),
  );
}

/**
 * The analysis in steps (the notebook's cells; `runPerturbation` runs them in one go). Each wave of
 * independent work is spread over the worker pool; IMP chains go one task per chain.
 */
export const PERTURBATION = method<PerturbationConfig>()
  .add(impLevelsStep(
    "For every initialisation and rewind step k, run IMP one level past the deepest perturbed level (training the dense network first): each level prunes the given fraction of the weights the previous level kept, by the magnitude of its trained weights, rewinds the survivors to W_k and trains to the end. Every level's mask and trained network are cached.",
    (c) => {
      validate(c);
      return plan(c).chains;
    },
  ))
  .add(copiesStep(
    "Train pairs of copies of every perturbed rewind point's subnetwork from m * W_k to the end with different data orders (2p+1 and 2p+2), so that the figure measures whether each point is stable rather than assuming it (the same runs as the rewind grid's copies: cached when that figure has run).",
    (c) => plan(c).pairs,
  ))
  .step(
    "stability",
    "The instability of every perturbed rewind point: the error barrier on the linear path between its two copies, per pair (test set and a training subset).",
    async (c) => pairPaths(c, plan(c).pairs),
  )
  .step(
    "prunedNorms",
    "For every perturbed level L at every k and initialisation: the L2 norm, in level L's trained weights, of the weights that pruning to level L+1 removes. The noise is scaled to multiples of it.",
    async (c) => {
      const norms: number[] = [];
      for (const p of plan(c).points) norms.push(await prunedNorm(p.base, p.next));
      return norms;
    },
  )
  .step(
    "perturbed",
    "Add Gaussian noise of each scale's norm to the unpruned weights of the starting point m * W_k (seed 100 + the scale's index), and train it to the end under the mask with data order 0.",
    async (c, done) => {
      const cells = perturbedCells(c, done.prunedNorms);
      return runTasks(cells.map((x) => ({ kind: "run" as const, config: x.perturbed, label: `k = ${x.k}, level ${x.level}, noise x${x.scale}` })));
    },
  )
  .step(
    "paths",
    "Evaluate the error along the linear path between every perturbed solution and the unperturbed one, on the test set and a training subset.",
    async (c, done) => {
      const alphas = evenAlphas(c.alphas);
      return runTasks(perturbedCells(c, done.prunedNorms).map((x) => ({ kind: "path" as const, a: x.perturbed, b: x.base, options: { alphas, trainEvalSubset: c.trainEvalSubset, batchNorm: c.batchNorm } })));
    },
  )
  .step(
    "summarise",
    "Per perturbed run: the noise's norm, the pruned norm it was scaled to, its test error, and the error barrier (test and train) between it and the unperturbed solution.",
    async (c, done) => {
      const { perturbed: summaries, paths, stability } = done;
      const { points, pairs } = plan(c);
      return {
        points: points.map(({ k, initSeed, level }, i) => ({ k, initSeed, level, instabilities: stability.filter((_, j) => pairs[j].start === i).map((p) => p.test.meanBarrier) })),
        cells: perturbedCells(c, done.prunedNorms).map((x, i) => ({ k: x.k, initSeed: x.initSeed, level: x.level, scale: x.scale, norm: x.scale * x.reference, prunedNorm: x.reference, testError: summaries[i].test.error, barrier: paths[i].test.meanBarrier, trainBarrier: paths[i].train.meanBarrier })),
      };
    },
  );

export const PERTURBATION_STEPS = PERTURBATION.steps;

export interface PerturbationCell {
  k: number;
  initSeed: number;
  level: number;
  scale: number;
  norm: number;
  prunedNorm: number;
  testError: number;
  barrier: number;
  trainBarrier: number;
}

/** A perturbed rewind point's own instability: the test barrier between its copies, one per pair. */
export interface PointStability {
  k: number;
  initSeed: number;
  level: number;
  instabilities: number[];
}

export const runPerturbation = PERTURBATION.compute;

type PerturbationData = Awaited<ReturnType<typeof runPerturbation>>;

function render(c: PerturbationConfig, r: PerturbationData): FigureResult {
  const at = (k: number, level: number, scale: number) => r.cells.filter((x) => x.k === k && x.level === level && x.scale === scale);
  const several = c.rewindSteps.length > 1;
  const density = (level: number) => (100 * nominalDensity(c.fraction, level)).toFixed(1);
  const settings = c.rewindSteps.flatMap((k) => c.levels.map((level) => ({ k, level, premise: premiseAt(r, k, level) })));
  const premiseOf = (k: number, level: number) => settings.find((x) => x.k === k && x.level === level)!.premise;
  const plot = {
    id: "barrier-vs-noise",
    title: `Barrier between the perturbed and unperturbed solutions, rewound to k = ${c.rewindSteps.join(" and ")}`,
    data: settings.map(({ k, level }, i) => {
      const s = c.scales.map((scale) => meanStd(at(k, level, scale).map((x) => x.barrier)));
      return {
        x: c.scales,
        y: s.map((v) => 100 * v.mean),
        error_y: { type: "data", array: s.map((v) => 100 * v.std), visible: true },
        name: `${several ? `k = ${k}, ` : ""}level ${level} (${density(level)} %)`,
        mode: "lines+markers",
        line: { color: color(c.levels.indexOf(level)), dash: premiseOf(k, level).unstable ? "dash" : "solid" },
        type: "scatter",
      };
    }),
    layout: {
      xaxis: { title: { text: "noise norm / norm of the weights the next pruning removes (log scale)" }, type: "log", tickvals: c.scales, ticktext: c.scales.map(String) },
      yaxis: { title: { text: "test barrier (pp)" }, rangemode: "tozero" },
      shapes: [hline(100 * STABILITY_THRESHOLD, "2 pp threshold: same mode below")],
    },
    caption: spreadCaption(
      "initialisations",
      c.initSeeds.length,
      "x = 1: noise as large as the weights the next pruning step removes. Dashed line: the 2 pp threshold. Dashed curves: rewind points measured unstable (the barrier between their copies 2 pp or more, beyond the noise).",
    ),
  };
  const measured = settings.flatMap(({ k, level }) =>
    c.scales.map((scale) => {
      const cells = at(k, level, scale);
      const barrier = meanStd(cells.map((x) => x.barrier));
      // The figure's one rule (claims.ts): same mode below 2 pp; borderline within one std (or 0.2 pp) of it.
      return { k, level, scale, n: cells.length, norm: meanStd(cells.map((x) => x.norm)).mean, barrier, side: stabilitySide(barrier, cells.length), acc: meanStd(cells.map((x) => 1 - x.testError)) };
    }),
  );
  const rows = measured.map((m) => [
    m.k,
    m.level,
    density(m.level),
    premiseOf(m.k, m.level).text,
    m.scale,
    m.norm.toFixed(3),
    meanPm(m.acc, m.n),
    meanPm(m.barrier, m.n),
    sideLabel(m.side, "same mode", "different mode"),
  ]);
  const table = {
    id: "perturbations",
    title: "Perturbations of m * W_k: noise norm, accuracy after retraining, barrier to the unperturbed solution",
    columns: ["k", "level", "density (%)", "rewind point: instability (pp)", "noise / pruned norm", "noise L2 norm", "test accuracy (%)", "test barrier (pp)", "linearly connected"],
    rows,
    note: `a ± b: mean ± one sample standard deviation over ${plural(c.initSeeds.length, "initialisation")} (noise norm: their mean); a single value shows (n = 1). Same mode: barrier below 2 pp; borderline: the barrier is within one std (or 0.2 pp) of 2 pp, so the mode could go either way with other seeds. The rewind point's instability is the barrier between two copies of the unperturbed subnetwork trained with different data orders (${plural(c.pairs, "pair")} per initialisation), under the same rule.`,
  };
  const label = (m: (typeof measured)[number]) => `${several ? `k = ${m.k}, ` : ""}level ${m.level} (${density(m.level)} %)`;
  const atOne = measured.filter((m) => m.scale === 1);
  const where = (ms: typeof measured) => ms.map((m) => `${several ? `k = ${m.k}, ` : ""}level ${m.level} at ${m.scale}x (${meanPm(m.barrier, m.n)} pp)`).join(", ");
  const leaving = measured.filter((m) => !m.side.below && !m.side.borderline);
  const close = measured.filter((m) => m.side.borderline);
  const findings = [
    `Premise, measured: the rewind points' own instability (copies with different data orders): ${settings.map((x) => `${several ? `k = ${x.k}, ` : ""}level ${x.level} ${x.premise.text}`).join("; ")}.`,
    ...atOne.map((m) => `${label(m)}: noise as large as the weights the next pruning removes (norm ${m.norm.toFixed(3)}) gives a barrier of ${meanPm(m.barrier, m.n)} pp: ${sideLabel(m.side, "same mode", "different mode")}.`),
    leaving.length === 0 && close.length === 0
      ? "SGD returns to the same linearly connected mode for every perturbation tried."
      : `SGD leaves the mode (barrier 2 pp or more, beyond the noise) for ${leaving.length} of ${measured.length} (k, level, noise) settings${leaving.length ? `: ${where(leaving)}` : ""}; ${close.length} ${close.length === 1 ? "is" : "are"} borderline (within one std or 0.2 pp of 2 pp, either mode)${close.length ? `: ${where(close)}` : ""}; the other ${measured.length - leaving.length - close.length} stay in the same mode.`,
  ];
  const stableOnes = atOne.filter((m) => premiseOf(m.k, m.level).stable);
  const unstableOnes = atOne.filter((m) => premiseOf(m.k, m.level).unstable);
  const undetermined = settings.filter((x) => !x.premise.stable && !x.premise.unstable);
  const unsettled = undetermined.length ? ` (${undetermined.map((x) => `${several ? `k = ${x.k}, ` : ""}level ${x.level}`).join(", ")}: stability borderline, so in neither claim)` : "";
  const checks = [
    combine("robust-at-pruned-norm", stableOnes.map((m) => thresholdCheck("robust-at-pruned-norm", `${label(m)}, noise 1x: barrier`, m.barrier, m.n, STABILITY, true)), `no noise scale of 1 was measured at a stable rewind point${unsettled}.`),
    combine(
      "not-robust-when-unstable",
      unstableOnes.map((m) => thresholdCheck("not-robust-when-unstable", `${label(m)}, noise 1x: barrier`, m.barrier, m.n, STABILITY, false)),
      `no rewind point with a noise scale of 1 was measured unstable${unsettled}.`,
    ),
  ];
  return { plots: [plot], tables: [table], findings, checks };
}

/** Whether a rewind point (k, level) is stable, from its copies under the figure's one rule; a borderline one is neither. */
function premiseAt(r: PerturbationData, k: number, level: number): { stable: boolean; unstable: boolean; text: string } {
  const values = r.points.filter((p) => p.k === k && p.level === level).flatMap((p) => p.instabilities);
  const value = meanStd(values);
  const side = stabilitySide(value, values.length);
  const firm = !side.borderline;
  return { stable: firm && side.below, unstable: firm && !side.below, text: `${meanPm(value, values.length)} pp, ${sideLabel(side, "stable", "unstable")}` };
}

export interface PerturbationVariant {
  id: string;
  title: string;
  presets: Record<Preset, PerturbationConfig>;
  presetNotes: Record<Preset, string>;
}

export function perturbationFigure(v: PerturbationVariant): Figure<PerturbationConfig, PerturbationData> {
  return defineFigure<PerturbationConfig, PerturbationData>({
    id: v.id,
    title: v.title,
    source: "Paul et al. 2023, Unmasking the Lottery Ticket Hypothesis (SGD noise stability at the rewind point)",
    claim:
      "Where IMP works, SGD from the rewind point is robust: perturbing m * W_k by noise as large as the weights that pruning removes, then retraining, returns to the same linearly connected mode; this is why the pruning step (a perturbation of that size) does not leave the low-error region. At a rewind point where training is unstable (k = 0 for the deeper nets) it is not.",
    claims: [
      { id: "robust-at-pruned-norm", text: "At a rewind point where training is stable, perturbing m * W_k by noise as large as the weights the next pruning step removes, then retraining, returns to the same linearly connected mode (barrier below 2 pp)." },
      { id: "not-robust-when-unstable", text: "At a rewind point where the network is unstable (k = 0 for the deeper nets), the same perturbation leads to a different mode (barrier of 2 pp or more)." },
    ],
    method:
      "For IMP level L rewound to k, take the starting weights m * W_k and add Gaussian noise on the unpruned weights, scaled to a multiple of the L2 norm of the weights that the next pruning step removes (measured in level L's trained weights). Retrain under the mask and measure the error barrier between the perturbed and the unperturbed solutions. Whether each rewind point is stable is measured, not assumed: two copies of the unperturbed subnetwork trained from it with different data orders, and the barrier between them under the same 2 pp rule; a point whose instability is borderline enters neither claim.",
    presetNotes: v.presetNotes,
    presets: v.presets,
    compute: runPerturbation,
    steps: PERTURBATION_STEPS,
    render,
  });
}
