/**
 * Seeded pseudo-random numbers in plain JavaScript, so initialisations and data orders are identical on
 * every backend (tfjs' own random ops differ between backends).
 */

/** A generator of uniform floats in [0, 1): mulberry32 over a seed mixed by splitmix32. */
export type Rng = () => number;

function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A generator determined by a list of integers (e.g. [seed, epoch]): streams for different keys are independent. */
export function rng(...key: number[]): Rng {
  let state = 0x12345678;
  for (const k of key) state = splitmix32(state ^ splitmix32(k | 0) ^ Math.floor(k / 2 ** 32));
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills `out` with standard normal draws (Box-Muller). */
export function fillNormal(random: Rng, out: Float32Array, std = 1): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const u1 = 1 - random();
    const u2 = random();
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
export function permutation(random: Rng, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
