import * as tf from "@tensorflow/tfjs";
import { Contributions } from "./contributions";
import { outputLoss, SelectionLoss } from "./loss";
import { counts } from "./select";
import { HostParams } from "../models/params";
import { layerShapes } from "./baselines";
import { validateSize } from "./select";

/** The loss, on the contributions' examples, of the averaged subnetwork of the multiset `picks`. */
export async function subnetworkLoss(c: Contributions, picks: number[], loss: SelectionLoss): Promise<number> {
  validateSize(picks.length);
  const weights = counts(picks, c.width);
  const value = tf.tidy(() => {
    const coef = tf.mul(c.a, tf.reshape(tf.tensor1d(weights), [c.width, 1])); // counts_i a_i
    const f = tf.div(tf.matMul(c.hT, coef, true, false), picks.length) as tf.Tensor2D; // [m, C]
    return outputLoss(loss, f, c.onehot);
  });
  const v = (await value.data())[0];
  value.dispose();
  return v;
}

export interface SubnetworkMetrics {
  loss: number;
  accuracy: number;
}

/**
 * Loss and accuracy of the averaged subnetwork of `picks` (or of every neuron once: the dense network, when
 * `picks` is null) on examples `x` [count, ...] with labels `y`, from the host weights; only the selected
 * neurons' columns are multiplied, in batches of examples.
 */
export async function subnetworkMetrics(params: HostParams, picks: number[] | null, x: tf.Tensor, y: tf.Tensor1D, loss: SelectionLoss, batch = 5000): Promise<SubnetworkMetrics> {
  const { inputs, width, classes } = layerShapes(params);
  const multiplicity = picks ? counts(picks, width) : new Float32Array(width).fill(1);
  const size = picks ? picks.length : width;
  if (picks) validateSize(size);
  const kept = Array.from(multiplicity.keys()).filter((i) => multiplicity[i] > 0);
  const w = params["fc1.weight"].data;
  const a = params["fc.weight"].data;
  const wS = new Float32Array(inputs * kept.length);
  for (let r = 0; r < inputs; r++) kept.forEach((i, j) => (wS[r * kept.length + j] = w[r * width + i]));
  const aS = new Float32Array(kept.length * classes);
  kept.forEach((i, j) => {
    for (let c = 0; c < classes; c++) aS[j * classes + c] = (multiplicity[i] * a[i * classes + c]) / size;
  });
  const count = x.shape[0];
  const totals = tf.tidy(() => {
    const W = tf.tensor2d(wS, [inputs, kept.length]);
    const A = tf.tensor2d(aS, [kept.length, classes]);
    let lossSum: tf.Tensor = tf.scalar(0);
    let correct: tf.Tensor = tf.scalar(0);
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      const xb = tf.reshape(tf.slice(x, start, n), [n, inputs]) as tf.Tensor2D;
      const yb = tf.slice(y, start, n);
      const f = tf.matMul(tf.relu(tf.matMul(xb, W)), A) as tf.Tensor2D;
      lossSum = tf.add(lossSum, tf.mul(outputLoss(loss, f, tf.oneHot(yb, classes).toFloat() as tf.Tensor2D), n));
      correct = tf.add(correct, tf.sum(tf.cast(tf.equal(tf.argMax(f, 1), yb), "float32")));
    }
    return tf.stack([lossSum, correct]);
  });
  const [l, c] = await totals.data();
  totals.dispose();
  return { loss: l / count, accuracy: c / count };
}
