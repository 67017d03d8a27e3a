import { Model, ModelFactory } from "./model";
import { fullyConnected } from "./lenet";
import { convNet } from "./conv";
import { meanFieldModels } from "./mean-field";
import { UserError } from "../util/errors";

/** Models by name. A new model is one file plus one entry here. */
const MODELS: Record<string, ModelFactory> = {
  "lenet-300-100": fullyConnected("lenet-300-100", [300, 100]),
  "conv-2": convNet("conv-2", [[64, 64]], [256, 256]),
  "conv-4": convNet("conv-4", [[64, 64], [128, 128]], [256, 256]),
  "conv-6": convNet("conv-6", [[64, 64], [128, 128], [256, 256]], [256, 256]),
  ...meanFieldModels(),
};

export const MODEL_NAMES = Object.keys(MODELS);

export function getModel(name: string, inputShape: [number, number, number], classes: number): Model {
  const factory = MODELS[name];
  if (!factory) throw new UserError(`unknown model "${name}"; choose one of: ${MODEL_NAMES.join(", ")}.`);
  return factory(inputShape, classes);
}
