import { method } from "../figure";
import { SparseSetup, copyPairs, denseReplicate, denseRun, pairPaths, subnetwork, trainCopies } from "../../lottery/subnetworks";
import { branchAt } from "../../lmc/instability";
import { runTasks } from "../../parallel/pool";
import { Task, TaskResult } from "../../parallel/tasks";
import { ensureMask } from "../../materialise/run";
import { loadWeights } from "../../store/runs";
import { TrainHparams } from "../../train/hparams";
import { evenAlphas } from "../../lmc/barrier";
import { angularDistance } from "../../lmc/distance";
import { nominalDensity } from "../../prune/imp";
import { UserError } from "../../util/errors";

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
  /**
   * Pairs of dense copies per initialisation, branched at k = 0, for the dense network's own instability at
   * each batch size: the premise that a larger batch stabilises training is measured, not assumed. Data
   * orders 2p+1 and 2p+2, so the reference runs with those orders are reused.
   */
  densePairs: number;
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

/** One pair of dense copies branched at k = 0: the paper's instability and the alpha-weighted barrier. */
export interface DensePair {
  initSeed: number;
  barrier: number;
  linearBarrier: number;
}

export interface BatchResult {
  batchSize: number;
  steps: number;
  denseErrors: number[];
  /** The dense network's instability at k = 0, one entry per pair of copies. */
  denseInstability: DensePair[];
  levels: BatchLevel[];
  instability: { level: number; initSeed: number; barriers: number[] }[];
  rounds: RoundPair[];
}

function validate(c: BatchGridConfig): void {
  if (!c.batchSizes.length) throw new UserError("batchSizes is empty: give at least one batch size.");
  if (!(Number.isInteger(c.densePairs) && c.densePairs >= 1)) throw new UserError(`densePairs ${c.densePairs} must be a positive integer: the dense instability at each batch size is the premise of the figure.`);
  if (!(Number.isInteger(c.maxLevel) && c.maxLevel >= 1)) throw new UserError(`maxLevel ${c.maxLevel} must be a positive integer.`);
  for (const l of [...c.levels, ...c.instabilityLevels]) if (!Number.isInteger(l) || l < 1 || l > c.maxLevel) throw new UserError(`level ${l} must be an integer in 1..${c.maxLevel} (maxLevel).`);
}

/** Every run and path one batch size needs, from the config alone (cheap, and the same in every step). */
function planBatch(c: BatchGridConfig, batchSize: number) {
  const setup: SparseSetup = { ...c, train: atBatchSize(c.train, batchSize) };
  const imp = (initSeed: number, level: number) => subnetwork(setup, "imp", initSeed, 0, level);
  const cells = c.levels.flatMap((level) => c.initSeeds.map((initSeed) => ({ level, initSeed })));
  const unstable = c.instabilityLevels.flatMap((level) => c.initSeeds.map((initSeed) => ({ level, initSeed })));
  const steps = Array.from({ length: c.maxLevel }, (_, level) => level).flatMap((level) => c.initSeeds.map((initSeed) => ({ level, initSeed })));
  return {
    batchSize,
    setup,
    reference: c.initSeeds.flatMap((s) => c.referenceDataSeeds.map((d) => ({ config: denseReplicate(setup, s, d), dataSeed: d }))),
    chains: c.initSeeds.map((s) => imp(s, c.maxLevel)),
    cells,
    unstable,
    pairs: copyPairs(setup, unstable.map((x) => imp(x.initSeed, x.level))),
    densePairs: copyPairs({ pairs: c.densePairs }, c.initSeeds.map((s) => branchAt(denseRun(setup, s), 0))),
    steps,
    ends: steps.map((x) => [imp(x.initSeed, x.level), imp(x.initSeed, x.level + 1)] as const),
  };
}

type BatchPlan = ReturnType<typeof planBatch>;
const plan = (c: BatchGridConfig) => c.batchSizes.map((b) => planBatch(c, b));

/** One wave of every batch size's tasks over the worker pool, its results split back per batch size. */
async function perBatch<T extends Task>(plans: BatchPlan[], tasks: (p: BatchPlan) => T[]): Promise<TaskResult<T>[][]> {
  const lists = plans.map(tasks);
  const results = await runTasks(lists.flat());
  let at = 0;
  return lists.map((l) => results.slice(at, (at += l.length)));
}

