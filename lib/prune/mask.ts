import { HostParams } from "../models/params";
import { Model } from "../models/model";
import { UserError } from "../util/errors";

/**
 * A mask: for each masked (prunable) parameter, 1 keeps a weight and 0 prunes it. Parameters without an
 * entry are dense. Stored as float32 0/1 so it multiplies weights directly and checkpoints like them.
 */
export type Mask = HostParams;

/** The parameters that pruning may touch: conv and dense kernels, minus the model's exclusions. */
export function prunableNames(model: Model, exclude: string[] = model.pruningExclusions): string[] {
  for (const name of exclude) {
    if (!model.params.some((p) => p.name === name)) {
      throw new UserError(`cannot exclude "${name}" from pruning: ${model.name} has no such parameter (it has: ${model.params.map((p) => p.name).join(", ")}).`);
    }
  }
  return model.params.filter((p) => p.prunable && !exclude.includes(p.name)).map((p) => p.name);
}

/** The all-ones mask over the given parameters. */
export function denseMask(model: Model, names: string[]): Mask {
  const out: Mask = {};
  for (const p of model.params.filter((s) => names.includes(s.name))) {
    out[p.name] = { shape: p.shape.slice(), data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)).fill(1) };
  }
  return out;
}

export function countKept(mask: Mask): number {
  let n = 0;
  for (const t of Object.values(mask)) for (let i = 0; i < t.data.length; i++) n += t.data[i];
  return n;
}

export function countTotal(mask: Mask): number {
  return Object.values(mask).reduce((n, t) => n + t.data.length, 0);
}

/** Fraction of the masked weights that are kept. */
export function density(mask: Mask): number {
  return countKept(mask) / countTotal(mask);
}

export interface SparsityReport {
  layers: { name: string; total: number; kept: number; density: number }[];
  /** Over the masked (prunable) parameters. */
  prunable: { total: number; kept: number; density: number };
  /** Over every parameter of the model, biases and excluded layers counted as kept. */
  model: { total: number; kept: number; density: number };
}

export function sparsityReport(model: Model, mask: Mask): SparsityReport {
  const layers = Object.entries(mask).map(([name, t]) => {
    const kept = countKept({ [name]: t });
    return { name, total: t.data.length, kept, density: kept / t.data.length };
  });
  const total = countTotal(mask);
  const kept = countKept(mask);
  const all = model.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  const keptAll = all - (total - kept);
  return { layers, prunable: { total, kept, density: kept / total }, model: { total: all, kept: keptAll, density: keptAll / all } };
}

/** Weights times the mask (parameters without a mask entry are returned unchanged). */
export function applyMask(weights: HostParams, mask: Mask): HostParams {
  const out: HostParams = {};
  for (const [name, t] of Object.entries(weights)) {
    const m = mask[name];
    out[name] = m ? { shape: t.shape, data: t.data.map((v, i) => v * m.data[i]) } : t;
  }
  return out;
}
