import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "./store/paths";
import { UserError } from "./util/errors";
import { loadBlas } from "./kernels/blas";
import { nativeTag } from "./kernels/tensorflow-settings";
import { backendPreference } from "./models/registry";
import { adapterTag, probeAdapter } from "./webgpu/adapter";

/**
 * Which tfjs backend computes what, decided without loading tfjs (the run cache needs it to name runs).
 * Measured here (bench/): tfjs-node (oneDNN) is the fastest for conv nets; for LeNet-sized MLPs the wasm
 * backend with the project's kernels beats it (tfjs-node's per-op overhead dominates small products), and
 * wasm-blas (the same, with matrix products through OpenBLAS, kernels/blas.ts) beats plain wasm by its
 * GEMM. So conv nets go to tfjs-node when it is installed, everything else to wasm-blas when OpenBLAS
 * loads, else wasm (each model declares which it prefers); LOTTERY_BACKEND forces one for all.
 * webgpu (tfjs on WebGPU through Dawn, webgpu/) is never chosen unasked: no GPU has measured it faster yet
 * (docs/backends.md), and the CPU driver it is tested on here is far slower than wasm.
 */
export const BACKENDS = ["tensorflow", "wasm-blas", "wasm", "cpu", "webgpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

const NATIVE_NAMES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"];
/** The regular packages, then the one `npm run native` builds in .native/. */
const NATIVE_CANDIDATES = [...NATIVE_NAMES, join(REPO_ROOT, ".native", "node_modules", "@tensorflow", "tfjs-node")];

let native: string | null | undefined;

/**
 * The tfjs-node package that is really installed and built, or null. The name alone proves nothing: the
 * danfo override aliases @tensorflow/tfjs-node to plain tfjs, so the package's own name and its built
 * binding are checked.
 */
export function nativePackage(): string | null {
  if (native !== undefined) return native;
  native = null;
  for (const candidate of NATIVE_CANDIDATES) {
    let manifest: string;
    try {
      manifest = require.resolve(`${candidate}/package.json`);
    } catch {
      continue;
    }
    const name = JSON.parse(readFileSync(manifest, "utf8")).name as string;
    const lib = join(dirname(manifest), "lib");
    const built = existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, "tfjs_binding.node")));
    if (NATIVE_NAMES.includes(name) && built) {
      native = candidate;
      break;
    }
  }
  return native;
}

/** Set when a figure recomputes a results folder on the backend it records (bin/figure.ts). */
let pinned: BackendName | null = null;

/**
 * Runs everything on `name` because the folder being recomputed records it: LOTTERY_BACKEND carries the choice to
 * the workers (and Slurm's), while `backendPinned` tells the placement that the folder chose it, not the user.
 */
export function pinBackend(name: BackendName): void {
  process.env.LOTTERY_BACKEND = name;
  pinned = name;
}

/** Whether LOTTERY_BACKEND holds the pin of `pinBackend` (and nothing the user set since). */
export const backendPinned = (): boolean => pinned !== null && process.env.LOTTERY_BACKEND === pinned;

export function forcedBackend(): BackendName | null {
  const requested = process.env.LOTTERY_BACKEND || undefined;
  if (requested === undefined) return null;
  if (!(BACKENDS as readonly string[]).includes(requested)) throw new UserError(`LOTTERY_BACKEND="${requested}" is not a backend; use one of: ${BACKENDS.join(", ")} (or unset it to pick per model).`);
  return requested as BackendName;
}

/** Each model declares its preference (lib/models/registry.ts): conv nets prefer tfjs-node. */
const prefersNative = (model: string) => backendPreference(model) === "native";

/** The backend of work that names no model: LOTTERY_BACKEND, else wasm-blas where OpenBLAS loads, else wasm. */
export function defaultBackend(): BackendName {
  return forcedBackend() ?? (loadBlas() ? "wasm-blas" : "wasm");
}

/** The backend that trains and evaluates a model's runs. */
export function backendFor(model: string): BackendName {
  return prefersNative(model) && nativePackage() && !forcedBackend() ? "tensorflow" : defaultBackend();
}

/**
 * What a run's identity adds for the backend that computes it: nothing for wasm (every earlier run keeps
 * its hash), the backend's name otherwise, for wasm-blas the BLAS kernel set too (OpenBLAS picks its
 * kernels by CPU), for tensorflow its kernel settings (kernels/tensorflow-settings.ts), and for webgpu the adapter (vendor and device: GPUs need not round alike). Backends do
 * not agree to the last bit, so the cache never mixes them; the same config on the same backend stays
 * bit-identical.
 */
export function backendTag(model: string): { backend?: string } {
  const b = backendFor(model);
  if (b === "wasm") return {};
  if (b === "wasm-blas") return { backend: `wasm-blas/${loadBlas()?.tag ?? "unavailable"}` };
  if (b === "webgpu") {
    const probe = probeAdapter();
    return { backend: `webgpu/${probe.ok ? adapterTag(probe.adapter) : "unavailable"}` };
  }
  if (b === "tensorflow") return { backend: `tensorflow/${nativeTag()}` };
  return { backend: b };
}
