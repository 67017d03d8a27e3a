import { SparseSetup, denseReplicate, measure, subnetwork } from "./subnetworks";
import { runTasks } from "../parallel/pool";
import { ensureMask } from "../materialise/mask";
import { loadWeights } from "../store/runs";
import { TrainHparams } from "../train/hparams";
import { evenAlphas } from "../lmc/barrier";
import { angularDistance } from "../lmc/distance";
import { nominalDensity } from "../prune/imp";
import { UserError } from "../util/errors";

/**
 * Maene et al. 2021: IMP reset to initialisation (k = 0) at several batch sizes, the number of epochs
 * fixed and the learning rate held (as the paper does). Per batch size: IMP's accuracy and random
 * reinitialisation's at each level, the instability of IMP subnetworks at chosen rounds, and how far apart
 * successive rounds' solutions end (angular distance on their shared weights, and the error barrier).
 */
export interface BatchGridConfig extends SparseSetup {
  /** `train` is the base schedule; each batch size runs the same epochs with the same rate. */
  batchSizes: number[];
  /** IMP rounds (levels) run per initialisation. */
  maxLevel: number;
  /** Levels whose accuracy (IMP and random reinit) is reported. */
  levels: number[];
  /** Levels whose IMP subnetworks get the instability analysis. */
  instabilityLevels: number[];
  /** Data orders of the dense runs per initialisation behind each batch size's matching threshold. */
  referenceDataSeeds: number[];
}

/** The same epochs at another batch size, the rate held: steps, drops and warm-up scale with 1 / batch. */
export function atBatchSize(h: TrainHparams, batchSize: number): TrainHparams {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`batch size ${batchSize} must be a positive integer.`);
  const scale = (s: number) => Math.max(1, Math.round((s * h.batchSize) / batchSize));
  return { ...h, batchSize, steps: scale(h.steps), lrDropSteps: h.lrDropSteps.map(scale), warmupSteps: h.warmupSteps ? scale(h.warmupSteps) : 0 };
}

export interface BatchLevel {
  level: number;
  density: number;
  initSeed: number;
  impError: number;
  reinitError: number;
}

export interface RoundPair {
  /** From level L to L + 1 (level 0: the dense network). */
  level: number;
  initSeed: number;
  /** Test error barrier on the path between the two solutions, under level L + 1's mask. */
  barrier: number;
  /** 2 * angle / pi between the two solutions over level L + 1's weights. */
  angular: number;
}

export interface BatchResult {
  batchSize: number;
  steps: number;
  denseErrors: number[];
  levels: BatchLevel[];
  instability: { level: number; initSeed: number; barriers: number[] }[];
  rounds: RoundPair[];
}

function validate(c: BatchGridConfig): void {
  if (!c.batchSizes.length) throw new UserError("batchSizes is empty: give at least one batch size.");
  if (!(Number.isInteger(c.maxLevel) && c.maxLevel >= 1)) throw new UserError(`maxLevel ${c.maxLevel} must be a positive integer.`);
  for (const l of [...c.levels, ...c.instabilityLevels]) if (!Number.isInteger(l) || l < 1 || l > c.maxLevel) throw new UserError(`level ${l} must be an integer in 1..${c.maxLevel} (maxLevel).`);
}

async function atBatch(c: BatchGridConfig, batchSize: number): Promise<BatchResult> {
  const setup: SparseSetup = { ...c, train: atBatchSize(c.train, batchSize) };
  const reference = await runTasks(c.initSeeds.flatMap((s) => c.referenceDataSeeds.map((d) => ({ kind: "run" as const, config: denseReplicate(setup, s, d), checkpoints: d === 0 ? [0] : [], label: "dense" }))));
  await runTasks(c.initSeeds.map((s) => ({ kind: "run" as const, config: subnetwork(setup, "imp", s, 0, c.maxLevel), label: "IMP chain" })));
  const cells = c.levels.flatMap((level) => c.initSeeds.map((initSeed) => ({ level, initSeed })));
  const imp = await runTasks(cells.map((x) => ({ kind: "run" as const, config: subnetwork(setup, "imp", x.initSeed, 0, x.level) })));
  const reinit = await runTasks(cells.map((x) => ({ kind: "run" as const, config: subnetwork(setup, "random-reinit", x.initSeed, 0, x.level), label: "random reinit" })));
  const unstable = c.instabilityLevels.flatMap((level) => c.initSeeds.map((initSeed) => ({ level, initSeed })));
  const measured = await measure(setup, unstable.map((x) => subnetwork(setup, "imp", x.initSeed, 0, x.level)));
  const steps = Array.from({ length: c.maxLevel }, (_, level) => level).flatMap((level) => c.initSeeds.map((initSeed) => ({ level, initSeed })));
  const ends = steps.map((x) => [subnetwork(setup, "imp", x.initSeed, 0, x.level), subnetwork(setup, "imp", x.initSeed, 0, x.level + 1)] as const);
  const alphas = evenAlphas(c.alphas);
  const paths = await runTasks(ends.map(([a, b]) => ({ kind: "path" as const, a, b, options: { alphas, trainEvalSubset: c.trainEvalSubset, batchNorm: c.batchNorm, mask: b.mask } })));
  const rounds: RoundPair[] = [];
  for (const [i, [a, b]] of ends.entries()) {
    const mask = await ensureMask(b.mask!);
    rounds.push({ ...steps[i], barrier: paths[i].test.meanBarrier, angular: angularDistance(loadWeights(a, a.train.steps), loadWeights(b, b.train.steps), Object.keys(mask), mask) });
  }
  return {
    batchSize,
    steps: setup.train.steps,
    denseErrors: reference.map((r) => r.test.error),
    levels: cells.map((x, i) => ({ ...x, density: nominalDensity(c.fraction, x.level), impError: imp[i].test.error, reinitError: reinit[i].test.error })),
    instability: unstable.map((x, i) => ({ ...x, barriers: measured[i].paths.map((p) => p.test.meanBarrier) })),
    rounds,
  };
}

export async function runBatchGrid(c: BatchGridConfig): Promise<{ batches: BatchResult[] }> {
  validate(c);
  const batches: BatchResult[] = [];
  for (const b of c.batchSizes) batches.push(await atBatch(c, b));
  return { batches };
}

export type BatchGridData = Awaited<ReturnType<typeof runBatchGrid>>;
