import { DataConfig } from "../data/registry";
import { TrainHparams } from "../train/hparams";
import { RunConfig } from "../store/run-config";
import { branchAt, copies } from "../lmc/instability";
import { evenAlphas } from "../lmc/barrier";
import { BatchNormPath } from "../lmc/bn-statistics";
import { runTasks } from "../parallel/pool";
import { impLevel, nominalDensity } from "../prune/imp";
import { denseRun } from "../lottery/subnetworks";
import { MatchingVerdict, matchingVerdict } from "../lottery/matching";
import { stabilitySide } from "../lmc/stability";
import { MeanStd, meanStd } from "../util/stats";
import { UserError } from "../util/errors";
import { loadWeights } from "../store/runs";
import { ensureMask } from "../materialise/run";
import { LayerScale, rewindScales } from "./rewind-scale";

/**
 * The search for a CPU-sized setting in which the LMC paper's central sparse result can happen: IMP
 * subnetworks rewound to k = 0 unstable and not matching, rewound a little later stable and matching.
 * Every plain MLP the workspace trained became stable once pruned; the papers' unstable sparse networks
 * (ResNets, VGG) have batch norm and train at high rates on CIFAR-10, so the candidates add those one at a
 * time: batch norm after each hidden layer, CIFAR-10 (downsampled and full size), higher rates, momentum
 * or none. Each candidate is measured the same way (SPARSE_PLAN); every outcome is kept.
 */
export interface SparseCandidate {
  name: string;
  model: string;
  data: DataConfig;
  train: TrainHparams;
  /** Why this setting is in the list. */
  note: string;
}

export interface SparsePlan {
  initSeeds: number[];
  /** Pairs of copies per initialisation (data orders 2p+1, 2p+2), dense and sparse alike. */
  pairs: number;
  /** IMP: fraction of the remaining weights pruned per level (global magnitude), and the levels measured. */
  fraction: number;
  levels: number[];
  /** The late rewind step, as a fraction of training (the papers' few %). */
  lateFraction: number;
  /** Later rewind steps measured beside it, as fractions of training (the second stage: a rescue may need more). */
  laterFractions?: number[];
  alphas: number;
  trainEvalSubset: number;
  /** Batch-norm statistics along paths (absent: recomputed at every alpha, DEFAULT_BATCH_NORM_PATH). */
  batchNorm?: BatchNormPath;
}

export const SPARSE_PLAN: SparsePlan = { initSeeds: [1, 2], pairs: 1, fraction: 0.6, levels: [3, 5], lateFraction: 0.05, alphas: 11, trainEvalSubset: 2000 };

/** SGD with momentum (or none), weight decay, no warm-up; the rate drops x0.1 after two thirds of training. */
export function sgd(lr: number, momentum: number, steps: number, weightDecay = 1e-4, batchSize = 128): TrainHparams {
  return { optimizer: "sgd", lr, momentum, weightDecay, batchSize, steps, warmupSteps: 0, lrDropSteps: [Math.round((2 * steps) / 3)], lrDropFactor: 0.1 };
}

const fashion: DataConfig = { dataset: "fashion-mnist" };
const cifar16: DataConfig = { dataset: "cifar10-jpeg", downsample: 2 };
const cifar32: DataConfig = { dataset: "cifar10-jpeg" };

/**
 * The declared search, in the order it is run: batch norm on CIFAR-10 (the papers' ingredients at MLP
 * size) at rising rates, with and without momentum, its plain-MLP control, the same on Fashion-MNIST, then
 * full-size CIFAR-10.
 */
