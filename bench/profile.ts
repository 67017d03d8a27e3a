/**
 * `npm run bench -- --profile`: where a step's time goes on the active backend. A step is timed in its
 * phases (batch assembly, forward, backward, optimizer update) the way lib/train/train.ts runs them, and
 * its kernels are timed with tf.profile; what the phases take beyond their kernels is per-op overhead
 * (dispatch, tensor bookkeeping, JavaScript), which is what bounds small nets.
 */
import * as tf from "@tensorflow/tfjs";
import { Model } from "../lib/models/model";
import { Params, toDevice } from "../lib/models/params";
import { initParams } from "../lib/models/init";
import { freshOptimizer, applyUpdate, OptimizerState } from "../lib/train/optimizer";
import { trainTo, TrainState } from "../lib/train/train";
import { crossEntropy } from "../lib/train/loss";
import { DeviceSplit, evaluate } from "../lib/train/evaluate";
import { TrainHparams } from "../lib/train/hparams";
import { epochOrder } from "../lib/data/order";
import { deviceData } from "../lib/data/device";
import { getModel } from "../lib/models/registry";
import { interpolate } from "../lib/lmc/interpolate";
import { disposeParams } from "../lib/models/params";
import { isBuffer, trainingMode } from "../lib/models/batch-norm";
import { ForwardMode } from "../lib/models/model";

export interface StepSetup {
  model: Model;
  hparams: TrainHparams;
  train: DeviceSplit;
}

export interface KernelShare {
  name: string;
  msPerUnit: number;
  callsPerUnit: number;
  /** Share of the unit's wall time (not of the kernels' time). */
  share: number;
}

export interface Profile {
  unit: "step" | "point";
  /** Wall time of one unit as the library runs it (trainTo / evaluatePath). */
  msPerUnit: number;
  /** Phases in ms per unit; "other" is the rest of msPerUnit (bookkeeping, disposal, event-loop yields). */
  phases: Record<string, number>;
  kernelMsPerUnit: number;
  kernelsPerUnit: number;
  /** msPerUnit minus the kernels' time: per-op dispatch and JavaScript. */
  overheadMsPerUnit: number;
  top: KernelShare[];
}

const now = () => performance.now();

function kernelTable(kernels: { name: string; kernelTimeMs: number | { error: string } }[], units: number, msPerUnit: number): { total: number; count: number; top: KernelShare[] } {
  const by = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const k of kernels) {
    // A composite op with its own gradient (tf.customGrad: logSoftmax__op, the models' batch norm, ...) is
    // listed beside the kernels it runs: only kernels the backend registers are counted, not twice.
    if (!tf.getKernel(k.name, tf.getBackend())) continue;
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    total += ms;
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    by.set(k.name, e);
  }
  const top = [...by.entries()]
    .map(([name, e]) => ({ name, msPerUnit: e.ms / units, callsPerUnit: e.calls / units, share: e.ms / units / msPerUnit }))
    .sort((a, b) => b.msPerUnit - a.msPerUnit)
    .slice(0, 12);
  return { total: total / units, count: [...by.values()].reduce((n, e) => n + e.calls, 0) / units, top };
}

