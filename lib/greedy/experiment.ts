import * as tf from "@tensorflow/tfjs";
import { RunConfig } from "../store/run-config";
import { TrainHparams } from "../train/hparams";
import { runTasks } from "../parallel/pool";
import { RunSummary } from "../store/runs";
import { cachedJson } from "../store/cached";
import { deviceData } from "../data/device";
import { initBackend } from "../backend";
import { meanFieldName, MEAN_FIELD_WIDTHS } from "../models/mean-field";
import { toDevice, disposeParams } from "../models/params";
import { UserError } from "../util/errors";
import { checkpointWeights } from "./checkpoints";
import { contributions, Contributions, disposeContributions } from "./contributions";
import { greedySelect } from "./select";
import { magnitudeOrder, randomOrder } from "./baselines";
import { subnetworkLoss, subnetworkMetrics, SubnetworkMetrics } from "./evaluate";
import { SELECTION_LOSSES, SelectionLoss } from "./loss";

/** What every greedy figure shares: the pre-trained mean-field networks and how subnetworks are selected and measured. */
export interface GreedySetup {
  /** Hidden width N (a registered mean-field-<N> model). */
  width: number;
  dataset: string;
  /** Pre-training (SGD); checkpoints at geometricSteps(train.steps). */
  train: TrainHparams;
  initSeed: number;
  dataSeed: number;
  /** Selection and training loss use the first this many training examples (a prefix of every training subset). */
  selectionExamples: number;
  loss: SelectionLoss;
  /** Test metrics on the first this many test examples (null: all). */
  testExamples: number | null;
  /**
   * Held-out training examples: the this many that follow the selection examples (indices m .. m + h - 1 of
   * the run's training subset, clipped to the subset). Pre-training saw them, the selection never does: a
   * subnetwork's loss on them is its training loss without the selection's in-sample bias. 0: none.
   */
  heldOutExamples: number;
}

/** What is selected and measured at one checkpoint. */
export interface SelectionSpec {
  /** GFS target size n. */
  size: number;
  /** Subnetwork sizes at which every method is measured (each <= size). */
  evalSizes: number[];
  /** Random-selection seeds (one subnetwork per seed and size). */
  randomSeeds: number[];
}

export interface MethodPoint {
  n: number;
  /** The loss on the selection examples: the objective GFS minimises (in-sample). */
  trainLoss: number;
  /** Loss and accuracy on the held-out training examples (absent in data measured before they were added, or when there are none). */
  heldOut?: SubnetworkMetrics;
  test: SubnetworkMetrics;
}

export interface CheckpointMeasurement {
  step: number;
  dense: { trainLoss: number; heldOut?: SubnetworkMetrics; test: SubnetworkMetrics };
  /** How many held-out training examples were measured (absent in older data). */
  heldOutCount?: number;
  gfs: { picks: number[]; losses: number[]; secondsPerStep: number; distinct: number; points: MethodPoint[] };
  magnitude: MethodPoint[];
  /** random[s]: the points of seed randomSeeds[s]. */
  random: MethodPoint[][];
  seconds: number;
}

export function validateSetup(s: GreedySetup): void {
  if (!(MEAN_FIELD_WIDTHS as readonly number[]).includes(s.width)) throw new UserError(`width ${s.width} has no registered model; choose one of: ${MEAN_FIELD_WIDTHS.join(", ")}.`);
  if (!SELECTION_LOSSES.includes(s.loss)) throw new UserError(`unknown selection loss "${s.loss}"; use one of: ${SELECTION_LOSSES.join(", ")}.`);
  if (!(Number.isInteger(s.selectionExamples) && s.selectionExamples >= 1)) {
    throw new UserError(`the training subset for greedy selection is empty: selectionExamples = ${s.selectionExamples} must be an integer >= 1.`);
  }
  if (!(Number.isInteger(s.heldOutExamples) && s.heldOutExamples >= 0)) throw new UserError(`heldOutExamples = ${s.heldOutExamples} must be an integer >= 0.`);
}

export function validateSpec(spec: SelectionSpec): void {
  if (!(Number.isInteger(spec.size) && spec.size >= 1)) throw new UserError(`target size n = ${spec.size} must be an integer >= 1.`);
  for (const n of spec.evalSizes) {
    if (!(Number.isInteger(n) && n >= 1 && n <= spec.size)) throw new UserError(`evaluation size ${n} must be an integer in 1..${spec.size} (the target size).`);
  }
}

/** The setup of pre-training seed r (0-based): initialisation seed initSeed + r and data-order seed dataSeed + r; r = 0 is `s` itself. */
export function seedSetup(s: GreedySetup, r: number): GreedySetup {
  if (!(Number.isInteger(r) && r >= 0)) throw new UserError(`seed index ${r} must be an integer >= 0.`);
  return r === 0 ? s : { ...s, initSeed: s.initSeed + r, dataSeed: s.dataSeed + r };
}

