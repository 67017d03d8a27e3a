import * as tf from "@tensorflow/tfjs";
import { DataConfig, loadDataset } from "./registry";
import { Dataset, Split, takeFirst } from "./dataset";
import { DeviceSplit } from "../train/evaluate";
import { canonicalJson } from "../util/hash";

/** A data set uploaded once to the backend: the training split used for steps, and evaluation splits. */
export interface DeviceData {
  dataset: Dataset;
  train: DeviceSplit;
  test: DeviceSplit;
}

const cache = new Map<string, DeviceData>();

export function upload(split: Split, shape: [number, number, number]): DeviceSplit {
  return {
    x: tf.tensor(split.x, [split.count, ...shape], "float32"),
    y: tf.tensor1d(split.y, "int32"),
    count: split.count,
    host: { x: split.x, y: split.y },
  };
}

/**
 * The data set of `config` on the device (cached per process and backend; the tensors live as long as it does).
 * Per backend because a thread may switch backends between runs, and tfjs would move a tensor the other backend
 * made with a synchronous read, which fails for data on a GPU (webgpu) in Node.
 */
export function deviceData(config: DataConfig): DeviceData {
  // Augmentation happens per batch, so augmented and plain runs share the uploaded examples.
  const key = canonicalJson({ ...config, augment: null, backend: tf.getBackend() });
  let d = cache.get(key);
  if (!d) {
    const dataset = loadDataset(config);
    d = { dataset, train: upload(dataset.train, dataset.shape), test: upload(dataset.test, dataset.shape) };
    cache.set(key, d);
  }
  return d;
}

/** Evaluation subsets already uploaded, per data set and size. */
const evalSubsets = new WeakMap<DeviceData, Map<number, DeviceSplit>>();

/** A fixed evaluation subset of the training split: its first `count` examples (all when null). */
export function trainEvalSplit(data: DeviceData, count: number | null): DeviceSplit {
  if (count == null || count >= data.train.count) return data.train;
  let subsets = evalSubsets.get(data);
  if (!subsets) evalSubsets.set(data, (subsets = new Map()));
  let split = subsets.get(count);
  if (!split) subsets.set(count, (split = upload(takeFirst(data.dataset.train, count, "training evaluation subset"), data.dataset.shape)));
  return split;
}

