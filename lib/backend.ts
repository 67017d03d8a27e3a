import * as tf from "@tensorflow/tfjs";
import { UserError } from "./util/errors";
import { registerWasmFastKernels } from "./kernels/wasm";
import { BackendName, backendFor, defaultBackend, nativePackage } from "./backend-choice";
import { blasUnavailableReason, loadBlas } from "./kernels/blas";
import { useBlas } from "./kernels/blas-matmul";
import { registerWebgpu, unregisterWebgpu } from "./webgpu/start";
import { describeAdapter } from "./webgpu/adapter";
import { registerTensorflowKernels } from "./kernels/tensorflow";
import { nativeTag, pinTensorflowSettings } from "./kernels/tensorflow-settings";

// Before tfjs-node can load in this process (see tensorflow-settings.ts).
pinTensorflowSettings();

/**
 * Activates the tfjs backend a piece of work needs (see backend-choice.ts: conv nets on tfjs-node when it
 * is installed, the rest on wasm; LOTTERY_BACKEND forces one). A thread may switch between backends from
 * one run to the next; every run disposes its tensors, so nothing crosses over.
 */
export { BACKENDS, BackendName, backendFor } from "./backend-choice";

export interface BackendInfo {
  name: BackendName;
  /** The package that provided it, e.g. "@tensorflow/tfjs-node". */
  source: string;
  /** wasm-blas: the library that computes its matrix products. */
  blas?: string;
  /** webgpu: the adapter (GPU, or a CPU driver such as lavapipe) and its driver. */
  adapter?: string;
  /** tensorflow: its kernel settings, as in the run identity (kernels/tensorflow-settings.ts). */
  kernels?: string;
  tfjsVersion: string;
}

let wasmKernels: Promise<void> | null = null;
let queue: Promise<unknown> = Promise.resolve();

async function activate(name: BackendName): Promise<BackendInfo> {
  const blas = name === "wasm-blas" ? loadBlas() : null;
  if (name === "wasm-blas" && !blas) throw new UserError(`the wasm-blas backend needs OpenBLAS: ${blasUnavailableReason()}; or unset LOTTERY_BACKEND.`);
  // wasm-blas is tfjs's wasm backend with matrix products sent to the native BLAS.
  const tfjsName = name === "wasm-blas" ? "wasm" : name;
  let source = tfjsName === "wasm" ? "@tensorflow/tfjs-backend-wasm" : "@tensorflow/tfjs-backend-cpu";
  if (name === "tensorflow") {
    const pkg = nativePackage();
    if (!pkg) throw new UserError("the tensorflow backend (tfjs-node) is not installed; run `npm run native`, or unset LOTTERY_BACKEND.");
    require(pkg);
    source = pkg.includes(".native") ? "@tensorflow/tfjs-node (built by npm run native)" : pkg;
  }
  if (tfjsName === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  const gpu = name === "webgpu" ? await registerWebgpu() : null;
  if (gpu) source = gpu.source;
  if (tf.getBackend() !== tfjsName) {
    if (!tf.findBackend(tfjsName) && !tf.engine().registryFactory[tfjsName]) throw new UserError(`backend "${name}" is not available; unset LOTTERY_BACKEND to pick per model.`);
    if (!(await tf.setBackend(tfjsName))) {
      // tfjs stays pointed at a backend that failed to initialise unless it is removed; the others stay usable.
      if (name === "webgpu") unregisterWebgpu();
      throw new UserError(`backend "${name}" could not be initialised; unset LOTTERY_BACKEND to pick per model.`);
    }
    await tf.ready();
  }
  if (tfjsName === "wasm") await (wasmKernels ??= registerWasmFastKernels());
  if (name === "tensorflow") registerTensorflowKernels();
  useBlas(name === "wasm-blas");
  return { name, source, ...(blas ? { blas: blas.description } : {}), ...(name === "tensorflow" ? { kernels: nativeTag() } : {}), ...(gpu ? { adapter: describeAdapter(gpu.adapter) } : {}), tfjsVersion: tf.version.tfjs };
}

/**
 * Makes the backend for `model` (or, without one, the default: see defaultBackend) the active
 * one and says which it is. Calls are serialised so that two concurrent callers never interleave a switch.
 */
export function initBackend(model?: string): Promise<BackendInfo> {
  const name = model ? backendFor(model) : defaultBackend();
  const next = queue.then(() => activate(name));
  queue = next.catch(() => undefined);
  return next;
}

export { tf };
