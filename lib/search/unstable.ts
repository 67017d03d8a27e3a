import { DataConfig } from "../data/registry";
import { TrainHparams } from "../train/hparams";
import { UserError } from "../util/errors";
import { STABILITY_THRESHOLD } from "../lmc/barrier";

/**
 * The search for a CPU-feasible unstable regime: settings in which the dense network might be
 * unstable at initialisation (k = 0) and stable early in training. Every committed LeNet/MNIST/Adam
 * result is stable at k = 0, so the candidates push the early phase to be noisier: SGD with momentum
 * at a high rate and no warm-up (the LMC paper's unstable ResNet-20 and VGG-16 recipe), on MNIST and the
 * harder Fashion-MNIST, with the rate dropped x0.1 late in training so the endpoints settle.
 */
export interface UnstableCandidate {
  /** Short unique id, used on the command line (--only) and in the results. */
  name: string;
  model: string;
  data: DataConfig;
  train: TrainHparams;
  /** Why this setting is in the list. */
  note: string;
}

/** SGD with momentum 0.9, no warm-up, no weight decay; the rate drops x0.1 at each of `drops`. */
export function sgdTraining(lr: number, batchSize: number, steps: number, drops: number[] = []): TrainHparams {
  return { optimizer: "sgd", lr, momentum: 0.9, weightDecay: 0, batchSize, steps, warmupSteps: 0, lrDropSteps: drops, lrDropFactor: 0.1 };
}

const fashion: DataConfig = { dataset: "fashion-mnist" };
const mnist: DataConfig = { dataset: "mnist" };

/** The declared search, in the order it was run (the cheap end first). */
export const UNSTABLE_CANDIDATES: UnstableCandidate[] = [
  { name: "fc-fmnist-sgd0.1-b128", model: "lenet-300-100", data: fashion, train: sgdTraining(0.1, 128, 3000, [2000]), note: "the ResNet recipe's rate (0.1, momentum 0.9, batch 128) on Fashion-MNIST, 6.4 epochs" },
  { name: "fc-mnist-sgd0.1-b128", model: "lenet-300-100", data: mnist, train: sgdTraining(0.1, 128, 3000, [2000]), note: "the same recipe on MNIST: does the data set matter?" },
  { name: "fc-fmnist-sgd0.01-b128", model: "lenet-300-100", data: fashion, train: sgdTraining(0.01, 128, 3000, [2000]), note: "control: a 10x lower rate (the LMC paper's stable 'Low' variant)" },
];

/** How a setting is screened and then fully checked. */
export interface SearchPlan {
  /** Screen: instability at k = 0 from these initialisations and pairs. */
  screen: { initSeeds: number[]; pairs: number };
  /** A setting whose screened k = 0 instability is at least this goes to the full check. */
  promising: number;
  /** Only the first this many promising settings (in list order) get the full check: the CPU budget. */
  maxFullChecks: number;
  /** Full check: instability at each k, over these initialisations and pairs per initialisation. */
  full: { ks: number[]; initSeeds: number[]; pairs: number };
  /** Interpolation points (21 includes alpha = 0.5) and the training examples the train error is measured on. */
  alphas: number;
  trainEvalSubset: number;
  /** Qualifying: unstable at k = 0 over at least `minPairs` pairs, stable by this fraction of training. */
  minPairs: number;
  maxOnsetFraction: number;
}

export const SEARCH_PLAN: SearchPlan = {
  screen: { initSeeds: [1], pairs: 2 },
  promising: 0.015,
  maxFullChecks: 1,
  full: { ks: [0, 50, 100, 200, 500, 1000], initSeeds: [1, 2, 3], pairs: 2 },
  alphas: 21,
  trainEvalSubset: 2000,
  minPairs: 6,
  maxOnsetFraction: 0.2,
};

/**
 * A setting qualifies as the unstable regime when its mean instability at k = 0 is at least the 2 pp
 * threshold over enough pairs and falls below it (the onset) within a small fraction of training.
 */
export function qualifies(atK: { k: number; n: number; instability: { mean: number } }[], onsetK: number | null, steps: number): boolean {
  const k0 = atK.find((a) => a.k === 0);
  if (!k0 || k0.n < SEARCH_PLAN.minPairs || k0.instability.mean < STABILITY_THRESHOLD) return false;
  return onsetK !== null && onsetK <= SEARCH_PLAN.maxOnsetFraction * steps;
}

export function getCandidate(name: string): UnstableCandidate {
  const c = UNSTABLE_CANDIDATES.find((x) => x.name === name);
  if (!c) throw new UserError(`unknown setting "${name}"; choose from: ${UNSTABLE_CANDIDATES.map((x) => x.name).join(", ")}.`);
  return c;
}