export const SPARSE_CANDIDATES: SparseCandidate[] = [
  { name: "fcbn-cifar16-sgd0.1", model: "lenet-300-100-bn", data: cifar16, train: sgd(0.1, 0.9, 1500), note: "batch norm on CIFAR-10 at 16x16 (average-pooled): the papers' data set and normalisation, at MLP size" },
  { name: "fcbn-cifar16-sgd0.5", model: "lenet-300-100-bn", data: cifar16, train: sgd(0.5, 0.9, 1500), note: "batch norm on CIFAR-10 at 16x16, a 5x higher rate" },
  { name: "fcbn-cifar16-sgd1.0-nomom", model: "lenet-300-100-bn", data: cifar16, train: sgd(1.0, 0, 1500), note: "batch norm, rate 1.0 without momentum (about the effective step of 0.1 with momentum 0.9)" },
  { name: "fc-cifar16-sgd0.1", model: "lenet-300-100", data: cifar16, train: sgd(0.1, 0.9, 1500), note: "control: the first candidate without batch norm" },
  { name: "fcbn-fmnist-sgd0.1", model: "lenet-300-100-bn", data: fashion, train: sgd(0.1, 0.9, 1500), note: "batch norm on Fashion-MNIST: the unstable dense regime's data and rate" },
  { name: "fcbn-fmnist-sgd0.5", model: "lenet-300-100-bn", data: fashion, train: sgd(0.5, 0.9, 1500), note: "batch norm on Fashion-MNIST, a 5x higher rate" },
];

/**
 * The second stage, declared after the first (b832229) had run. Its closest setting, batch norm on CIFAR-10
 * at 16x16 and rate 0.5, had the phenomenon's two halves at 1 % density but not together: IMP at k = 0
 * near unstable (2.89 ± 1.79 pp) and not matching, IMP at k = 75 stable but still not matching (-1.29 pp),
 * while at 6.4 % every cell was stable and matching. Instability grew as density fell, the opposite of the
 * plain MLP. So the second stage looks between the two densities (level 4, 2.6 %), rewinds later too
 * (k = 300, 20 % of training) where the rescue may need more training, and doubles the rate with momentum
 * (1.0), which should move the instability to denser, still-capable subnetworks.
 */
export const SPARSE_PLAN_2: SparsePlan = { ...SPARSE_PLAN, levels: [3, 4, 5], laterFractions: [0.2] };

export const SPARSE_CANDIDATES_2: SparseCandidate[] = [
  { name: "fcbn-cifar16-sgd0.5", model: "lenet-300-100-bn", data: cifar16, train: sgd(0.5, 0.9, 1500), note: "the first stage's closest setting, between its densities and rewound later" },
  { name: "fcbn-cifar16-sgd1.0", model: "lenet-300-100-bn", data: cifar16, train: sgd(1.0, 0.9, 1500), note: "batch norm on CIFAR-10 at 16x16, rate 1.0 with momentum: twice the closest setting's rate" },
];

/**
 * The third stage, declared after the second (d5b6d2e) had run. At rate 1.0 (momentum 0.9) IMP subnetworks
 * were unstable at k = 0 for the first time in the search (18.7 pp at 6.4 %, 16.0 at 2.6 %) and not matching,
 * but training was chaotic: the dense network fell to 46.7 % and stayed unstable at k = 75 and 300 in every
 * pruned cell but one. At 0.5 every subnetwork at 6.4 % and 2.6 % was stable. So the third stage takes the rate
 * between them (0.7) and rewinds to 5, 10 and 20 % of training.
 */
export const SPARSE_PLAN_3: SparsePlan = { ...SPARSE_PLAN, levels: [3, 4, 5], laterFractions: [0.1, 0.2] };

export const SPARSE_CANDIDATES_3: SparseCandidate[] = [
  { name: "fcbn-cifar16-sgd0.7", model: "lenet-300-100-bn", data: cifar16, train: sgd(0.7, 0.9, 1500), note: "batch norm on CIFAR-10 at 16x16, rate 0.7 with momentum: between the stable-when-pruned 0.5 and the chaotic 1.0" },
];

/** The search's stages, in the order they were declared; each writes its own JSON. */
export interface SparseStage {
  stage: number;
  plan: SparsePlan;
  candidates: SparseCandidate[];
  /** The JSON it writes, under results/search/. */
  file: string;
}

export const SPARSE_STAGES: SparseStage[] = [
  { stage: 1, plan: SPARSE_PLAN, candidates: SPARSE_CANDIDATES, file: "sparse-unstable.json" },
  { stage: 2, plan: SPARSE_PLAN_2, candidates: SPARSE_CANDIDATES_2, file: "sparse-unstable-stage2.json" },
  { stage: 3, plan: SPARSE_PLAN_3, candidates: SPARSE_CANDIDATES_3, file: "sparse-unstable-stage3.json" },
];

