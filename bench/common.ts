/**
 * What the benchmark's driver (bench.ts) and its timing children (ours.ts, reference.py) share: the
 * workloads and their sizes, the line protocol, and how a child proves how many threads did the work.
 */
import { readFileSync, readdirSync } from "node:fs";

/** Lines of the protocol start with this; anything else a child prints (library banners) is ignored. */
export const PREFIX = "@@bench ";

export const WORKLOADS = [
  "lenet-step",
  "path-eval",
  "conv2-step",
  "resnet20-step",
  "resnet20-4-step",
  "resnet20-8-step",
  "vgg16-step",
  "aggregate",
  "lenet-run",
  "conv-aggregate",
  "resnet20-4-run",
] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Sizes of one timed repetition of each workload (full run, and --quick). */
export interface Sizes {
  lenetSteps: number;
  pathPoints: number;
  conv2Steps: number;
  resnetSteps: number;
  /** Steps of a repetition of the narrow ResNet-20 rows (width 4 and 8). */
  narrowResnetSteps: number;
  vggSteps: number;
  /** VGG-16's batch size (the same on both sides). */
  vggBatch: number;
  /** Steps of each of the concurrent LeNet runs of the aggregate row (and of PyTorch's single run). */
  aggregateSteps: number;
  aggregateRuns: number;
  /** Steps of each of the concurrent ResNet-20-4 runs of the conv-aggregate row (and of PyTorch's single run). */
  convAggregateSteps: number;
}

export const FULL: Sizes = {
  lenetSteps: 200,
  pathPoints: 30,
  conv2Steps: 5,
  resnetSteps: 1,
  narrowResnetSteps: 5,
  vggSteps: 1,
  vggBatch: 128,
  aggregateSteps: 6000,
  aggregateRuns: 2,
  convAggregateSteps: 120,
};
export const QUICK: Sizes = {
  lenetSteps: 20,
  pathPoints: 3,
  conv2Steps: 1,
  resnetSteps: 1,
  narrowResnetSteps: 1,
  vggSteps: 1,
  vggBatch: 32,
  aggregateSteps: 100,
  aggregateRuns: 2,
  convAggregateSteps: 10,
};

/** ResNet-20's training step: CIFAR-10-sized inputs, the usual SGD recipe, batch 128 (VGG-16's too, at Sizes.vggBatch). */
export const RESNET = { batch: 128, lr: 0.1, momentum: 0.9, weightDecay: 1e-4, examples: 512 };
/**
 * The CIFAR-sized training-step workloads: the registry model each times, and its batch (null: Sizes.vggBatch).
 * reference.py builds the same networks by these workload names.
 */
export const CIFAR_STEPS = {
  "resnet20-step": { model: "resnet-20", batch: RESNET.batch },
  "resnet20-4-step": { model: "resnet-20-4", batch: RESNET.batch },
  "resnet20-8-step": { model: "resnet-20-8", batch: RESNET.batch },
  "vgg16-step": { model: "vgg-16", batch: null },
} as const;
export type CifarStep = keyof typeof CIFAR_STEPS;
export const isCifarStep = (w: string): w is CifarStep => w in CIFAR_STEPS;
/**
 * The conv-aggregate row's runs: the narrow ResNet on CIFAR-10 (the JPEG copy, decoded), ResNet-20's SGD recipe
 * (constant rate, no augmentation), and the final evaluation on the 10k test images.
 */
export const CONV_AGGREGATE = { model: "resnet-20-4", dataset: "cifar10-jpeg" };
/** Conv-2's step: MNIST, SGD with momentum, batch 60. */
export const CONV2 = { batch: 60, lr: 0.01, momentum: 0.9 };

/** One timed repetition, as a child reports it. */
export interface Timing {
  units: number;
  seconds: number;
  /** CPU time of the whole process (all its threads) during the repetition. */
  cpuSeconds: number;
  /** Threads that did at least a quarter of the busiest thread's work (a compute pool's threads share it about evenly; V8's GC and compiler helpers stay below): what "1 thread" must show. */
  threads: number;
}

/** CPU ticks per thread of this process, from /proc (Linux); empty elsewhere. */
export function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  let tasks: string[] = [];
  try {
    tasks = readdirSync("/proc/self/task");
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const s = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      out.set(t, Number(f[11]) + Number(f[12]));
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** How many threads worked between two snapshots (at least a quarter of the busiest one's ticks). */
export function busyThreads(before: Map<string, number>, after: Map<string, number>): number {
  const d = [...after].map(([t, v]) => v - (before.get(t) ?? 0)).filter((v) => v > 0);
  if (!d.length) return 0;
  const top = Math.max(...d);
  return d.filter((v) => v >= 0.25 * top).length;
}

export const median = (xs: number[]): number => quantile(xs, 0.5);

/** Linear-interpolated quantile (numpy's default). */
export function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/**
 * Relative half-width of the median's ~95 % interval (the box plot's notch, 1.58 IQR / sqrt(n)), as a
 * fraction of the median: when it is at most 5 %, two runs of the benchmark agree within about 10 %.
 */
export function medianUncertainty(xs: number[]): number {
  if (xs.length < 2) return Infinity;
  const iqr = quantile(xs, 0.75) - quantile(xs, 0.25);
  return (1.58 * iqr) / Math.sqrt(xs.length) / median(xs);
}
