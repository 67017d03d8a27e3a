import { Model, ModelFactory } from "./model";
import { fullyConnected } from "./lenet";
import { convNet } from "./conv";
import { meanFieldModels } from "./mean-field";
import { cifarResNet } from "./resnet";
import { cifarVgg, VGG16_PLAN } from "./vgg";
import { UserError } from "../util/errors";

/**
 * Where a model trains fastest here (bench/): conv nets on tfjs-node, whose oneDNN convolutions beat the wasm
 * GEMM about 4x; MLPs on wasm(-blas), where tfjs-node's per-op overhead dominates small products.
 */
export type BackendPreference = "native" | "wasm";

type Entry = { build: ModelFactory; prefers: BackendPreference };
const mlp = (build: ModelFactory): Entry => ({ build, prefers: "wasm" });
const conv = (build: ModelFactory): Entry => ({ build, prefers: "native" });

/** Models by name, each with the backend it prefers. A new model is one file plus one entry here. */
const MODELS: Record<string, Entry> = {
  "lenet-300-100": mlp(fullyConnected("lenet-300-100", [300, 100])),
  // The same with batch norm after each hidden layer (the sparse-instability search's candidate).
  "lenet-300-100-bn": mlp(fullyConnected("lenet-300-100-bn", [300, 100], { batchNorm: true })),
  "conv-2": conv(convNet("conv-2", [[64, 64]], [256, 256])),
  "conv-4": conv(convNet("conv-4", [[64, 64], [128, 128]], [256, 256])),
  "conv-6": conv(convNet("conv-6", [[64, 64], [128, 128], [256, 256]], [256, 256])),
  "resnet-20": conv(cifarResNet("resnet-20", 20, 16)),
  // Narrower ResNet-20s (first-stage width 8 and 4): the same depth and structure at 1/4 and 1/16 of the cost.
  "resnet-20-8": conv(cifarResNet("resnet-20-8", 20, 8)),
  "resnet-20-4": conv(cifarResNet("resnet-20-4", 20, 4)),
  "resnet-56": conv(cifarResNet("resnet-56", 56, 16)),
  "vgg-16": conv(cifarVgg("vgg-16", VGG16_PLAN)),
  ...Object.fromEntries(Object.entries(meanFieldModels()).map(([name, build]) => [name, mlp(build)])),
};

export const MODEL_NAMES = Object.keys(MODELS);

/** The backend a model prefers (unknown names: wasm; run configs reject them elsewhere). */
export function backendPreference(name: string): BackendPreference {
  return MODELS[name]?.prefers ?? "wasm";
}

/** Whether a model has batch norm (buffers), known from its name without loading data: built on a CIFAR-sized input. */
export function hasBatchNorm(name: string): boolean {
  return (getModel(name, [32, 32, 3], 10).buffers ?? []).length > 0;
}

export function getModel(name: string, inputShape: [number, number, number], classes: number): Model {
  const entry = MODELS[name];
  if (!entry) throw new UserError(`unknown model "${name}"; choose one of: ${MODEL_NAMES.join(", ")}.`);
  return entry.build(inputShape, classes);
}
