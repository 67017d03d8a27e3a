import * as tf from "@tensorflow/tfjs";
import { Model } from "../models/model";
import { HostParams, Params, disposeParams, toDevice } from "../models/params";
import { crossEntropy } from "../train/loss";
import { DeviceSplit } from "../train/evaluate";
import { fillNormal, rng } from "../util/rng";
import { Vector, dot, norm, scale } from "./vectors";
import { LanczosResult, lanczosTop } from "./lanczos";

/**
 * The largest eigenvalue of the Hessian of the training loss, by Lanczos on Hessian-vector products
 * (power iteration is kept for comparison: it finds the eigenvalue of largest magnitude). tfjs' second derivatives are not reliable across ops (double backprop through softmax fails
 * or is wrong), so H v is a central finite difference of gradients:
 *   H v ~ (g(w + eps v) - g(w - eps v)) / (2 eps),
 * exact for a quadratic, with error O(eps^2 |third derivative|) otherwise (plus float32 rounding of
 * order 1e-7 |g| / eps; eps = 1e-3 balances the two for unit-norm v). Directions are restricted to the
 * unpruned weights: v is zero wherever the mask prunes.
 */
export { Vector, dot, scale, norm } from "./vectors";

/** A random unit direction over the unpruned weights. */
export function randomDirection(like: HostParams, seed: number, mask?: HostParams): Vector {
  const v: Vector = {};
  Object.entries(like).forEach(([name, t], i) => {
    const data = fillNormal(rng(seed, i, 0x4e55), new Float32Array(t.data.length));
    const m = mask?.[name]?.data;
    if (m) for (let j = 0; j < data.length; j++) data[j] *= m[j];
    v[name] = { shape: t.shape, data };
  });
  return scale(v, 1 / norm(v));
}

/** Zeroes a direction where the mask prunes. */
export function restrict(v: Vector, mask?: HostParams): Vector {
  if (!mask) return v;
  const out: Vector = {};
  for (const [name, t] of Object.entries(v)) {
    const m = mask[name]?.data;
    out[name] = m ? { shape: t.shape, data: t.data.map((x, i) => x * m[i]) } : t;
  }
  return out;
}

/** Gradient of a scalar loss of named parameters, read back to the host. */
export type GradientFn = (params: HostParams) => Promise<Vector>;

/** The gradient of the mean cross-entropy of `model` on `split` (all examples at once). */
export function lossGradient(model: Model, split: DeviceSplit): GradientFn {
  return async (host) => {
    const params = toDevice(host);
    const names = Object.keys(params);
    try {
      const grads = tf.tidy(() =>
        tf.grads((...ps: tf.Tensor[]) => {
          const p: Params = {};
          names.forEach((n, i) => (p[n] = ps[i]));
          return crossEntropy(model.forward(p, split.x), split.y);
        })(names.map((n) => params[n])),
      );
      const out: Vector = {};
      for (const [i, n] of names.entries()) out[n] = { shape: grads[i].shape.slice(), data: (await grads[i].data()) as Float32Array };
      grads.forEach((g) => g.dispose());
      return out;
    } finally {
      disposeParams(params);
    }
  };
}

function axpy(w: HostParams, v: Vector, c: number): HostParams {
  const out: HostParams = {};
  for (const [name, t] of Object.entries(w)) {
    const d = v[name].data;
    out[name] = { shape: t.shape, data: t.data.map((x, i) => x + c * d[i]) };
  }
  return out;
}

/** H v by a central difference of gradients, restricted to the mask. */
export async function hvp(gradient: GradientFn, w: HostParams, v: Vector, eps = 1e-3, mask?: HostParams): Promise<Vector> {
  const [gp, gm] = [await gradient(axpy(w, v, eps)), await gradient(axpy(w, v, -eps))];
  const out: Vector = {};
  for (const name of Object.keys(gp)) out[name] = { shape: gp[name].shape, data: gp[name].data.map((x, i) => (x - gm[name].data[i]) / (2 * eps)) };
  return restrict(out, mask);
}

export interface EigenResult {
  lambda: number;
  iterations: number;
  converged: boolean;
  /** The Rayleigh quotient at each iteration. */
  history: number[];
}

/**
 * Power iteration for the eigenvalue of largest *magnitude* (not the top one when a negative eigenvalue
 * is larger in magnitude) of the linear map `apply` (here H v):
 * v <- H v / |H v|, lambda = v . H v, until lambda changes by less than `tol` relative.
 */
export async function powerIteration(apply: (v: Vector) => Promise<Vector>, start: Vector, maxIterations = 50, tol = 1e-3): Promise<EigenResult> {
  let v = scale(start, 1 / norm(start));
  const history: number[] = [];
  for (let i = 0; i < maxIterations; i++) {
    const hv = await apply(v);
    const lambda = dot(v, hv);
    history.push(lambda);
    const n = norm(hv);
    if (n === 0) return { lambda: 0, iterations: i + 1, converged: true, history };
    v = scale(hv, 1 / n);
    if (i > 0 && Math.abs(lambda - history[i - 1]) <= tol * Math.abs(lambda)) return { lambda, iterations: i + 1, converged: true, history };
  }
  return { lambda: history[history.length - 1], iterations: maxIterations, converged: false, history };
}

/**
 * lambda_max of the training loss's Hessian at `w`, over the unpruned weights: the top Ritz value of
 * Lanczos (`tol` bounds the residual relative to it), with the smallest Ritz value beside it.
 */
export async function hessianTopEigenvalue(
  model: Model,
  split: DeviceSplit,
  w: HostParams,
  options: { mask?: HostParams; seed?: number; eps?: number; maxIterations?: number; tol?: number } = {},
): Promise<LanczosResult> {
  const gradient = lossGradient(model, split);
  const start = randomDirection(w, options.seed ?? 0, options.mask);
  return lanczosTop((v) => hvp(gradient, w, v, options.eps, options.mask), start, options.maxIterations, options.tol);
}
