import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend";
import { RunConfig, runHash, startStep } from "../store/run-config";
import { learningRate } from "../train/schedule";
import { loadWeights } from "../store/runs";
import { ensureMask, ensureRun, modelFor, startingWeights } from "../materialise/run";
import { cachedJson } from "../store/cached";
import { deviceData } from "../data/device";
import { HostParams, Params, disposeParams, toDevice } from "../models/params";
import { Model } from "../models/model";
import { DeviceSplit } from "../train/evaluate";
import { isBuffer, trainingMode } from "../models/batch-norm";
import { crossEntropy } from "../train/loss";

/**
 * The scale of SGD's first step from a rewind point, per layer. For a layer followed by batch norm the
 * function does not change when its weights are scaled, its gradient scales as 1 / ||w||, and what a step
 * changes is the direction of w: the relative step lr ||g|| / ||w||. The same ratio says, for any layer, how
 * far one step moves the weights compared with their size, so it compares a plain network with a batch-norm one.
 */
export interface LayerAtRewind {
  layer: string;
  /** Kept fraction of the layer's weights. */
  density: number;
  /** ||m * W_k|| at the rewind point. */
  norm: number;
  /** Mean over the batches of ||m * dL/dw||, the gradient SGD's first steps see (batch norm in training mode). */
  gradientNorm: number;
  /** lr * gradientNorm / norm, at the rate of the step training starts from. */
  relativeStep: number;
  /** ||m * W_T|| of the trained run over ||m * W_k||: how much the layer grew while training from the rewind point. */
  growth: number;
}

export interface RewindPointOptions {
  /** Training batches the gradient is averaged over: the first `batches` x batch size examples, in order. */
  batches: number;
  /** The layers measured (prunable weight tensors). */
  layers: string[];
}

const sumSquares = (data: Float32Array | number[], mask?: Float32Array | number[]) => {
  let s = 0;
  for (let i = 0; i < data.length; i++) if (!mask || mask[i] !== 0) s += data[i] * data[i];
  return s;
};

/**
 * Per layer: norm, gradient norm and relative step at the weights run `config` starts from, and their growth by the
 * end of `trained` (the run that trained on from them with data order 0: `config` itself, or for a dense branch at k
 * its parent). Cached.
 */
export async function rewindPoint(config: RunConfig, trained: RunConfig, o: RewindPointOptions): Promise<LayerAtRewind[]> {
  return cachedJson("rewind-point", { run: runHash(config), trained: runHash(trained), ...o }, async () => {
    await ensureRun(trained);
    await initBackend(config.model);
    const model = modelFor(config);
    const start = await startingWeights(config);
    const final = loadWeights(trained, trained.train.steps);
    const lr = learningRate(config.train, startStep(config));
    const masks = config.mask ? await ensureMask(config.mask) : null;
    const mask = (layer: string) => masks?.[layer]?.data;
    const gradientNorms = await batchGradientNorms(model, start, deviceData(config.data).train, config.train.batchSize, o.batches, o.layers, masks);
    return o.layers.map((layer) => {
      const m = mask(layer);
      const norm = Math.sqrt(sumSquares(start[layer].data, m));
      const gradientNorm = gradientNorms[layer];
      const kept = m ? m.reduce((a: number, v: number) => a + (v !== 0 ? 1 : 0), 0) / m.length : 1;
      return { layer, density: kept, norm, gradientNorm, relativeStep: (lr * gradientNorm) / norm, growth: Math.sqrt(sumSquares(final[layer].data, m)) / norm };
    });
  });
}

/**
 * Per layer, the norm of the masked gradient of the training loss at `weights`, averaged over the first `batches`
 * batches of `size` examples in order (batch norm in training mode, as a training step computes it).
 */
export async function batchGradientNorms(model: Model, weights: HostParams, data: DeviceSplit, size: number, batches: number, layers: string[], masks: HostParams | null): Promise<Record<string, number>> {
  if (batches * size > data.count) throw new Error(`${batches} batches of ${size} exceed the ${data.count} training examples`);
  const params = toDevice(weights);
  const names = Object.keys(params).filter((n) => !isBuffer(n));
  const sums: Record<string, number> = Object.fromEntries(layers.map((l) => [l, 0]));
  try {
    for (let b = 0; b < batches; b++) {
      const grads = tf.tidy(() => {
        const xb = data.x.slice(b * size, size);
        const yb = data.y.slice(b * size, size) as tf.Tensor1D;
        const training = model.buffers?.length ? trainingMode(params) : null;
        const gs = tf.grads((...ps: tf.Tensor[]) => {
          const p: Params = { ...params };
          names.forEach((n, i) => (p[n] = ps[i]));
          return crossEntropy(model.forward(p, xb, training?.mode), yb);
        })(names.map((n) => params[n]));
        if (training) disposeParams(training.updates);
        return layers.map((l) => gs[names.indexOf(l)]);
      });
      for (const [i, l] of layers.entries()) {
        sums[l] += Math.sqrt(sumSquares((await grads[i].data()) as Float32Array, masks?.[l]?.data));
        grads[i].dispose();
      }
    }
  } finally {
    disposeParams(params);
  }
  return Object.fromEntries(layers.map((l) => [l, sums[l] / batches]));
}
