import * as tf from "@tensorflow/tfjs";
import { Model } from "../models/model";
import { Params } from "../models/params";
import { TrainHparams } from "./hparams";
import { OptimizerState, applyUpdate } from "./optimizer";
import { learningRate } from "./schedule";
import { crossEntropy } from "./loss";
import { DeviceSplit } from "./evaluate";
import { epochOrder, stepsPerEpoch } from "../data/order";
import { progress } from "../util/progress";
import { eventLoopYielder } from "../util/yield";
import { isBuffer, trainingMode } from "../models/batch-norm";
import { Augmentation, augmentBatch } from "../data/augment";

/** Everything that evolves during training: the step reached, the weights and the optimizer state. */
export interface TrainState {
  step: number;
  params: Params;
  optimizer: OptimizerState;
}

/** A mask per masked parameter: 1 keeps a weight, 0 prunes it (stays exactly zero through training). */
export type DeviceMask = Record<string, tf.Tensor>;

export interface TrainOptions {
  model: Model;
  hparams: TrainHparams;
  train: DeviceSplit;
  dataSeed: number;
  mask?: DeviceMask;
  /** Called after reaching each of these steps (e.g. to save a checkpoint); training waits for it. */
  stopAt?: number[];
  onStop?: (state: TrainState) => Promise<void>;
  label?: string;
  /** Stops training with an error between two steps (what was saved stays valid). */
  signal?: AbortSignal;
  /** Random crops and flips of the training batches, drawn from (dataSeed, step). */
  augmentation?: Augmentation | null;
}

/**
 * Trains from `state.step` to `toStep`, replacing the tensors in `state` as it goes (old ones are
 * disposed). The examples of each step are fixed by (dataSeed, step), so the result does not depend on
 * where training was started or resumed.
 */
export async function trainTo(state: TrainState, toStep: number, o: TrainOptions): Promise<TrainState> {
  const { model, hparams: h, train, mask } = o;
  // Gradients flow to the parameters; batch norm's running statistics ride along as forward-pass outputs.
  const names = Object.keys(state.params).filter((n) => !isBuffer(n));
  const buffers = Object.keys(state.params).filter(isBuffer);
  const perEpoch = stepsPerEpoch(train.count, h.batchSize);
  if (perEpoch < 1) throw new Error(`batch size ${h.batchSize} exceeds the ${train.count} training examples`);
  const stops = new Set((o.stopAt ?? []).filter((s) => s > state.step && s <= toStep));
  const bar = progress(o.label ?? model.name, state.step, toStep);
  let epoch = -1;
  let order: tf.Tensor1D | null = null;
  let hostOrder: Int32Array | null = null;
  // wasm's Gather kernel is slow (~30 ns per value); where device memory is host memory, assembling the
  // batch on the host and uploading it is much cheaper. Elsewhere (GPU), gather on the device.
  // Augmentation is drawn on the host, so it needs host batches on every backend.
  const augmentation = o.augmentation ?? null;
  if (augmentation && !train.host) throw new Error("augmentation needs the training examples in host memory");
  const hostMemory = tf.getBackend() === "wasm" || tf.getBackend() === "cpu";
  const hostBatches = train.host !== undefined && (hostMemory || augmentation !== null);
  const rowSize = train.host ? train.host.x.length / train.count : 0;
  const xShape = train.x.shape.slice(1);
  const batch = (offset: number, step: number): { xb: tf.Tensor; yb: tf.Tensor1D } => {
    if (!hostBatches) {
      const idx = tf.slice(order!, offset, h.batchSize);
      return { xb: tf.gather(train.x, idx), yb: tf.gather(train.y, idx) as tf.Tensor1D };
    }
    const x = new Float32Array(h.batchSize * rowSize);
    const y = new Int32Array(h.batchSize);
    for (let i = 0; i < h.batchSize; i++) {
      const j = hostOrder![offset + i];
      x.set(train.host!.x.subarray(j * rowSize, (j + 1) * rowSize), i * rowSize);
      y[i] = train.host!.y[j];
    }
    if (augmentation) augmentBatch(x, h.batchSize, xShape as [number, number, number], augmentation, o.dataSeed, step);
    return { xb: tf.tensor(x, [h.batchSize, ...xShape], "float32"), yb: tf.tensor1d(y, "int32") };
  };
  let lossSum: tf.Scalar = tf.scalar(0);
  let lossCount = 0;
  let lastLoss = NaN;
  const yieldNow = eventLoopYielder();
  try {
    while (state.step < toStep) {
      if (o.signal?.aborted) throw new Error(`training interrupted at step ${state.step}`);
      const step = state.step;
      const e = Math.floor(step / perEpoch);
      if (e !== epoch) {
        order?.dispose();
        hostOrder = epochOrder(o.dataSeed, e, train.count);
        order = hostBatches ? null : tf.tensor1d(hostOrder, "int32");
        epoch = e;
      }
      const lr = learningRate(h, step);
      const t = state.optimizer.t + 1;
      const result = tf.tidy(() => {
        const { xb, yb } = batch((step % perEpoch) * h.batchSize, step);
        const training = buffers.length ? trainingMode(state.params) : null;
        const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => {
          const p: Params = {};
          for (const n of buffers) p[n] = state.params[n];
          names.forEach((n, i) => (p[n] = ps[i]));
          return crossEntropy(model.forward(p, xb, training?.mode), yb);
        })(names.map((n) => state.params[n]));
        const updated: Params = {};
        const slots: Record<string, tf.Tensor> = {};
        names.forEach((n, i) => {
          const u = { name: n, p: state.params[n], grad: grads[i], mask: mask?.[n] };
          updated[n] = applyUpdate(h, u, lr, t, state.optimizer.slots, slots);
        });
        for (const n of buffers) {
          if (!training!.updates[n]) throw new Error(`${model.name}: the forward pass did not update buffer ${n}`);
          updated[n] = training!.updates[n];
        }
        // Same key order as before the step, so checkpoints list tensors in the model's order.
        const params: Params = {};
        for (const n of Object.keys(state.params)) params[n] = updated[n];
        return { params, slots, loss: tf.add(lossSum, value) as tf.Scalar };
      });
      for (const p of Object.values(state.params)) p.dispose();
      for (const s of Object.values(state.optimizer.slots)) s.dispose();
      lossSum.dispose();
      state = { step: step + 1, params: result.params, optimizer: { t, slots: result.slots } };
      lossSum = result.loss;
      lossCount++;
      if (state.step % 100 === 0 || state.step === toStep) {
        lastLoss = (await lossSum.data())[0] / lossCount;
        lossSum.dispose();
        lossSum = tf.scalar(0);
        lossCount = 0;
        bar.update(state.step, { loss: lastLoss });
      }
      if (stops.has(state.step) && o.onStop) await o.onStop(state);
      await yieldNow();
    }
  } finally {
    order?.dispose();
    lossSum.dispose();
  }
  bar.done({ loss: lastLoss });
  return state;
}
