import { Measured, SparseSetup, SubnetworkKind, denseRun, measure, referenceRuns, subnetwork } from "./subnetworks";
import { runTasks } from "../parallel/pool";
import { ensureMask } from "../materialise/mask";
import { loadWeights } from "../store/runs";
import { copies } from "../lmc/instability";
import { l2Distance } from "../lmc/distance";
import { nominalDensity } from "../prune/imp";
import { UserError } from "../util/errors";
import { MeanStd, meanStd } from "../util/stats";

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

/** What the sparse figures show from a grid; denseErrors are those of the matching reference's runs. */
export type RewindGridData = Awaited<ReturnType<typeof runRewindGrid>>;

export async function runRewindGrid(c: RewindGridConfig): Promise<{ cells: GridCell[]; denseErrors: number[] }> {
  validate(c);
  await runTasks(c.initSeeds.map((s) => ({ kind: "run" as const, config: denseRun(c, s), checkpoints: c.rewindSteps })));
  const reference = await runTasks(referenceRuns(c).map((config) => ({ kind: "run" as const, config, label: "dense reference" })));
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
  const measured = await measure(c, withStability.map((s) => s.config), chains);
  const accuracySummaries = await runTasks(accuracyOnly.map((s) => ({ kind: "run" as const, config: s.config })));
  const cells: GridCell[] = [];
  for (const [i, s] of withStability.entries()) {
    const mask = await ensureMask(s.config.mask!);
    const names = Object.keys(mask);
    const final = (config: typeof s.config) => loadWeights(config, config.train.steps);
    const [a, b] = copies(s.config, [1, 2]);
    cells.push({
      ...strip(s),
      density: nominalDensity(c.fraction, s.level),
      testError: measured[i].testError,
      paths: measured[i].paths,
      pruningDistance: l2Distance(final(s.config), final(denseRun(c, s.initSeed)), names, mask),
      dataOrderDistance: l2Distance(final(a), final(b), names, mask),
    });
  }
  accuracyOnly.forEach((s, i) => {
    cells.push({ ...strip(s), density: nominalDensity(c.fraction, s.level), testError: accuracySummaries[i].test.error, paths: [], pruningDistance: null, dataOrderDistance: null });
  });
  return { cells, denseErrors: reference.map((d) => d.test.error) };
}

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
