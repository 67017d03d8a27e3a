import { figureOn } from "../figure";
import { denseVariantsProtocol, withVariants } from "../protocols/dense-instability-variants";
import { CIFAR_METHOD, RESNET_PAPER, VGG_CPU, VGG_QUICK } from "../settings/cifar10";

export const vggDenseInstability = figureOn(denseVariantsProtocol, {
  id: "vgg16/dense-instability",
  title: "Instability of VGG-16 (batch norm) on CIFAR-10, with the Low and Warmup variants",
  method: CIFAR_METHOD.replace("ResNet-20 Warmup", "as for ResNet-20 Warmup"),
  presets: {
    quick: { standard: VGG_QUICK, variants: [], variantPairs: 1 },
    cpu: { standard: VGG_CPU, variants: [], variantPairs: 1 },
    paper: withVariants({ ...RESNET_PAPER, model: "vgg-16" }),
  },
  presetNotes: {
    quick: "Smoke size: VGG-16 on 32 JPEG CIFAR-10 images, 2 steps of batch 4, k = 0, one pair, no variants. Not a result.",
    cpu: "VGG-16 on CIFAR-10 (JPEG re-encoded), 200 steps, k in {0, 20}, one initialisation and pair. Declared, not run here: VGG-16's 14.7M parameters cost about 50x the cpu ResNet's per step (no committed result).",
    paper: "The paper's setting: VGG-16 with batch norm on the official CIFAR-10, SGD 0.1 momentum 0.9 weight decay 1e-4, batch 128, 63K iterations, x0.1 at 32K and 48K; Low and Warmup as for ResNet-20 (0.01; 0.03 after 30K of warm-up: the paper's VGG-16 variants may differ, check); k in {0, 25, ..., 10000}; 3 x 3 pairs; 30 interpolation points.",
  },
});
