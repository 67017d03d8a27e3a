import { Preset, figureVariant } from "../figure";
import { DenseInstabilityConfig } from "../protocols/dense-instability";
import { UnstableDenseConfig, unstableDense, withVariants } from "../protocols/dense-instability-variants";
import { RewindGridConfig } from "../protocols/rewind-grid";
import { rewindKFigure } from "../protocols/rewind-k";
import { DataConfig } from "../../data/registry";
import { CROP_FLIP } from "../../data/augment";
import { TrainHparams } from "../../train/hparams";

/**
 * The LMC paper's own networks: ResNet-20 and VGG-16 (with batch norm) on CIFAR-10, in the dense
 * instability figure (with the Low and Warmup variants) and the IMP rewind-k figure. The paper presets
 * are the paper's settings on the official CIFAR-10 (`npm run data -- cifar10`); the quick and cpu presets
 * run on this machine's JPEG re-encoding of CIFAR-10 (data/README.md).
 */

/** The paper's schedule scaled to `steps`: SGD 0.1, momentum 0.9, weight decay 1e-4, batch 128, x0.1 at 32/63 and 48/63 of training. */
export function cifarTraining(steps: number, batchSize = 128): TrainHparams {
  const at = (f: number) => Math.round(steps * f);
  return { optimizer: "sgd", lr: 0.1, momentum: 0.9, weightDecay: 1e-4, batchSize, steps, warmupSteps: 0, lrDropSteps: [at(32 / 63), at(48 / 63)], lrDropFactor: 0.1 };
}

const official: DataConfig = { dataset: "cifar10", augment: CROP_FLIP };
const jpeg: DataConfig = { dataset: "cifar10-jpeg", augment: CROP_FLIP };
/** Smoke size: a few hundred JPEG CIFAR-10 images. */
const jpegSmall = (train: number, test: number): DataConfig => ({ ...jpeg, trainSubset: train, testSubset: test });

const PAPER_KS = [0, 25, 100, 500, 1000, 2000, 4000, 10000];

const resnetQuick: DenseInstabilityConfig = {
  model: "resnet-20-4",
  data: jpegSmall(256, 128),
  train: cifarTraining(8, 16),
  ks: [0, 2],
  initSeeds: [1],
  pairs: 1,
  alphas: 3,
  trainEvalSubset: 64,
  batchNorm: { mode: "recompute", batches: 2, batchSize: 16 },
};

/** What this machine finishes in about half an hour: ResNet-20 at a quarter of its width, 240 steps (0.6 epochs). */
export const RESNET_CPU: DenseInstabilityConfig = {
  model: "resnet-20-4",
  data: jpeg,
  train: cifarTraining(240),
  ks: [0, 24],
  initSeeds: [1, 2],
  pairs: 1,
  alphas: 11,
  trainEvalSubset: 2000,
};

const resnetPaper: DenseInstabilityConfig = {
  model: "resnet-20",
  data: official,
  train: cifarTraining(63000),
  ks: PAPER_KS,
  initSeeds: [1, 2, 3],
  pairs: 3,
  alphas: 30,
  trainEvalSubset: null,
};

const CIFAR_METHOD =
  "The instability analysis of `lmc/dense-instability` on CIFAR-10 with the standard augmentation (random 32x32 crops of the image padded by 4 pixels, horizontal flips; drawn per data-order seed and step, so the two copies see different augmentations as well as different orders). Batch norm's running statistics are state: saved with the weights, copied with them at k, and recomputed at every point of an interpolation path (the average batch statistics over 20 fixed training batches of 128, endpoints included; recorded in each path's result), since the stored statistics of an interpolated network are not those of its activations. *Low* divides the rate by 10 and drops nothing; *Warmup* uses 0.3x the rate reached by a linear warm-up over 30/63 of training (ResNet-20 Warmup: 0.03 over 30K of 63K iterations); both at k = 0 with the same initialisations and data-order pairs.";

