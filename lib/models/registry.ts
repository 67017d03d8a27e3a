import { Model, ModelFactory } from "./model";
import { fullyConnected } from "./lenet";
import { UserError } from "../util/errors";

/** Models by name. A new model is one file plus one entry here. */
const MODELS: Record<string, ModelFactory> = {
  "lenet-300-100": fullyConnected("lenet-300-100", [300, 100]),
};

export const MODEL_NAMES = Object.keys(MODELS);

export function getModel(name: string, inputShape: [number, number, number], classes: number): Model {
  const factory = MODELS[name];
  if (!factory) throw new UserError(`unknown model "${name}"; choose one of: ${MODEL_NAMES.join(", ")}.`);
  return factory(inputShape, classes);
}
