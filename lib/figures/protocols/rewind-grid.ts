import { method } from "../figure";
import { copiesStep, impLevelsStep, pairPathsStep, parentsStep, referenceStep } from "./sparse-steps";
import { Measured, SparseSetup, SubnetworkKind, copyPairs, denseRun, subnetwork } from "../../lottery/subnetworks";
import { runTasks } from "../../parallel/pool";
import { ensureMask } from "../../materialise/run";
import { loadWeights } from "../../store/runs";
import { branchAt, copies } from "../../lmc/instability";
import { l2Distance } from "../../lmc/distance";
import { nominalDensity } from "../../prune/imp";
import { RunConfig } from "../../store/run-config";
import { UserError } from "../../util/errors";
import { MeanStd, meanStd } from "../../util/stats";

/**
 * The grid behind the sparse figures: subnetworks of each kind at several IMP levels and rewind steps k,
 * each trained (accuracy), copied twice (instability) and compared by distance. The rewinding, sparsity
 * sweep and stability-distance figures are views of one grid, so a preset computes it once.
 */
export interface RewindGridConfig extends SparseSetup {
  rewindSteps: number[];
  /** IMP levels to measure (density (1 - fraction)^level). */
  levels: number[];
  /** Kinds whose accuracy is measured at every cell. */
  accuracyKinds: SubnetworkKind[];
  /** Kinds whose instability and distances are measured at every cell. */
  stabilityKinds: SubnetworkKind[];
  /**
   * Pairs of copies of each dense network made at k = 0, whose instability is the premise of a figure about
   * a network unstable at initialisation, measured with the grid (absent: not measured here).
   */
  densePairs?: number;
}

export interface GridCell {
  kind: SubnetworkKind;
  k: number;
  level: number;
  density: number;
  initSeed: number;
  testError: number;
  /** Instability paths (empty when the kind's stability is not measured). */
  paths: Measured["paths"];
  /** Stabilizing paper: ||m (trained subnetwork) - m (trained dense)||, over the masked weights. */
  pruningDistance: number | null;
  /** Stabilizing paper: ||copy 1 - copy 2|| of the first pair, over the masked weights. */
  dataOrderDistance: number | null;
}

function validate(c: RewindGridConfig): void {
  for (const k of c.rewindSteps) if (!Number.isInteger(k) || k < 0 || k >= c.train.steps) throw new UserError(`rewind step ${k} must be an integer in 0..${c.train.steps - 1}.`);
  for (const l of c.levels) if (!Number.isInteger(l) || l < 1) throw new UserError(`IMP level ${l} must be a positive integer (level 0 is the dense network).`);
}

/** Every run the grid needs, from its config alone (cheap, and the same in every step). */
function plan(c: RewindGridConfig) {
  const maxLevel = Math.max(...c.levels);
  const chains = c.rewindSteps.flatMap((k) => c.initSeeds.map((s) => subnetwork(c, "imp", s, k, maxLevel)));
  const kinds = [...new Set([...c.accuracyKinds, ...c.stabilityKinds])];
  const specs = kinds.flatMap((kind) =>
    c.rewindSteps.flatMap((k) =>
      // Random reinitialisation does not depend on k: measure it once, at the first rewind step.
      kind === "random-reinit" && k !== c.rewindSteps[0]
        ? []
        : c.levels.flatMap((level) => c.initSeeds.map((initSeed) => ({ kind, k, level, initSeed, config: subnetwork(c, kind, initSeed, k, level) }))),
    ),
  );
  const withStability = specs.filter((s) => c.stabilityKinds.includes(s.kind));
  const accuracyOnly = specs.filter((s) => !c.stabilityKinds.includes(s.kind));
  const premise = c.densePairs ? copyPairs({ pairs: c.densePairs }, c.initSeeds.map((s) => branchAt(denseRun(c, s), 0))) : [];
  const pairs = copyPairs(c, withStability.map((s) => s.config));
  // The premise's pairs go last, so the subnetworks' pairs keep their places (and their paths their order).
  return { chains, withStability, accuracyOnly, pairs, premise, allPairs: [...pairs, ...premise] };
}

/**
 * The grid in steps (the notebooks' cells; `runRewindGrid` runs them in one go). Each wave of independent
 * work is spread over the worker pool; IMP chains go first, one task per chain, so that the workers do
 * not queue behind each other's locks.
 */
