import { existsSync, readFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";
import { UserError } from "../util/errors";
import { tensorflowOpsPath } from "./tensorflow-ops";

/**
 * TensorFlow's settings for tfjs-node, fixed so that a run's bits follow from its config: oneDNN's
 * kernels on (TensorFlow's C library leaves them off; measured here they make a ResNet-20 convolution
 * about twice as fast), oneDNN capped at AVX2 (it picks its kernels by CPU at run time, and the cap makes
 * every AVX2-or-better machine run the same ones), and one intra-op thread (the pool runs one worker per
 * core; a reduction split across threads would round otherwise). A setting already in the environment is
 * kept, and named in the run identity (`nativeTag`).
 */
export const TENSORFLOW_SETTINGS = {
  TF_ENABLE_ONEDNN_OPTS: "1",
  ONEDNN_MAX_CPU_ISA: "AVX2",
  TF_NUM_INTRAOP_THREADS: "1",
  TF_NUM_INTEROP_THREADS: "1",
} as const;

/**
 * Puts the settings into the process environment, where TensorFlow reads them once it loads. Only the
 * main thread can: a worker thread's process.env is a copy that the C library never sees, so the pool
 * calls this before it starts workers, and the library when it loads in a main thread.
 */
export function pinTensorflowSettings(): void {
  if (!isMainThread) return;
  for (const [key, value] of Object.entries(TENSORFLOW_SETTINGS)) if (process.env[key] === undefined) process.env[key] = value;
  // TensorFlow's start-up notes (oneDNN on, CPU features) at every worker's start: errors and warnings only.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= "1";
}

let avx2: boolean | undefined;

/** Whether the CPU has AVX2 (read from /proc/cpuinfo; false where that cannot be read). */
function cpuHasAvx2(): boolean {
  if (avx2 === undefined) {
    try {
      avx2 = /^flags\s*:.*\bavx2\b/m.test(readFileSync("/proc/cpuinfo", "utf8"));
    } catch {
      avx2 = false;
    }
  }
  return avx2;
}

/** Chooses the batch norm that trains on tfjs-node (see `projectBatchNorm`). */
export const BATCH_NORM_SETTING = "LOTTERY_TF_BATCH_NORM";

/**
 * Whether batch norm in training mode runs as the project's own kernels (kernels/native/lottery_ops.cc: two
 * passes over memory each way, with the ReLU after it fused; about twice as fast as TensorFlow's
 * FusedBatchNormV3, its gradient and ReLU's, and not the same bits) rather than TensorFlow's. The project's
 * where its library is built; LOTTERY_TF_BATCH_NORM=tensorflow keeps TensorFlow's (what computed the results
 * recorded before the project's existed: recomputing such a folder sets it), =project insists on the project's.
 */
export function projectBatchNorm(env: NodeJS.ProcessEnv = process.env, built: () => boolean = () => existsSync(tensorflowOpsPath())): boolean {
  const setting = env[BATCH_NORM_SETTING];
  if (setting === "tensorflow") return false;
  if (setting === "project") {
    if (!built()) throw new UserError(`${BATCH_NORM_SETTING}=project needs the project's TensorFlow ops: run \`npm run native\`.`);
    return true;
  }
  if (setting) throw new UserError(`${BATCH_NORM_SETTING}="${setting}" is not a choice; use "project" or "tensorflow" (or unset it).`);
  return built();
}

/**
 * What tfjs-node runs with, for the run identity: "onednn-avx2-1thread-lottery-bn" with the settings above on
 * an AVX2 machine and the project's batch norm ("onednn-avx2-1thread" with TensorFlow's); any other setting
 * or CPU gives another tag, so the cache never mixes their bits. The project's other ops give the bits of
 * what they replace, so they are not named.
 */
export function nativeTag(env: NodeJS.ProcessEnv = process.env): string {
  const onednn = env.TF_ENABLE_ONEDNN_OPTS === "1";
  const isa = (env.ONEDNN_MAX_CPU_ISA ?? "all").toLowerCase();
  const kernels = onednn ? `onednn-${isa === "avx2" && !cpuHasAvx2() ? "below-avx2" : isa}` : "eigen";
  return `${kernels}-${env.TF_NUM_INTRAOP_THREADS ?? "default"}thread${projectBatchNorm(env) ? BATCH_NORM_TAG : ""}`;
}

/** What `nativeTag` adds for the project's batch norm. */
export const BATCH_NORM_TAG = "-lottery-bn";
