import { BatchNormPath } from "../lmc/bn-statistics";
import { DataConfig } from "../data/registry";
import { TrainHparams } from "../train/hparams";
import { RunConfig } from "../store/run-config";
import { RunSummary } from "../store/runs";
import { branchAt, copies } from "../lmc/instability";
import { PathResult } from "../lmc/path";
import { evenAlphas } from "../lmc/barrier";
import { runTasks } from "../parallel/pool";
import { ImpSpec, impLevel, randomPruned, randomReinit } from "../prune/imp";
import { Scope } from "../prune/magnitude";
import { MeanStd, meanStd } from "../util/stats";

/** What the sparse figures share: the dense networks, how IMP prunes them, and how they are measured. */
export interface SparseSetup {
  model: string;
  data: DataConfig;
  train: TrainHparams;
  /** One dense network (and IMP run) per initialisation seed. */
  initSeeds: number[];
  /** Fraction of remaining weights pruned per IMP level. */
  fraction: number;
  scope: Scope;
  /** Pairs of copies per subnetwork for the instability analysis. */
  pairs: number;
  alphas: number;
  trainEvalSubset: number | null;
  /** A subnetwork is matching when its mean test accuracy is at least the dense mean minus this (null: one std of the dense runs). */
  matchingTolerance: number | null;
  /**
   * The dense runs the matching threshold is estimated from: every initialisation x data order listed
   * (absent: one run per initialisation of `initSeeds`, data order 0). More runs than the subnetworks
   * get, because the threshold is one number every cell is compared with.
   */
  denseReference?: { initSeeds: number[]; dataSeeds: number[] } | null;
  /** Batch-norm statistics along paths (models with batch norm; absent: recomputed, DEFAULT_BATCH_NORM_PATH). */
  batchNorm?: BatchNormPath | null;
}

export const SUBNETWORKS = ["imp", "random-pruning", "random-reinit"] as const;
export type SubnetworkKind = (typeof SUBNETWORKS)[number];

export const KIND_LABELS: Record<SubnetworkKind, string> = {
  imp: "IMP",
  "random-pruning": "random pruning",
  "random-reinit": "random reinit",
};

/** The dense network of an initialisation: trained from W0 with data order 0 (shared by every figure). */
export function denseRun(c: Pick<SparseSetup, "model" | "data" | "train">, initSeed: number): RunConfig {
  return { model: c.model, data: c.data, train: c.train, initSeed, dataSeed: 0 };
}

/**
 * A dense run of an initialisation with any data order. Data order 0 is the dense run itself; the others
 * are the instability analysis's copies branched at k = 0 (the same training, so those runs are reused).
 */
export function denseReplicate(c: Pick<SparseSetup, "model" | "data" | "train">, initSeed: number, dataSeed: number): RunConfig {
  const dense = denseRun(c, initSeed);
  return dataSeed === 0 ? dense : { ...branchAt(dense, 0), dataSeed };
}

/** The dense runs behind the matching threshold (see SparseSetup.denseReference). */
export function referenceRuns(c: SparseSetup): RunConfig[] {
  const ref = c.denseReference ?? { initSeeds: c.initSeeds, dataSeeds: [0] };
  return ref.initSeeds.flatMap((s) => ref.dataSeeds.map((d) => denseReplicate(c, s, d)));
}

export function impSpec(c: SparseSetup, initSeed: number, rewindStep: number): ImpSpec {
  return { dense: denseRun(c, initSeed), rewindStep, fraction: c.fraction, scope: c.scope };
}

/** Baseline seeds are derived from the initialisation seed so that every replicate has its own. */
const BASELINE_SEED_OFFSET = 1000;

/** The subnetwork of a kind at an IMP level, rewound to k (random reinit starts from fresh weights at 0). */
export function subnetwork(c: SparseSetup, kind: SubnetworkKind, initSeed: number, k: number, level: number): RunConfig {
  const spec = impSpec(c, initSeed, k);
  if (kind === "imp" || level === 0) return impLevel(spec, level);
  if (kind === "random-pruning") return randomPruned(spec, level, BASELINE_SEED_OFFSET + initSeed, "layerwise");
  return randomReinit(spec, level, BASELINE_SEED_OFFSET + initSeed);
}

export interface Measured {
  /** Test error of the subnetwork trained with data order 0. */
  testError: number;
  /** One linear path per pair of copies (data orders 2p+1 and 2p+2). */
  paths: PathResult[];
}

/** IMP chains, one task per chain (each level needs the previous one): every level's mask and training. */
export async function trainChains(chains: RunConfig[]): Promise<RunSummary[]> {
  return runTasks(chains.map((config) => ({ kind: "run" as const, config, label: "IMP chain" })));
}

/** The pairs of copies of each starting network (data orders 2p+1 and 2p+2); `start` indexes `starts`. */
export function copyPairs(c: Pick<SparseSetup, "pairs">, starts: RunConfig[]): { start: number; runs: RunConfig[] }[] {
  return starts.flatMap((start, i) => Array.from({ length: c.pairs }, (_, p) => ({ start: i, runs: copies(start, [2 * p + 1, 2 * p + 2]) })));
}

export async function trainCopies(pairs: { runs: RunConfig[] }[]): Promise<RunSummary[]> {
  return runTasks(pairs.flatMap((p) => p.runs.map((config, j) => ({ kind: "run" as const, config, label: `copy ${j + 1}` }))));
}

/** The linear path between the two copies of each pair. */
export async function pairPaths(c: Pick<SparseSetup, "alphas" | "trainEvalSubset" | "batchNorm">, pairs: { runs: RunConfig[] }[]): Promise<PathResult[]> {
  const alphas = evenAlphas(c.alphas);
  return runTasks(pairs.map((p) => ({ kind: "path" as const, a: p.runs[0], b: p.runs[1], options: { alphas, trainEvalSubset: c.trainEvalSubset, batchNorm: c.batchNorm } })));
}

export function accuracyOf(ms: Measured[]): MeanStd {
  return meanStd(ms.map((m) => 1 - m.testError));
}

export function instabilityOf(ms: Measured[], split: "test" | "train" = "test"): MeanStd {
  return meanStd(ms.flatMap((m) => m.paths.map((p) => p[split].meanBarrier)));
}
