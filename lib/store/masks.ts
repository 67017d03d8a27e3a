import { join } from "node:path";
import { existsSync } from "node:fs";
import { MaskSpec, validateMaskSpec } from "../prune/mask-spec";
import { Mask, denseMask, prunableNames } from "../prune/mask";
import { magnitudePrune } from "../prune/magnitude";
import { randomMaskLike } from "../prune/random";
import { configHash } from "../util/hash";
import { resultsDir } from "./paths";
import { CorruptFileError, readSafetensors, writeSafetensors } from "./safetensors";
import type { RunConfig } from "./run-config";

// runs.ts needs masks and masks need trained runs. To keep the modules free of an import cycle (tslab's
// module loader cannot resolve one), runs.ts hands its functions over when it loads.
type RunStore = Pick<typeof import("./runs"), "ensureRun" | "loadWeights" | "modelFor">;
let store: RunStore | null = null;

export function provideRunStore(s: RunStore): void {
  store = s;
}

async function runs(): Promise<RunStore> {
  if (!store) throw new Error("lib/store/runs must be loaded before masks are computed");
  return store;
}

/** Masks are cached in results/masks/<hash of their spec>.safetensors (float32 0/1, same layout as weights). */
function maskPath(spec: MaskSpec): string {
  return join(resultsDir(), "masks", `${configHash(spec)}.safetensors`);
}

/** The mask a run starts from: the one before pruning `source`, i.e. `source`'s own mask, or all prunable weights. */
export async function maskOf(config: RunConfig, exclude?: string[] | null): Promise<Mask> {
  if (config.mask) return ensureMask(config.mask);
  const model = (await runs()).modelFor(config);
  return denseMask(model, prunableNames(model, exclude ?? undefined));
}

async function compute(spec: MaskSpec): Promise<Mask> {
  if (spec.kind === "magnitude") {
    const { ensureRun, loadWeights } = await runs();
    await ensureRun(spec.source);
    const current = await maskOf(spec.source, spec.exclude);
    return magnitudePrune(loadWeights(spec.source, spec.source.train.steps), current, spec.fraction, spec.scope);
  }
  return randomMaskLike(await ensureMask(spec.like), spec.seed, spec.mode);
}

/** The mask a spec describes, computed once (training what it depends on) and then read from disk. */
export async function ensureMask(spec: MaskSpec): Promise<Mask> {
  validateMaskSpec(spec);
  const path = maskPath(spec);
  if (existsSync(path)) {
    try {
      return readSafetensors(path).tensors;
    } catch (e) {
      if (!(e instanceof CorruptFileError)) throw e;
    }
  }
  const mask = await compute(spec);
  writeSafetensors(path, mask, { spec: configHash(spec) });
  return mask;
}
