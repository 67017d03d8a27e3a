import { Preset } from "../figure";
import { BatchGridConfig } from "../protocols/batch-grid";
import { UNSTABLE_GRID } from "./lenet-fashion-sgd";

/**
 * The batch-size grid on the unstable setting (LeNet-300-100, Fashion-MNIST, SGD 0.1): at batch 128 it is
 * the setting of unstable/rewind-k itself (same configs, so its IMP chains at k = 0, random
 * reinitialisations, copies and successive-level paths are reused); larger batches run the same 6.4
 * epochs with the rate held at 0.1, as Maene et al. do.
 */
const from = (p: Preset) => {
  const { rewindSteps: _k, levels: _l, accuracyKinds: _a, stabilityKinds: _s, denseReference: _d, ...setup } = UNSTABLE_GRID[p];
  return setup;
};

export const BATCH_GRID: Record<Preset, BatchGridConfig> = {
  quick: { ...from("quick"), batchSizes: [128, 512], maxLevel: 2, levels: [1, 2], instabilityLevels: [2], referenceDataSeeds: [0, 1], densePairs: 1 },
  cpu: { ...from("cpu"), batchSizes: [128, 2048], maxLevel: 8, levels: [2, 4, 6, 8], instabilityLevels: [2, 6], referenceDataSeeds: [0, 1, 2], densePairs: 3 },
  paper: { ...from("paper"), batchSizes: [128, 256, 512, 1024, 2048], maxLevel: 16, levels: [2, 4, 6, 8, 10, 12, 14, 16], instabilityLevels: [5, 10, 15], referenceDataSeeds: [0, 1, 2, 3, 4], densePairs: 3 },
};

export const BATCH_GRID_NOTES: Record<Preset, string> = {
  quick: "Smoke size: 5,000 Fashion-MNIST examples, about 6 epochs at batch 128 and 512, 2 levels of 50 % pruning, one initialisation, one pair of dense copies. Not a result.",
  cpu: "LeNet-300-100 on full Fashion-MNIST, SGD 0.1 (held at every batch) momentum 0.9, 6.4 epochs with the rate x0.1 after two thirds: batch 128 (3,000 steps) and 2,048 (188; batch 512 was cut to fit this machine's time). The dense network's instability at k = 0: 3 pairs of copies per initialisation (6 per batch size). IMP reset to initialisation (k = 0), 36 % global magnitude pruning per round (two of the paper's 20 % rounds) for 8 rounds (2.8 % density), 2 initialisations; accuracy of IMP and random reinitialisation at rounds 2, 4, 6, 8; instability (1 pair of copies per initialisation) at rounds 2 and 6 (41.0 %, 6.9 %); every successive pair of rounds: barrier (21 points, train error on 2,000 examples) and angular distance. Each batch size's matching threshold comes from 6 dense runs (2 initialisations x 3 data orders). The paper: ResNet-20 on CIFAR-10, batch 128 to 2,048, 25 rounds of 20 %, 3 seeds.",
  paper: "The paper's pruning rate (20 % per round) for 16 rounds, batch 128 to 2,048 in powers of two, instability at rounds 5, 10, 15, 3 initialisations x 3 pairs, 15 dense runs per batch size.",
};