/**
 * Declared but not in the search as committed (each candidate costs 10-15 minutes on 2 loaded cores): the
 * plain MLP on Fashion-MNIST (the unstable grid measured it at 3,000 steps: pruning stabilises it) and the
 * first candidate on full-size CIFAR-10 (4x the first layer's cost). `--only` runs them.
 */
export const MORE_SPARSE_CANDIDATES: SparseCandidate[] = [
  { name: "fc-fmnist-sgd0.1", model: "lenet-300-100", data: fashion, train: sgd(0.1, 0.9, 1500), note: "control: the plain MLP of the unstable dense regime (shorter training), where pruning was seen to stabilise" },
  { name: "fcbn-cifar32-sgd0.1", model: "lenet-300-100-bn", data: cifar32, train: sgd(0.1, 0.9, 1500), note: "batch norm on full-size CIFAR-10 (3,072 inputs: 4x the first layer's cost)" },
];

export function getSparseCandidate(name: string): SparseCandidate {
  const all = [...SPARSE_CANDIDATES, ...MORE_SPARSE_CANDIDATES, ...SPARSE_CANDIDATES_2, ...SPARSE_CANDIDATES_3].filter((x, i, xs) => xs.findIndex((y) => y.name === x.name) === i);
  const c = all.find((x) => x.name === name);
  if (!c) throw new UserError(`unknown setting "${name}"; choose from: ${all.map((x) => x.name).join(", ")}.`);
  return c;
}

/** One (rewind step, density) cell: IMP's accuracy against the dense one, and its instability. */
export interface SparseCell {
  k: number;
  level: number;
  density: number;
  accuracy: MeanStd;
  matching: MatchingVerdict;
  instabilities: number[];
  instability: MeanStd;
  /** "yes", "no", with "(borderline)" where 2 pp lies within the noise (the figures' one rule). */
  stable: string;
  /** Per pruned layer, mean over initialisations: what the mask keeps of W_k's norm, and the effective step it implies. */
  scales: LayerScale[];
}

export interface SparseMeasurement {
  plan: SparsePlan;
  lateK: number;
  /** The later rewind steps (plan.laterFractions), when the plan has them. */
  laterKs?: number[];
  /** Dense test accuracy over every dense run (data order 0 and the copies at k = 0): the matching reference. */
  denseAccuracy: MeanStd;
  denseRuns: number;
  denseInstability: { instabilities: number[]; instability: MeanStd; stable: string };
  cells: SparseCell[];
  /** The sparse phenomenon: some density where IMP at k = 0 is unstable and not matching while IMP at a late k is stable and matching (firm verdicts only). */
  shows: boolean;
  trainSeconds: number;
}

const stableLabel = (v: MeanStd, n: number) => {
  const side = stabilitySide(v, n);
  return `${side.below ? "yes" : "no"}${side.borderline ? " (borderline)" : ""}`;
};

