/**
 * A native BLAS (OpenBLAS) for the wasm backend's matrix products, called through the koffi FFI on views
 * of the wasm heap: no copies, and this core's native GEMM (AVX2/FMA) where WebAssembly SIMD reaches
 * about half of it. Optional: without koffi or a library that exports cblas_sgemm, nothing here loads and
 * the wasm backend keeps XNNPACK's products.
 *
 * Reproducibility: OpenBLAS picks its kernels by CPU at run time (DYNAMIC_ARCH) and splits products over
 * threads; pinned to one thread here, a product's bits depend only on the operands and the kernel set it
 * reports (`openblas_get_corename`), so that name is part of the backend's identity (backend-choice.ts).
 * Left to itself OpenBLAS would pick SkylakeX kernels on one machine and Zen on another, and the same config
 * would train to other bits; so on every x86-64 CPU with AVX2 and FMA the kernel set is pinned to one,
 * `PINNED_KERNELS` (unless OPENBLAS_CORETYPE names another), and a result reproduces bit for bit across
 * such machines. Parallelism comes from the worker pool, one run per thread, as on plain wasm.
 */

import { readFileSync } from "node:fs";

/** cblas enums (cblas.h). */
const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

export interface Blas {
  /** C[m,n] = op(A) op(B), row-major, on float32 views. */
  sgemm(transposeA: boolean, transposeB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array): void;
  /** What computes the products, e.g. "OpenBLAS 0.3.21, Zen kernels" (recorded in provenance). */
  description: string;
  /** The kernel set's name, part of a run's identity (e.g. "openblas-zen"). */
  tag: string;
}

/**
 * The kernel set every AVX2/FMA machine uses: Zen, the set that computed the committed wasm-blas results
 * (checked: on an Intel Xeon, pinned to Zen, a run trains to the committed bits; left to pick, it chose SkylakeX).
 */
export const PINNED_KERNELS = "Zen";

/**
 * The kernel set to pin on this CPU: `PINNED_KERNELS` on x86-64 with AVX2 and FMA, unless OPENBLAS_CORETYPE
 * already names one (then OpenBLAS takes that, and the run is named by it); else none.
 */
export function kernelsToPin(env: NodeJS.ProcessEnv = process.env, cpuFlags: () => string[] = linuxCpuFlags): string | undefined {
  if (env.OPENBLAS_CORETYPE) return undefined;
  const flags = cpuFlags();
  return process.arch === "x64" && flags.includes("avx2") && flags.includes("fma") ? PINNED_KERNELS : undefined;
}

/** The first CPU's feature flags from /proc/cpuinfo; none where there is no such file. */
function linuxCpuFlags(): string[] {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags"));
    return line ? line.split(":")[1].trim().split(/\s+/) : [];
  } catch {
    return [];
  }
}

/** Library names tried in order; LOTTERY_BLAS_LIBRARY names another (a path or a soname). */
const CANDIDATES = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll"];

let loaded: Blas | null | undefined;
let failure = "";

/** The native BLAS, or null when it cannot be loaded here (see `blasUnavailableReason`). */
export function loadBlas(): Blas | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.LOTTERY_BLAS === "off") {
    failure = "LOTTERY_BLAS=off";
    return null;
  }
  let koffi: typeof import("koffi");
  try {
    koffi = require("koffi");
  } catch {
    failure = "the koffi package is not installed (npm install)";
    return null;
  }
  const names = process.env.LOTTERY_BLAS_LIBRARY ? [process.env.LOTTERY_BLAS_LIBRARY] : CANDIDATES;
  // OpenBLAS reads OPENBLAS_CORETYPE once, when it loads; set only for that, so that other programs this
  // process starts (PyTorch in the bench) keep their own choice.
  const pin = kernelsToPin();
  if (pin) process.env.OPENBLAS_CORETYPE = pin;
  try {
    loaded = openFirst(koffi, names);
  } finally {
    if (pin) delete process.env.OPENBLAS_CORETYPE;
  }
  failure = loaded ? "" : failure || `no OpenBLAS library found (tried ${names.join(", ")}); install it (apt-get install libopenblas0-pthread) or set LOTTERY_BLAS_LIBRARY`;
  return loaded;
}

/** The first of `names` that loads and exports OpenBLAS's functions, set to one thread; null if none does. */
function openFirst(koffi: typeof import("koffi"), names: string[]): Blas | null {
  for (const name of names) {
    let lib: ReturnType<typeof koffi.load>;
    try {
      lib = koffi.load(name);
    } catch {
      continue;
    }
    try {
      // Plain `float *` parameters: koffi passes a typed array's own memory (here the wasm heap), not a copy.
      const gemm = lib.func("void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, float *a, int lda, float *b, int ldb, float beta, float *c, int ldc)");
      const setThreads = lib.func("void openblas_set_num_threads(int)");
      const corename = lib.func("const char *openblas_get_corename()")() as string;
      const config = lib.func("const char *openblas_get_config()")() as string;
      setThreads(1);
      const version = /OpenBLAS\s+([\d.]+)/.exec(config)?.[1] ?? "unknown version";
      return {
        sgemm(transposeA, transposeB, m, n, k, a, b, c) {
          gemm(ROW_MAJOR, transposeA ? TRANS : NO_TRANS, transposeB ? TRANS : NO_TRANS, m, n, k, 1, a, transposeA ? m : k, b, transposeB ? k : n, 0, c, n);
        },
        description: `OpenBLAS ${version} (${corename} kernels, 1 thread) via koffi`,
        tag: `openblas-${corename.toLowerCase()}`,
      };
    } catch {
      failure = `${name} does not export OpenBLAS's cblas_sgemm and openblas_get_corename`;
    }
  }
  return null;
}

/** Why `loadBlas()` gave null ("" when it did not). */
export function blasUnavailableReason(): string {
  loadBlas();
  return failure;
}
