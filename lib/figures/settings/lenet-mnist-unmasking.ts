import { Preset } from "../figure";
import { lenetPaperTraining } from "./lenet-mnist";
import { SparseSetup } from "../../lottery/subnetworks";

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
