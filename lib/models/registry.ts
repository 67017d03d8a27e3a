import { Model, ModelFactory } from "./model";
import { fullyConnected } from "./lenet";
import { convNet } from "./conv";
import { meanFieldModels } from "./mean-field";
import { cifarResNet } from "./resnet";
import { cifarVgg, VGG16_PLAN } from "./vgg";
import { UserError } from "../util/errors";

/** Models by name. A new model is one file plus one entry here. */
const MODELS: Record<string, ModelFactory> = {
  "lenet-300-100": fullyConnected("lenet-300-100", [300, 100]),
  // The same with batch norm after each hidden layer (the sparse-instability search's candidate).
  "lenet-300-100-bn": fullyConnected("lenet-300-100-bn", [300, 100], { batchNorm: true }),
  "conv-2": convNet("conv-2", [[64, 64]], [256, 256]),
  "conv-4": convNet("conv-4", [[64, 64], [128, 128]], [256, 256]),
  "conv-6": convNet("conv-6", [[64, 64], [128, 128], [256, 256]], [256, 256]),
  "resnet-20": cifarResNet("resnet-20", 20, 16),
  // Narrower ResNet-20s (first-stage width 8 and 4): the same depth and structure at 1/4 and 1/16 of the cost.
  "resnet-20-8": cifarResNet("resnet-20-8", 20, 8),
  "resnet-20-4": cifarResNet("resnet-20-4", 20, 4),
  "resnet-56": cifarResNet("resnet-56", 56, 16),
  "vgg-16": cifarVgg("vgg-16", VGG16_PLAN),
  ...meanFieldModels(),
};

export const MODEL_NAMES = Object.keys(MODELS);

/** Whether a model has batch norm (buffers), known from its name without loading data: built on a CIFAR-sized input. */
export function hasBatchNorm(name: string): boolean {
  return (getModel(name, [32, 32, 3], 10).buffers ?? []).length > 0;
}

export function getModel(name: string, inputShape: [number, number, number], classes: number): Model {
  const factory = MODELS[name];
  if (!factory) throw new UserError(`unknown model "${name}"; choose one of: ${MODEL_NAMES.join(", ")}.`);
  return factory(inputShape, classes);
}
