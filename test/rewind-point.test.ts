import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { defaultBackend } from "../lib/backend-choice";
import { getModel } from "../lib/models/registry";
import { initParams } from "../lib/models/init";
import { HostParams } from "../lib/models/params";
import { DeviceSplit } from "../lib/train/evaluate";
import { batchGradientNorms } from "../lib/analyses/rewind-point";
import { fillNormal, rng } from "../lib/util/rng";
import { validateRunConfig } from "../lib/store/run-config";
import { tinyRun } from "./support/tiny";

/** 64 random 4x4 examples of 3 classes. */
function randomSplit(): DeviceSplit {
  const x = fillNormal(rng(7, 0, 1), new Float32Array(64 * 16));
  const y = Int32Array.from({ length: 64 }, (_, i) => i % 3);
  return { x: tf.tensor(x, [64, 4, 4, 1]), y: tf.tensor1d(y, "int32"), count: 64, host: { x, y } };
}

const scaled = (w: HostParams, name: string, c: number): HostParams => ({ ...w, [name]: { shape: w[name].shape, data: w[name].data.map((v) => v * c) } });

describe("the gradient at a rewind point", () => {
  beforeAll(async () => {
    await initBackend(defaultBackend());
  });

  it("scales as 1 / ||w|| for a layer under batch norm (scale invariance) and not for a plain layer", async () => {
    const data = randomSplit();
    for (const [name, invariant] of [["lenet-300-100-bn", true], ["lenet-300-100", false]] as const) {
      const model = getModel(name, [4, 4, 1], 3);
      const w = initParams(model, 1);
      const at = (weights: HostParams) => batchGradientNorms(model, weights, data, 32, 2, ["fc1.weight"], null);
      const ratio = (await at(scaled(w, "fc1.weight", 2)))["fc1.weight"] / (await at(w))["fc1.weight"];
      if (invariant) expect(ratio).toBeCloseTo(0.5, 3);
      else expect(Math.abs(ratio - 0.5)).toBeGreaterThan(0.1);
    }
  });

  it("refuses a rescale factor that is not a finite positive number", () => {
    const config = tinyRun({ rescale: { "fc1.weight": 0 } });
    expect(() => validateRunConfig(config)).toThrow("rescale factor 0 of fc1.weight must be a finite number > 0.");
    expect(() => validateRunConfig({ ...config, rescale: { "fc1.weight": 2 } })).not.toThrow();
  });

  it("counts only the kept weights' gradient, and refuses more batches than the data holds", async () => {
    const data = randomSplit();
    const model = getModel("lenet-300-100", [4, 4, 1], 3);
    const w = initParams(model, 1);
    const shape = w["fc2.weight"].shape;
    const half = { "fc2.weight": { shape, data: Float32Array.from(w["fc2.weight"].data, (_, i) => (i % 2 ? 1 : 0)) } };
    const none = { "fc2.weight": { shape, data: new Float32Array(w["fc2.weight"].data.length) } };
    const full = (await batchGradientNorms(model, w, data, 32, 1, ["fc2.weight"], null))["fc2.weight"];
    const kept = (await batchGradientNorms(model, w, data, 32, 1, ["fc2.weight"], half))["fc2.weight"];
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(full);
    expect((await batchGradientNorms(model, w, data, 32, 1, ["fc2.weight"], none))["fc2.weight"]).toBe(0);
    await expect(batchGradientNorms(model, w, data, 32, 3, ["fc2.weight"], null)).rejects.toThrow("3 batches of 32 exceed the 64 training examples");
  });
});
