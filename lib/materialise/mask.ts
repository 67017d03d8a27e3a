import { MaskSpec, validateMaskSpec } from "../prune/mask-spec";
import { Mask, denseMask, prunableNames } from "../prune/mask";
import { magnitudePrune } from "../prune/magnitude";
import { randomMaskLike } from "../prune/random";
import { readMask, writeMask } from "../store/masks";
import { RunSummary, loadWeights } from "../store/runs";
import type { RunConfig } from "../store/run-config";
import type { EnsureOptions } from "./run";
import type { Model } from "../models/model";

// Runs need masks and masks need trained runs. To keep the modules free of an import cycle (tslab's
// module loader cannot resolve one), run.ts hands its functions over when it loads.
interface RunMaterialiser {
  ensureRun(config: RunConfig, options?: EnsureOptions): Promise<RunSummary>;
  modelFor(config: RunConfig): Model;
}
let runs: RunMaterialiser | null = null;

export function provideRunMaterialiser(r: RunMaterialiser): void {
  runs = r;
}

function materialiser(): RunMaterialiser {
  if (!runs) throw new Error("lib/materialise/run must be loaded before masks are computed");
  return runs;
}

/** The mask a run starts from: the one before pruning `source`, i.e. `source`'s own mask, or all prunable weights. */
export async function maskOf(config: RunConfig, exclude?: string[] | null): Promise<Mask> {
  if (config.mask) return ensureMask(config.mask);
  const model = materialiser().modelFor(config);
  return denseMask(model, prunableNames(model, exclude ?? undefined));
}

async function compute(spec: MaskSpec): Promise<Mask> {
  if (spec.kind === "magnitude") {
    await materialiser().ensureRun(spec.source);
    const current = await maskOf(spec.source, spec.exclude);
    return magnitudePrune(loadWeights(spec.source, spec.source.train.steps), current, spec.fraction, spec.scope);
  }
  return randomMaskLike(await ensureMask(spec.like), spec.seed, spec.mode);
}

/** The mask a spec describes, computed once (training what it depends on) and then read from disk. */
export async function ensureMask(spec: MaskSpec): Promise<Mask> {
  validateMaskSpec(spec);
  const saved = readMask(spec);
  if (saved) return saved;
  const mask = await compute(spec);
  writeMask(spec, mask);
  return mask;
}
