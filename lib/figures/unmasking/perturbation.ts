import { Preset } from "../figure";
import { PerturbationConfig, perturbationFigure } from "../protocols/perturbation";
import { UNMASKING_NOTES, UNMASKING_SETUP } from "../settings/lenet-mnist";

const presets: Record<Preset, PerturbationConfig> = {
  quick: { ...UNMASKING_SETUP.quick, rewindSteps: [0], levels: [1], scales: [1, 4] },
  cpu: { ...UNMASKING_SETUP.cpu, rewindSteps: [0], levels: [3, 8, 13], scales: [0.5, 1, 2, 4] },
  paper: { ...UNMASKING_SETUP.paper, rewindSteps: [0], levels: [3, 8, 13, 18], scales: [0.25, 0.5, 1, 2, 4, 8] },
};

export const perturbationRobustness = perturbationFigure({
  id: "unmasking/perturbation",
  title: "Robustness of SGD to perturbations at the rewind point (LeNet-300-100)",
  presetNotes: { ...UNMASKING_NOTES, cpu: `${UNMASKING_NOTES.cpu} Levels 3, 8, 13 at k = 0, each level's stability there measured from one pair of copies per initialisation; noise 0.5x to 4x the pruned norm.` },
  presets,
});