/** The pre-training run of a given training-set size. */
export function pretrainRun(s: GreedySetup, trainSize: number): RunConfig {
  return { model: meanFieldName(s.width), data: { dataset: s.dataset, trainSubset: trainSize }, train: s.train, initSeed: s.initSeed, dataSeed: s.dataSeed };
}

/** Pre-trains one network per training-set size (cached, resumable), saving the given checkpoints. */
export async function pretrain(s: GreedySetup, sizes: number[], checkpoints: number[]): Promise<RunSummary[]> {
  validateSetup(s);
  for (const size of sizes) {
    if (size < s.selectionExamples) throw new UserError(`training-set size ${size} is smaller than the ${s.selectionExamples} selection examples (they are its first examples).`);
  }
  return runTasks(sizes.map((size) => ({ kind: "run" as const, config: pretrainRun(s, size), checkpoints, label: `mean-field N=${s.width}, ${size} examples` })));
}

/**
 * At one checkpoint of `run`: GFS to the target size, magnitude pruning and random selection at every
 * evaluation size, and the dense network, all on the same selection examples, held-out training examples
 * (those after the selection examples, never seen by the selection) and test set. Cached under
 * results/cache/greedy-checkpoint/ keyed by the run, the step, the setup and the spec.
 */
export async function measureCheckpoint(s: GreedySetup, run: RunConfig, step: number, spec: SelectionSpec): Promise<CheckpointMeasurement> {
  validateSetup(s);
  validateSpec(spec);
  const key = { version: 2, run, step, selectionExamples: s.selectionExamples, heldOutExamples: s.heldOutExamples, loss: s.loss, testExamples: s.testExamples, spec };
  return cachedJson("greedy-checkpoint", key, () => measure(s, run, step, spec));
}

async function measure(s: GreedySetup, run: RunConfig, step: number, spec: SelectionSpec): Promise<CheckpointMeasurement> {
  await initBackend();
  const started = Date.now();
  const host = checkpointWeights(run, step);
  const data = deviceData(run.data);
  const m = s.selectionExamples;
  if (m > data.train.count) throw new UserError(`selectionExamples = ${m} exceeds the run's ${data.train.count} training examples.`);
  const testCount = Math.min(s.testExamples ?? data.test.count, data.test.count);
  const x = tf.slice(data.train.x, 0, m);
  const y = tf.slice(data.train.y, 0, m) as tf.Tensor1D;
  const testX = tf.slice(data.test.x, 0, testCount);
  const testY = tf.slice(data.test.y, 0, testCount) as tf.Tensor1D;
  const heldOutCount = Math.min(s.heldOutExamples, data.train.count - m);
  const heldX = heldOutCount > 0 ? tf.slice(data.train.x, m, heldOutCount) : null;
  const heldY = heldOutCount > 0 ? (tf.slice(data.train.y, m, heldOutCount) as tf.Tensor1D) : null;
  const heldOut = async (picks: number[] | null): Promise<{ heldOut?: SubnetworkMetrics }> => (heldX && heldY ? { heldOut: await subnetworkMetrics(host, picks, heldX, heldY, s.loss) } : {});
  const weights = toDevice(host);
  let c: Contributions | null = null;
  try {
    c = await contributions({ w: weights["fc1.weight"] as tf.Tensor2D, a: weights["fc.weight"] as tf.Tensor2D }, x, y);
    const cc = c;
    const point = async (picks: number[]): Promise<MethodPoint> => ({
      n: picks.length,
      trainLoss: await subnetworkLoss(cc, picks, s.loss),
      ...(await heldOut(picks)),
      test: await subnetworkMetrics(host, picks, testX, testY, s.loss),
    });
    const all = Array.from({ length: c.width }, (_, i) => i);
    const dense = { trainLoss: await subnetworkLoss(c, all, s.loss), ...(await heldOut(null)), test: await subnetworkMetrics(host, null, testX, testY, s.loss) };
    const g = await greedySelect(c, { size: spec.size, loss: s.loss });
    const gfsPoints: MethodPoint[] = [];
    for (const n of spec.evalSizes) gfsPoints.push(await point(g.picks.slice(0, n)));
    const byMagnitude = magnitudeOrder(host);
    const magnitude: MethodPoint[] = [];
    for (const n of spec.evalSizes) magnitude.push(await point(byMagnitude.slice(0, n)));
    const random: MethodPoint[][] = [];
    for (const seed of spec.randomSeeds) {
      const order = randomOrder(c.width, seed);
      const pts: MethodPoint[] = [];
      for (const n of spec.evalSizes) pts.push(await point(order.slice(0, n)));
      random.push(pts);
    }
    return {
      step,
      dense,
      heldOutCount,
      gfs: { picks: g.picks, losses: g.losses, secondsPerStep: g.secondsPerStep, distinct: new Set(g.picks).size, points: gfsPoints },
      magnitude,
      random,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    if (c) disposeContributions(c);
    disposeParams(weights);
    for (const t of [x, y, testX, testY, heldX, heldY]) t?.dispose();
  }
}
