import { HostParams } from "../models/params";

/** Directions in weight space as named host arrays, and the few vector operations eigen-solvers need. */
export type Vector = HostParams;

export function dot(a: Vector, b: Vector): number {
  let s = 0;
  for (const name of Object.keys(a)) {
    const x = a[name].data;
    const y = b[name].data;
    for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  }
  return s;
}

export function scale(a: Vector, c: number): Vector {
  const out: Vector = {};
  for (const [name, t] of Object.entries(a)) out[name] = { shape: t.shape, data: t.data.map((v) => v * c) };
  return out;
}

export function norm(a: Vector): number {
  return Math.sqrt(dot(a, a));
}

/** y += c x, in place. */
export function axpyInPlace(y: Vector, x: Vector, c: number): void {
  for (const name of Object.keys(y)) {
    const a = y[name].data;
    const b = x[name].data;
    for (let i = 0; i < a.length; i++) a[i] += c * b[i];
  }
}

export function copy(v: Vector): Vector {
  return Object.fromEntries(Object.entries(v).map(([n, t]) => [n, { shape: t.shape, data: Float32Array.from(t.data) }]));
}
