import { rewindKFigure } from "../protocols/rewind-k";
import { RESNET_GRID } from "../settings/cifar10";

export const resnetRewindK = rewindKFigure({
  id: "resnet20/rewind-k",
  title: "IMP subnetworks of ResNet-20 on CIFAR-10 vs the rewind step k",
  atInit: "unstable",
  presets: RESNET_GRID,
  presetNotes: {
    quick: "Smoke size: ResNet-20 at width 4, 256 JPEG CIFAR-10 images, 8 steps, 2 levels of 50 %, k in {0, 2}. Not a result.",
    cpu: "ResNet-20 at width 4 on CIFAR-10 (JPEG re-encoded), the cpu dense setting (240 steps), 36 % per level to levels 2 and 4 (41 %, 17 % density), k in {0, 24}, 2 initialisations x 1 pair. Declared, not run here yet (no committed result).",
    paper: "The paper's setting: ResNet-20 on the official CIFAR-10 for 63K iterations, global magnitude pruning of 20 % per level to 16.8 % (level 8; the output layer stays dense, the 1x1 shortcut convs are pruned), k in {0, 25, 100, 250, 500, 1000, 2000}, 3 initialisations x 3 pairs, the matching threshold from 9 dense runs.",
  },
});
