import { permutation, rng } from "../util/rng";

/**
 * The data order: epoch e visits the training examples in a permutation determined only by
 * (dataSeed, e), and step s reads batch (s mod stepsPerEpoch) of epoch floor(s / stepsPerEpoch).
 * So the examples a step sees depend on the step and the seed alone, and resuming at any step is exact.
 */
export function stepsPerEpoch(count: number, batchSize: number): number {
  return Math.floor(count / batchSize);
}

export function epochOrder(dataSeed: number, epoch: number, count: number): Int32Array {
  return permutation(rng(dataSeed, epoch, 0x0da7a), count);
}

export function batchIndices(dataSeed: number, step: number, count: number, batchSize: number): Int32Array {
  const per = stepsPerEpoch(count, batchSize);
  const epoch = Math.floor(step / per);
  const offset = (step % per) * batchSize;
  return epochOrder(dataSeed, epoch, count).slice(offset, offset + batchSize);
}
