import { RunConfig } from "../store/run-config";
import { ensureRun } from "../materialise/run";
import { linearPath, PathOptions, PathResult } from "./path";

/**
 * Instability analysis (Frankle et al. 2020): train two copies of a network from the same starting
 * weights to the end with different data orders (SGD noise), and measure the error barrier between them.
 * `start` is the run both copies share except for the data order: a branch of a dense parent at step k
 * (see branchAt), or a sparse subnetwork rewound to k (its mask is shared by both copies).
 */
export interface InstabilitySpec extends PathOptions {
  start: RunConfig;
  /** Data-order seeds of the two copies. */
  childSeeds: [number, number];
}

/** The dense network's weights at step k, trained on from there (the schedule continues from k). */
export function branchAt(parent: RunConfig, k: number): RunConfig {
  return { ...parent, from: { run: parent, step: k } };
}

/** The two copies: `start` with each data-order seed. */
export function copies(start: RunConfig, seeds: [number, number]): [RunConfig, RunConfig] {
  return [{ ...start, dataSeed: seeds[0] }, { ...start, dataSeed: seeds[1] }];
}

export async function instability(spec: InstabilitySpec, label = "copy"): Promise<PathResult> {
  if (spec.childSeeds[0] === spec.childSeeds[1]) throw new Error("the two copies need different data-order seeds");
  const [a, b] = copies(spec.start, spec.childSeeds);
  await ensureRun(a, { label: `${label} 1` });
  await ensureRun(b, { label: `${label} 2` });
  return linearPath(a, b, spec);
}
