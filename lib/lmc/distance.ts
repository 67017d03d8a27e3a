import { HostParams } from "../models/params";
import { parameterNames } from "../models/batch-norm";

/** Calls `fn` with the two values at every position of the named parameters that `mask` keeps (all without one). */
function eachKept(a: HostParams, b: HostParams, names: string[], mask: HostParams | undefined, fn: (x: number, y: number) => void): void {
  for (const name of names) {
    const x = a[name]?.data;
    const y = b[name]?.data;
    if (!x || !y || x.length !== y.length) throw new Error(`parameter ${name} is missing or differs in size between the two weight sets`);
    const m = mask?.[name]?.data;
    for (let i = 0; i < x.length; i++) if (!m || m[i] !== 0) fn(x[i], y[i]);
  }
}

/**
 * L2 distance between two weight sets over the named parameters (by default all but batch norm's running
 * statistics, which are state, not weights), optionally only where
 * `mask` keeps weights: sqrt(sum over kept positions of (a - b)^2).
 */
export function l2Distance(a: HostParams, b: HostParams, names: string[] = parameterNames(a), mask?: HostParams): number {
  let sum = 0;
  eachKept(a, b, names, mask, (x, y) => (sum += (x - y) * (x - y)));
  return Math.sqrt(sum);
}

/** L2 norm over the named parameters (optionally masked), for relative distances. */
export function l2Norm(a: HostParams, names: string[] = parameterNames(a), mask?: HostParams): number {
  let sum = 0;
  for (const name of names) {
    const m = mask?.[name]?.data;
    a[name].data.forEach((v, i) => {
      if (!m || m[i] !== 0) sum += v * v;
    });
  }
  return Math.sqrt(sum);
}

/**
 * Angular distance 2 * angle / pi between two weight sets seen as vectors over the named parameters
 * (where `mask` keeps weights): 0 for the same direction, 1 for orthogonal, 2 for opposite (Maene et al.
 * 2021 compare successive IMP rounds' solutions on their shared weights this way).
 */
export function angularDistance(a: HostParams, b: HostParams, names: string[] = parameterNames(a), mask?: HostParams): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  eachKept(a, b, names, mask, (x, y) => {
    dot += x * y;
    na += x * x;
    nb += y * y;
  });
  if (na === 0 || nb === 0) throw new Error("angular distance of a zero weight vector is undefined");
  const cos = Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
  return (2 * Math.acos(cos)) / Math.PI;
}
