import { perturbationFigure } from "../protocols/perturbation";
import { UNSTABLE_GRID_NOTES, UNSTABLE_NETWORK, UNSTABLE_SETUP } from "../settings/lenet-fashion-sgd";

/** Perturbations at an unstable rewind point (k = 0) and at a stable one, on the grid's chains. */
export const unstablePerturbation = perturbationFigure({
  id: "unstable/perturbation",
  title: `Robustness of SGD to perturbations at an unstable and a stable rewind point (${UNSTABLE_NETWORK})`,
  presets: {
    quick: { ...UNSTABLE_SETUP.quick, rewindSteps: [0, 50], unstableSteps: [0], levels: [1], scales: [1, 4] },
    cpu: { ...UNSTABLE_SETUP.cpu, rewindSteps: [0, 500], unstableSteps: [0], levels: [2, 6], scales: [1, 4] },
    paper: { ...UNSTABLE_SETUP.paper, rewindSteps: [0, 500], unstableSteps: [0], levels: [2, 6, 10, 14], scales: [0.25, 0.5, 1, 2, 4, 8] },
  },
  presetNotes: {
    ...UNSTABLE_GRID_NOTES,
    cpu: `${UNSTABLE_GRID_NOTES.cpu} Perturbed: levels 2 and 6 (41.0 %, 6.9 %) at k = 0 (unstable) and k = 500 (stable), noise 1x and 4x the pruned norm.`,
  },
});
