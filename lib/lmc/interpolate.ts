import * as tf from "@tensorflow/tfjs";
import { Params, HostParams, disposeParams, toDevice } from "../models/params";
import { Model } from "../models/model";
import { DeviceSplit, evaluate, Metrics } from "../train/evaluate";
import { progress } from "../util/progress";
import { eventLoopYielder } from "../util/yield";

/** alpha * a + (1 - alpha) * b, parameter by parameter (both must have the same names and shapes). */
export function interpolate(a: Params, b: Params, alpha: number): Params {
  const out: Params = {};
  for (const name of Object.keys(a)) {
    if (!b[name]) throw new Error(`parameter ${name} is missing from the second endpoint`);
    out[name] = tf.tidy(() => tf.add(tf.mul(a[name], alpha), tf.mul(b[name], 1 - alpha)));
  }
  return out;
}

/**
 * Evaluates the model along the linear path from `b` (alpha = 0) to `a` (alpha = 1) on each named split.
 * At alpha = 0 and 1 the endpoints themselves are evaluated, so their errors are reproduced exactly.
 */
export async function evaluatePath(
  model: Model,
  a: HostParams,
  b: HostParams,
  alphas: number[],
  splits: Record<string, DeviceSplit>,
  /** Replaces a point's batch-norm statistics (returns new buffer tensors, shares the rest); none: as stored/interpolated. */
  statistics?: (p: Params) => Params,
): Promise<Record<string, Metrics[]>> {
  const pa = toDevice(a);
  const pb = toDevice(b);
  const out: Record<string, Metrics[]> = {};
  for (const name of Object.keys(splits)) out[name] = [];
  const bar = progress("path", 0, alphas.length, "point");
  const yieldNow = eventLoopYielder();
  try {
    for (const [i, alpha] of alphas.entries()) {
      bar.update(i, { alpha });
      const p = alpha === 1 ? pa : alpha === 0 ? pb : interpolate(pa, pb, alpha);
      const q = statistics ? statistics(p) : p;
      try {
        for (const [name, split] of Object.entries(splits)) out[name].push(await evaluate(model, q, split));
      } finally {
        if (p !== pa && p !== pb) disposeParams(p);
        if (q !== p) for (const [name, t] of Object.entries(q)) if (p[name] !== t) t.dispose();
      }
      await yieldNow();
    }
  } finally {
    disposeParams(pa);
    disposeParams(pb);
  }
  bar.done();
  return out;
}
