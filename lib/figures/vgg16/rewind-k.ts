import { rewindKFigure } from "../protocols/rewind-k";
import { VGG_GRID } from "../settings/cifar10";

export const vggRewindK = rewindKFigure({
  id: "vgg16/rewind-k",
  title: "IMP subnetworks of VGG-16 on CIFAR-10 vs the rewind step k",
  atInit: "unstable",
  premise: true,
  presets: VGG_GRID,
  presetNotes: {
    quick: "Smoke size: VGG-16 on 32 JPEG CIFAR-10 images, 2 steps of batch 4, one level of 50 % at k = 0, 1 pair of dense copies at k = 0. Not a result.",
    cpu: "VGG-16 on CIFAR-10 (JPEG re-encoded), 200 steps, 36 % per level to level 2, k in {0, 20}, one initialisation, the premise on 1 pair of dense copies at k = 0. Declared, not run here (no committed result).",
    paper: "The paper's setting: VGG-16 on the official CIFAR-10 for 63K iterations, global magnitude pruning of 20 % per level to 1.4 % (level 19; the paper reports 1.5 %), k in {0, 25, 100, 250, 500, 1000, 2000}, 3 initialisations x 3 pairs, the premise on 3 pairs of dense copies at k = 0 per initialisation.",
  },
});
