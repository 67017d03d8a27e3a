import { describe, expect, it } from "vitest";
import { lanczosTop } from "../lib/analyses/lanczos";
import { hvp, powerIteration, randomDirection, Vector } from "../lib/analyses/hessian";
import { symmetricEigen } from "../lib/analyses/symmetric-eigen";
import { asVector, matVec, matrixWithSpectrum } from "./support/spectrum";

describe("symmetric eigen-decomposition (Jacobi)", () => {
  it("recovers a known spectrum and its eigenvectors", () => {
    const lambdas = [5, -3, 2, 0.5, -0.1, 1.5];
    const a = matrixWithSpectrum(lambdas, 4);
    const e = symmetricEigen(a);
    const sorted = lambdas.slice().sort((x, y) => x - y);
    e.values.forEach((v, i) => expect(v).toBeCloseTo(sorted[i], 5));
    e.vectors.forEach((u, i) => {
      const au = a.map((row) => row.reduce((s, x, j) => s + x * u[j], 0));
      au.forEach((x, j) => expect(x).toBeCloseTo(e.values[i] * u[j], 5));
    });
  });
});

describe("Lanczos top eigenvalue", () => {
  // A Hessian-like spectrum with a negative eigenvalue larger in magnitude than the top one.
  const spectrum = [3, 1.2, 0.8, 0.4, 0.1, 0.05, 0, -0.2, -1, -8, ...Array.from({ length: 30 }, (_, i) => 0.5 * Math.sin(i + 1))];
  const a = matrixWithSpectrum(spectrum, 7);
  const gradient = async (w: Vector) => asVector(matVec(a, w.w.data)); // loss 0.5 w'Aw
  const w = asVector(Array.from({ length: spectrum.length }, (_, i) => Math.cos(i)));
  const apply = (v: Vector) => hvp(gradient, w, v);

  it("power iteration finds the eigenvalue of largest magnitude, -8, not the top one", async () => {
    const r = await powerIteration(apply, randomDirection(w, 3), 500, 1e-9);
    expect(r.lambda).toBeCloseTo(-8, 2);
  });

  it("Lanczos finds the top eigenvalue, 3, and the smallest, -8, and says it converged", async () => {
    const r = await lanczosTop(apply, randomDirection(w, 3), 40, 1e-4);
    expect(r.converged).toBe(true);
    expect(r.lambda).toBeCloseTo(3, 3);
    expect(r.residual).toBeLessThanOrEqual(1e-4 * 3);
    expect(r.lambdaMin).toBeCloseTo(-8, 3);
    expect(r.iterations).toBeLessThan(40);
  });

  it("reports no convergence when the iteration budget is too small", async () => {
    const r = await lanczosTop(apply, randomDirection(w, 3), 3, 1e-6);
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(3);
    expect(r.residual).toBeGreaterThan(1e-6 * Math.abs(r.lambda));
    expect(r.lambda).toBeLessThan(3 + 1e-6); // a Ritz value never exceeds the top eigenvalue
  });

  it("stays inside the unpruned coordinates", async () => {
    const b = matrixWithSpectrum([9, 2, 1, -12], 2);
    const g = async (x: Vector) => asVector(matVec(b, x.w.data));
    const x0 = asVector([0, 0, 0, 0]);
    const mask = { w: { shape: [4], data: Float32Array.from([1, 1, 0, 0]) } };
    const r = await lanczosTop((v) => hvp(g, x0, v, 1e-3, mask), randomDirection(x0, 1, mask), 10, 1e-6);
    const [p, q, s] = [b[0][0], b[0][1], b[1][1]];
    expect(r.lambda).toBeCloseTo((p + s) / 2 + Math.sqrt(((p - s) / 2) ** 2 + q * q), 3);
    expect(r.converged).toBe(true);
  });
});
