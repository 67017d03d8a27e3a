import { GreedySetup } from "../../greedy/experiment";
import { TrainHparams } from "../../train/hparams";

/** The gfs setting: a two-layer mean-field network on MNIST, pre-trained by plain SGD (the gfs/* figures). */

/**
 * SGD for the mean-field network: plain SGD, batch 64, constant rate. The 1/N output scaling makes every
 * gradient O(1/N), so the rate is `perNeuron` x N (0.2 N here; 0.01 N to 0.2 N all train, 0.2 N fastest).
 */
export function meanFieldSgd(width: number, steps: number, perNeuron = 0.2): TrainHparams {
  return { optimizer: "sgd", lr: perNeuron * width, momentum: 0, weightDecay: 0, batchSize: 64, steps, warmupSteps: 0, lrDropSteps: [], lrDropFactor: 1 };
}

/** The held-out training examples are the `heldOutExamples` after the m selection examples (clipped to each run's training subset). */
export function greedySetup(width: number, steps: number, selectionExamples: number, testExamples: number | null, heldOutExamples = 1000): GreedySetup {
  return { width, dataset: "mnist", train: meanFieldSgd(width, steps), initSeed: 1, dataSeed: 0, selectionExamples, loss: "cross-entropy", testExamples, heldOutExamples };
}
