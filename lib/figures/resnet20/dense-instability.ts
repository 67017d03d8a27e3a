import { figureOn } from "../figure";
import { denseVariantsProtocol, withVariants } from "../protocols/dense-instability-variants";
import { CIFAR_METHOD, RESNET_CPU, RESNET_PAPER, RESNET_QUICK } from "../settings/cifar10";

export const resnetDenseInstability = figureOn(denseVariantsProtocol, {
  id: "resnet20/dense-instability",
  title: "Instability of ResNet-20 on CIFAR-10, with the Low and Warmup variants",
  method: CIFAR_METHOD,
  presets: {
    quick: withVariants(RESNET_QUICK),
    cpu: withVariants(RESNET_CPU, 1),
    paper: withVariants(RESNET_PAPER),
  },
  presetNotes: {
    quick: "Smoke size: ResNet-20 at width 4, 256 JPEG CIFAR-10 images, 8 steps of batch 16, k in {0, 2}, one pair, 3 interpolation points. Not a result.",
    cpu: "CIFAR-10 (JPEG re-encoded), all 50,000 training images with augmentation, the full 10,000-image test set. ResNet-20 at half its width (8/16/32 channels, 68,786 parameters instead of 272,474: about a quarter of the cost per step) for 1,500 steps of batch 128 (3.8 epochs instead of 160), the paper's optimizer with its schedule shrunk in proportion (x0.1 at 762 and 1,143); a pilot run of this setting reached 63 % test accuracy. k in {0, 38, 75, 150} (0, 2.5, 5 and 10 % of training; the paper's ResNet-20 is stable from about 3 %, and the check calls an onset by 5 % early), 2 initialisations x 2 pairs of copies; Low and Warmup at k = 0 with 1 pair per initialisation; 11 interpolation points with batch-norm statistics recomputed at each; train error on 2,000 training images. About 66,900 training steps in all (6 parents, the standard one and Low's and Warmup's per initialisation, 32 copies and 8 variant copies, each of up to 1,500 steps), plus 20 paths: about 2.5 hours on 2 cores from an empty cache. One more point (k = 15, 1 %) would cost about 25 minutes more. The paper: ResNet-20 at width 16 for 63K iterations, 3 x 3 pairs.",
    paper: "The paper's setting: ResNet-20 (16/32/64) on the official CIFAR-10, SGD 0.1 momentum 0.9 weight decay 1e-4, batch 128, 63K iterations, x0.1 at 32K and 48K; Low (0.01, no drops) and Warmup (0.03 after 30K of linear warm-up); k in {0, 25, 100, 500, 1000, 2000, 4000, 10000}; 3 initialisations x 3 pairs; 30 interpolation points; train error on the whole training set. About 11.6 million training steps in all (3 initialisations x (a parent, 48 copies, 14 variant runs)): the paper's scale; run it on a cluster with `--executor slurm`.",
  },
});
