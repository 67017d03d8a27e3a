import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { defaultBackend } from "../lib/backend-choice";
import { deviceData } from "../lib/data/device";
import { getModel } from "../lib/models/registry";
import { initParams } from "../lib/models/init";
import { toDevice, toHost, HostParams } from "../lib/models/params";
import { freshOptimizer } from "../lib/train/optimizer";
import { trainTo, TrainState } from "../lib/train/train";
import { evaluate } from "../lib/train/evaluate";
import { TrainHparams } from "../lib/train/hparams";
import { tinyRun } from "./support/tiny";

const config = tinyRun();
let model: ReturnType<typeof getModel>;

async function train(h: TrainHparams, steps: number, opts: { mask?: Record<string, tf.Tensor>; from?: HostParams } = {}): Promise<TrainState> {
  const data = deviceData(config.data);
  const params = toDevice(opts.from ?? initParams(model, 1));
  const state = { step: 0, params, optimizer: freshOptimizer(h, params) };
  return trainTo(state, steps, { model, hparams: h, train: data.train, dataSeed: 3, mask: opts.mask });
}

describe("training", () => {
  beforeAll(async () => {
    expect((await initBackend()).name).toBe(defaultBackend());
    model = getModel("lenet-300-100", [28, 28, 1], 10);
  });

  it.each(["sgd", "adam"] as const)("lowers the loss on a small subset (%s)", async (optimizer) => {
    const h = { ...config.train, optimizer, lr: optimizer === "adam" ? 1.2e-3 : 0.05 };
    const data = deviceData(config.data);
    const before = await evaluate(model, toDevice(initParams(model, 1)), data.train);
    const after = await train(h, 50);
    const m = await evaluate(model, after.params, data.train);
    expect(m.loss).toBeLessThan(before.loss * 0.5);
    expect(m.accuracy).toBeGreaterThan(0.8);
  });

  it("gives bit-identical weights for the same seeds", async () => {
    const a = await toHost((await train(config.train, 30)).params);
    const b = await toHost((await train(config.train, 30)).params);
    for (const name of Object.keys(a)) expect(b[name].data).toEqual(a[name].data);
  });

  it("keeps the number of live tensors constant from step to step", async () => {
    const data = deviceData(config.data);
    const params = toDevice(initParams(model, 1));
    let state: TrainState = { step: 0, params, optimizer: freshOptimizer(config.train, params) };
    const o = { model, hparams: config.train, train: data.train, dataSeed: 3 };
    state = await trainTo(state, 5, o);
    const live = tf.memory().numTensors;
    state = await trainTo(state, 25, o);
    expect(tf.memory().numTensors).toBe(live);
  });

  it("keeps masked weights exactly zero under momentum and weight decay", async () => {
    const init = initParams(model, 1);
    const keep = (i: number) => (i % 3 === 0 ? 1 : 0);
    const mask = { "fc1.weight": tf.tensor(Float32Array.from(init["fc1.weight"].data, (_, i) => keep(i)), init["fc1.weight"].shape) };
    init["fc1.weight"].data.forEach((_, i, d) => (d[i] *= keep(i)));
    const h = { ...config.train, weightDecay: 0.01, momentum: 0.9 };
    const w = (await toHost((await train(h, 20, { mask, from: init })).params))["fc1.weight"].data;
    let zeros = 0;
    let moved = 0;
    w.forEach((v, i) => {
      if (!keep(i)) zeros += v === 0 ? 1 : 0;
      else moved += v !== init["fc1.weight"].data[i] ? 1 : 0;
    });
    expect(zeros).toBe(w.length - Math.ceil(w.length / 3));
    expect(moved).toBeGreaterThan(0.9 * Math.ceil(w.length / 3));
  });
});