export async function profileStep(s: StepSetup, steps: number): Promise<Profile> {
  const { model, hparams: h, train } = s;
  const init = toDevice(initParams(model, 1));
  let state: TrainState = { step: 0, params: init, optimizer: freshOptimizer(h, init) };
  // Warm-up, then the step as the library runs it.
  state = await trainTo(state, 2, { model, hparams: h, train, dataSeed: 1 });
  let t = now();
  state = await trainTo(state, state.step + steps, { model, hparams: h, train, dataSeed: 1 });
  const msPerUnit = (now() - t) / steps;

  // As in trainTo: gradients for the parameters; batch norm's running statistics come out of the forward pass.
  const names = Object.keys(state.params).filter((n) => !isBuffer(n));
  const buffers = Object.keys(state.params).filter(isBuffer);
  const hostBatches = train.host !== undefined && tf.getBackend() !== "tensorflow";
  const rowSize = train.host ? train.host.x.length / train.count : 0;
  const xShape = train.x.shape.slice(1);
  const order = epochOrder(1, 0, train.count);
  const orderT = tf.tensor1d(order, "int32");
  const batch = (i: number) => {
    const offset = (i * h.batchSize) % (train.count - h.batchSize);
    if (!hostBatches) {
      const idx = tf.slice(orderT, offset, h.batchSize);
      return { xb: tf.gather(train.x, idx), yb: tf.gather(train.y, idx) as tf.Tensor1D };
    }
    const x = new Float32Array(h.batchSize * rowSize);
    const y = new Int32Array(h.batchSize);
    for (let j = 0; j < h.batchSize; j++) {
      const k = order[offset + j];
      x.set(train.host!.x.subarray(k * rowSize, (k + 1) * rowSize), j * rowSize);
      y[j] = train.host!.y[k];
    }
    return { xb: tf.tensor(x, [h.batchSize, ...xShape], "float32"), yb: tf.tensor1d(y, "int32") };
  };
  const loss = (xb: tf.Tensor, yb: tf.Tensor1D, mode?: ForwardMode) => (...ps: tf.Tensor[]) => {
    const p: Params = {};
    for (const n of buffers) p[n] = params[n];
    names.forEach((n, i) => (p[n] = ps[i]));
    return crossEntropy(model.forward(p, xb, mode), yb);
  };
  let params = state.params;
  let opt: OptimizerState = state.optimizer;
  const phases = { batch: 0, forward: 0, backward: 0, update: 0 };
  // One step in timed phases. wasm and tfjs-node run every kernel before the op returns, so no read-back is
  // needed to close a phase (reading the gradients back would add copies the library never makes). With
  // `measureForward`, the forward pass is also run alone first, to split forward from backward.
  const phasedStep = (i: number, measureForward: boolean) => {
    let t0 = now();
    const { xb, yb } = batch(i);
    phases.batch += now() - t0;
    let forward = 0;
    if (measureForward) {
      t0 = now();
      const alone = buffers.length ? trainingMode(params) : null;
      tf.tidy(() => loss(xb, yb, alone?.mode)(...names.map((n) => params[n])).dataSync());
      forward = now() - t0;
      if (alone) disposeParams(alone.updates);
      phases.forward += forward;
    }
    t0 = now();
    const training = buffers.length ? trainingMode(params) : null;
    const { value, grads } = tf.valueAndGrads(loss(xb, yb, training?.mode))(names.map((n) => params[n]));
    value.dataSync();
    phases.backward += now() - t0 - forward;
    t0 = now();
    const nextSlots: Record<string, tf.Tensor> = {};
    const next: Params = tf.tidy(() => {
      const out: Params = {};
      names.forEach((n, j) => (out[n] = applyUpdate(h, { name: n, p: params[n], grad: grads[j] }, h.lr, opt.t + 1, opt.slots, nextSlots)));
      for (const v of Object.values(nextSlots)) tf.keep(v);
      return out;
    });
    for (const n of buffers) next[n] = training!.updates[n];
    phases.update += now() - t0;
    [xb, yb, value, ...grads].forEach((x) => x.dispose());
    Object.values(params).forEach((p) => p.dispose());
    Object.values(opt.slots).forEach((p) => p.dispose());
    params = next;
    opt = { t: opt.t + 1, slots: nextSlots };
  };
  for (let i = 0; i < steps; i++) phasedStep(i, true);
  const sum = phases.batch + phases.forward + phases.backward + phases.update;
  const phaseMs: Record<string, number> = {};
  for (const [k, v] of Object.entries(phases)) phaseMs[k] = v / steps;
  phaseMs.other = Math.max(0, msPerUnit - sum / steps);

  const kSteps = Math.max(2, Math.min(steps, 5));
  t = now();
  const info = await tf.profile(() => {
    for (let i = 0; i < kSteps; i++) phasedStep(i, false);
  });
  const k = kernelTable(info.kernels as never, kSteps, msPerUnit);
  orderT.dispose();
  disposeParams(params);
  disposeParams(opt.slots);
  return { unit: "step", msPerUnit, phases: phaseMs, kernelMsPerUnit: k.total, kernelsPerUnit: k.count, overheadMsPerUnit: Math.max(0, msPerUnit - k.total), top: k.top };
}

/** One point of a LeNet path on the 10k test set: interpolation, then evaluation in batches of 5000. */
export async function profilePath(points: number): Promise<Profile> {
  const data = deviceData({ dataset: "mnist" });
  const model = getModel("lenet-300-100", [28, 28, 1], 10);
  const a = toDevice(initParams(model, 1));
  const b = toDevice(initParams(model, 2));
  const n = Math.max(2, points);
  const phases = { interpolate: 0, evaluate: 0 };
  const point = async (i: number) => {
    let t0 = now();
    const p = interpolate(a, b, (i + 0.5) / n);
    Object.values(p).forEach((x) => x.dataSync());
    phases.interpolate += now() - t0;
    t0 = now();
    await evaluate(model, p, data.test);
    phases.evaluate += now() - t0;
    disposeParams(p);
  };
  await point(0);
  phases.interpolate = phases.evaluate = 0;
  const t = now();
  for (let i = 0; i < n; i++) await point(i);
  const msPerUnit = (now() - t) / n;
  const phaseMs = { interpolate: phases.interpolate / n, evaluate: phases.evaluate / n };
  const info = await tf.profile(async () => {
    for (let i = 0; i < 2; i++) await point(i);
  });
  const k = kernelTable(info.kernels as never, 2, msPerUnit);
  disposeParams(a);
  disposeParams(b);
  return {
    unit: "point",
    msPerUnit,
    phases: phaseMs,
    kernelMsPerUnit: k.total,
    kernelsPerUnit: k.count,
    overheadMsPerUnit: Math.max(0, msPerUnit - k.total),
    top: k.top,
  };
}