export const resnetDenseInstability = figureVariant(unstableDense, {
  id: "resnet20/dense-instability",
  title: "Instability of ResNet-20 on CIFAR-10, with the Low and Warmup variants",
  method: CIFAR_METHOD,
  presets: {
    quick: withVariants(resnetQuick),
    cpu: { standard: RESNET_CPU, variants: [], variantPairs: 1 },
    paper: withVariants(resnetPaper),
  },
  presetNotes: {
    quick: "Smoke size: ResNet-20 at width 4, 256 JPEG CIFAR-10 images, 8 steps of batch 16, k in {0, 2}, one pair, 3 interpolation points. Not a result.",
    cpu: "CIFAR-10 (JPEG re-encoded), all 50,000 training images with augmentation, full 10,000-image test set. ResNet-20 at a quarter of its width (4/8/16 channels; 17,534 parameters instead of 272,474: about 1/16 of the cost per step), the paper's optimizer and schedule shrunk to 240 steps of batch 128 (0.6 epochs; x0.1 at 122 and 183), k in {0, 24} (0 and 10 % of training), 2 initialisations x 1 pair of copies, 11 interpolation points, train error on 2,000 training images. No Low or Warmup variant (the CPU budget). The paper: ResNet-20 at width 16 for 63K iterations (160 epochs), 3 x 3 pairs.",
    paper: "The paper's setting: ResNet-20 (16/32/64) on the official CIFAR-10, SGD 0.1 momentum 0.9 weight decay 1e-4, batch 128, 63K iterations, x0.1 at 32K and 48K; Low (0.01, no drops) and Warmup (0.03 after 30K of linear warm-up); k in {0, 25, 100, 500, 1000, 2000, 4000, 10000}; 3 initialisations x 3 pairs; 30 interpolation points; train error on the whole training set. About 11.6 million training steps in all (3 initialisations x (a parent, 48 copies, 14 variant runs)): the paper's scale; run it on a cluster with `--executor slurm`.",
  },
});

/** VGG-16 costs 18x a ResNet-20's step: its smoke size is a handful of images. */
const vggQuick: DenseInstabilityConfig = { ...resnetQuick, model: "vgg-16", data: jpegSmall(32, 16), train: cifarTraining(2, 4), ks: [0], trainEvalSubset: 8, batchNorm: { mode: "recompute", batches: 1, batchSize: 4 } };

export const vggDenseInstability = figureVariant(unstableDense, {
  id: "vgg16/dense-instability",
  title: "Instability of VGG-16 (batch norm) on CIFAR-10, with the Low and Warmup variants",
  method: CIFAR_METHOD.replace("ResNet-20 Warmup", "as for ResNet-20 Warmup"),
  presets: {
    quick: { standard: vggQuick, variants: [], variantPairs: 1 },
    cpu: { standard: { ...RESNET_CPU, model: "vgg-16", train: cifarTraining(200), ks: [0, 20], initSeeds: [1] }, variants: [], variantPairs: 1 },
    paper: withVariants({ ...resnetPaper, model: "vgg-16" }),
  },
  presetNotes: {
    quick: "Smoke size: VGG-16 on 32 JPEG CIFAR-10 images, 2 steps of batch 4, k = 0, one pair, no variants. Not a result.",
    cpu: "VGG-16 on CIFAR-10 (JPEG re-encoded), 200 steps, k in {0, 20}, one initialisation and pair. Declared, not run here: VGG-16's 14.7M parameters cost about 50x the cpu ResNet's per step (no committed result).",
    paper: "The paper's setting: VGG-16 with batch norm on the official CIFAR-10, SGD 0.1 momentum 0.9 weight decay 1e-4, batch 128, 63K iterations, x0.1 at 32K and 48K; Low and Warmup as for ResNet-20 (0.01; 0.03 after 30K of warm-up: the paper's VGG-16 variants may differ, check); k in {0, 25, ..., 10000}; 3 x 3 pairs; 30 interpolation points.",
  },
});

