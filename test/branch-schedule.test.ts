import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { ensureRun, modelFor } from "../lib/materialise/run";
import { loadWeights } from "../lib/store/runs";
import { branchAt } from "../lib/lmc/instability";
import { learningRate } from "../lib/train/schedule";
import { crossEntropy } from "../lib/train/loss";
import { batchIndices } from "../lib/data/order";
import { deviceData } from "../lib/data/device";
import { HostParams, toDevice } from "../lib/models/params";
import { tinyRun } from "./support/tiny";
import { freshResults } from "./support/env";

/**
 * A copy branched at step k of an SGD + momentum run with warm-up: its first update must use the
 * schedule's rate at k (not at 0) and a fresh momentum buffer (so the step is -lr_k (g + wd w)).
 * The expected step is computed here from the batch, the gradient and the formula, not by the trainer.
 */
function expectedFirstStep(config: ReturnType<typeof tinyRun>, weights: HostParams, k: number): HostParams {
  const data = deviceData(config.data);
  const model = modelFor(config);
  const h = config.train;
  const idx = batchIndices(config.dataSeed, k, data.train.count, h.batchSize);
  const row = data.train.host!.x.length / data.train.count;
  const x = new Float32Array(h.batchSize * row);
  idx.forEach((j, i) => x.set(data.train.host!.x.subarray(j * row, (j + 1) * row), i * row));
  const y = Int32Array.from(idx, (j) => data.train.host!.y[j]);
  const names = Object.keys(weights);
  const out: HostParams = {};
  tf.tidy(() => {
    const p = toDevice(weights);
    const xb = tf.tensor(x, [h.batchSize, ...data.train.x.shape.slice(1)]);
    const yb = tf.tensor1d(y, "int32");
    const grads = tf.grads((...ps: tf.Tensor[]) => {
      const named: Record<string, tf.Tensor> = {};
      names.forEach((n, i) => (named[n] = ps[i]));
      return crossEntropy(model.forward(named, xb) as tf.Tensor2D, yb);
    })(names.map((n) => p[n]));
    const lr = learningRate(h, k);
    names.forEach((n, i) => {
      const step = tf.mul(tf.add(grads[i], tf.mul(p[n], h.weightDecay)), -lr);
      out[n] = { shape: weights[n].shape, data: step.dataSync() as Float32Array };
    });
  });
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe("a branch at step k of SGD with momentum and warm-up", () => {
  beforeAll(() => {
    freshResults();
  });

  it("continues the schedule from k with a fresh optimizer", async () => {
    const k = 10;
    const parent = tinyRun({ initSeed: 21 }, { warmupSteps: 30, lrDropSteps: [40], momentum: 0.9 });
    expect(learningRate(parent.train, k)).not.toBeCloseTo(learningRate(parent.train, 0), 6); // inside the warm-up
    await ensureRun(parent, { checkpoints: [k, k + 1] });
    const child = { ...branchAt(parent, k), dataSeed: 7 };
    await ensureRun(child, { checkpoints: [k, k + 1] });
    const wk = loadWeights(parent, k);
    const start = loadWeights(child, k);
    for (const n of Object.keys(wk)) expect(start[n].data).toEqual(wk[n].data);

    const after = loadWeights(child, k + 1);
    const expected = expectedFirstStep(child, wk, k);
    for (const n of Object.keys(wk)) {
      const err = after[n].data.map((v, i) => v - wk[n].data[i] - expected[n].data[i]);
      expect(maxAbs(err) / maxAbs(expected[n].data), n).toBeLessThan(1e-3);
    }
    // The parent's own step k -> k + 1 carries momentum from earlier steps, so it differs from a fresh one.
    const parentNext = loadWeights(parent, k + 1);
    const fresh = expectedFirstStep(parent, wk, k)["fc1.weight"].data;
    const diff = parentNext["fc1.weight"].data.map((v, i) => v - wk["fc1.weight"].data[i] - fresh[i]);
    expect(maxAbs(diff)).toBeGreaterThan(1e-2 * maxAbs(fresh));
  });
});
