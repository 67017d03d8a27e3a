import { figureOn } from "../figure";
import { DenseInstabilityConfig } from "../protocols/dense-instability";
import { denseVariantsProtocol, withVariants } from "../protocols/dense-instability-variants";
import { unstableDenseInstability } from "../settings/lenet-fashion-sgd";

const quickStandard: DenseInstabilityConfig = {
  ...unstableDenseInstability,
  data: { dataset: "fashion-mnist", trainSubset: 5000 },
  train: { ...unstableDenseInstability.train, steps: 300, lrDropSteps: [200] },
  ks: [0, 50],
  initSeeds: [1],
  pairs: 1,
  alphas: 7,
  trainEvalSubset: 1000,
};

export const unstableDense = figureOn(denseVariantsProtocol, {
  id: "unstable/dense-instability",
  title: "Instability of a dense network that is unstable at initialisation (LeNet-300-100, Fashion-MNIST, SGD 0.1)",
  presetNotes: {
    quick: "Smoke size: 5,000 Fashion-MNIST examples, 300 steps, one parent and one pair at k = 0 and 50, 7 interpolation points. Not a result.",
    cpu: "Full Fashion-MNIST (60k), LeNet-300-100, SGD 0.1 momentum 0.9 batch 128, 3,000 steps (6.4 epochs) with the rate x0.1 at 2,000; k in {0, 50, 100, 200, 500, 1000}; 3 initialisations x 2 data-order pairs (paper: 3 x 3); 21 interpolation points; train error on 2,000 training examples. Low and Warmup at k = 0 with the same initialisations and one pair each (3 pairs per variant). The paper's networks are ResNet-20 and VGG-16 on CIFAR-10 for 63K iterations; this is the cheapest setting found to be unstable at initialisation.",
    paper: "The cpu setting with 3 x 3 pairs and full-training-set train error; the paper's own networks are ResNet-20 and VGG-16 on CIFAR-10.",
  },
  presets: {
    quick: withVariants(quickStandard),
    cpu: withVariants({ ...unstableDenseInstability, pairs: 2 }, 1),
    paper: withVariants({ ...unstableDenseInstability, pairs: 3, trainEvalSubset: null }),
  },
});
