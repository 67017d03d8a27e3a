import { Preset } from "../figure";
import { RewindGridConfig } from "../protocols/rewind-grid";
import { SparseSetup } from "../../lottery/subnetworks";
import { lenetPaperTraining } from "../../train/recipes";

/**
 * The LMC paper's LeNet setting: LeNet-300-100 on MNIST, Adam 1.2e-3, batch 60 (lenetPaperTraining), stable
 * at initialisation. The presets of its sparse figures: the rewind grid (lmc/rewind-k, lmc/sparsity-sweep,
 * stabilizing/late-rewinding) and the Unmasking analyses on the same IMP chains.
 */
/**
 * One grid per preset, shared by the rewinding, sparsity-sweep and stability-distance figures (same
 * configs, so the runs are computed once and cached).
 */
const base = { model: "lenet-300-100", scope: "global" as const, matchingTolerance: null, accuracyKinds: ["random-reinit" as const], stabilityKinds: ["imp" as const, "random-pruning" as const] };

export const REWIND_GRID: Record<Preset, RewindGridConfig> = {
  quick: { ...base, data: { dataset: "mnist", trainSubset: 5000 }, train: lenetPaperTraining(200), fraction: 0.5, rewindSteps: [0, 20], levels: [1, 2], initSeeds: [1], pairs: 1, alphas: 5, trainEvalSubset: 1000 },
  cpu: { ...base, data: { dataset: "mnist" }, train: lenetPaperTraining(2000), fraction: 0.2, rewindSteps: [0, 20, 200], levels: [5, 10, 15], initSeeds: [1, 2], pairs: 1, alphas: 30, trainEvalSubset: 5000 },
  paper: { ...base, data: { dataset: "mnist" }, train: lenetPaperTraining(24000), fraction: 0.2, rewindSteps: [0, 25, 100, 500, 2000], levels: [3, 6, 9, 12, 15, 18, 21], initSeeds: [1, 2, 3], pairs: 3, alphas: 30, trainEvalSubset: null },
};

export const REWIND_GRID_NOTES: Record<Preset, string> = {
  quick: "Smoke size: 5,000 examples, 200 steps, k in {0, 20}, 2 levels of 50 % pruning, one initialisation. Not a result.",
  cpu: "Full MNIST with the paper's optimizer (Adam 1.2e-3, batch 60) but 2,000 steps per training (paper: 24,000), so that the grid fits this machine: k in {0, 20, 200} (0, 1 %, 10 % of training), IMP levels 5, 10, 15 of 20 % global pruning (32.8 %, 10.7 %, 3.5 % density; the output layer stays dense); 2 initialisations x 1 pair of copies; train error on 5,000 examples; matching = within one std of the dense accuracy.",
  paper: "The paper's settings: 24,000 steps, k in {0, 25, 100, 500, 2000}, levels 3 to 21, 3 initialisations x 3 pairs.",
};

/**
 * The Unmasking analyses run on the same IMP chains as the rewind grid (same configs, so the cpu preset
 * reuses the grid's trained levels): LeNet-300-100 on MNIST, 20 % global pruning per level.
 */
export const UNMASKING_SETUP: Record<Preset, SparseSetup & { rewindSteps: number[]; maxLevel: number }> = {
  quick: { model: "lenet-300-100", data: { dataset: "mnist", trainSubset: 5000 }, train: lenetPaperTraining(200), initSeeds: [1], fraction: 0.5, scope: "global", pairs: 1, alphas: 5, trainEvalSubset: 1000, matchingTolerance: null, rewindSteps: [0, 20], maxLevel: 2 },
  cpu: { model: "lenet-300-100", data: { dataset: "mnist" }, train: lenetPaperTraining(2000), initSeeds: [1, 2], fraction: 0.2, scope: "global", pairs: 1, alphas: 30, trainEvalSubset: 5000, matchingTolerance: null, rewindSteps: [0, 20, 200], maxLevel: 15 },
  paper: { model: "lenet-300-100", data: { dataset: "mnist" }, train: lenetPaperTraining(24000), initSeeds: [1, 2, 3], fraction: 0.2, scope: "global", pairs: 3, alphas: 30, trainEvalSubset: null, matchingTolerance: null, rewindSteps: [0, 100, 2000], maxLevel: 20 },
};

export const UNMASKING_NOTES: Record<Preset, string> = {
  quick: "Smoke size: 5,000 examples, 200 steps, 50 % pruning per level, 2 levels, one initialisation. Not a result.",
  cpu: "Full MNIST, Adam 1.2e-3, batch 60, 2,000 steps per level (paper: 24,000; the same IMP chains as the rewind grid), 20 % global pruning per level up to level 15 (3.5 %), k in {0, 20, 200}, 2 initialisations, 30 interpolation points, train error on 5,000 examples.",
  paper: "24,000 steps per level, 20 levels, k in {0, 100, 2000}, 3 initialisations.",
};
