import { join } from "node:path";
import { MaskSpec } from "../store/run-config";
import { Mask } from "../prune/mask";
import { configHash } from "../util/hash";
import { backendTag } from "../backend-choice";
import { resultsDir } from "./paths";
import { readSafetensors, writeSafetensors } from "./safetensors";
import { readOrDiscard } from "./discard";

/** Masks are cached in results/masks/<hash of their spec>.safetensors (float32 0/1, same layout as weights). */
export function maskPath(spec: MaskSpec): string {
  // A magnitude mask comes from its source run's weights, so it belongs to that run's backend too.
  const source = (spec as { source?: { model: string } }).source;
  return join(resultsDir(), "masks", `${configHash({ ...spec, ...(source ? backendTag(source.model) : {}) })}.safetensors`);
}

/** A saved mask, or null when it is missing or damaged (then it is deleted, to be recomputed). */
export function readMask(spec: MaskSpec): Mask | null {
  return readOrDiscard(maskPath(spec), (path) => readSafetensors(path).tensors);
}

export function writeMask(spec: MaskSpec, mask: Mask): void {
  writeSafetensors(maskPath(spec), mask, { spec: configHash(spec) });
}
