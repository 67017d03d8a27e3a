import { defineFigure, FigureResult, Preset } from "./figure";
import { STABILITY, check, combine, thresholdCheck } from "./claims";
import { color, hline, spreadCaption } from "./plot-helpers";
import { SparseSetup, subnetwork } from "./subnetworks";
import { UNMASKING_NOTES, UNMASKING_SETUP } from "./unmasking-presets";
import { runTasks } from "../parallel/pool";
import { evenAlphas, STABILITY_THRESHOLD } from "../lmc/barrier";
import { ensureMask } from "../materialise/mask";
import { loadWeights } from "../store/runs";
import { RunConfig } from "../store/run-config";
import { l2Norm } from "../lmc/distance";
import { HostParams } from "../models/params";
import { nominalDensity } from "../prune/imp";
import { meanPm, meanStd, plural } from "../util/stats";
import { UserError } from "../util/errors";

/** Robustness of SGD at the rewind point: perturb m * W_k, retrain, and compare with the unperturbed solution. */
export interface PerturbationConfig extends SparseSetup {
  rewindStep: number;
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

export async function runPerturbation(c: PerturbationConfig) {
  for (const l of c.levels) if (!Number.isInteger(l) || l < 1) throw new UserError(`level ${l} must be an integer >= 1 (a pruned level).`);
  for (const s of c.scales) if (!(s > 0)) throw new UserError(`noise scale ${s} must be positive.`);
  const maxLevel = Math.max(...c.levels) + 1;
  await runTasks(c.initSeeds.map((s) => ({ kind: "run" as const, config: subnetwork(c, "imp", s, c.rewindStep, maxLevel), label: "IMP chain" })));
  const cells: { initSeed: number; level: number; scale: number; reference: number; base: RunConfig; perturbed: RunConfig }[] = [];
  for (const initSeed of c.initSeeds) {
    for (const level of c.levels) {
      const base = subnetwork(c, "imp", initSeed, c.rewindStep, level);
      const reference = await prunedNorm(base, subnetwork(c, "imp", initSeed, c.rewindStep, level + 1));
      for (const [j, scale] of c.scales.entries()) cells.push({ initSeed, level, scale, reference, base, perturbed: { ...base, perturbation: { seed: 100 + j, norm: scale * reference } } });
    }
  }
  const summaries = await runTasks(cells.map((x) => ({ kind: "run" as const, config: x.perturbed, label: `level ${x.level} noise x${x.scale}` })));
  const alphas = evenAlphas(c.alphas);
  const paths = await runTasks(cells.map((x) => ({ kind: "path" as const, a: x.perturbed, b: x.base, options: { alphas, trainEvalSubset: c.trainEvalSubset } })));
  return {
    cells: cells.map((x, i) => ({ initSeed: x.initSeed, level: x.level, scale: x.scale, norm: x.scale * x.reference, prunedNorm: x.reference, testError: summaries[i].test.error, barrier: paths[i].test.meanBarrier, trainBarrier: paths[i].train.meanBarrier })),
  };
}

function render(c: PerturbationConfig, r: Awaited<ReturnType<typeof runPerturbation>>): FigureResult {
  const at = (level: number, scale: number) => r.cells.filter((x) => x.level === level && x.scale === scale);
  const plot = {
    id: "barrier-vs-noise",
    title: `Barrier between the perturbed and unperturbed solutions, rewound to k = ${c.rewindStep}`,
    data: c.levels.map((level, i) => {
      const s = c.scales.map((scale) => meanStd(at(level, scale).map((x) => x.barrier)));
      return { x: c.scales, y: s.map((v) => 100 * v.mean), error_y: { type: "data", array: s.map((v) => 100 * v.std), visible: true }, name: `level ${level} (${(100 * nominalDensity(c.fraction, level)).toFixed(1)} %)`, mode: "lines+markers", line: { color: color(i) }, type: "scatter" };
    }),
    layout: {
      xaxis: { title: { text: "noise norm / norm of the weights the next pruning removes (log scale)" }, type: "log", tickvals: c.scales, ticktext: c.scales.map(String) },
      yaxis: { title: { text: "test barrier (pp)" }, rangemode: "tozero" },
      shapes: [hline(100 * STABILITY_THRESHOLD, "2 pp threshold: same mode below")],
    },
    caption: spreadCaption("initialisations", c.initSeeds.length, "x = 1: noise as large as the weights the next pruning step removes. Dashed line: the 2 pp threshold."),
  };
  const measured = c.levels.flatMap((level) =>
    c.scales.map((scale) => {
      const cells = at(level, scale);
      return { level, scale, n: cells.length, norm: meanStd(cells.map((x) => x.norm)).mean, barrier: meanStd(cells.map((x) => x.barrier)), acc: meanStd(cells.map((x) => 1 - x.testError)) };
    }),
  );
  const density = (level: number) => (100 * nominalDensity(c.fraction, level)).toFixed(1);
  const rows = measured.map((m) => [m.level, density(m.level), m.scale, m.norm.toFixed(3), meanPm(m.acc, m.n), meanPm(m.barrier, m.n), m.barrier.mean < STABILITY_THRESHOLD ? "same mode" : "different mode"]);
  const table = {
    id: "perturbations",
    title: "Perturbations of m * W_k: noise norm, accuracy after retraining, barrier to the unperturbed solution",
    columns: ["level", "density (%)", "noise / pruned norm", "noise L2 norm", "test accuracy (%)", "test barrier (pp)", "linearly connected"],
    rows,
    note: `a ± b: mean ± one sample standard deviation over ${plural(c.initSeeds.length, "initialisation")} (noise norm: their mean); a single value shows (n = 1). Same mode: barrier below 2 pp.`,
  };
  const atOne = measured.filter((m) => m.scale === 1);
  const leaving = measured.filter((m) => m.barrier.mean >= STABILITY_THRESHOLD);
  const findings = [
    ...atOne.map((m) => `Level ${m.level} (${density(m.level)} %): noise as large as the weights the next pruning removes (norm ${m.norm.toFixed(3)}) gives a barrier of ${meanPm(m.barrier, m.n)} pp: ${m.barrier.mean < STABILITY_THRESHOLD ? "same mode" : "different mode"}.`),
    leaving.length === 0
      ? "SGD returns to the same linearly connected mode for every perturbation tried."
      : `SGD leaves the mode for ${leaving.length} of ${measured.length} (level, noise) settings: ${leaving.map((m) => `level ${m.level} at ${m.scale}x`).join(", ")}.`,
  ];
  const checks = [
    atOne.length
      ? combine("robust-at-pruned-norm", atOne.map((m) => thresholdCheck("robust-at-pruned-norm", `level ${m.level} (${density(m.level)} %), noise 1x: barrier`, m.barrier, m.n, STABILITY, true)))
      : check("robust-at-pruned-norm", "not tested", "no noise scale of 1 was measured."),
  ];
  return { plots: [plot], tables: [table], findings, checks };
}

const presets: Record<Preset, PerturbationConfig> = {
  quick: { ...UNMASKING_SETUP.quick, rewindStep: 0, levels: [1], scales: [1, 4] },
  cpu: { ...UNMASKING_SETUP.cpu, rewindStep: 0, levels: [3, 8, 13], scales: [0.5, 1, 2, 4] },
  paper: { ...UNMASKING_SETUP.paper, rewindStep: 0, levels: [3, 8, 13, 18], scales: [0.25, 0.5, 1, 2, 4, 8] },
};

export const perturbationRobustness = defineFigure({
  id: "unmasking/perturbation",
  title: "Robustness of SGD to perturbations at the rewind point (LeNet-300-100)",
  source: "Paul et al. 2023, Unmasking the Lottery Ticket Hypothesis (SGD noise stability at the rewind point)",
  claim:
    "Where IMP works, SGD from the rewind point is robust: perturbing m * W_k by noise as large as the weights that pruning removes, then retraining, returns to the same linearly connected mode; this is why the pruning step (a perturbation of that size) does not leave the low-error region.",
  claims: [
    { id: "robust-at-pruned-norm", text: "Perturbing the rewind point m * W_k by noise as large as the weights the next pruning step removes, then retraining, returns to the same linearly connected mode (barrier below 2 pp)." },
  ],
  method:
    "For IMP level L rewound to k, take the starting weights m * W_k and add Gaussian noise on the unpruned weights, scaled to a multiple of the L2 norm of the weights that the next pruning step removes (measured in level L's trained weights). Retrain under the mask and measure the error barrier between the perturbed and the unperturbed solutions.",
  presetNotes: { ...UNMASKING_NOTES, cpu: `${UNMASKING_NOTES.cpu} Levels 3, 8, 13 at k = 0; noise 0.5x to 4x the pruned norm.` },
  presets,
  compute: runPerturbation,
  render,
});
