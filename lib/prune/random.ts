import { Mask, countKept } from "./mask";
import { permutation, rng } from "../util/rng";

export const RANDOM_MODES = ["layerwise", "global"] as const;
export type RandomMode = (typeof RANDOM_MODES)[number];

/**
 * A random mask with the same number of kept weights as `like`: in every layer ("layerwise", keeping
 * its per-layer densities) or in total, spread uniformly over all masked weights ("global").
 */
export function randomMaskLike(like: Mask, seed: number, mode: RandomMode): Mask {
  const names = Object.keys(like);
  const out: Mask = {};
  for (const name of names) out[name] = { shape: like[name].shape, data: new Float32Array(like[name].data.length) };
  if (mode === "layerwise") {
    names.forEach((name, layer) => {
      const keep = countKept({ [name]: like[name] });
      const order = permutation(rng(seed, layer, 0x2a4d), like[name].data.length);
      for (let j = 0; j < keep; j++) out[name].data[order[j]] = 1;
    });
  } else {
    const sizes = names.map((n) => like[n].data.length);
    const total = sizes.reduce((a, b) => a + b, 0);
    const order = permutation(rng(seed, 0x910b), total);
    const keep = countKept(like);
    for (let j = 0; j < keep; j++) {
      let index = order[j];
      let layer = 0;
      while (index >= sizes[layer]) index -= sizes[layer++];
      out[names[layer]].data[index] = 1;
    }
  }
  return out;
}
