import { Preset, figureVariant } from "../figure";
import { RewindGridConfig } from "../protocols/rewind-grid";
import { rewindKFigure } from "../protocols/rewind-k";
import { sparsitySweep } from "../protocols/sparsity-sweep";
import { stabilityDistances } from "../protocols/late-rewinding";
import { SuccessiveLevelsConfig, successiveLevels } from "../protocols/successive-levels";
import { SparseSetup } from "../../lottery/subnetworks";
import { UNSTABLE_SETTING, unstableDenseInstability } from "../../search/unstable";
import { perturbationFigure } from "../protocols/perturbation";

/**
 * The sparse figures (LMC Table 2 and Figs. 5-9, Stabilizing, Unmasking) on the unstable setting:
 * LeNet-300-100 on Fashion-MNIST with SGD 0.1, unstable at k = 0 and stable from k = 50
 * (unstable/dense-instability). The same figure code as the LeNet/MNIST figures, other presets.
 */
const network = `${UNSTABLE_SETTING.model}, Fashion-MNIST, SGD ${UNSTABLE_SETTING.train.lr}`;

/**
 * Each level prunes 36 % of the remaining weights, what two of the paper's 20 % levels remove, so that
 * the grid reaches 2.8 % density in 8 trainings per chain instead of 16 (the CPU budget).
 */
const setup: Record<Preset, SparseSetup> = {
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
  quick: { ...setup.quick, ...kinds, rewindSteps: [0, 50], levels: [1, 2] },
  cpu: { ...setup.cpu, ...kinds, rewindSteps: [0, 500], levels: [2, 4, 6, 8] },
  paper: { ...setup.paper, ...kinds, rewindSteps: unstableDenseInstability.ks, levels: [2, 4, 6, 8, 10, 12, 14, 16] },
};

const SETTING_NOTE = "LeNet-300-100 on full Fashion-MNIST, SGD 0.1 momentum 0.9 batch 128, 3,000 steps with the rate x0.1 at 2,000 (unstable at k = 0, stable from k = 50: see unstable/dense-instability)";

export const UNSTABLE_GRID_NOTES: Record<Preset, string> = {
  quick: "Smoke size: 5,000 Fashion-MNIST examples, 300 steps, k in {0, 50}, 2 levels of 50 % pruning, one initialisation. Not a result.",
  cpu: `${SETTING_NOTE}. k in {0, 500} (0 and 17 % of training; the dense network is stable from k = 50 on; k = 100 was cut to fit the grid into this machine's time); 36 % global magnitude pruning per level (two of the paper's 20 % levels), levels 2, 4, 6, 8 (41.0 %, 16.8 %, 6.9 %, 2.8 % density; the output layer stays dense); 2 initialisations x 1 pair of copies; 21 interpolation points, train error on 2,000 examples. The matching threshold comes from 15 dense runs (3 initialisations x 5 data orders).`,
  paper: "The paper's pruning rate (20 % per level) to level 16, k over the dense figure's grid {0, 50, 100, 200, 500, 1000}, 3 initialisations x 3 pairs, the matching threshold from 25 dense runs. The paper's own networks are ResNet-20 and VGG-16 on CIFAR-10.",
};

export const unstableRewindK = rewindKFigure({
  id: "unstable/rewind-k",
  title: `IMP subnetworks vs the rewind step k on an unstable network (${network})`,
  atInit: "unstable",
  presets: UNSTABLE_GRID,
  presetNotes: UNSTABLE_GRID_NOTES,
});

export const unstableSparsitySweep = figureVariant(sparsitySweep, {
  id: "unstable/sparsity-sweep",
  title: `Accuracy and instability vs sparsity on an unstable network: IMP, late rewinding and random baselines (${network})`,
  presets: UNSTABLE_GRID,
  presetNotes: UNSTABLE_GRID_NOTES,
});

export const unstableLateRewinding = figureVariant(stabilityDistances, {
  id: "unstable/late-rewinding",
  title: `Late rewinding, and pruning and data-order stability on an unstable network (${network})`,
  presets: UNSTABLE_GRID,
  presetNotes: UNSTABLE_GRID_NOTES,
});

/** Unmasking's successive levels on the grid's IMP chains (same configs: the chains are reused). */
const levelsPreset = (p: Preset): SuccessiveLevelsConfig => ({ ...setup[p], rewindSteps: UNSTABLE_GRID[p].rewindSteps, maxLevel: Math.max(...UNSTABLE_GRID[p].levels), maskChoice: "child" });

export const unstableSuccessiveLevels = figureVariant(successiveLevels, {
  id: "unstable/successive-levels",
  title: `Error barriers between successive IMP levels on an unstable network (${network})`,
  presets: { quick: levelsPreset("quick"), cpu: levelsPreset("cpu"), paper: levelsPreset("paper") },
  presetNotes: UNSTABLE_GRID_NOTES,
});

/** Perturbations at an unstable rewind point (k = 0) and at a stable one, on the grid's chains. */
export const unstablePerturbation = perturbationFigure({
  id: "unstable/perturbation",
  title: `Robustness of SGD to perturbations at an unstable and a stable rewind point (${network})`,
  presets: {
    quick: { ...setup.quick, rewindSteps: [0, 50], unstableSteps: [0], levels: [1], scales: [1, 4] },
    cpu: { ...setup.cpu, rewindSteps: [0, 500], unstableSteps: [0], levels: [2, 6], scales: [1, 4] },
    paper: { ...setup.paper, rewindSteps: [0, 500], unstableSteps: [0], levels: [2, 6, 10, 14], scales: [0.25, 0.5, 1, 2, 4, 8] },
  },
  presetNotes: {
    ...UNSTABLE_GRID_NOTES,
    cpu: `${UNSTABLE_GRID_NOTES.cpu} Perturbed: levels 2 and 6 (41.0 %, 6.9 %) at k = 0 (unstable) and k = 500 (stable), noise 1x and 4x the pruned norm.`,
  },
});
