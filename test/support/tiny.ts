import { RunConfig } from "../../lib/store/run-config";
import { TrainHparams } from "../../lib/train/hparams";

/** A run small enough for tests: LeNet on 600 MNIST examples. */
export function tinyRun(over: Partial<RunConfig> = {}, train: Partial<TrainHparams> = {}): RunConfig {
  return {
    model: "lenet-300-100",
    data: { dataset: "mnist", trainSubset: 600 },
    train: {
      optimizer: "sgd",
      lr: 0.05,
      momentum: 0.9,
      weightDecay: 1e-4,
      batchSize: 60,
      steps: 60,
      warmupSteps: 5,
      lrDropSteps: [40],
      lrDropFactor: 0.1,
      ...train,
    },
    initSeed: 1,
    dataSeed: 0,
    ...over,
  };
}