/** Dense runs, IMP chains at k = 0 and at the late k, copies of each measured cell, and their paths (all cached). */
export async function measureSparse(c: SparseCandidate, plan: SparsePlan = SPARSE_PLAN, label = c.name): Promise<SparseMeasurement> {
  const stepAt = (f: number) => Math.max(1, Math.round(f * c.train.steps));
  const lateK = stepAt(plan.lateFraction);
  const laterKs = plan.laterFractions?.map(stepAt);
  const lates = [lateK, ...(laterKs ?? [])];
  const ks = [0, ...lates];
  const setup = { model: c.model, data: c.data, train: c.train };
  const parents = plan.initSeeds.map((s) => denseRun(setup, s));
  const dense = await runTasks(parents.map((config) => ({ kind: "run" as const, config, checkpoints: ks, label: `${label} dense` })));
  const maxLevel = Math.max(...plan.levels);
  const spec = (parent: RunConfig, k: number) => ({ dense: parent, rewindStep: k, fraction: plan.fraction, scope: "global" as const });
  const chains = parents.flatMap((p) => ks.map((k) => impLevel(spec(p, k), maxLevel)));
  await runTasks(chains.map((config) => ({ kind: "run" as const, config, label: `${label} IMP chain` })));
  const pairsOf = (start: RunConfig) => Array.from({ length: plan.pairs }, (_, p) => copies(start, [2 * p + 1, 2 * p + 2]));
  const densePairs = parents.flatMap((p) => pairsOf(branchAt(p, 0)));
  const cellSpecs = ks.flatMap((k) => plan.levels.map((level) => ({ k, level, runs: parents.map((p) => impLevel(spec(p, k), level)) })));
  const sparsePairs = cellSpecs.map((cell) => cell.runs.flatMap(pairsOf));
  const allPairs = [...densePairs, ...sparsePairs.flat()];
  const trained = await runTasks(allPairs.flatMap((pair) => pair.map((config, j) => ({ kind: "run" as const, config, label: `${label} copy ${j + 1}` }))));
  const subnetworks = await runTasks(cellSpecs.flatMap((cell) => cell.runs.map((config) => ({ kind: "run" as const, config }))));
  const options = { alphas: evenAlphas(plan.alphas), trainEvalSubset: plan.trainEvalSubset, ...(plan.batchNorm ? { batchNorm: plan.batchNorm } : {}) };
  const paths = await runTasks(allPairs.map(([a, b]) => ({ kind: "path" as const, a, b, options })));

  const denseTrained = trained.slice(0, 2 * densePairs.length);
  const denseAcc = [...dense, ...denseTrained].map((r) => 1 - r.test.error);
  const denseAccuracy = meanStd(denseAcc);
  const denseBarriers = paths.slice(0, densePairs.length).map((p) => p.test.meanBarrier);
  let at = densePairs.length;
  let sub = 0;
  const scalesOf = async (runs: RunConfig[], k: number): Promise<LayerScale[]> => {
    const perInit: LayerScale[][] = [];
    for (const [j, run] of runs.entries()) perInit.push(rewindScales(loadWeights(parents[j], k), await ensureMask(run.mask!), c.train.lr));
    return perInit[0].map((first, l) => {
      const mean = (f: (x: LayerScale) => number) => perInit.reduce((s, x) => s + f(x[l]), 0) / perInit.length;
      return { layer: first.layer, density: mean((x) => x.density), normKept: mean((x) => x.normKept), effectiveStepRatio: mean((x) => x.effectiveStepRatio), denseEffectiveStep: mean((x) => x.denseEffectiveStep) };
    });
  };
  const scales: LayerScale[][] = [];
  for (const cell of cellSpecs) scales.push(await scalesOf(cell.runs, cell.k));
  const cells = cellSpecs.map((cell, i): SparseCell => {
    const barriers = paths.slice(at, (at += sparsePairs[i].length)).map((p) => p.test.meanBarrier);
    const accuracies = subnetworks.slice(sub, (sub += cell.runs.length)).map((r) => 1 - r.test.error);
    const accuracy = meanStd(accuracies);
    const instability = meanStd(barriers);
    return {
      k: cell.k,
      level: cell.level,
      density: nominalDensity(plan.fraction, cell.level),
      accuracy,
      matching: matchingVerdict(accuracy, accuracies.length, denseAccuracy, denseAcc.length, null),
      instabilities: barriers,
      instability,
      stable: stableLabel(instability, barriers.length),
      scales: scales[i],
    };
  });
  const firm = (s: string, v: "yes" | "no") => s === v;
  const shows = plan.levels.some((level) => {
    const early = cells.find((x) => x.k === 0 && x.level === level)!;
    const rescued = lates.some((k) => {
      const late = cells.find((x) => x.k === k && x.level === level)!;
      return firm(late.stable, "yes") && late.matching.matching && !late.matching.borderline;
    });
    return firm(early.stable, "no") && !early.matching.matching && !early.matching.borderline && rescued;
  });
  const trainSeconds = [...dense, ...trained, ...subnetworks].reduce((s, r) => s + r.wallSeconds, 0);
  const denseInstability = meanStd(denseBarriers);
  return {
    plan,
    lateK,
    ...(laterKs ? { laterKs } : {}),
    denseAccuracy,
    denseRuns: denseAcc.length,
    denseInstability: { instabilities: denseBarriers, instability: denseInstability, stable: stableLabel(denseInstability, denseBarriers.length) },
    cells,
    shows,
    trainSeconds,
  };
}
