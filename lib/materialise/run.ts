import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { MaskSpec, RunConfig, pruningLevel, runHash, startStep, validateMaskSpec, validateRunConfig } from "../store/run-config";
import { RunSummary, SavedState, loadWeights, readState, readSummary, resumePath, runDir, savedSteps, splitState, statePath, writeState, writeSummary } from "../store/runs";
import { withLock } from "../store/lock";
import { ensureDir, writeJsonAtomic } from "../util/atomic";
import { deviceData } from "../data/device";
import { getModel } from "../models/registry";
import { Model } from "../models/model";
import { initParams } from "../models/init";
import { HostParams, disposeParams, toDevice, toHost } from "../models/params";
import { freshOptimizer } from "../train/optimizer";
import { TrainState, trainTo } from "../train/train";
import { evaluate } from "../train/evaluate";
import { initBackend } from "../backend";
import { applyMask, denseMask, Mask, prunableNames } from "../prune/mask";
import { perturb } from "../prune/perturb";
import { magnitudePrune } from "../prune/magnitude";
import { randomMaskLike } from "../prune/random";
import { readMask, writeMask } from "../store/masks";
import { UserError } from "../util/errors";

/**
 * Materialises runs of the cache (lib/store/runs holds their files): trains what is missing, under a lock,
 * resuming from the latest saved state.
 */
export interface EnsureOptions {
  /** Steps whose states must be saved (e.g. rewind points), in addition to the final one. */
  checkpoints?: number[];
  /** Save a resume state every this many steps (default 1000). */
  resumeEvery?: number;
  label?: string;
  /** The label of the task that needs this run: a run trained on the way (an IMP chain's earlier level) shows it. */
  neededBy?: string;
  signal?: AbortSignal;
  /** Called after each state is saved ("checkpoint" for requested steps, "resume" for periodic ones). */
  onSaved?: (step: number, kind: "checkpoint" | "resume") => void;
}

async function saveState(path: string, state: TrainState): Promise<void> {
  const tensors = { ...(await toHost(state.params)), ...(await toHost(state.optimizer.slots)) };
  writeState(path, { tensors, step: state.step, optimizerT: state.optimizer.t });
}

/** What a run trained on the way is to the task that needs it. */
const roleOf = (config: RunConfig) => (config.mask ? `level ${pruningLevel(config.mask)}` : "dense parent");

export function modelFor(config: RunConfig): Model {
  const d = deviceData(config.data).dataset;
  return getModel(config.model, d.shape, d.classes);
}

/**
 * The weights a run starts from: a fresh initialisation, or the parent's weights at the branch step
 * (rewinding), times the run's mask.
 */
async function initialWeights(config: RunConfig, mask: Mask | null, neededBy?: string): Promise<HostParams> {
  let weights: HostParams;
  if (!config.from) weights = initParams(modelFor(config), config.initSeed);
  else {
    await ensureRun(config.from.run, { checkpoints: [config.from.step], neededBy });
    weights = loadWeights(config.from.run, config.from.step);
  }
  if (mask) weights = applyMask(weights, mask);
  if (config.perturbation) {
    const model = modelFor(config);
    weights = perturb(weights, mask ?? denseMask(model, prunableNames(model, [])), config.perturbation);
  }
  for (const [name, factor] of Object.entries(config.rescale ?? {})) {
    if (!weights[name]) throw new UserError(`rescale names ${name}, which ${config.model} does not have; its parameters are: ${Object.keys(weights).join(", ")}.`);
    weights = { ...weights, [name]: { shape: weights[name].shape, data: weights[name].data.map((v) => v * factor) } };
  }
  return weights;
}

/** The weights `config` starts training from (its mask, any perturbation and rescaling applied), training its parent if needed. */
export async function startingWeights(config: RunConfig): Promise<HostParams> {
  return initialWeights(config, config.mask ? await ensureMask(config.mask) : null);
}

