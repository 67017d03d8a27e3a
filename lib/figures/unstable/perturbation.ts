import { perturbationFigure } from "../protocols/perturbation";
import { UNSTABLE_GRID_NOTES, UNSTABLE_NETWORK, UNSTABLE_SETUP } from "../settings/lenet-fashion-sgd";

/** Perturbations at k = 0, where the dense network is unstable, and at a stable k, on the grid's chains. */
export const unstablePerturbation = perturbationFigure({
  id: "unstable/perturbation",
  title: `Robustness of SGD to perturbations at an unstable and a stable rewind point (${UNSTABLE_NETWORK})`,
  presets: {
    quick: { ...UNSTABLE_SETUP.quick, rewindSteps: [0, 50], levels: [1], scales: [1, 4] },
    cpu: { ...UNSTABLE_SETUP.cpu, rewindSteps: [0, 500], levels: [2, 6], scales: [1, 4] },
    paper: { ...UNSTABLE_SETUP.paper, rewindSteps: [0, 500], levels: [2, 6, 10, 14], scales: [0.25, 0.5, 1, 2, 4, 8] },
  },
  presetNotes: {
    ...UNSTABLE_GRID_NOTES,
    cpu: `${UNSTABLE_GRID_NOTES.cpu} Perturbed: levels 2 and 6 (41.0 %, 6.9 %) at k = 0 (where the dense network is unstable) and k = 500 (where it is stable), noise 1x and 4x the pruned norm; each rewind point's own stability is measured from one pair of copies per initialisation.`,
  },
});
