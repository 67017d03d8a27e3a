import * as tf from "@tensorflow/tfjs";
import { Model } from "../models/model";
import { Params } from "../models/params";
import { crossEntropy } from "./loss";

/** Examples held on the device for evaluation or training. */
export interface DeviceSplit {
  x: tf.Tensor; // [count, h, w, c]
  y: tf.Tensor1D; // int32 labels
  count: number;
  /** The same examples in host memory (flattened rows), for backends whose memory is the host's. */
  host?: { x: Float32Array; y: Int32Array };
  /** Evaluation batches cut from x and y, per batch size (kept as long as the split; see `batchesOf`). */
  batches?: Map<number, { x: tf.Tensor; y: tf.Tensor1D }[]>;
}

/**
 * The split in batches of `batchSize`, cut once and kept with the split: a path evaluates the same sets at
 * every point, and cutting a batch is a copy (on wasm, 8 % of a LeNet point). A split in one batch is
 * itself. The batches hold the split's values, so results are the same bits as slicing anew.
 */
function batchesOf(split: DeviceSplit, batchSize: number): { x: tf.Tensor; y: tf.Tensor1D }[] {
  split.batches ??= new Map();
  let batches = split.batches.get(batchSize);
  if (!batches) {
    batches = [];
    for (let start = 0; start < split.count; start += batchSize) {
      const size = Math.min(batchSize, split.count - start);
      // Kept: evaluate cuts them inside its tf.tidy.
      batches.push(size === split.count ? { x: split.x, y: split.y } : { x: tf.keep(tf.slice(split.x, start, size)), y: tf.keep(tf.slice(split.y, start, size)) });
    }
    split.batches.set(batchSize, batches);
  }
  return batches;
}

export interface Metrics {
  loss: number;
  accuracy: number;
  /** 1 - accuracy. */
  error: number;
}

/**
 * Mean loss and accuracy over a split, in batches; one read-back at the end. Each batch's activations are
 * freed before the next batch runs (a conv net's 5,000-image batch holds gigabytes).
 */
export async function evaluate(model: Model, params: Params, split: DeviceSplit, batchSize = 5000): Promise<Metrics> {
  let sums: tf.Tensor[] = [tf.scalar(0), tf.scalar(0)];
  for (const { x, y } of batchesOf(split, batchSize)) {
    const [loss, correct] = sums;
    sums = tf.tidy(() => {
      const logits = model.forward(params, x);
      return [tf.add(loss, tf.mul(crossEntropy(logits, y), y.shape[0])), tf.add(correct, tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), "float32")))];
    });
    tf.dispose([loss, correct]);
  }
  const totals = tf.stack(sums);
  tf.dispose(sums);
  const [lossSum, correct] = await totals.data();
  totals.dispose();
  const accuracy = correct / split.count;
  return { loss: lossSum / split.count, accuracy, error: 1 - accuracy };
}
