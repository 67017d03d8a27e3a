import { Preset } from "../figure";
import { DenseInstabilityConfig } from "../protocols/dense-instability";

import { RewindGridConfig } from "../protocols/rewind-grid";
import { DataConfig } from "../../data/registry";
import { CROP_FLIP } from "../../data/augment";
import { TrainHparams } from "../../train/hparams";

/**
 * The LMC paper's own networks: ResNet-20 and VGG-16 (with batch norm) on CIFAR-10, the settings of the
 * resnet20/* and vgg16/* figures: the dense instability figure (with the Low and Warmup variants) and the
 * IMP rewind-k figure. The paper presets
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

export const RESNET_QUICK: DenseInstabilityConfig = {
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

/**
 * A trained network on this machine: ResNet-20 at half its width (8/16/32 channels) for 1,500 steps of batch 128
 * (3.8 epochs), 63 % test accuracy on the JPEG CIFAR-10 (a pilot run); k up to 10 % of training.
 */
export const RESNET_CPU: DenseInstabilityConfig = {
  model: "resnet-20-8",
  data: jpeg,
  train: cifarTraining(1500),
  ks: [0, 38, 75, 150],
  initSeeds: [1, 2],
  pairs: 2,
  alphas: 11,
  trainEvalSubset: 2000,
};

/** What the cpu preset was before the networks were trained (240 steps of width 4): VGG-16's cpu presets keep it. */
const SMOKE_CPU: DenseInstabilityConfig = { ...RESNET_CPU, model: "resnet-20-4", train: cifarTraining(240), ks: [0, 24], pairs: 1 };

/** VGG-16's cpu setting: 200 steps, one initialisation (18x a ResNet-20's step). Declared, not run here. */
export const VGG_CPU: DenseInstabilityConfig = { ...SMOKE_CPU, model: "vgg-16", train: cifarTraining(200), ks: [0, 20], initSeeds: [1] };

export const RESNET_PAPER: DenseInstabilityConfig = {
  model: "resnet-20",
  data: official,
  train: cifarTraining(63000),
  ks: PAPER_KS,
  initSeeds: [1, 2, 3],
  pairs: 3,
  alphas: 30,
  trainEvalSubset: null,
};

export const CIFAR_METHOD =
  "The instability analysis of `lmc/dense-instability` on CIFAR-10 with the standard augmentation (random 32x32 crops of the image padded by 4 pixels, horizontal flips; drawn per data-order seed and step, so the two copies see different augmentations as well as different orders). Batch norm's running statistics are state: saved with the weights, copied with them at k, and recomputed at every point of an interpolation path (the average batch statistics over 20 fixed training batches of 128, endpoints included; recorded in each path's result), since the stored statistics of an interpolated network are not those of its activations. *Low* divides the rate by 10 and drops nothing; *Warmup* uses 0.3x the rate reached by a linear warm-up over 30/63 of training (ResNet-20 Warmup: 0.03 over 30K of 63K iterations); both at k = 0 with the same initialisations and data-order pairs.";

/** VGG-16 costs 18x a ResNet-20's step: its smoke size is a handful of images. */
export const VGG_QUICK: DenseInstabilityConfig = { ...RESNET_QUICK, model: "vgg-16", data: jpegSmall(32, 16), train: cifarTraining(2, 4), ks: [0], trainEvalSubset: 8, batchNorm: { mode: "recompute", batches: 1, batchSize: 4 } };

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
export const RESNET_GRID: Record<Preset, RewindGridConfig> = {
  quick: { ...sparse(RESNET_QUICK), fraction: 0.5, rewindSteps: [0, 2], levels: [1, 2], densePairs: 1 },
  // Level 4 of 36 % is the paper's 16.8 %; its dense parents and k = 0 pairs are those of the dense cpu figure.
  cpu: { ...sparse({ ...RESNET_CPU, pairs: 1 }), fraction: 0.36, rewindSteps: [0, 150], levels: [4], densePairs: 1 },
  paper: { ...sparse(RESNET_PAPER), fraction: 0.2, rewindSteps: [0, 25, 100, 250, 500, 1000, 2000], levels: [8], denseReference: { initSeeds: [1, 2, 3], dataSeeds: [0, 1, 2] }, densePairs: 3 },
};

export const VGG_GRID: Record<Preset, RewindGridConfig> = {
  quick: { ...sparse(VGG_QUICK), fraction: 0.5, rewindSteps: [0], levels: [1], densePairs: 1 },
  cpu: { ...sparse(VGG_CPU), fraction: 0.36, rewindSteps: [0, 20], levels: [2], densePairs: 1 },
  paper: { ...sparse({ ...RESNET_PAPER, model: "vgg-16" }), fraction: 0.2, rewindSteps: [0, 25, 100, 250, 500, 1000, 2000], levels: [19], denseReference: { initSeeds: [1, 2, 3], dataSeeds: [0, 1, 2] }, densePairs: 3 },
};

