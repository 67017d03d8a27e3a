import { Preset } from "../figure";
import { PerturbationConfig, perturbationFigure } from "../protocols/perturbation";
import { BN_GRID_NOTES, BN_NETWORK, BN_SETUP } from "../settings/bn-mlp-cifar16";

/**
 * Unmasking's perturbations on the batch-norm network, at k = 0 and at a late k. The chains, levels and pairs
 * are the rewind grid's (levels 3 and 4 need the chains to level 5), so only the perturbed runs are new.
 */
const presets: Record<Preset, PerturbationConfig> = {
  quick: { ...BN_SETUP.quick, rewindSteps: [0, 6], levels: [1], scales: [1, 4] },
  cpu: { ...BN_SETUP.cpu, rewindSteps: [0, 300], levels: [3, 4], scales: [1, 4] },
  paper: { ...BN_SETUP.paper, rewindSteps: [0, 150, 300], levels: [3, 4, 5], scales: [0.25, 0.5, 1, 2, 4, 8] },
};

export const bnPerturbation = perturbationFigure({
  id: "unstable-bn/perturbation",
  title: `Robustness of SGD to perturbations at k = 0 and at a late rewind point (${BN_NETWORK})`,
  presets,
  presetNotes: {
    ...BN_GRID_NOTES,
    cpu: `${BN_GRID_NOTES.cpu} Perturbed: levels 3 and 4 (6.4 %, 2.6 %) rewound to k = 0 and k = 300 (20 % of training), noise 1x and 4x the pruned norm, 3 initialisations; each rewind point's own stability from the grid's 2 pairs of copies per initialisation.`,
  },
});
