import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../lib/backend";
import { dot, hessianTopEigenvalue, hvp, norm, powerIteration, randomDirection, Vector } from "../lib/analyses/hessian";
import { fullyConnected } from "../lib/models/lenet";
import { initParams } from "../lib/models/init";
import { upload } from "../lib/data/device";
import { asVector, matVec, matrixWithSpectrum } from "./support/spectrum";
import { fillNormal, rng } from "../lib/util/rng";

describe("Hessian-vector products and power iteration", () => {
  beforeAll(async () => {
    await initBackend();
  });

  it("find the top eigenvalue of a quadratic with a known spectrum", async () => {
    const a = matrixWithSpectrum([7, 3, 1, -0.5, 0.2], 1);
    const gradient = async (w: Vector) => asVector(matVec(a, w.w.data)); // loss 0.5 w'Aw
    const w = asVector([0.3, -0.1, 0.2, 0.5, -0.4]);
    const r = await powerIteration((v) => hvp(gradient, w, v), randomDirection(w, 3), 200, 1e-7);
    expect(r.converged).toBe(true);
    expect(r.lambda).toBeCloseTo(7, 3);
  });

  it("restrict directions to unpruned weights", async () => {
    const a = matrixWithSpectrum([9, 2, 1], 2);
    const gradient = async (w: Vector) => asVector(matVec(a, w.w.data));
    const w = asVector([0, 0, 0]);
    const mask = { w: { shape: [3], data: Float32Array.from([1, 1, 0]) } };
    const r = await powerIteration((v) => hvp(gradient, w, v, 1e-3, mask), randomDirection(w, 1, mask), 500, 1e-9);
    // The top eigenvalue of the 2x2 block of the unpruned coordinates.
    const [p, q, s] = [a[0][0], a[0][1], a[1][1]];
    const top = (p + s) / 2 + Math.sqrt(((p - s) / 2) ** 2 + q * q);
    expect(r.lambda).toBeCloseTo(top, 3);
  });

  it("match the explicit Hessian of a small softmax-regression network", async () => {
    const d = 4;
    const c = 3;
    const n = 16;
    const model = fullyConnected("softmax-regression", [])([1, d, 1], c);
    const x = fillNormal(rng(5), new Float32Array(n * d));
    const y = Int32Array.from({ length: n }, (_, i) => i % c);
    const split = upload({ x, y, count: n }, [1, d, 1]);
    const w = initParams(model, 3);
    // Analytic Hessian of the mean cross-entropy over (W [d, c], b [c]): E[(diag p - p p') (x) (x x')], x augmented with 1.
    const W = w["fc.weight"].data;
    const b = w["fc.bias"].data;
    const dim = d * c + c;
    const H = Array.from({ length: dim }, () => new Float64Array(dim));
    const index = (i: number, j: number) => (i < d ? i * c + j : d * c + j); // row i = d means the bias
    for (let s = 0; s < n; s++) {
      const xs = [...x.subarray(s * d, (s + 1) * d), 1];
      const z = Array.from({ length: c }, (_, j) => b[j] + xs.slice(0, d).reduce((acc, v, i) => acc + v * W[i * c + j], 0));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const p = e.map((v) => v / e.reduce((a2, b2) => a2 + b2, 0));
      for (let i = 0; i <= d; i++) for (let j = 0; j < c; j++) for (let k = 0; k <= d; k++) for (let l = 0; l < c; l++) {
        H[index(i, j)][index(k, l)] += (xs[i] * xs[k] * ((j === l ? p[j] : 0) - p[j] * p[l])) / n;
      }
    }
    const toFlat = (v: Vector) => [...Array.from(v["fc.weight"].data), ...Array.from(v["fc.bias"].data)];
    const v = randomDirection(w, 7);
    const { lossGradient } = await import("../lib/analyses/hessian");
    const hv = toFlat(await hvp(lossGradient(model, split), w, v));
    const exact = Array.from({ length: dim }, (_, r) => toFlat(v).reduce((acc, vi, k) => acc + H[r][k] * vi, 0));
    const err = Math.hypot(...hv.map((h, i) => h - exact[i])) / Math.hypot(...exact);
    expect(err).toBeLessThan(1e-2);
    // Top eigenvalue: power iteration on the explicit matrix vs on finite-difference products.
    let u = Array.from({ length: dim }, (_, i) => Math.cos(i + 1));
    let lambda = 0;
    for (let it = 0; it < 2000; it++) {
      const hu = H.map((row) => row.reduce((acc, x2, k) => acc + x2 * u[k], 0));
      lambda = hu.reduce((acc, x2, k) => acc + x2 * u[k], 0) / u.reduce((acc, x2) => acc + x2 * x2, 0);
      const l = Math.hypot(...hu);
      u = hu.map((x2) => x2 / l);
    }
    const r = await hessianTopEigenvalue(model, split, w, { seed: 1, maxIterations: 300, tol: 1e-6 });
    expect(Math.abs(r.lambda - lambda) / lambda).toBeLessThan(1e-2);
    expect(norm(v)).toBeCloseTo(1, 5);
    expect(dot(v, v)).toBeCloseTo(1, 5);
  });
});
