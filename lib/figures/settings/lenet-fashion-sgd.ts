import { Preset } from "../figure";
import { DenseInstabilityConfig } from "../protocols/dense-instability";
import { RewindGridConfig } from "../protocols/rewind-grid";
import { SparseSetup } from "../../lottery/subnetworks";
import { SEARCH_PLAN, UnstableCandidate, getCandidate } from "../../search/unstable";

/**
 * The unstable setting: LeNet-300-100 on Fashion-MNIST with SGD 0.1, unstable at k = 0 and stable from
 * k = 50 (unstable/dense-instability), found by the search in lib/search/unstable.ts. The presets of the
 * unstable/* figures: the same figure code as the LeNet/MNIST figures, other presets.
 */
/** The setting chosen for the unstable regime (see docs/unstable-regime.md for the search). */
export const UNSTABLE_SETTING: UnstableCandidate = getCandidate("fc-fmnist-sgd0.1-b128");

/**
 * The dense-instability figure on the unstable setting, sized for the CPU: the search's full check
 * (same seeds, k grid and path options, so its runs and paths are reused) plus a third pair per
 * initialisation, for the paper's 3 x 3 samples.
 */
export const unstableDenseInstability: DenseInstabilityConfig = {
  model: UNSTABLE_SETTING.model,
  data: UNSTABLE_SETTING.data,
  train: UNSTABLE_SETTING.train,
  ks: SEARCH_PLAN.full.ks,
  initSeeds: SEARCH_PLAN.full.initSeeds,
  pairs: 3,
  alphas: SEARCH_PLAN.alphas,
  trainEvalSubset: SEARCH_PLAN.trainEvalSubset,
};

/** How the unstable figures' titles name the setting. */
export const UNSTABLE_NETWORK = `${UNSTABLE_SETTING.model}, Fashion-MNIST, SGD ${UNSTABLE_SETTING.train.lr}`;

/**
 * Each level prunes 36 % of the remaining weights, what two of the paper's 20 % levels remove, so that
 * the grid reaches 2.8 % density in 8 trainings per chain instead of 16 (the CPU budget).
 */
export const UNSTABLE_SETUP: Record<Preset, SparseSetup> = {
  quick: {
    model: UNSTABLE_SETTING.model,
    data: { dataset: "fashion-mnist", trainSubset: 5000 },
    train: { ...UNSTABLE_SETTING.train, steps: 300, lrDropSteps: [200] },
    initSeeds: [1],
    fraction: 0.5,
    scope: "global",
    pairs: 1,
    alphas: 5,
    trainEvalSubset: 1000,
    matchingTolerance: null,
  },
  cpu: {
    model: UNSTABLE_SETTING.model,
    data: UNSTABLE_SETTING.data,
    train: UNSTABLE_SETTING.train,
    initSeeds: [1, 2],
    fraction: 0.36,
    scope: "global",
    pairs: 1,
    alphas: unstableDenseInstability.alphas,
    trainEvalSubset: unstableDenseInstability.trainEvalSubset,
    matchingTolerance: null,
    // The dense figure's runs at k = 0 (3 initialisations x data orders 0-4) are reused: 15 dense runs.
    denseReference: { initSeeds: [1, 2, 3], dataSeeds: [0, 1, 2, 3, 4] },
  },
  paper: {
    model: UNSTABLE_SETTING.model,
    data: UNSTABLE_SETTING.data,
    train: UNSTABLE_SETTING.train,
    initSeeds: [1, 2, 3],
    fraction: 0.2,
    scope: "global",
    pairs: 3,
    alphas: unstableDenseInstability.alphas,
    trainEvalSubset: null,
    matchingTolerance: null,
    denseReference: { initSeeds: [1, 2, 3, 4, 5], dataSeeds: [0, 1, 2, 3, 4] },
  },
};

const kinds = { accuracyKinds: ["random-reinit" as const], stabilityKinds: ["imp" as const, "random-pruning" as const] };

export const UNSTABLE_GRID: Record<Preset, RewindGridConfig> = {
  quick: { ...UNSTABLE_SETUP.quick, ...kinds, rewindSteps: [0, 50], levels: [1, 2] },
  cpu: { ...UNSTABLE_SETUP.cpu, ...kinds, rewindSteps: [0, 500], levels: [2, 4, 6, 8] },
  paper: { ...UNSTABLE_SETUP.paper, ...kinds, rewindSteps: unstableDenseInstability.ks, levels: [2, 4, 6, 8, 10, 12, 14, 16] },
};

const SETTING_NOTE = "LeNet-300-100 on full Fashion-MNIST, SGD 0.1 momentum 0.9 batch 128, 3,000 steps with the rate x0.1 at 2,000 (unstable at k = 0, stable from k = 50: see unstable/dense-instability)";

export const UNSTABLE_GRID_NOTES: Record<Preset, string> = {
  quick: "Smoke size: 5,000 Fashion-MNIST examples, 300 steps, k in {0, 50}, 2 levels of 50 % pruning, one initialisation. Not a result.",
  cpu: `${SETTING_NOTE}. k in {0, 500} (0 and 17 % of training; the dense network is stable from k = 50 on; k = 100 was cut to fit the grid into this machine's time); 36 % global magnitude pruning per level (two of the paper's 20 % levels), levels 2, 4, 6, 8 (41.0 %, 16.8 %, 6.9 %, 2.8 % density; the output layer stays dense); 2 initialisations x 1 pair of copies; 21 interpolation points, train error on 2,000 examples. The matching threshold comes from 15 dense runs (3 initialisations x 5 data orders).`,
  paper: "The paper's pruning rate (20 % per level) to level 16, k over the dense figure's grid {0, 50, 100, 200, 500, 1000}, 3 initialisations x 3 pairs, the matching threshold from 25 dense runs. The paper's own networks are ResNet-20 and VGG-16 on CIFAR-10.",
};
