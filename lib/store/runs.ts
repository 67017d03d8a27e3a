import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { RunConfig, runHash } from "./run-config";
import { runsDir } from "./paths";
import { CorruptFileError, readSafetensors, writeSafetensors } from "./safetensors";
import { readCheckedJson, writeCheckedJson } from "./checked-json";
import { readOrDiscard } from "./discard";
import { HostParams } from "../models/params";
import { Metrics } from "../train/evaluate";

/**
 * The run cache on disk. A run lives in results/runs/<hash of its config>/ with:
 *   config.json              the full config (self-describing)
 *   step-<n>.safetensors     saved states: weights, optimizer slots ("m/<param>", "v/<param>") and
 *                            metadata {step, optimizerT, sha256}
 *   resume.safetensors       the latest periodic state, for resuming after an interruption
 *   run.json                 written last, once the final step is saved: final metrics, wall time
 * Every file is written atomically and checksummed; one that fails to parse or to match its checksum
 * is deleted (with a warning) and recomputed. This module only reads and writes; lib/materialise trains.
 */
export interface RunSummary {
  hash: string;
  finalStep: number;
  test: Metrics;
  wallSeconds: number;
  backend: string;
}

export interface SavedState {
  tensors: HostParams;
  step: number;
  optimizerT: number;
}

export function runDir(config: RunConfig): string {
  return join(runsDir(), runHash(config));
}

export const statePath = (dir: string, step: number) => join(dir, `step-${step}.safetensors`);
export const resumePath = (dir: string) => join(dir, "resume.safetensors");
const summaryPath = (config: RunConfig) => join(runDir(config), "run.json");

/** A saved state, or null when it is missing or damaged (then it is deleted, to be recomputed). */
export function readState(path: string): SavedState | null {
  return readOrDiscard(path, () => {
    const { tensors, metadata } = readSafetensors(path);
    const step = Number(metadata.step);
    if (!Number.isInteger(step)) throw new CorruptFileError(`${path}: no step in metadata`);
    return { tensors, step, optimizerT: Number(metadata.optimizerT ?? 0) };
  });
}

export function writeState(path: string, state: SavedState): void {
  writeSafetensors(path, state.tensors, { step: String(state.step), optimizerT: String(state.optimizerT) });
}

export function savedSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^step-(\d+)\.safetensors$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Parameters and optimizer slots of a saved state (slots are named `<slot>/<param>`). */
export function splitState(tensors: HostParams): { params: HostParams; slots: HostParams } {
  const params: HostParams = {};
  const slots: HostParams = {};
  for (const [name, t] of Object.entries(tensors)) (name.includes("/") ? slots : params)[name] = t;
  return { params, slots };
}

/** The weights of a run at `step` (which must have been saved; see ensureRun's checkpoints). */
export function loadWeights(config: RunConfig, step: number): HostParams {
  const state = readState(statePath(runDir(config), step));
  if (!state) throw new Error(`run ${runHash(config)} has no saved state at step ${step}; request it with ensureRun(config, { checkpoints: [${step}] })`);
  return splitState(state.tensors).params;
}

/** A finished run's summary, or null when it has not finished (or its run.json is damaged: then it is retrained). */
export function readSummary(config: RunConfig): RunSummary | null {
  return readOrDiscard(summaryPath(config), (path) => readCheckedJson<RunSummary>(path));
}

export function writeSummary(config: RunConfig, summary: RunSummary): void {
  writeCheckedJson(summaryPath(config), summary);
}
