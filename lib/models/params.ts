import * as tf from "@tensorflow/tfjs";

/** Named parameter tensors of a model on the device; key order is the model's parameter order. */
export type Params = Record<string, tf.Tensor>;

/** Named parameters on the host: what checkpoints hold and what pure math (masks, distances) uses. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}
export type HostParams = Record<string, HostTensor>;

export function toDevice(host: HostParams): Params {
  const out: Params = {};
  for (const [name, t] of Object.entries(host)) out[name] = tf.tensor(t.data, t.shape, "float32");
  return out;
}

export async function toHost(params: Params): Promise<HostParams> {
  const out: HostParams = {};
  for (const [name, t] of Object.entries(params)) out[name] = { shape: t.shape.slice(), data: (await t.data()) as Float32Array };
  return out;
}

export function disposeParams(params: Params): void {
  for (const t of Object.values(params)) t.dispose();
}

export function countParams(host: HostParams): number {
  return Object.values(host).reduce((n, t) => n + t.data.length, 0);
}
