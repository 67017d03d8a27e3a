import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RunConfig, runHash, startStep, validateRunConfig } from "./run-config";
import { runsDir } from "./paths";
import { CorruptFileError, readSafetensors, writeSafetensors } from "./safetensors";
import { writeJsonAtomic } from "../util/atomic";
import { deviceData } from "../data/device";
import { getModel } from "../models/registry";
import { Model } from "../models/model";
import { initParams } from "../models/init";
import { HostParams, disposeParams, toDevice, toHost } from "../models/params";
import { freshOptimizer } from "../train/optimizer";
import { TrainState, trainTo } from "../train/train";
import { evaluate, Metrics } from "../train/evaluate";
import { initBackend } from "../backend";
import { ensureMask, provideRunStore } from "./masks";
import { applyMask, denseMask, Mask, prunableNames } from "../prune/mask";
import { perturb } from "../prune/perturb";
import { withLock } from "./lock";

/**
 * The run cache. A run lives in results/runs/<hash of its config>/ with:
 *   config.json              the full config (self-describing)
 *   step-<n>.safetensors     saved states: weights, optimizer slots ("m/<param>", "v/<param>") and
 *                            metadata {step, optimizerT}
 *   resume.safetensors       the latest periodic state, for resuming after an interruption
 *   run.json                 written last, once the final step is saved: final metrics, wall time
 * Every file is written atomically, and a state file that fails to parse is deleted and recomputed.
 */
export interface RunSummary {
  hash: string;
  finalStep: number;
  test: Metrics;
  wallSeconds: number;
  backend: string;
}

export interface EnsureOptions {
  /** Steps whose states must be saved (e.g. rewind points), in addition to the final one. */
  checkpoints?: number[];
  /** Save a resume state every this many steps (default 1000). */
  resumeEvery?: number;
  label?: string;
  signal?: AbortSignal;
  /** Called after each state is saved ("checkpoint" for requested steps, "resume" for periodic ones). */
  onSaved?: (step: number, kind: "checkpoint" | "resume") => void;
}

export function runDir(config: RunConfig): string {
  return join(runsDir(), runHash(config));
}

const statePath = (dir: string, step: number) => join(dir, `step-${step}.safetensors`);
const resumePath = (dir: string) => join(dir, "resume.safetensors");

function readState(path: string): { tensors: HostParams; step: number; optimizerT: number } | null {
  if (!existsSync(path)) return null;
  try {
    const { tensors, metadata } = readSafetensors(path);
    const step = Number(metadata.step);
    if (!Number.isInteger(step)) throw new CorruptFileError(`${path}: no step in metadata`);
    return { tensors, step, optimizerT: Number(metadata.optimizerT ?? 0) };
  } catch (e) {
    if (!(e instanceof CorruptFileError)) throw e;
    process.stderr.write(`warning: discarding unreadable checkpoint ${path} (${e.message}); it will be recomputed\n`);
    rmSync(path, { force: true });
    return null;
  }
}

function savedSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^step-(\d+)\.safetensors$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

function splitState(model: Model, tensors: HostParams): { params: HostParams; slots: HostParams } {
  const params: HostParams = {};
  const slots: HostParams = {};
  const paramNames = new Set(model.params.map((p) => p.name));
  for (const [name, t] of Object.entries(tensors)) (paramNames.has(name) ? params : slots)[name] = t;
  return { params, slots };
}

async function saveState(path: string, state: TrainState): Promise<void> {
  const tensors = { ...(await toHost(state.params)), ...(await toHost(state.optimizer.slots)) };
  writeSafetensors(path, tensors, { step: String(state.step), optimizerT: String(state.optimizer.t) });
}

export function modelFor(config: RunConfig): Model {
  const d = deviceData(config.data).dataset;
  return getModel(config.model, d.shape, d.classes);
}

/** The weights of a run at `step` (which must have been saved; see ensureRun's checkpoints). */
export function loadWeights(config: RunConfig, step: number): HostParams {
  const state = readState(statePath(runDir(config), step));
  if (!state) throw new Error(`run ${runHash(config)} has no saved state at step ${step}; request it with ensureRun(config, { checkpoints: [${step}] })`);
  return splitState(modelFor(config), state.tensors).params;
}

/**
 * The weights a run starts from: a fresh initialisation, or the parent's weights at the branch step
 * (rewinding), times the run's mask.
 */
async function initialWeights(config: RunConfig, mask: Mask | null): Promise<HostParams> {
  let weights: HostParams;
  if (!config.from) weights = initParams(modelFor(config), config.initSeed);
  else {
    await ensureRun(config.from.run, { checkpoints: [config.from.step] });
    weights = loadWeights(config.from.run, config.from.step);
  }
  if (mask) weights = applyMask(weights, mask);
  if (config.perturbation) {
    const model = modelFor(config);
    weights = perturb(weights, mask ?? denseMask(model, prunableNames(model, [])), config.perturbation);
  }
  return weights;
}

