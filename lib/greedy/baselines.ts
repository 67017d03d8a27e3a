import { HostParams } from "../models/params";
import { permutation, rng } from "../util/rng";

/** The mean-field network's layers on the host: w_i is column i of fc1.weight [inputs, N], a_i row i of fc.weight [N, classes]. */
export function layerShapes(params: HostParams): { inputs: number; width: number; classes: number } {
  const w = params["fc1.weight"];
  const a = params["fc.weight"];
  if (!w || !a || w.shape.length !== 2 || a.shape.length !== 2 || w.shape[1] !== a.shape[0]) {
    throw new Error("not a two-layer mean-field network: expected fc1.weight [inputs, N] and fc.weight [N, classes]");
  }
  return { inputs: w.shape[0], width: w.shape[1], classes: a.shape[1] };
}

/**
 * Neuron magnitudes ||a_i|| * ||w_i||: by the positive homogeneity of relu, the scale of neuron i's
 * contribution a_i relu(w_i . x).
 */
export function neuronMagnitudes(params: HostParams): Float64Array {
  const { inputs, width, classes } = layerShapes(params);
  const w = params["fc1.weight"].data;
  const a = params["fc.weight"].data;
  const wNorm = new Float64Array(width);
  for (let r = 0; r < inputs; r++) for (let i = 0; i < width; i++) wNorm[i] += w[r * width + i] ** 2;
  const out = new Float64Array(width);
  for (let i = 0; i < width; i++) {
    let aNorm = 0;
    for (let c = 0; c < classes; c++) aNorm += a[i * classes + c] ** 2;
    out[i] = Math.sqrt(aNorm * wNorm[i]);
  }
  return out;
}

/** Magnitude pruning of neurons: all N neurons, largest magnitude first (its first n are the n kept). */
export function magnitudeOrder(params: HostParams): number[] {
  const m = neuronMagnitudes(params);
  return Array.from(m.keys()).sort((i, j) => m[j] - m[i] || i - j);
}

/** Random selection: a seeded permutation of the N neurons (its first n are n distinct random neurons). */
export function randomOrder(width: number, seed: number): number[] {
  return Array.from(permutation(rng(seed, 0x6f5), width));
}