/**
 * Makes sure a run's final state and the requested checkpoints exist, training only what is missing:
 * a finished run is reused, an interrupted one resumes from its latest saved state, and a checkpoint
 * requested after the fact is recomputed from the nearest earlier state (training is deterministic).
 */
export async function ensureRun(config: RunConfig, given: EnsureOptions = {}): Promise<RunSummary> {
  validateRunConfig(config);
  const options = { ...given, label: given.label ?? (given.neededBy ? `${given.neededBy}: ${roleOf(config)}` : undefined) };
  const backend = await initBackend(config.model);
  const dir = runDir(config);
  const hash = runHash(config);
  ensureDir(dir);
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
  const what = `run ${hash.slice(0, 12)}${options.label ? ` (${options.label})` : ""}`;
  return withLock(join(dir, "lock"), async () => {
    // Another worker may have finished it while we waited for the lock.
    const missing = missingSteps();
    const summary = readSummary(config);
    if (missing.length === 0 && summary) return summary;
    return train(config, options, missing, summary, backend.name);
  }, { what });
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
  const target = missing.length ? missing[missing.length - 1] : final;
  const from = missing.length ? missing[0] : final;

  // The latest saved state at or before the first missing step, else the initial weights.
  const candidates = [...savedSteps(dir).filter((s) => s <= from).map((s) => statePath(dir, s)), resumePath(dir)];
  let best: SavedState | null = null;
  for (const path of candidates) {
    const s = readState(path);
    if (s && s.step <= from && s.step >= first && (!best || s.step > best.step)) best = s;
  }
  // The runs trained on the way show the label of the task that needs them. Starting afresh, the parent comes
  // first, with its rewind point: a mask pruned from it would train it without that checkpoint.
  const neededBy = options.neededBy ?? options.label;
  if (!best && config.from) await ensureRun(config.from.run, { checkpoints: [config.from.step], neededBy });
  const mask = config.mask ? await ensureMask(config.mask, neededBy) : null;
  let state: TrainState;
  if (best) {
    const { params, slots } = splitState(best.tensors);
    state = { step: best.step, params: toDevice(params), optimizer: { t: best.optimizerT, slots: toDevice(slots) } };
  } else {
    const params = toDevice(await initialWeights(config, mask, neededBy));
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
      augmentation: config.data.augment ? { ...config.data.augment, fill: data.dataset.zeroPixel ?? new Array(data.dataset.shape[2]).fill(0) } : null,
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
    writeSummary(config, result);
    return result;
  } finally {
    disposeParams(state.params);
    disposeParams(state.optimizer.slots);
    if (deviceMask) disposeParams(deviceMask);
  }
}

// Masks: a run may start from a mask, and a mask is computed from trained runs (so runs and masks are one module).

/** The mask a run starts from: the one before pruning `source`, i.e. `source`'s own mask, or all prunable weights. */
export async function maskOf(config: RunConfig, exclude?: string[] | null): Promise<Mask> {
  if (config.mask) return ensureMask(config.mask);
  const model = modelFor(config);
  return denseMask(model, prunableNames(model, exclude ?? undefined));
}

async function compute(spec: MaskSpec, neededBy?: string): Promise<Mask> {
  if (spec.kind === "magnitude") {
    await ensureRun(spec.source, { neededBy });
    const current = await maskOf(spec.source, spec.exclude);
    return magnitudePrune(loadWeights(spec.source, spec.source.train.steps), current, spec.fraction, spec.scope);
  }
  return randomMaskLike(await ensureMask(spec.like, neededBy), spec.seed, spec.mode);
}

/**
 * The mask a spec describes, computed once (training what it depends on) and then read from disk;
 * `neededBy` labels the runs it trains on the way (see EnsureOptions).
 */
export async function ensureMask(spec: MaskSpec, neededBy?: string): Promise<Mask> {
  validateMaskSpec(spec);
  const saved = readMask(spec);
  if (saved) return saved;
  const mask = await compute(spec, neededBy);
  writeMask(spec, mask);
  return mask;
}