/** The grid in steps (the notebooks' cells; `runBatchGrid` runs them in one go), every batch size in each. */
export const BATCH_GRID = method<BatchGridConfig>()
  .step(
    "dense",
    "At every batch size (the same epochs, the rate held: steps and drops scale with 1 / batch), train the dense networks from W0: one per initialisation and data order, behind that batch size's matching threshold; data order 0 is IMP's dense network.",
    async (c) => {
      validate(c);
      return perBatch(plan(c), (p) => p.reference.map((r) => ({ kind: "run" as const, config: r.config, checkpoints: r.dataSeed === 0 ? [0] : [], label: "dense" })));
    },
  )
  .step(
    "impRounds",
    "Run IMP reset to initialisation (k = 0) for every round up to the last, one chain per initialisation and batch size: each round prunes the given fraction of the weights the previous one kept, by the magnitude of its trained weights, resets the survivors to W0 and trains to the end.",
    async (c) => {
      return perBatch(plan(c), (p) => p.chains.map((config) => ({ kind: "run" as const, config, label: "IMP chain" })));
    },
  )
  .step(
    "subnetworks",
    "At each reported round, the IMP subnetwork's test error (trained in the chain) and a random reinitialisation's: IMP's mask with fresh weights, trained from step 0.",
    async (c) => {
      const plans = plan(c);
      const imp = await perBatch(plans, (p) => p.cells.map((x) => ({ kind: "run" as const, config: subnetwork(p.setup, "imp", x.initSeed, 0, x.level) })));
      const reinit = await perBatch(plans, (p) => p.cells.map((x) => ({ kind: "run" as const, config: subnetwork(p.setup, "random-reinit", x.initSeed, 0, x.level), label: "random reinit" })));
      return { imp, reinit };
    },
  )
  .step(
    "copies",
    "At every batch size, train pairs of copies of the dense network from W0 with different data orders (2p+1 and 2p+2; the dense instability at k = 0), and at the rounds chosen for the instability analysis, pairs of copies of each IMP subnetwork from m * W0.",
    async (c) => {
      validate(c);
      return trainCopies(plan(c).flatMap((p) => [...p.densePairs, ...p.pairs]));
    },
  )
  .step(
    "paths",
    "Evaluate the error along the linear path between the two copies of every pair (dense and IMP), and between the solutions of every two successive rounds (round L and L + 1, under round L + 1's mask; round 0 is the dense network).",
    async (c) => {
      const plans = plan(c);
      const instability = [];
      const dense = [];
      for (const p of plans) {
        dense.push(await pairPaths(p.setup, p.densePairs));
        instability.push(await pairPaths(p.setup, p.pairs));
      }
      const alphas = evenAlphas(c.alphas);
      const rounds = await perBatch(plans, (p) => p.ends.map(([a, b]) => ({ kind: "path" as const, a, b, options: { alphas, trainEvalSubset: c.trainEvalSubset, batchNorm: c.batchNorm, mask: b.mask } })));
      return { dense, instability, rounds };
    },
  )
  .step(
    "summarise",
    "Per batch size: the dense, IMP and reinitialised test errors; the dense network's instability at k = 0 (and the alpha-weighted barrier) per pair of copies; each IMP pair's instability (the largest error on its path minus the mean of its endpoints'); for every two successive rounds, the barrier between them and the angular distance 2 * angle / pi between their solutions over round L + 1's weights.",
    async (c, done) => {
      const batches: BatchResult[] = [];
      for (const [b, p] of plan(c).entries()) {
        const imp = done.subnetworks.imp[b];
        const reinit = done.subnetworks.reinit[b];
        const paths = done.paths.instability[b];
        const densePaths = done.paths.dense[b];
        const roundPaths = done.paths.rounds[b];
        const rounds: RoundPair[] = [];
        for (const [i, [a, z]] of p.ends.entries()) {
          const mask = await ensureMask(z.mask!);
          rounds.push({ ...p.steps[i], barrier: roundPaths[i].test.meanBarrier, angular: angularDistance(loadWeights(a, a.train.steps), loadWeights(z, z.train.steps), Object.keys(mask), mask) });
        }
        batches.push({
          batchSize: p.batchSize,
          steps: p.setup.train.steps,
          denseErrors: done.dense[b].map((r) => r.test.error),
          denseInstability: p.densePairs.map((q, j) => ({ initSeed: c.initSeeds[q.start], barrier: densePaths[j].test.meanBarrier, linearBarrier: densePaths[j].test.linearBarrier })),
          levels: p.cells.map((x, i) => ({ ...x, density: nominalDensity(c.fraction, x.level), impError: imp[i].test.error, reinitError: reinit[i].test.error })),
          instability: p.unstable.map((x, i) => ({ ...x, barriers: paths.filter((_, j) => p.pairs[j].start === i).map((q) => q.test.meanBarrier) })),
          rounds,
        });
      }
      return { batches };
    },
  );

export const BATCH_GRID_STEPS = BATCH_GRID.steps;
export const runBatchGrid = BATCH_GRID.compute;

export type BatchGridData = Awaited<ReturnType<typeof runBatchGrid>>;
