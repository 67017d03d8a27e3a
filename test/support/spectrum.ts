import { Vector } from "../../lib/analyses/hessian";
import { fillNormal, rng } from "../../lib/util/rng";

/** Symmetric matrix with eigenvalues `lambdas` along random orthonormal directions (Gram-Schmidt). */
export function matrixWithSpectrum(lambdas: number[], seed: number): number[][] {
  const n = lambdas.length;
  const basis: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float64Array.from(fillNormal(rng(seed, i), new Float32Array(n)));
    for (let pass = 0; pass < 2; pass++) for (const b of basis) {
      const d = v.reduce((s, x, j) => s + x * b[j], 0);
      v.forEach((_, j) => (v[j] -= d * b[j]));
    }
    const l = Math.hypot(...v);
    basis.push(v.map((x) => x / l));
  }
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => lambdas.reduce((s, lam, i) => s + lam * basis[i][r] * basis[i][c], 0)));
}

export const asVector = (data: number[]): Vector => ({ w: { shape: [data.length], data: Float32Array.from(data) } });
export const matVec = (a: number[][], v: Float32Array) => a.map((row) => row.reduce((s, x, j) => s + x * v[j], 0));

