import { RunConfig } from "../store/run-config";
import { ensureRun } from "../store/runs";
import { linearPath, PathOptions, PathResult } from "./path";

/**
 * Instability analysis (Frankle et al. 2020): copy the parent's weights at step k, train the two copies
 * to the end with different data orders (SGD noise), and measure the error barrier between them.
 */
export interface InstabilitySpec extends PathOptions {
  parent: RunConfig;
  k: number;
  /** Data-order seeds of the two copies. */
  childSeeds: [number, number];
}

/** The two copies of the parent branched at step k. */
export function children(spec: Pick<InstabilitySpec, "parent" | "k" | "childSeeds">): [RunConfig, RunConfig] {
  const child = (dataSeed: number): RunConfig => ({ ...spec.parent, dataSeed, from: { run: spec.parent, step: spec.k } });
  return [child(spec.childSeeds[0]), child(spec.childSeeds[1])];
}

export async function instability(spec: InstabilitySpec): Promise<PathResult> {
  if (spec.childSeeds[0] === spec.childSeeds[1]) throw new Error("the two copies need different data-order seeds");
  const [a, b] = children(spec);
  await ensureRun(a, { label: `k=${spec.k} copy 1` });
  await ensureRun(b, { label: `k=${spec.k} copy 2` });
  return linearPath(a, b, spec);
}