export const REWIND_GRID = method<RewindGridConfig>()
  .add(parentsStep(validate))
  .add(referenceStep("a subnetwork"))
  .add(impLevelsStep(
    "For every initialisation and rewind step k, run IMP to the deepest level: each level prunes the given fraction of the weights the previous level kept, by the magnitude of its trained weights, rewinds the survivors to W_k and trains to the end. Every level's mask and trained subnetwork are cached.",
    (c) => plan(c).chains,
  ))
  .step(
    "subnetworks",
    "Train every subnetwork of the grid with data order 0: IMP at each measured level and k, random pruning with IMP's per-layer densities rewound to the same W_k, and random reinitialisation (IMP's mask, fresh weights; once, as it does not depend on k).",
    async (c) => {
      const { withStability, accuracyOnly } = plan(c);
      const stability = await runTasks(withStability.map((s) => ({ kind: "run" as const, config: s.config, label: "subnetwork" })));
      const accuracy = await runTasks(accuracyOnly.map((s) => ({ kind: "run" as const, config: s.config })));
      return { stability, accuracy };
    },
  )
  .add(copiesStep(
    "For the kinds whose stability is measured, train pairs of copies of every subnetwork from m * W_k to the end with different data orders (2p+1 and 2p+2); with `densePairs`, also pairs of copies of each dense network made at k = 0 (the premise).",
    (c) => plan(c).allPairs,
  ))
  .add(pairPathsStep((c) => plan(c).allPairs))
  .step(
    "summarise",
    "Per subnetwork: its test error; its instability (the largest error on each path minus the mean of its endpoints' errors); pruning stability, the L2 distance over the kept weights to the trained dense network; data-order stability, the L2 distance between the two copies of the first pair.",
    async (c, done): Promise<{ cells: GridCell[]; denseErrors: number[]; denseInstabilities?: number[] }> => {
      const { withStability, accuracyOnly, pairs } = plan(c);
      const { stability, accuracy } = done.subnetworks;
      const paths = done.paths.slice(0, pairs.length);
      const premise = done.paths.slice(pairs.length);
      const cells: GridCell[] = [];
      for (const [i, s] of withStability.entries()) {
        const mask = await ensureMask(s.config.mask!);
        const names = Object.keys(mask);
        const final = (config: RunConfig) => loadWeights(config, config.train.steps);
        const [a, b] = copies(s.config, [1, 2]);
        cells.push({
          ...strip(s),
          density: nominalDensity(c.fraction, s.level),
          testError: stability[i].test.error,
          paths: paths.filter((_, j) => pairs[j].start === i),
          pruningDistance: l2Distance(final(s.config), final(denseRun(c, s.initSeed)), names, mask),
          dataOrderDistance: l2Distance(final(a), final(b), names, mask),
        });
      }
      accuracyOnly.forEach((s, i) => {
        cells.push({ ...strip(s), density: nominalDensity(c.fraction, s.level), testError: accuracy[i].test.error, paths: [], pruningDistance: null, dataOrderDistance: null });
      });
      const denseErrors = done.reference.map((d) => d.test.error);
      return c.densePairs ? { cells, denseErrors, denseInstabilities: premise.map((p) => p.test.meanBarrier) } : { cells, denseErrors };
    },
  );

export const REWIND_GRID_STEPS = REWIND_GRID.steps;
export const runRewindGrid = REWIND_GRID.compute;

/** What the sparse figures show from a grid; denseErrors are those of the matching reference's runs. */
export type RewindGridData = Awaited<ReturnType<typeof runRewindGrid>>;

const strip = <T extends { config: unknown }>(s: T): Omit<T, "config"> => {
  const { config: _config, ...rest } = s;
  return rest;
};

/** The cells of one kind at one rewind step and level, across initialisations. */
export function cellsAt(cells: GridCell[], kind: SubnetworkKind, k: number | null, level: number): GridCell[] {
  return cells.filter((c) => c.kind === kind && (k === null || c.k === k) && c.level === level);
}

export function gridAccuracy(cells: GridCell[]): MeanStd {
  return meanStd(cells.map((c) => 1 - c.testError));
}

export function gridInstability(cells: GridCell[]): MeanStd {
  return meanStd(cells.flatMap((c) => c.paths.map((p) => p.test.meanBarrier)));
}
