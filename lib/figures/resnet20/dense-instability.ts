import { figureOn } from "../figure";
import { denseVariantsProtocol, withVariants } from "../protocols/dense-instability-variants";
import { CIFAR_METHOD, RESNET_CPU, RESNET_PAPER, RESNET_QUICK } from "../settings/cifar10";

export const resnetDenseInstability = figureOn(denseVariantsProtocol, {
  id: "resnet20/dense-instability",
  title: "Instability of ResNet-20 on CIFAR-10, with the Low and Warmup variants",
  method: CIFAR_METHOD,
  presets: {
    quick: withVariants(RESNET_QUICK),
    cpu: { standard: RESNET_CPU, variants: [], variantPairs: 1 },
    paper: withVariants(RESNET_PAPER),
  },
  presetNotes: {
    quick: "Smoke size: ResNet-20 at width 4, 256 JPEG CIFAR-10 images, 8 steps of batch 16, k in {0, 2}, one pair, 3 interpolation points. Not a result.",
    cpu: "CIFAR-10 (JPEG re-encoded), all 50,000 training images with augmentation, full 10,000-image test set. ResNet-20 at a quarter of its width (4/8/16 channels; 17,534 parameters instead of 272,474: about 1/16 of the cost per step), the paper's optimizer and schedule shrunk to 240 steps of batch 128 (0.6 epochs; x0.1 at 122 and 183), k in {0, 24} (0 and 10 % of training), 2 initialisations x 1 pair of copies, 11 interpolation points, train error on 2,000 training images. No Low or Warmup variant (the CPU budget). The paper: ResNet-20 at width 16 for 63K iterations (160 epochs), 3 x 3 pairs.",
    paper: "The paper's setting: ResNet-20 (16/32/64) on the official CIFAR-10, SGD 0.1 momentum 0.9 weight decay 1e-4, batch 128, 63K iterations, x0.1 at 32K and 48K; Low (0.01, no drops) and Warmup (0.03 after 30K of linear warm-up); k in {0, 25, 100, 500, 1000, 2000, 4000, 10000}; 3 initialisations x 3 pairs; 30 interpolation points; train error on the whole training set. About 11.6 million training steps in all (3 initialisations x (a parent, 48 copies, 14 variant runs)): the paper's scale; run it on a cluster with `--executor slurm`.",
  },
});
