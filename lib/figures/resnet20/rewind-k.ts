import { rewindKFigure } from "../protocols/rewind-k";
import { RESNET_GRID } from "../settings/cifar10";

export const resnetRewindK = rewindKFigure({
  id: "resnet20/rewind-k",
  title: "IMP subnetworks of ResNet-20 on CIFAR-10 vs the rewind step k",
  atInit: "unstable",
  premise: true,
  presets: RESNET_GRID,
  presetNotes: {
    quick: "Smoke size: ResNet-20 at width 4, 256 JPEG CIFAR-10 images, 8 steps, 2 levels of 50 %, k in {0, 2}, 1 pair of dense copies at k = 0. Not a result.",
    cpu: "The dense cpu setting of `resnet20/dense-instability` (ResNet-20 at half width, 1,500 steps of batch 128 on the JPEG CIFAR-10 with augmentation), global magnitude pruning of 36 % per level to level 4 (16.8 % density, the paper's sparsity), k in {0, 150} (0 and 10 % of training), 2 initialisations x 1 pair, random pruning and random reinitialisation as baselines, and the premise (1 pair of dense copies at k = 0 per initialisation). The dense parents and premise pairs are those of the dense figure, found in the run cache; the rest is about 54,000 training steps (IMP chains 22,800, baselines 8,700, copies 22,800). Computed at b3abeed on tensorflow in 1 h 51 min on a 2-core Intel Xeon with those runs cached; from an empty cache about 9,000 more steps (about 2 h 10 min). Unlike the paper's, the dense network is trained for 3.8 epochs only (63 % accurate), and the matching threshold comes from its 2 runs.",
    paper: "The paper's setting: ResNet-20 on the official CIFAR-10 for 63K iterations, global magnitude pruning of 20 % per level to 16.8 % (level 8; the output layer stays dense, the 1x1 shortcut convs are pruned), k in {0, 25, 100, 250, 500, 1000, 2000}, 3 initialisations x 3 pairs, the matching threshold from 9 dense runs, and the premise on 3 pairs of dense copies at k = 0 per initialisation.",
  },
});