export function readSummary(config: RunConfig): RunSummary | null {
  const path = join(runDir(config), "run.json");
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as RunSummary;
  } catch {
    return null;
  }
}

/**
 * Makes sure a run's final state and the requested checkpoints exist, training only what is missing:
 * a finished run is reused, an interrupted one resumes from its latest saved state, and a checkpoint
 * requested after the fact is recomputed from the nearest earlier state (training is deterministic).
 */
export async function ensureRun(config: RunConfig, options: EnsureOptions = {}): Promise<RunSummary> {
  validateRunConfig(config);
  const backend = await initBackend();
  const dir = runDir(config);
  const hash = runHash(config);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "config.json"))) writeJsonAtomic(join(dir, "config.json"), config);

  const first = startStep(config);
  const final = config.train.steps;
  const wanted = [...new Set([...(options.checkpoints ?? []), final])].sort((a, b) => a - b);
  for (const s of wanted) {
    if (!Number.isInteger(s) || s < first || s > final) throw new Error(`checkpoint step ${s} is outside run ${hash}'s steps ${first}..${final}`);
  }
  const missingSteps = () => {
    const have = new Set(savedSteps(dir));
    return wanted.filter((s) => !have.has(s) || readState(statePath(dir, s)) === null);
  };
  const cached = readSummary(config);
  if (cached && missingSteps().length === 0) return cached;
  return withLock(join(dir, "lock"), async () => {
    // Another worker may have finished it while we waited for the lock.
    const missing = missingSteps();
    const summary = readSummary(config);
    if (missing.length === 0 && summary) return summary;
    return train(config, options, missing, summary, backend.name);
  });
}

/** Trains run `config` through the `missing` steps, from its latest usable saved state. */
async function train(config: RunConfig, options: EnsureOptions, missing: number[], summary: RunSummary | null, backend: string): Promise<RunSummary> {
  const dir = runDir(config);
  const hash = runHash(config);
  const first = startStep(config);
  const final = config.train.steps;

  const started = Date.now();
  const model = modelFor(config);
  const data = deviceData(config.data);
  const mask = config.mask ? await ensureMask(config.mask) : null;
  const target = missing.length ? missing[missing.length - 1] : final;
  const from = missing.length ? missing[0] : final;

  // The latest saved state at or before the first missing step, else the initial weights.
  const candidates = [...savedSteps(dir).filter((s) => s <= from).map((s) => statePath(dir, s)), resumePath(dir)];
  let best: ReturnType<typeof readState> = null;
  for (const path of candidates) {
    const s = readState(path);
    if (s && s.step <= from && s.step >= first && (!best || s.step > best.step)) best = s;
  }
  let state: TrainState;
  if (best) {
    const { params, slots } = splitState(model, best.tensors);
    state = { step: best.step, params: toDevice(params), optimizer: { t: best.optimizerT, slots: toDevice(slots) } };
  } else {
    const params = toDevice(await initialWeights(config, mask));
    state = { step: first, params, optimizer: freshOptimizer(config.train, params) };
    if (missing.includes(first)) await saveState(statePath(dir, first), state);
  }

  const deviceMask = mask ? toDevice(mask) : undefined;
  const resumeEvery = options.resumeEvery ?? 1000;
  const stopAt = [...missing];
  for (let s = Math.ceil((state.step + 1) / resumeEvery) * resumeEvery; s < target; s += resumeEvery) stopAt.push(s);
  try {
    state = await trainTo(state, target, {
      model,
      hparams: config.train,
      train: data.train,
      dataSeed: config.dataSeed,
      mask: deviceMask,
      stopAt,
      label: options.label ?? `run ${hash}`,
      signal: options.signal,
      onStop: async (s) => {
        const kind = missing.includes(s.step) ? "checkpoint" : "resume";
        await saveState(kind === "checkpoint" ? statePath(dir, s.step) : resumePath(dir), s);
        options.onSaved?.(s.step, kind);
      },
    });
    if (target === final) rmSync(resumePath(dir), { force: true });
    if (summary) return summary;
    const finalParams = state.step === final ? state.params : toDevice(loadWeights(config, final));
    const result: RunSummary = {
      hash,
      finalStep: final,
      test: await evaluate(model, finalParams, data.test),
      wallSeconds: (Date.now() - started) / 1000,
      backend,
    };
    if (finalParams !== state.params) disposeParams(finalParams);
    writeJsonAtomic(join(dir, "run.json"), result);
    return result;
  } finally {
    disposeParams(state.params);
    disposeParams(state.optimizer.slots);
    if (deviceMask) disposeParams(deviceMask);
  }
}


provideRunStore({ ensureRun, loadWeights, modelFor });
