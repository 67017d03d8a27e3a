import { FigureStep } from "../figure";
import { SparseSetup, denseRun, pairPaths, referenceRuns, trainChains, trainCopies } from "../../lottery/subnetworks";
import { RunConfig } from "../../store/run-config";
import { RunSummary } from "../../store/runs";
import { PathResult } from "../../lmc/path";
import { runTasks } from "../../parallel/pool";

/**
 * Steps that the figures built on IMP subnetworks (the rewind grid, successive levels, sparse-k0) share,
 * each made from what differs between them: the config check, the runs a figure plans, and the wording of
 * its notebook cell. Each returns the summaries (or paths) of what it trained.
 */
type Pairs = { runs: RunConfig[] }[];

/** Dense networks from W0 with data order 0, one per initialisation, saving W_k at every rewind step. */
export function parentsStep<C extends SparseSetup & { rewindSteps: number[] }>(validate: (c: C) => void): FigureStep<C, object, "parents", RunSummary[]> {
  return {
    id: "parents",
    doc: "Train one dense network per initialisation seed from W0 with data order 0, saving its weights W_k at every rewind step k.",
    run: async (c) => {
      validate(c);
      return runTasks(c.initSeeds.map((s) => ({ kind: "run" as const, config: denseRun(c, s), checkpoints: c.rewindSteps })));
    },
  };
}

/** The dense runs behind the matching threshold; `what` names what matches ("a subnetwork", "a level"). */
export function referenceStep<C extends SparseSetup>(what: string): FigureStep<C, object, "reference", RunSummary[]> {
  return {
    id: "reference",
    doc: `Train the dense runs behind the matching threshold (by default the parents themselves): ${what} matches when its mean accuracy is within one std of theirs.`,
    run: async (c) => runTasks(referenceRuns(c).map((config) => ({ kind: "run" as const, config, label: "dense reference" }))),
  };
}

/** Every IMP chain of the figure to its deepest level (one task per chain). */
export function impLevelsStep<C>(doc: string, chains: (c: C) => RunConfig[]): FigureStep<C, object, "impLevels", RunSummary[]> {
  return { id: "impLevels", doc, run: async (c) => trainChains(chains(c)) };
}

/** Pairs of copies of every subnetwork to the end, with different data orders. */
export function copiesStep<C>(doc: string, pairs: (c: C) => Pairs): FigureStep<C, object, "copies", RunSummary[]> {
  return { id: "copies", doc, run: async (c) => trainCopies(pairs(c)) };
}

/** The error along the path between the two copies of every pair. */
export function pairPathsStep<C extends Pick<SparseSetup, "alphas" | "trainEvalSubset" | "batchNorm">>(pairs: (c: C) => Pairs): FigureStep<C, object, "paths", PathResult[]> {
  return {
    id: "paths",
    doc: "Evaluate the error along the linear path between the two copies of every pair, on the test set and a training subset.",
    run: async (c) => pairPaths(c, pairs(c)),
  };
}
