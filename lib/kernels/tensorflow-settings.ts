import { readFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

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

/**
 * What tfjs-node runs with, for the run identity: "onednn-avx2-1thread" with the settings above on an
 * AVX2 machine; any other setting or CPU gives another tag, so the cache never mixes their bits.
 */
export function nativeTag(env: NodeJS.ProcessEnv = process.env): string {
  const onednn = env.TF_ENABLE_ONEDNN_OPTS === "1";
  const isa = (env.ONEDNN_MAX_CPU_ISA ?? "all").toLowerCase();
  const kernels = onednn ? `onednn-${isa === "avx2" && !cpuHasAvx2() ? "below-avx2" : isa}` : "eigen";
  return `${kernels}-${env.TF_NUM_INTRAOP_THREADS ?? "default"}thread`;
}
