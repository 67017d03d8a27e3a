import { TrainHparams } from "./hparams";

/**
 * LeNet-300-100 on MNIST as in the LMC paper: Adam 1.2e-3, batch 60, 24K iterations, constant rate.
 * (The PyTorch reference defaults to SGD 0.1, batch 128, 40 epochs; we follow the paper.)
 */
export function lenetPaperTraining(steps = 24000): TrainHparams {
  return {
    optimizer: "adam",
    lr: 1.2e-3,
    momentum: 0,
    weightDecay: 0,
    batchSize: 60,
    steps,
    warmupSteps: 0,
    lrDropSteps: [],
    lrDropFactor: 1,
  };
}