const kinds = { accuracyKinds: ["random-reinit" as const], stabilityKinds: ["imp" as const, "random-pruning" as const] };
const sparse = (c: DenseInstabilityConfig) => ({
  model: c.model,
  data: c.data,
  train: c.train,
  initSeeds: c.initSeeds,
  scope: "global" as const,
  pairs: c.pairs,
  alphas: c.alphas,
  trainEvalSubset: c.trainEvalSubset,
  matchingTolerance: null,
  ...(c.batchNorm ? { batchNorm: c.batchNorm } : {}),
  ...kinds,
});

/** IMP grids: 20 % per level as the paper, to its sparsities (ResNet-20 16.8 % = level 8, VGG-16 1.4 % = level 19). */
const resnetGrid: Record<Preset, RewindGridConfig> = {
  quick: { ...sparse(resnetQuick), fraction: 0.5, rewindSteps: [0, 2], levels: [1, 2] },
  cpu: { ...sparse(RESNET_CPU), fraction: 0.36, rewindSteps: [0, 24], levels: [2, 4] },
  paper: { ...sparse(resnetPaper), fraction: 0.2, rewindSteps: [0, 25, 100, 250, 500, 1000, 2000], levels: [8], denseReference: { initSeeds: [1, 2, 3], dataSeeds: [0, 1, 2] } },
};

const vggGrid: Record<Preset, RewindGridConfig> = {
  quick: { ...sparse(vggQuick), fraction: 0.5, rewindSteps: [0], levels: [1] },
  cpu: { ...sparse({ ...RESNET_CPU, model: "vgg-16", train: cifarTraining(200), initSeeds: [1] }), fraction: 0.36, rewindSteps: [0, 20], levels: [2] },
  paper: { ...sparse({ ...resnetPaper, model: "vgg-16" }), fraction: 0.2, rewindSteps: [0, 25, 100, 250, 500, 1000, 2000], levels: [19], denseReference: { initSeeds: [1, 2, 3], dataSeeds: [0, 1, 2] } },
};

export const resnetRewindK = rewindKFigure({
  id: "resnet20/rewind-k",
  title: "IMP subnetworks of ResNet-20 on CIFAR-10 vs the rewind step k",
  atInit: "unstable",
  presets: resnetGrid,
  presetNotes: {
    quick: "Smoke size: ResNet-20 at width 4, 256 JPEG CIFAR-10 images, 8 steps, 2 levels of 50 %, k in {0, 2}. Not a result.",
    cpu: "ResNet-20 at width 4 on CIFAR-10 (JPEG re-encoded), the cpu dense setting (240 steps), 36 % per level to levels 2 and 4 (41 %, 17 % density), k in {0, 24}, 2 initialisations x 1 pair. Declared, not run here yet (no committed result).",
    paper: "The paper's setting: ResNet-20 on the official CIFAR-10 for 63K iterations, global magnitude pruning of 20 % per level to 16.8 % (level 8; the output layer stays dense, the 1x1 shortcut convs are pruned), k in {0, 25, 100, 250, 500, 1000, 2000}, 3 initialisations x 3 pairs, the matching threshold from 9 dense runs.",
  },
});

export const vggRewindK = rewindKFigure({
  id: "vgg16/rewind-k",
  title: "IMP subnetworks of VGG-16 on CIFAR-10 vs the rewind step k",
  atInit: "unstable",
  presets: vggGrid,
  presetNotes: {
    quick: "Smoke size: VGG-16 on 32 JPEG CIFAR-10 images, 2 steps of batch 4, one level of 50 % at k = 0. Not a result.",
    cpu: "VGG-16 on CIFAR-10 (JPEG re-encoded), 200 steps, 36 % per level to level 2, k in {0, 20}, one initialisation. Declared, not run here (no committed result).",
    paper: "The paper's setting: VGG-16 on the official CIFAR-10 for 63K iterations, global magnitude pruning of 20 % per level to 1.4 % (level 19; the paper reports 1.5 %), k in {0, 25, 100, 250, 500, 1000, 2000}, 3 initialisations x 3 pairs.",
  },
});

export type { UnstableDenseConfig };
