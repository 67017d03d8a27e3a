import { fillNormal, rng } from "../util/rng";
import { HostParams } from "./params";
import { Model } from "./model";

/** The model's initial weights, determined by `seed` alone (each parameter has its own random stream). */
export function initParams(model: Model, seed: number): HostParams {
  const out: HostParams = {};
  model.params.forEach((spec, index) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const random = rng(seed, index, 0x1417);
    const init = spec.init;
    if (init.kind === "kaiming-normal") fillNormal(random, data, Math.sqrt(2 / init.fanIn));
    else if (init.kind === "fan-in-uniform") {
      const bound = 1 / Math.sqrt(init.fanIn);
      for (let i = 0; i < size; i++) data[i] = (2 * random() - 1) * bound;
    } else if (init.kind === "uniform") {
      for (let i = 0; i < size; i++) data[i] = init.low + (init.high - init.low) * random();
    } else data.fill(init.value);
    out[spec.name] = { shape: spec.shape.slice(), data };
  });
  // Buffers after the parameters, so the parameters' random streams do not depend on them.
  for (const b of model.buffers ?? []) out[b.name] = { shape: b.shape.slice(), data: new Float32Array(b.shape.reduce((x, y) => x * y, 1)).fill(b.value) };
  return out;
}
