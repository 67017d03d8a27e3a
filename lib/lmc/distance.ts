import { HostParams } from "../models/params";

/**
 * L2 distance between two weight sets over the named parameters (by default all), optionally only where
 * `mask` keeps weights: sqrt(sum over kept positions of (a - b)^2).
 */
export function l2Distance(a: HostParams, b: HostParams, names: string[] = Object.keys(a), mask?: HostParams): number {
  let sum = 0;
  for (const name of names) {
    const x = a[name]?.data;
    const y = b[name]?.data;
    if (!x || !y || x.length !== y.length) throw new Error(`parameter ${name} is missing or differs in size between the two weight sets`);
    const m = mask?.[name]?.data;
    for (let i = 0; i < x.length; i++) {
      if (m && m[i] === 0) continue;
      const d = x[i] - y[i];
      sum += d * d;
    }
  }
  return Math.sqrt(sum);
}

/** L2 norm over the named parameters (optionally masked), for relative distances. */
export function l2Norm(a: HostParams, names: string[] = Object.keys(a), mask?: HostParams): number {
  let sum = 0;
  for (const name of names) {
    const m = mask?.[name]?.data;
    a[name].data.forEach((v, i) => {
      if (!m || m[i] !== 0) sum += v * v;
    });
  }
  return Math.sqrt(sum);
}
